"""Solver completions for the coding task (a Python 3 program reading standard input), as Qwen2.5-Coder-Instruct and
Llama-3-Instruct write them: with or without <think> and <answer> tags, one fence or several (a draft and a fix, a
shell command, sample output), explanations, example runs, indented code, truncation. `expected` is the program
the text gives as its answer, as `CodingTask().answer_key` normalizes it (blank lines dropped, trailing spaces
cut), or None where it gives none (cut off, no program, only another language). Written by hand.

The rule for thinking, shared with `extract_tagged_answer`: the answer comes after the last `</think>`; a
`<think>` left open means the completion was cut off before it answered.
"""

from __future__ import annotations

from selfplay.tasks import CodingTask
from tests.realtext import Case

SUM = "print(sum(map(int, input().split())))"
MAX = "nums = list(map(int, input().split()))\nprint(max(nums))"
EVENS = "nums = list(map(int, input().split()))\nprint(sum(1 for n in nums if n % 2 == 0))"
REVERSE = "nums = input().split()\nprint(' '.join(reversed(nums)))"
STDIN_SUM = "import sys\n\ndata = sys.stdin.read().split()\nprint(sum(int(x) for x in data))"
MAIN = """def main():
    nums = list(map(int, input().split()))
    print(max(nums) - min(nums))


if __name__ == "__main__":
    main()"""

_CASES: list[tuple[str, str | None, str]] = [
    # --- the tiny model's form and the solver template's own form --------------------------------------------------
    ("<answer>print(sum(map(int, input().split())))</answer>", SUM, "tiny model: program in tags"),
    ("<think>sum them</think><answer>print(sum(map(int, input().split())))</answer>", SUM, "think then tags"),
    (f"<think>\nI need to read the integers and add them up.\n</think>\n<answer>\n{SUM}\n</answer>", SUM,
     "tags on their own lines"),
    (f"<think>\nRead a line, split it, convert to int, take the max.\n</think>\n\n<answer>\n```python\n{MAX}\n```\n"
     "</answer>", MAX, "fence inside the tags"),
    (f"<think>Count evens.</think>\n<answer>\n```\n{EVENS}\n```\n</answer>", EVENS, "unlabelled fence inside tags"),
    (f"<think>reverse</think><answer>```python\n{REVERSE}\n```</answer>", REVERSE, "fence inside tags, no newlines"),
    (f"<think>\nOk.\n</think>\n<answer>\n```Python\n{STDIN_SUM}\n```\n</answer>", STDIN_SUM, "```Python in tags"),
    (f"<think>\nplan\n</think>\n<answer>\n```python\n{MAX}\n</answer>", MAX, "unclosed fence inside closed tags"),
    ("<think>\nThe answer is the product.\n</think>\n<answer>\n    from math import prod\n"
     "    print(prod(map(int, input().split())))\n</answer>",
     "from math import prod\nprint(prod(map(int, input().split())))", "indented code in tags"),
    ("<think>\nFirst I'd write print(1). Wait, that ignores input.\n</think>\n<answer>\n"
     "nums = [int(x) for x in input().split()]\n\nprint(min(nums))\n</answer>",
     "nums = [int(x) for x in input().split()]\nprint(min(nums))", "blank line inside the program"),
    (f"<think>\nLet me draft:\n<answer>print(0)</answer>\nNo, that is wrong.\n</think>\n<answer>{SUM}</answer>", SUM,
     "a draft in tags inside the thinking"),
    (f"<think>\nDraft:\n```python\nprint(0)\n```\nBetter to sum.\n</think>\n<answer>\n{SUM}\n</answer>", SUM,
     "a fenced draft in the thinking"),
    (f"<think>\nSum them.\n</think>\n\nHere is the program.\n\n<answer>\n```python\n{SUM}\n```\n</answer>\n\n"
     "This reads the line and prints the sum.", SUM, "prose around the tags"),
    (f"<think>\nhmm\n</think>\n<answer>\nHere is my solution:\n```python\n{MAX}\n```\nIt prints the maximum.\n</answer>",
     MAX, "prose and a fence inside the tags"),
    ("<think>\nlet me think about", None, "cut off while thinking"),
    (f"<think>\nThe program is\n```python\n{SUM}\n```\nbut let me double check the edge cases, e.g. an empty",
     None, "cut off while thinking after a fenced draft"),
    (f"<think>\nSimple.\n<answer>{SUM}</answer>", None, "answer tags inside an unclosed think: cut off"),
    ("<think>\nSum.\n</think>\n<answer>\nimport sys\nprint(sum(map(int, sys.stdin.read().split()))",
     None, "cut off inside the answer tags"),
    ("<think>\nsum\n</think>\n<answer></answer>", None, "empty tags"),
    ("<think>\nsum\n</think>\n<answer>\n```python\n```\n</answer>", None, "an empty fence in tags"),
    ("<think>\nsum\n</think>\n", None, "thinking and nothing after"),
    (f"<think>\nsum\n</think>\n<answer>\n```bash\necho 1 2 3 | python3 main.py\n```\n</answer>", None,
     "only a shell command in tags"),
    (f"</think>\n<answer>\n{MAIN}\n</answer>", MAIN, "the opening think in the prompt, only the close written"),
    (f"<think>\nA function and a main guard.\n</think>\n<answer>\n```python\n{MAIN}\n```\n</answer>", MAIN,
     "main guard in tags"),
    # --- Qwen2.5-Coder-Instruct without tags ---------------------------------------------------------------------
    (f"""To solve this problem, we read the integers from standard input and print their sum.

```python
{SUM}
```

### Explanation
1. `input().split()` splits the line into strings.
2. `map(int, ...)` turns them into integers.
3. `sum` adds them up.""", SUM, "qwen: fence then explanation"),
    (f"""Here's a Python program that solves the problem:

```python
{MAX}
```

### Example Usage

```bash
$ echo "3 9 2" | python3 solution.py
9
```""", MAX, "qwen: bash example after"),
    (f"""```python
{EVENS}
```

**Sample run:**
```text
Input: 1 2 3 4
Output: 2
```""", EVENS, "text fence with sample output after"),
    (f"""Certainly! Below is a Python program that reads a line of space-separated integers and prints them in reverse order.

```python
{REVERSE}
```

You can run this program and enter the numbers, for example:

```
1 2 3
```

Output:

```
3 2 1
```""", REVERSE, "unlabelled fences with sample input and output after"),
    (f"""To solve this, I'll use `sys.stdin`:

```python3
{STDIN_SUM}
```""", STDIN_SUM, "```python3"),
    (f"""```py
{SUM}
```""", SUM, "```py"),
    (f"""```Python3
{MAX}
```""", MAX, "```Python3"),
    (f"""Here is the solution:

```
{EVENS}
```""", EVENS, "only an unlabelled fence that reads input"),
    (f"""First, a simple version:

```python
nums = list(map(int, input().split()))
total = 0
for n in nums:
    total += n
print(total)
```

We can make it shorter:

```python
{SUM}
```""", SUM, "two versions: the last"),
    (f"""```python
{SUM}
```

To test it:

```python
assert sum(map(int, "1 2 3".split())) == 6
```""", SUM, "a test snippet after: the fence that reads input"),
    (f"""Here's how you could write it as a function:

```python
def second_largest(nums):
    values = sorted(set(nums))
    return values[-2]
```

And the full program reading from standard input:

```python
def second_largest(nums):
    values = sorted(set(nums))
    return values[-2]

nums = list(map(int, input().split()))
print(second_largest(nums))
```

Example:
```
$ python main.py
4 1 7 3
4
```""", """def second_largest(nums):
    values = sorted(set(nums))
    return values[-2]
nums = list(map(int, input().split()))
print(second_largest(nums))""", "function then full program"),
    (f"""Here is the code:

```python
{MAX}
```

Running it:

```python
>>> main()
```

Hope this helps!""", MAX, "a REPL fence after"),
    (f"""```python
{SUM}
```
```python
import sys
data = sys.stdin.read().split(""", None, "cut off inside a second fence"),
    (f"""Let me write the solution.

```python
nums = list(map(int, input().split()))
print(sum(n for n in nums if n""", None, "cut off inside the only fence"),
    (f"""```python
{SUM}
```

Explanation:

```""", None, "an unclosed fence at the end"),
    (f"""The solution reads the numbers and prints the sum:

    {SUM}

That's it.""", None, "indented code without a fence"),
    (SUM, None, "a bare program: no tags, no fence"),
    ("The answer is 6.", None, "no program at all"),
    ("```bash\npython3 -c \"print(sum(map(int, input().split())))\"\n```", None, "only a shell one-liner"),
    ("```text\n6\n```", None, "only sample output"),
    ("```\n6\n```", None, "an unlabelled fence without a program"),
    ("```javascript\nconst nums = require('fs').readFileSync(0, 'utf8').split(' ').map(Number);\n"
     "console.log(nums.reduce((a, b) => a + b, 0));\n```", None, "another language"),
    ("I'm sorry, I can't write that program.", None, "a refusal"),
    ("", None, "empty"),
    (f"""1. Read the input:
   ```python
   nums = list(map(int, input().split()))
   print(sum(nums))
   ```
2. That's all.""", "nums = list(map(int, input().split()))\nprint(sum(nums))", "a fence indented in a list"),
    (f"""Solution:

    ```python
    def solve():
        nums = list(map(int, input().split()))
        print(len(set(nums)))

    solve()
    ```""", "def solve():\n    nums = list(map(int, input().split()))\n    print(len(set(nums)))\nsolve()",
     "a whole fence indented four spaces"),
    ("""```python
  a = list(map(int, input().split()))
  print(a[0] + a[-1])
```""", "a = list(map(int, input().split()))\nprint(a[0] + a[-1])", "indented body in a fence"),
    ("""Here's my answer:
```python
import sys

def main() -> None:
    numbers = [int(token) for token in sys.stdin.read().split()]
    if not numbers:
        print(0)
        return
    print(max(numbers) * min(numbers))

main()
```
Complexity: O(n).""", """import sys
def main() -> None:
    numbers = [int(token) for token in sys.stdin.read().split()]
    if not numbers:
        print(0)
        return
    print(max(numbers) * min(numbers))
main()""", "type hints, early return"),
    ("""```python
# Read the integers
nums = list(map(int, input().split()))

# Count the ones greater than the average
avg = sum(nums) / len(nums)
print(sum(1 for x in nums if x > avg))
```""", """# Read the integers
nums = list(map(int, input().split()))
# Count the ones greater than the average
avg = sum(nums) / len(nums)
print(sum(1 for x in nums if x > avg))""", "comments in the program"),
    ('''```python
s = input()
print("```" in s)
```''', 's = input()\nprint("```" in s)', "three backticks inside a line of the program"),
    ("""```python
nums = list(map(int, input().split()))
print(' '.join(str(x * 2) for x in nums))
```""", "nums = list(map(int, input().split()))\nprint(' '.join(str(x * 2) for x in nums))", "plain one fence"),
    ("""```python
n = list(map(int, input().split()))
print("YES" if n == sorted(n) else "NO")
```

```output
YES
```""", "n = list(map(int, input().split()))\nprint(\"YES\" if n == sorted(n) else \"NO\")", "output fence after"),
    ("""I'll solve it step by step.

**Step 1:** read the numbers with `input().split()`.

**Step 2:** count the zeros.

```python
print(input().split().count("0"))
```

**Example:** for `0 1 0` the program prints `2`.""", "print(input().split().count(\"0\"))", "steps then the fence"),
    ("""```python
from functools import reduce
from math import gcd

nums = list(map(int, input().split()))
print(reduce(gcd, nums))
```

```sh
$ echo "12 18" | python gcd.py
6
```""", "from functools import reduce\nfrom math import gcd\nnums = list(map(int, input().split()))\n"
            "print(reduce(gcd, nums))", "sh fence after"),
    ("""Here's the solution in Python:

```python
def count_peaks(a):
    return sum(1 for i in range(1, len(a) - 1) if a[i - 1] < a[i] > a[i + 1])
```

This function counts the peaks.""", "def count_peaks(a):\n    return sum(1 for i in range(1, len(a) - 1) if "
                                        "a[i - 1] < a[i] > a[i + 1])", "a function only: the only Python fence"),
    # --- Llama-3-Instruct ------------------------------------------------------------------------------------------
    ("""Here is a Python program that solves the problem:
```
nums = [int(x) for x in input().split()]
print(sum(x for x in nums if x % 2 != 0))
```
Here's an explanation of the code:

1. We read the input line and split it into a list of integers.
2. We sum the odd ones.

Example use case:

* Input: `1 2 3 4 5`
* Output: `9`""", "nums = [int(x) for x in input().split()]\nprint(sum(x for x in nums if x % 2 != 0))",
     "llama: unlabelled fence"),
    ("""Here is a Python 3 program that solves the problem:
```python
numbers = list(map(int, input().split()))
print(len([n for n in numbers if n > 0]))
```
Let me know if you have any questions!""", "numbers = list(map(int, input().split()))\n"
                                          "print(len([n for n in numbers if n > 0]))", "llama: python fence"),
    ("""Here is the solution:
```
def main():
    nums = list(map(int, input().split()))
    print(nums[len(nums) // 2])

if __name__ == "__main__":
    main()
```
This program reads the input, finds the middle element and prints it.

You can test it with the following input:
```
1 2 3
```
Output:
```
2
```""", "def main():\n    nums = list(map(int, input().split()))\n    print(nums[len(nums) // 2])\n"
         "if __name__ == \"__main__\":\n    main()", "llama: unlabelled program then sample fences"),
    ("""<answer>
nums = list(map(int, input().split()))
print(sum(1 for i in range(len(nums) - 1) if nums[i] == nums[i + 1]))
</answer>""", "nums = list(map(int, input().split()))\n"
              "print(sum(1 for i in range(len(nums) - 1) if nums[i] == nums[i + 1]))", "llama: tags, no think"),
    ("""<think>
To solve this problem, I need to read the input, then count.
</think>

<answer>
```python
a = list(map(int, input().split()))
print(sum(1 for x in a if x % 3 == 0))
```
</answer>

Let me know if you have any questions!""", "a = list(map(int, input().split()))\nprint(sum(1 for x in a if x % 3 == 0))",
     "llama: think, tags, sign-off"),
    ("""Here is the Python program:

```python
import math
nums = list(map(int, input().split()))
print(sum(1 for n in nums if n >= 0 and math.isqrt(n) ** 2 == n))
```

**Explanation:**

* `math.isqrt(n)` gives the integer square root.
* We check whether squaring it gives back `n`.""",
     "import math\nnums = list(map(int, input().split()))\nprint(sum(1 for n in nums if n >= 0 and "
     "math.isqrt(n) ** 2 == n))", "llama: bulleted explanation"),
    ("""Here's a simple Python program to solve the problem:

```python
# Get the input from the user
user_input = input()

# Split the input into a list of integers
numbers = [int(num) for num in user_input.split()]

# Print the last minus the first
print(numbers[-1] - numbers[0])
```

This program works by:

1. Reading the input.
2. Converting it.
3. Printing the difference.""", """# Get the input from the user
user_input = input()
# Split the input into a list of integers
numbers = [int(num) for num in user_input.split()]
# Print the last minus the first
print(numbers[-1] - numbers[0])""", "llama: commented steps"),
    ("""Here is a Python solution for the problem:

```python
nums = list(map(int, input().split()))
print(sum(nums) // len(nums))
```

Here's how you can run the program:

```
python program.py
```

Then enter `1 2 3` and press Enter. The output will be `2`.""",
     "nums = list(map(int, input().split()))\nprint(sum(nums) // len(nums))", "a run command in an unlabelled fence"),
    ("""```python
def main():
    nums = list(map(int, input().split()))
    result = 0
    for i, x in enumerate(nums):
        if i % 2 == 0:
            result += x
        else:
            result -= x
    print(result)


main()
```""", """def main():
    nums = list(map(int, input().split()))
    result = 0
    for i, x in enumerate(nums):
        if i % 2 == 0:
            result += x
        else:
            result -= x
    print(result)
main()""", "blank lines in the program"),
    ("""Sure! Here's the program:

```python
x = list(map(int, input().split()))
print(x.index(max(x)))
```

And here's the same in C++ for comparison:

```cpp
#include <bits/stdc++.h>
int main() { return 0; }
```""", "x = list(map(int, input().split()))\nprint(x.index(max(x)))", "a C++ fence after"),
    ("""```cpp
#include <iostream>
int main() { int x, s = 0; while (std::cin >> x) s += x; std::cout << s; }
```""", None, "only C++"),
    ("""Python solution:

```python
import sys
nums = list(map(int, sys.stdin.readline().split()))
print(max(nums) - min(nums))
```

Output for `3 1 4 1 5`:

```python
4
```""", "import sys\nnums = list(map(int, sys.stdin.readline().split()))\nprint(max(nums) - min(nums))",
     "sample output in a python fence after: the fence that reads input"),
    ("""<answer>
def solve():
    a = list(map(int, input().split()))
    seen = set()
    out = []
    for x in a:
        if x not in seen:
            seen.add(x)
            out.append(str(x))
    print(" ".join(out))

solve()
</answer>""", """def solve():
    a = list(map(int, input().split()))
    seen = set()
    out = []
    for x in a:
        if x not in seen:
            seen.add(x)
            out.append(str(x))
    print(" ".join(out))
solve()""", "nested blocks in tags"),
    ("""<think>
We need the XOR.
</think>
<answer>
```python
from functools import reduce
print(reduce(lambda a, b: a ^ b, map(int, input().split())))
```
</answer>
<answer>
```python
print(0)
```
</answer>""", None, "two different answers, nothing says which: neither"),
    ("""<think>
xor
</think>
<answer>
print(0)
</answer>
Wait, that ignores the input. Corrected:
<answer>
```python
from functools import reduce
print(reduce(lambda a, b: a ^ b, map(int, input().split())))
```
</answer>""", "from functools import reduce\nprint(reduce(lambda a, b: a ^ b, map(int, input().split())))",
     "a corrected answer: the last"),
    ("""<think>
count sign changes
</think>
```python
a = list(map(int, input().split()))
print(sum((a[i] < 0) != (a[i + 1] < 0) for i in range(len(a) - 1)))
```""", "a = list(map(int, input().split()))\nprint(sum((a[i] < 0) != (a[i + 1] < 0) for i in range(len(a) - 1)))",
     "think, then a fence without tags"),
    ("""<think>
Plan: use sorted.
```python
print(sorted(input().split()))
```
That sorts strings, wrong.
</think>
```python
nums = sorted(map(int, input().split()))
print(*nums)
```""", "nums = sorted(map(int, input().split()))\nprint(*nums)", "a wrong draft in the thinking, the fix after"),
    ("""<think>
Plan: use sorted.
</think>
I think the answer is to sort.""", None, "think, then prose only"),
    ("""<think>
</think>
<answer>
print(len(input().split()))
</answer>""", "print(len(input().split()))", "empty thinking"),
    ("""```python
print(sum(map(int, input().split())))```""", SUM, "a closing fence glued to the code: read as never closed"),
    ("""```python print(sum(map(int, input().split())))```""", SUM, "a one-line fence: not read"),
    ("""Here you go: ```python
print(max(map(int, input().split())))
```""", "print(max(map(int, input().split())))", "a fence opened mid-line: not read"),
    ("<answer>" + "`" * 20000 + "</answer>", None, "20,000 backticks in tags"),
    # --- more, one text each ---------------------------------------------------------------------------------------
    ("""<think>
The problem: print YES if any value repeats.
I can compare len(set(a)) with len(a).
</think>
<answer>
a = input().split()
print("YES" if len(set(a)) < len(a) else "NO")
</answer>""", 'a = input().split()\nprint("YES" if len(set(a)) < len(a) else "NO")', "YES/NO program in tags"),
    ("""<think>
Edge case: the line may be empty? No, at least one integer.
</think>
<answer>
```python
import sys

def main():
    vals = list(map(int, sys.stdin.buffer.read().split()))
    print(sum(v for v in vals if v > 0))

main()
```
</answer>""", "import sys\ndef main():\n    vals = list(map(int, sys.stdin.buffer.read().split()))\n"
              "    print(sum(v for v in vals if v > 0))\nmain()", "stdin.buffer"),
    ("""<think>Use open(0).</think><answer>print(sum(map(int, open(0).read().split())))</answer>""",
     "print(sum(map(int, open(0).read().split())))", "open(0)"),
    ("""```python
print(sum(map(int, open(0).read().split())))
```""", "print(sum(map(int, open(0).read().split())))", "open(0) in a fence"),
    ("""Let me think about this.

The numbers are on one line, so `input()` is enough.

```python
line = input()
values = line.split()
print(len(values))
```

For the input `4 5 6` this prints `3`.""", "line = input()\nvalues = line.split()\nprint(len(values))",
     "prose, a fence, an example"),
    ("""**Solution**

```python
nums = list(map(int, input().split()))
best = cur = 1
for i in range(1, len(nums)):
    cur = cur + 1 if nums[i] == nums[i - 1] else 1
    best = max(best, cur)
print(best)
```

**Complexity:** O(n) time, O(n) memory.""", """nums = list(map(int, input().split()))
best = cur = 1
for i in range(1, len(nums)):
    cur = cur + 1 if nums[i] == nums[i - 1] else 1
    best = max(best, cur)
print(best)""", "a bold heading"),
    ("""### Approach
Sort and take the middle.

### Code
```python
a = sorted(map(int, input().split()))
print(a[len(a) // 2])
```

### Test
```
Input: 3 1 2
Output: 2
```""", "a = sorted(map(int, input().split()))\nprint(a[len(a) // 2])", "markdown sections, a test fence"),
    ("""```python
nums = list(map(int, input().split()))
print(min(nums))
```

Wait, the problem asks for the smallest absolute value. Corrected:

```python
nums = list(map(int, input().split()))
print(min(abs(n) for n in nums))
```""", "nums = list(map(int, input().split()))\nprint(min(abs(n) for n in nums))", "a correction: the last"),
    ("""```python
nums = list(map(int, input().split()))
print(min(nums))
```

Wait, the problem asks for the smallest absolute value. Corrected:

```python
nums = list(map(int, input().split()))
print(min(abs(n) for n""", None, "a correction cut off"),
    ("""Here's a solution:

```python
def solve(line):
    return sum(int(x) ** 2 for x in line.split())

print(solve(input()))
```

Let's test it:

```python
print(solve("1 2 3"))  # 14
```""", "def solve(line):\n    return sum(int(x) ** 2 for x in line.split())\nprint(solve(input()))",
     "a check call after: the fence that reads input"),
    ("""<answer>
    nums = list(map(int, input().split()))
    if len(nums) < 2:
        print(0)
    else:
        print(max(abs(a - b) for a, b in zip(nums, nums[1:])))
</answer>""", """nums = list(map(int, input().split()))
if len(nums) < 2:
    print(0)
else:
    print(max(abs(a - b) for a, b in zip(nums, nums[1:])))""", "everything indented four spaces in tags"),
    ("""<answer>
```python
	nums = input().split()
	print(nums[-1])
```
</answer>""", "nums = input().split()\nprint(nums[-1])", "tab-indented code"),
    ("""The answer:
```python

nums = list(map(int, input().split()))

print(nums[0])

```""", "nums = list(map(int, input().split()))\nprint(nums[0])", "blank lines at the fence's ends"),
    ("""```python
nums = list(map(int, input().split()))   
print(sum(nums[::2]))   
```""", "nums = list(map(int, input().split()))\nprint(sum(nums[::2]))", "trailing spaces"),
    ("```python\r\nnums = list(map(int, input().split()))\r\nprint(sum(nums[1::2]))\r\n```\r\n",
     "nums = list(map(int, input().split()))\nprint(sum(nums[1::2]))", "CRLF line ends"),
    ("""<think>
Use Counter.
</think>
<answer>
from collections import Counter
c = Counter(input().split())
print(sum(1 for v in c.values() if v == 1))
</answer>
Explanation: Counter counts each value, then we count the values seen once.""",
     "from collections import Counter\nc = Counter(input().split())\nprint(sum(1 for v in c.values() if v == 1))",
     "explanation after the tags"),
    ("""<think>
Need 1-based positions.
</think>
<answer>
a = list(map(int, input().split()))
print(' '.join(str(x * i) for i, x in enumerate(a, 1)))
</answer>

```python
# alternative
print(0)
```""", "a = list(map(int, input().split()))\nprint(' '.join(str(x * i) for i, x in enumerate(a, 1)))",
     "a fence after the tags: the tags win"),
    ("""<think>
Think.
</think>
The program is:
<answer>
nums = list(map(int, input().split()))
print(nums.count(7))
</answer>""", "nums = list(map(int, input().split()))\nprint(nums.count(7))", "prose before the tags"),
    ("""\\boxed{print(sum(map(int, input().split())))}""", SUM, "a boxed program: a box means nothing for code, not read"),
    ("""<think>
Let me make sure about negatives: -19 % 10 is 1 in Python, so use abs.
</think>
<answer>
print(sum(abs(int(x)) % 10 for x in input().split()))
</answer>""", "print(sum(abs(int(x)) % 10 for x in input().split()))", "modulo in the program"),
    ("""<think>
Two largest: sort descending.
</think>
<answer>
```python3
a = sorted(map(int, input().split()), reverse=True)
print(a[0] + a[1])
```
</answer>""", "a = sorted(map(int, input().split()), reverse=True)\nprint(a[0] + a[1])", "```python3 in tags"),
    ("""Here is the program:

```python
nums = list(map(int, input().split()))
first = nums[0]
print(sum(1 for x in nums if x > first))
```

**Test cases:**

```
3 1 4 5 -> 2
7 -> 0
```""", "nums = list(map(int, input().split()))\nfirst = nums[0]\nprint(sum(1 for x in nums if x > first))",
     "test table fence after"),
    ("""```python
import sys
nums = [int(x) for x in sys.stdin.read().split()]
odd = sum(nums[0::2])
even = sum(nums[1::2])
print(odd - even)
```

```
$ echo "1 2" | python3 a.py
-1
```""", "import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nodd = sum(nums[0::2])\n"
         "even = sum(nums[1::2])\nprint(odd - even)", "unlabelled shell run after"),
    ("""Here's the code.

```python
nums = list(map(int, input().split()))
print(sum(x for x in nums if x % 2 == 0) * sum(x for x in nums if x % 2))
```

I hope this helps! Let me know if you'd like the version that uses a loop:

```python
def product_of_sums(nums):
    even = odd = 0
    for x in nums:
        if x % 2:
            odd += x
        else:
            even += x
    return even * odd
```""", "nums = list(map(int, input().split()))\n"
         "print(sum(x for x in nums if x % 2 == 0) * sum(x for x in nums if x % 2))",
     "a helper function after: the fence that reads input"),
    ("""```
import sys
print(len(set(sys.stdin.read().split())))
```
```
1 2 2 3
```
```
3
```""", "import sys\nprint(len(set(sys.stdin.read().split())))", "three unlabelled fences: the one that reads"),
    ("""<think>
Simple.
</think>
<answer>
```python
print(max(map(int, input().split())) - min(map(int, input().split())))
```
</answer>""", "print(max(map(int, input().split())) - min(map(int, input().split())))",
     "a wrong program is still the answer"),
    ("""<think>
I'll write it.
</think>
<answer>
```python
nums = list(map(int, input().split()))
print(sum(nums))
```""", None, "cut off before the closing tag, fence closed: tags unclosed, no answer after"),
]


# --- combined from fragments (under a third of the corpus): the same programs wrapped the ways the models wrap them.
_PROGRAMS = [
    SUM,
    MAX,
    EVENS,
    REVERSE,
    STDIN_SUM,
    MAIN,
    "nums = list(map(int, input().split()))\nprint(sum(n * n for n in nums))",
    "a = input().split()\nprint(a[0])",
    "import sys\nvals = sys.stdin.read().split()\nprint(vals.count(vals[0]))",
]
_WRAPPERS = [
    lambda program: f"<think>\nOkay, straightforward.\n</think>\n<answer>\n```python\n{program}\n```\n</answer>",
    lambda program: f"Here's a solution:\n\n```python\n{program}\n```\n\nExample:\n```bash\n$ echo '1 2 3' | "
                    f"python main.py\n6\n```",
    lambda program: f"```Python\n{program}\n```\n\n**Output**\n```text\n6\n```",
    lambda program: f"1. The program:\n    ```python\n" + "\n".join("    " + line for line in program.splitlines())
                    + "\n    ```\n2. Run it.",
    lambda program: f"<think>\nDraft: print(0)\n</think>\n```python\n{program}\n```\nThis reads standard input.",
]

CASES: list[Case] = [Case(text, CodingTask().answer_key(program), note) for text, program, note in _CASES]
CASES += [Case(wrap(program), CodingTask().answer_key(program), f"combined: program {p}, wrapper {w}")
          for p, program in enumerate(_PROGRAMS) for w, wrap in enumerate(_WRAPPERS)]

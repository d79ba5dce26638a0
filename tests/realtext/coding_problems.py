"""Proposer completions for the coding task's topic prompt (one easy problem on a line of space-separated integers,
then 5 tests as `INPUT ||| OUTPUT`), as Qwen2.5-Coder-Instruct and Llama-3-Instruct write them: preambles, markdown
headings, numbered and bulleted tests, labels, backticks and bold, fences, solutions they were told not to write,
truncation. `expected` is the tests the text states, ((input, output), ...) in order, or None where no problem
should be read (cut off mid-test, two problems, too few tests, a test nobody could read). Written by hand.
"""

from __future__ import annotations

from tests.realtext import Case


def _t(*rows: str) -> tuple[tuple[str, str], ...]:
    """Tests written compactly: `_t("1 2 => 3", "4 => 4")`."""
    return tuple(tuple(part.strip() for part in row.split("=>")) for row in rows)  # type: ignore[misc]


CASES: list[Case] = [
    # --- the failures the issue lists, one of each -------------------------------------------------------------
    Case("""Problem: Given a list of space-separated integers, print the sum of the even numbers.

Test cases:
1. 1 2 3 4 ||| 6
2. 5 7 9 ||| 0
3. 2 2 2 ||| 6
4. -2 3 ||| -2
5. 10 ||| 10""", _t("1 2 3 4 => 6", "5 7 9 => 0", "2 2 2 => 6", "-2 3 => -2", "10 => 10"), "numbered 1."),
    Case("""Sum the even numbers on the line and print the total.

- 1 2 3 4 ||| 6
- 7 ||| 0
- 8 8 ||| 16
- -4 -3 ||| -4
- 0 1 ||| 0""", _t("1 2 3 4 => 6", "7 => 0", "8 8 => 16", "-4 -3 => -4", "0 1 => 0"), "dash bullets"),
    Case("""**Problem:** Read a line of space-separated integers and output the sum of the even ones.

**Test Cases:**
Input: 1 2 3 4 ||| Output: 6
Input: 1 3 5 ||| Output: 0
Input: 6 ||| Output: 6
Input: -8 8 ||| Output: 0
Input: 2 4 6 8 ||| Output: 20""",
         _t("1 2 3 4 => 6", "1 3 5 => 0", "6 => 6", "-8 8 => 0", "2 4 6 8 => 20"), "Input:/Output: labels"),
    Case("""Print the sum of all even integers in the input line.

Test cases:
`1 2 3 4 ||| 6`
`11 13 ||| 0`
`4 ||| 4`
`2 -2 2 ||| 2`
`100 1 ||| 100`""", _t("1 2 3 4 => 6", "11 13 => 0", "4 => 4", "2 -2 2 => 2", "100 1 => 100"), "whole line in backticks"),
    Case("""Print the sum of all even integers in the input line.

Test cases:
`1 2 3 4` ||| `6`
`9 9` ||| `0`
`12` ||| `12`
`-6 5 -6` ||| `-12`
`0 0 0` ||| `0`""", _t("1 2 3 4 => 6", "9 9 => 0", "12 => 12", "-6 5 -6 => -12", "0 0 0 => 0"), "each side in backticks"),
    Case("""Given space-separated integers, print the sum of the even ones.

**Test cases**
**1 2 3 4 ||| 6**
**3 5 ||| 0**
**14 ||| 14**
**-2 -2 ||| -4**
**1 2 ||| 2**""", _t("1 2 3 4 => 6", "3 5 => 0", "14 => 14", "-2 -2 => -4", "1 2 => 2"), "whole line in bold"),
    Case("""Print the sum of the even numbers among the integers.

Tests:
**1 2 3 4** ||| **6**
**5** ||| **0**
**2 3 4** ||| **6**
**-10 10** ||| **0**
**6 7 8** ||| **14**""", _t("1 2 3 4 => 6", "5 => 0", "2 3 4 => 6", "-10 10 => 0", "6 7 8 => 14"), "each side in bold"),
    Case("""Print the largest of the integers.

INPUT ||| OUTPUT
1 2 3 ||| 3
-1 -2 ||| -1
5 ||| 5
0 9 4 ||| 9
7 7 ||| 7""", _t("1 2 3 => 3", "-1 -2 => -1", "5 => 5", "0 9 4 => 9", "7 7 => 7"), "header line INPUT ||| OUTPUT"),
    Case("""Print the smallest integer on the line.

Input ||| Output
4 2 8 ||| 2
-3 0 3 ||| -3
6 ||| 6
1 1 1 ||| 1
10 -10 ||| -10""", _t("4 2 8 => 2", "-3 0 3 => -3", "6 => 6", "1 1 1 => 1", "10 -10 => -10"), "header line Input ||| Output"),
    # --- Qwen2.5-Coder-Instruct, as it tends to write ----------------------------------------------------------
    Case("""Sure! Here's an easy programming problem:

### Problem: Count the Odd Numbers

You are given a single line containing space-separated integers. Your task is to count how many of them are odd and print the count.

### Input
A single line of space-separated integers.

### Output
A single integer: the number of odd integers.

### Test Cases
```
1 2 3 4 5 ||| 3
2 4 6 ||| 0
-1 -3 2 ||| 2
7 ||| 1
0 0 1 ||| 1
```""", _t("1 2 3 4 5 => 3", "2 4 6 => 0", "-1 -3 2 => 2", "7 => 1", "0 0 1 => 1"), "qwen: headings, fenced tests"),
    Case("""Certainly! Here's a simple problem for you:

**Problem Statement:**

Given a list of space-separated integers, find the difference between the largest and the smallest number.

**Input Format:**
- A single line containing space-separated integers.

**Output Format:**
- A single integer representing the difference.

**Test Cases:**

1. `3 1 4 1 5` ||| `4`
2. `10 10` ||| `0`
3. `-5 5` ||| `10`
4. `7` ||| `0`
5. `2 9 -1` ||| `10`""", _t("3 1 4 1 5 => 4", "10 10 => 0", "-5 5 => 10", "7 => 0", "2 9 -1 => 10"), "qwen: numbered backticks"),
    Case("""### Problem Description

Write a program that reads a line of space-separated integers and prints them in reverse order, separated by single spaces.

### Test Cases

```plaintext
1 2 3 ||| 3 2 1
5 ||| 5
-1 0 1 ||| 1 0 -1
9 8 ||| 8 9
4 4 2 ||| 2 4 4
```

Do not solve it.""", _t("1 2 3 => 3 2 1", "5 => 5", "-1 0 1 => 1 0 -1", "9 8 => 8 9", "4 4 2 => 2 4 4"), "plaintext fence"),
    Case("""Here's an easy programming problem:

**Problem:** Second Largest

Given a line of space-separated integers (at least two distinct values), print the second largest distinct value.

**Example:**
Input: 4 1 7 3
Output: 4

**Test Cases:**
4 1 7 3 ||| 4
10 20 ||| 10
5 5 3 ||| 3
-1 -2 -3 ||| -2
8 6 8 7 ||| 7""", _t("4 1 7 3 => 4", "10 20 => 10", "5 5 3 => 3", "-1 -2 -3 => -2", "8 6 8 7 => 7"), "example block in the statement"),
    Case("""**Problem Title:** Product of Numbers

**Description:**
Read a single line of space-separated integers and print their product.

**Test Cases (INPUT ||| OUTPUT):**
1. 2 3 4 ||| 24
2. 5 ||| 5
3. -1 2 ||| -2
4. 0 9 9 ||| 0
5. 1 1 1 1 ||| 1""", _t("2 3 4 => 24", "5 => 5", "-1 2 => -2", "0 9 9 => 0", "1 1 1 1 => 1"), "header inside a heading"),
    Case("""### Problem: Count Positive Numbers

Given a line of space-separated integers, count how many of them are strictly greater than zero.

### Test Cases

1. **Input:** `1 -2 3` ||| **Output:** `2`
2. **Input:** `-1 -1` ||| **Output:** `0`
3. **Input:** `0` ||| **Output:** `0`
4. **Input:** `5 5 5` ||| **Output:** `3`
5. **Input:** `-3 4 0 2` ||| **Output:** `2`""",
         _t("1 -2 3 => 2", "-1 -1 => 0", "0 => 0", "5 5 5 => 3", "-3 4 0 2 => 2"), "bold labels, backtick values"),
    Case("""Sure, here is an easy problem.

Problem: Given a sequence of integers on one line, print "YES" if the sequence is sorted in non-decreasing order and "NO" otherwise.

Test cases:
1 2 3 ||| YES
3 2 1 ||| NO
5 ||| YES
1 1 2 ||| YES
2 1 2 ||| NO

Let me know if you'd like me to provide a solution!""",
         _t("1 2 3 => YES", "3 2 1 => NO", "5 => YES", "1 1 2 => YES", "2 1 2 => NO"), "YES/NO outputs, trailer"),
    Case("""## Sum of Squares

Read space-separated integers from one line and print the sum of their squares.

## Test Cases

- `1 2 3` ||| `14`
- `0` ||| `0`
- `-2 2` ||| `8`
- `10` ||| `100`
- `1 1 1 1` ||| `4`

## Solution

```python
nums = list(map(int, input().split()))
print(sum(x * x for x in nums))
```""", _t("1 2 3 => 14", "0 => 0", "-2 2 => 8", "10 => 100", "1 1 1 1 => 4"), "solution after the tests"),
    Case("""Problem:
Given a line of space-separated integers, print the number of distinct values.

Test Cases:
Test 1: 1 2 2 3 ||| 3
Test 2: 5 5 5 ||| 1
Test 3: -1 1 ||| 2
Test 4: 7 ||| 1
Test 5: 0 0 1 1 2 ||| 3""", _t("1 2 2 3 => 3", "5 5 5 => 1", "-1 1 => 2", "7 => 1", "0 0 1 1 2 => 3"), "Test n: labels"),
    Case("""# Problem: Alternating Sum

Given space-separated integers a1 a2 ... an, print a1 - a2 + a3 - a4 + ...

# Test cases

Test Case 1: 1 2 3 ||| 2
Test Case 2: 5 ||| 5
Test Case 3: 10 4 ||| 6
Test Case 4: 1 1 1 1 ||| 0
Test Case 5: -3 2 -1 ||| -6""", _t("1 2 3 => 2", "5 => 5", "10 4 => 6", "1 1 1 1 => 0", "-3 2 -1 => -6"), "Test Case n:"),
    Case("""**Problem: Count Multiples of Three**

Given a line of space-separated integers, print how many of them are divisible by 3.

**Test Cases:**

**Test Case 1:** 3 6 7 ||| 2
**Test Case 2:** 1 2 4 ||| 0
**Test Case 3:** 0 ||| 1
**Test Case 4:** -3 -6 -9 ||| 3
**Test Case 5:** 9 10 11 12 ||| 2""", _t("3 6 7 => 2", "1 2 4 => 0", "0 => 1", "-3 -6 -9 => 3", "9 10 11 12 => 2"), "bold Test Case n:"),
    Case("""Here's a simple problem:

**Maximum Gap Between Neighbours**

Given space-separated integers, print the largest absolute difference between two adjacent numbers. The line has at least two numbers.

**Test cases**

* 1 5 2 ||| 4
* 10 10 ||| 0
* -3 3 ||| 6
* 1 2 3 4 ||| 1
* 7 0 7 ||| 7""", _t("1 5 2 => 4", "10 10 => 0", "-3 3 => 6", "1 2 3 4 => 1", "7 0 7 => 7"), "star bullets"),
    Case("""Problem: Print the average of the integers on the line, rounded down to an integer.

Examples:
• 1 2 3 ||| 2
• 4 4 ||| 4
• 1 2 ||| 1
• 10 ||| 10
• 0 5 10 ||| 5""", _t("1 2 3 => 2", "4 4 => 4", "1 2 => 1", "10 => 10", "0 5 10 => 5"), "round bullets, Examples:"),
    Case("""**Problem:** Given a line of space-separated integers, print the index (0-based) of the first occurrence of the maximum value.

**Test cases:**

1) 3 9 2 9 ||| 1
2) 5 ||| 0
3) -1 -5 -1 ||| 0
4) 1 2 3 ||| 2
5) 4 4 4 4 ||| 0""", _t("3 9 2 9 => 1", "5 => 0", "-1 -5 -1 => 0", "1 2 3 => 2", "4 4 4 4 => 0"), "numbered 1)"),
    Case("""Sure! Here is an easy problem for you:

---

**Problem: Count Negative Numbers**

You are given a single line of space-separated integers. Print how many of them are negative.

---

**Test Cases**

```
-1 2 -3 ||| 2
1 2 3 ||| 0
-5 ||| 1
0 0 0 ||| 0
-2 -2 -2 -2 ||| 4
```

---""", _t("-1 2 -3 => 2", "1 2 3 => 0", "-5 => 1", "0 0 0 => 0", "-2 -2 -2 -2 => 4"), "rules and fenced tests"),
    Case("""### Problem: Running Total

Read a line of space-separated integers and print the prefix sums, separated by spaces.

### Test Cases
1. Input: 1 2 3 ||| Output: 1 3 6
2. Input: 5 ||| Output: 5
3. Input: -1 1 -1 ||| Output: -1 0 -1
4. Input: 0 0 ||| Output: 0 0
5. Input: 2 2 2 2 ||| Output: 2 4 6 8

**Note:** Do not include a solution.""",
         _t("1 2 3 => 1 3 6", "5 => 5", "-1 1 -1 => -1 0 -1", "0 0 => 0 0", "2 2 2 2 => 2 4 6 8"), "numbered labels"),
    Case("""Here's an easy programming problem for you:

**Problem:**
Write a program that reads a line of space-separated integers and prints the numbers sorted in ascending order, separated by spaces.

**Test Cases:**
```
INPUT ||| OUTPUT
3 1 2 ||| 1 2 3
5 -1 ||| -1 5
7 ||| 7
2 2 1 ||| 1 2 2
0 -3 9 4 ||| -3 0 4 9
```
""", _t("3 1 2 => 1 2 3", "5 -1 => -1 5", "7 => 7", "2 2 1 => 1 2 2", "0 -3 9 4 => -3 0 4 9"), "header inside the fence"),
    Case("""**Problem:** Print the sum of the absolute values of the integers.

**Test Cases:**
- Input: `1 -2 3` ||| Output: `6`
- Input: `-5` ||| Output: `5`
- Input: `0 0` ||| Output: `0`
- Input: `-1 -1 -1` ||| Output: `3`
- Input: `10 -10` ||| Output: `20`""", _t("1 -2 3 => 6", "-5 => 5", "0 0 => 0", "-1 -1 -1 => 3", "10 -10 => 20"), "bullet, label, backticks"),
    Case("""Problem Statement:
Given space-separated integers, output the count of numbers that are equal to the first number (including the first one itself).

Test Cases:
3 1 3 3 ||| 3
5 ||| 1
1 2 3 ||| 1
-2 -2 ||| 2
0 1 0 1 0 ||| 3

Solution (not shown).""", _t("3 1 3 3 => 3", "5 => 1", "1 2 3 => 1", "-2 -2 => 2", "0 1 0 1 0 => 3"), "plain, trailer"),
    Case("""Sure, here's a problem:

### Problem
Given a line of integers, print the XOR of all of them.

### Tests
```text
1 2 3 ||| 0
5 ||| 5
4 1 ||| 5
7 7 ||| 0
8 2 2 ||| 8
```

I have not solved the problem, as requested.""", _t("1 2 3 => 0", "5 => 5", "4 1 => 5", "7 7 => 0", "8 2 2 => 8"), "text fence"),
    Case("""### Problem: Count Local Peaks

You are given a sequence of space-separated integers. An element is a peak if it is strictly greater than both of its neighbours (the first and last elements are never peaks). Print the number of peaks.

### Test Cases:

1. 1 3 2 ||| 1
2. 1 2 3 ||| 0
3. 5 ||| 0
4. 1 5 1 5 1 ||| 2
5. 2 2 2 ||| 0

### Explanation of Test Cases:
1. 3 is bigger than 1 and 2.
2. The sequence is increasing, no peaks.""", _t("1 3 2 => 1", "1 2 3 => 0", "5 => 0", "1 5 1 5 1 => 2", "2 2 2 => 0"), "explanations after the tests"),
    Case("""**Problem:** Print the product of the largest and smallest integers on the line.

**Test cases:**

1. `2 5 3` ||| `10`
   (largest 5, smallest 2)
2. `-1 4` ||| `-4`
3. `6` ||| `36`
4. `0 7 -2` ||| `-14`
5. `3 3` ||| `9`""", _t("2 5 3 => 10", "-1 4 => -4", "6 => 36", "0 7 -2 => -14", "3 3 => 9"), "an explanation line between tests"),
    # --- Llama-3-Instruct, as it tends to write ----------------------------------------------------------------
    Case("""Here is an easy programming problem:

**Problem:** "Sum of Odd Numbers"

Write a program that takes a line of space-separated integers as input and outputs the sum of all the odd numbers in the line.

**Test Cases:**

1. `1 2 3 4 5` ||| `9`
2. `2 4 6` ||| `0`
3. `-1 -3` ||| `-4`
4. `7` ||| `7`
5. `1 1 1` ||| `3`

Let me know if you need any help or clarification!""",
         _t("1 2 3 4 5 => 9", "2 4 6 => 0", "-1 -3 => -4", "7 => 7", "1 1 1 => 3"), "llama: quoted title"),
    Case("""Here is a programming problem:

**Problem:** Given a list of space-separated integers, write a program to find the number of pairs of adjacent integers that are equal.

**Test Cases:**

1 1 2 2 ||| 2
1 2 3 ||| 0
5 5 5 ||| 2
4 ||| 0
0 0 1 0 0 ||| 2""", _t("1 1 2 2 => 2", "1 2 3 => 0", "5 5 5 => 2", "4 => 0", "0 0 1 0 0 => 2"), "llama: plain tests"),
    Case("""Here is an easy programming problem:

**Problem:** Find the Middle Element

Given a line of an odd number of space-separated integers, print the element in the middle of the line.

**Test Cases:**

* `1 2 3` ||| `2`
* `5` ||| `5`
* `9 8 7 6 5` ||| `7`
* `-1 0 1` ||| `0`
* `4 4 4` ||| `4`

Note: I didn't solve the problem as per your request.""",
         _t("1 2 3 => 2", "5 => 5", "9 8 7 6 5 => 7", "-1 0 1 => 0", "4 4 4 => 4"), "llama: star bullets in backticks"),
    Case("""Here's an easy programming problem:

**Problem:** Double It

Write a program that takes a single line of space-separated integers and prints each number doubled, separated by spaces.

**Test Cases:**

**Input:** 1 2 3 ||| **Output:** 2 4 6
**Input:** 0 ||| **Output:** 0
**Input:** -5 5 ||| **Output:** -10 10
**Input:** 7 ||| **Output:** 14
**Input:** 10 20 30 ||| **Output:** 20 40 60""",
         _t("1 2 3 => 2 4 6", "0 => 0", "-5 5 => -10 10", "7 => 14", "10 20 30 => 20 40 60"), "llama: bold labels"),
    Case("""Here is an easy programming problem:

**Problem:** Count the Zeros

Given a line of space-separated integers, count the number of zeros.

**Test Cases:**

1. **Input:** 0 1 0 ||| **Expected:** 2
2. **Input:** 1 2 3 ||| **Expected:** 0
3. **Input:** 0 ||| **Expected:** 1
4. **Input:** 0 0 0 0 ||| **Expected:** 4
5. **Input:** -1 0 1 ||| **Expected:** 1""",
         _t("0 1 0 => 2", "1 2 3 => 0", "0 => 1", "0 0 0 0 => 4", "-1 0 1 => 1"), "llama: Expected label"),
    Case("""Here is a simple programming problem:

**Problem: Last Minus First**

Read a line of space-separated integers and print the last number minus the first number.

**Test Cases**

1. Input: `4 9 2 10` ||| Expected Output: `6`
2. Input: `5` ||| Expected Output: `0`
3. Input: `10 1` ||| Expected Output: `-9`
4. Input: `-3 0 3` ||| Expected Output: `6`
5. Input: `2 2` ||| Expected Output: `0`""",
         _t("4 9 2 10 => 6", "5 => 0", "10 1 => -9", "-3 0 3 => 6", "2 2 => 0"), "llama: Expected Output label"),
    Case("""Here is an easy programming problem:

Problem: "Count Greater Than Average"

Given a list of space-separated integers, print how many numbers are strictly greater than the average of all the numbers.

Test cases:

INPUT ||| OUTPUT
----- ||| ------
1 2 3 ||| 1
5 5 5 ||| 0
1 10 ||| 1
-2 0 2 4 ||| 2
7 ||| 0""", _t("1 2 3 => 1", "5 5 5 => 0", "1 10 => 1", "-2 0 2 4 => 2", "7 => 0"),
         "a dashed rule under the header"),
    Case("""Here is an easy programming problem:

**Problem:** "Greatest Common Divisor"

Given a line of space-separated positive integers, print the greatest common divisor of all of them.

**Test Cases:**

1. 12 18 ||| 6
2. 7 13 ||| 1
3. 10 ||| 10
4. 4 8 16 ||| 4
5. 9 27 81 ||| 9

Please let me know when you're ready for the next problem!""",
         _t("12 18 => 6", "7 13 => 1", "10 => 10", "4 8 16 => 4", "9 27 81 => 9"), "llama: numbered plain"),
    Case("""Here is an easy programming problem:

**Problem:** Write a program that reads a line of space-separated integers and prints the number of integers that are perfect squares.

**Test Cases:**
- Test 1: `1 2 3 4` ||| `2`
- Test 2: `5 6 7` ||| `0`
- Test 3: `0 9 16` ||| `3`
- Test 4: `25` ||| `1`
- Test 5: `-4 4` ||| `1`""", _t("1 2 3 4 => 2", "5 6 7 => 0", "0 9 16 => 3", "25 => 1", "-4 4 => 1"), "bullet then Test n:"),
    Case("""Here is an easy problem:

Problem: Maximum Sum of Two

Given a line of at least two space-separated integers, print the largest sum of two different elements (different positions).

Test cases:

Input: 1 2 3 ||| Output: 5
Input: -1 -2 ||| Output: -3
Input: 5 5 ||| Output: 10
Input: 0 -1 10 ||| Output: 10
Input: 4 9 9 ||| Output: 18

Please note that I've only provided the problem and test cases, and not the solution.""",
         _t("1 2 3 => 5", "-1 -2 => -3", "5 5 => 10", "0 -1 10 => 10", "4 9 9 => 18"), "llama: trailing note"),
    # --- solutions the proposer was told not to write ----------------------------------------------------------
    Case("""Problem: Print the minimum of the integers.

Solution:
```python
print(min(map(int, input().split())))
```

Test cases:
3 1 2 ||| 1
5 ||| 5
-1 -7 ||| -7
0 0 ||| 0
8 9 ||| 8""", _t("3 1 2 => 1", "5 => 5", "-1 -7 => -7", "0 0 => 0", "8 9 => 8"), "solution before the tests"),
    Case("""Print how many integers on the line are larger than the integer before them.

```python
a = list(map(int, input().split()))
print(sum(1 for i in range(1, len(a)) if a[i] > a[i - 1]))
```

1 2 3 ||| 2
3 2 1 ||| 0
1 ||| 0
1 3 2 4 ||| 2
5 5 6 ||| 1""", _t("1 2 3 => 2", "3 2 1 => 0", "1 => 0", "1 3 2 4 => 2", "5 5 6 => 1"), "unheaded python fence before the tests"),
    Case("""Print the sum of the first and last integers on the line.

```
nums = list(map(int, input().split()))
print(nums[0] + nums[-1])
```

Test cases:
1 2 3 ||| 4
5 ||| 10
-1 1 ||| 0
4 0 0 4 ||| 8
2 7 ||| 9""", _t("1 2 3 => 4", "5 => 10", "-1 1 => 0", "4 0 0 4 => 8", "2 7 => 9"), "unlabelled fence with a program before the tests"),
    Case("""### Problem
Count the integers that are equal to their position in the line (positions start at 1).

### Test Cases
1 5 3 ||| 2
2 1 ||| 0
1 2 3 4 ||| 4
0 ||| 0
9 2 9 4 ||| 2

### Reference Solution
```python
a = list(map(int, input().split()))
print(sum(1 for i, x in enumerate(a, 1) if x == i))
```

### Explanation
We compare each element with its 1-based index and print(f"{count} ||| done") at the end.""",
         _t("1 5 3 => 2", "2 1 => 0", "1 2 3 4 => 4", "0 => 0", "9 2 9 4 => 2"), "solution and explanation after"),
    Case("""Problem: Print the number of even integers on the line.

Test cases:
1 2 3 4 ||| 2
1 3 ||| 0
0 ||| 1
-2 -4 5 ||| 2
6 6 6 ||| 3

Here's a solution in Python:

```python
def main():
    nums = list(map(int, input().split()))
    print(sum(1 for n in nums if n % 2 == 0))

main()
```
It prints results such as 2 ||| 0 for the examples.""",
         _t("1 2 3 4 => 2", "1 3 => 0", "0 => 1", "-2 -4 5 => 2", "6 6 6 => 3"), "solution after with a ||| in prose"),
    Case("""Problem: Print the largest integer on the line.

Do not solve it.

3 8 1 ||| 8
-1 -9 ||| -1
4 ||| 4
0 2 ||| 2
5 5 5 ||| 5""", _t("3 8 1 => 8", "-1 -9 => -1", "4 => 4", "0 2 => 2", "5 5 5 => 5"), "'Do not solve it' echoed before the tests"),
    # --- the tiny model's plain format, and near it ------------------------------------------------------------
    Case("""Print the sum of the integers. The input is one line of space-separated integers.
1 7 ||| 8
-2 8 ||| 6
9 8 6 9 5 -2 -9 ||| 26
-6 0 ||| -6
5 -9 ||| -4""", _t("1 7 => 8", "-2 8 => 6", "9 8 6 9 5 -2 -9 => 26", "-6 0 => -6", "5 -9 => -4"), "tiny model's plain form"),
    Case("""Print the integers in reverse order, separated by spaces. The input is one line of space-separated integers.
3 4 -3 0 ||| 0 -3 4 3
7 6 ||| 6 7
1 ||| 1""", _t("3 4 -3 0 => 0 -3 4 3", "7 6 => 6 7", "1 => 1"), "tiny model's plain form, three tests"),
    Case("""Print how many of the integers are even. The input is one line of space-separated integers.
-6 4 7 6 3 7 -1 4 ||| 4
7 7 -9 9 -2 -5 -8 7 ||| 2""", _t("-6 4 7 6 3 7 -1 4 => 4", "7 7 -9 9 -2 -5 -8 7 => 2"), "tiny model: two tests"),
    Case("""Print the largest of the integers.
1 -3 3|||3
1 -7|||1
0 5 -5 9 0|||9""", _t("1 -3 3 => 3", "1 -7 => 1", "0 5 -5 9 0 => 9"), "no spaces around the separator"),
    Case("""Print the sum of the squares of the integers.
1 2 ||| 5
3 ||| 9
0 0 ||| 0
-1 ||| 1
2 2 2 ||| 12
1 ||| 1
4 ||| 16
5 ||| 25
6 ||| 36
7 ||| 49""", _t("1 2 => 5", "3 => 9", "0 0 => 0", "-1 => 1", "2 2 2 => 12", "1 => 1", "4 => 16", "5 => 25"),
         "ten tests: the first max_tests kept"),
    # --- no problem should be read -----------------------------------------------------------------------------
    Case("""Problem: Print the sum of the integers.

Test cases:
1 2 3 ||| 6
4 5 ||| 9
10 ||| 10
-1 1 |||""", None, "cut off inside the last test"),
    Case("""### Problem: Count Even Numbers

Given a line of space-separated integers, count the even numbers.

### Test Cases
1. 1 2 3 4 ||| 2
2. 2 4 6 ||| 3
3. 1 3""", _t("1 2 3 4 => 2", "2 4 6 => 3"), "cut off before the third separator: two whole tests remain"),
    Case("""Sure! Here's an easy programming problem:

### Problem: Sum of Digits

Given a line of space-separated non-negative integers, print the sum of all their digits.

### Input Format
A single line of space-separated integers.

### Output""", None, "cut off before the tests"),
    Case("""Problem 1: Print the sum of the integers.
1 2 ||| 3
4 5 ||| 9

Problem 2: Print the product of the integers.
1 2 ||| 2
4 5 ||| 20""", None, "two problems"),
    Case("""**Problem 1:** Print the largest integer.

**Test Cases:**
1 2 ||| 2
5 3 ||| 5

**Problem 2:** Print the smallest integer.

**Test Cases:**
1 2 ||| 1
5 3 ||| 3""", None, "two problems with bold headings"),
    Case("""Print the sum of the integers.

1 2 3 ||| 6""", None, "one test only"),
    Case("""1 2 3 ||| 6
4 5 ||| 9
7 ||| 7""", None, "tests without a statement"),
    Case("""Sure! Here are five test cases:

1 2 3 ||| 6
4 5 ||| 9
7 ||| 7""", None, "a preamble and tests, but no statement"),
    Case("""Problem: Print the sum.

Test cases:
1 2 ||| 3 ||| 3
4 ||| 4""", None, "two separators on a line"),
    Case("""Problem: Given a list of integers, print the count of even numbers.

Test cases:
 ||| 0
2 4 ||| 2
1 ||| 0""", None, "a test without input"),
    Case("""Print the median of the integers (the count is odd).

Test cases:
Input:
3 1 2
Output:
2

Input:
5
Output:
5""", _t("3 1 2 => 2", "5 => 5"), "tests as Input:/Output: blocks, not the asked format"),
    Case("""Problem: Print the sum of the integers.

| Input | Output |
|-------|--------|
| 1 2 3 | 6 |
| 4 5 | 9 |
| 7 | 7 |""", _t("1 2 3 => 6", "4 5 => 9", "7 => 7"), "a markdown table instead of the format"),
    Case("""Print the sum of the integers.

1 2 3 ||| 6 (1 + 2 + 3)
4 5 ||| 9 (4 + 5)
7 ||| 7""", _t("1 2 3 => 6", "4 5 => 9", "7 => 7"), "explanations after outputs: rejected, not guessed"),
    Case("""Print the maximum of the integers.

1 5 2 ||| 5  # the biggest is 5
-1 -2 ||| -1  # negatives
3 ||| 3""", _t("1 5 2 => 5", "-1 -2 => -1", "3 => 3"), "comments after outputs"),
    Case("""Print the count of integers.

1 2 3 ||| 3 -> three numbers
4 ||| 1 -> one number
5 6 ||| 2""", _t("1 2 3 => 3", "4 => 1", "5 6 => 2"), "arrow commentary"),
    Case("""Problem: Print the sum of the integers.

Test cases:
1. Input: 1 2 ||| Output: 3, because 1 + 2 = 3
2. Input: 5 ||| Output: 5, because there is one number
3. Input: 0 ||| Output: 0""", _t("1 2 => 3", "5 => 5", "0 => 0"), "prose reasons after outputs"),
    Case("""Problem: Print the sum of the integers.

Test cases:
Input: empty line ||| Output: 0
Input: 1 2 ||| Output: 3
Input: 4 ||| Output: 4""", None, "a test whose input is a description"),
    Case("""Print the largest number.

Tests:
`3 5` ||| ``
`1` ||| `1`
`2 2` ||| `2`""", None, "an empty output in backticks"),
    Case("""Problem: Print the sum of the integers.

Test cases:
the numbers one two three ||| 6
4 5 ||| 9
7 ||| 7""", None, "a test whose input is prose"),
    Case("""Print the sum of all integers.

Use the format below for each test, one per line: the input, then ||| and then what the program prints.

1 2 ||| 3
4 ||| 4""", None, "a line explaining the separator reads as no test: rejected"),
    Case("""### Problem

Given space-separated integers, print their sum.

### Test Cases

```python
# INPUT ||| OUTPUT
1 2 3 ||| 6
4 5 ||| 9
```""", _t("1 2 3 => 6", "4 5 => 9"), "tests in a python fence: read as code, so none"),
    Case("", None, "empty"),
    Case("""I'm sorry, but I can't help with that.""", None, "a refusal"),
    Case("""Problem: Print the number of integers on the line that are prime.

Test Cases:
1. 2 3 4 5 ||| 3
2. 1 ||| 0
3. 11 13 17 ||| 3
4. 4 6 8 9 ||| 0
5. 2 ||| 1
Test Cases (hidden):
6. 97 ||| 1
7. 0 1 ||| 0""", _t("2 3 4 5 => 3", "1 => 0", "11 13 17 => 3", "4 6 8 9 => 0", "2 => 1", "97 => 1", "0 1 => 0"),
         "a second group of tests under its own heading"),
    # --- more forms, one text each ------------------------------------------------------------------------------
    Case("""Problem: Print the sum of the integers.

Test cases:
"1 2 3" ||| "6"
"10" ||| "10"
"-1 -1" ||| "-2"
"0 5" ||| "5"
"7 8 9" ||| "24\"""", _t("1 2 3 => 6", "10 => 10", "-1 -1 => -2", "0 5 => 5", "7 8 9 => 24"), "quoted sides"),
    Case("""**Problem:** Print the count of integers on the line.

**Test Cases:**
1. Input: "4 5 6" ||| Output: "3"
2. Input: "1" ||| Output: "1"
3. Input: "0 0" ||| Output: "2"
4. Input: "-9 9 -9 9" ||| Output: "4"
5. Input: "12 34 56 78 90" ||| Output: "5\"""", _t("4 5 6 => 3", "1 => 1", "0 0 => 2", "-9 9 -9 9 => 4", "12 34 56 78 90 => 5"),
         "labels with quoted values"),
    Case("""Here's a beginner-friendly problem.

Problem: Given integers on a single line, print the sum of those at even positions (0-based) minus the sum of those at odd positions.

Here are 5 test cases in the format INPUT ||| OUTPUT:
5 3 ||| 2
1 1 1 ||| 1
10 ||| 10
0 4 0 4 ||| -8
2 1 2 1 2 ||| 4""", _t("5 3 => 2", "1 1 1 => 1", "10 => 10", "0 4 0 4 => -8", "2 1 2 1 2 => 4"), "a lead-in naming the format"),
    Case("""Print the maximum of the integers minus the minimum.

**1.** 3 7 1 ||| 6
**2.** 4 ||| 0
**3.** -2 2 ||| 4
**4.** 5 5 5 ||| 0
**5.** 10 -10 0 ||| 20""", _t("3 7 1 => 6", "4 => 0", "-2 2 => 4", "5 5 5 => 0", "10 -10 0 => 20"), "bold numbering"),
    Case("""Problem: Print how many times the largest value occurs.

Example 1: 1 3 3 ||| 2
Example 2: 5 ||| 1
Example 3: 2 2 2 2 ||| 4
Example 4: -1 -2 -1 ||| 2
Example 5: 0 1 ||| 1""", _t("1 3 3 => 2", "5 => 1", "2 2 2 2 => 4", "-1 -2 -1 => 2", "0 1 => 1"), "Example n: labels"),
    Case("""Problem: Print the last integer on the line.

#1: 1 2 3 ||| 3
#2: 9 ||| 9
#3: -4 -5 ||| -5
#4: 0 0 7 ||| 7
#5: 8 1 ||| 1""", _t("1 2 3 => 3", "9 => 9", "-4 -5 => -5", "0 0 7 => 7", "8 1 => 1"), "#n: numbering"),
    Case("""Problem: Print the first integer on the line.

(1) 4 2 ||| 4
(2) -1 ||| -1
(3) 0 5 5 ||| 0
(4) 7 7 ||| 7
(5) 3 1 2 ||| 3""", _t("4 2 => 4", "-1 => -1", "0 5 5 => 0", "7 7 => 7", "3 1 2 => 3"), "(n) numbering"),
    Case("""**Problem: Count Pairs Summing to Zero**

Given space-separated integers, count the pairs (i < j) whose values add up to 0.

**Test Cases:**

1. Test Case:
    - Input: 1 -1 2 ||| Output: 1
2. Test Case:
    - Input: 0 0 0 ||| Output: 3
3. Test Case:
    - Input: 5 ||| Output: 0
4. Test Case:
    - Input: 2 -2 2 -2 ||| Output: 4
5. Test Case:
    - Input: 1 2 3 ||| Output: 0""", _t("1 -1 2 => 1", "0 0 0 => 3", "5 => 0", "2 -2 2 -2 => 4", "1 2 3 => 0"),
         "nested lists, indented tests"),
    Case("""```
Problem: Print the sum of the positive integers on the line.

1 -2 3 ||| 4
-1 -1 ||| 0
5 ||| 5
0 0 ||| 0
10 -10 10 ||| 20
```""", _t("1 -2 3 => 4", "-1 -1 => 0", "5 => 5", "0 0 => 0", "10 -10 10 => 20"), "everything in one fence"),
    Case("Print the number of distinct integers.\r\n1 1 2 ||| 2\r\n3 3 3 ||| 1\r\n-1 0 1 ||| 3\r\n5 ||| 1\r\n",
         _t("1 1 2 => 2", "3 3 3 => 1", "-1 0 1 => 3", "5 => 1"), "CRLF line ends"),
    Case("Print the sum of the integers.\n1 2\t|||\t3\n\t4 5 ||| 9   \n6 ||| 6\t\n",
         _t("1 2 => 3", "4 5 => 9", "6 => 6"), "tabs and trailing spaces"),
    Case("""Problem: Print "True" if all integers on the line are positive, otherwise "False".

Test cases:
1 2 3 ||| True
-1 2 ||| False
0 ||| False
9 ||| True
5 -5 5 ||| False""", _t("1 2 3 => True", "-1 2 => False", "0 => False", "9 => True", "5 -5 5 => False"), "True/False outputs"),
    Case("""PROBLEM: PRINT THE SMALLEST EVEN INTEGER ON THE LINE, OR -1 IF THERE IS NONE.

TEST CASES:
INPUT: 3 4 2 ||| OUTPUT: 2
INPUT: 1 3 ||| OUTPUT: -1
INPUT: -6 4 ||| OUTPUT: -6
INPUT: 0 ||| OUTPUT: 0
INPUT: 8 8 9 ||| OUTPUT: 8""", _t("3 4 2 => 2", "1 3 => -1", "-6 4 => -6", "0 => 0", "8 8 9 => 8"), "upper-case labels"),
    Case("""Problem: print the sum of the first two integers on the line.

In: 1 2 3 ||| Out: 3
In: 5 5 ||| Out: 10
In: -1 4 ||| Out: 3
In: 0 0 0 0 ||| Out: 0
In: 9 -9 ||| Out: 0""", _t("1 2 3 => 3", "5 5 => 10", "-1 4 => 3", "0 0 0 0 => 0", "9 -9 => 0"), "In:/Out: labels"),
    Case("""**Problem:** Given a line of space-separated integers, print "EVEN" if their sum is even and "ODD" otherwise.

**Constraints:**
- 1 ≤ number of integers ≤ 100
- -1000 ≤ each integer ≤ 1000

**Test Cases:**

1 2 3 ||| EVEN

2 2 1 ||| ODD

7 ||| ODD

0 ||| EVEN

-3 -3 ||| EVEN""", _t("1 2 3 => EVEN", "2 2 1 => ODD", "7 => ODD", "0 => EVEN", "-3 -3 => EVEN"), "constraints, blank lines between tests"),
    Case("""Sure! Here's an easy problem: Given a line of space-separated integers, print the largest integer minus the second largest value in the line (values may repeat).

Tests:
5 3 1 ||| 2
4 4 ||| 0
10 -1 ||| 11
7 8 9 ||| 1
0 0 0 ||| 0""", _t("5 3 1 => 2", "4 4 => 0", "10 -1 => 11", "7 8 9 => 1", "0 0 0 => 0"), "statement on the preamble's line"),
    Case("""Problem: Print the integers that are greater than 10, separated by spaces; print NONE if there are none.

Test cases:
5 15 25 ||| 15 25
1 2 3 ||| NONE
11 ||| 11
10 ||| NONE
100 -100 12 ||| 100 12""", _t("5 15 25 => 15 25", "1 2 3 => NONE", "11 => 11", "10 => NONE", "100 -100 12 => 100 12"),
         "NONE as an output"),
    Case("""Problem: Print "No negatives" if no integer is negative, else print the count of negative integers.

Test cases:
1 2 3 ||| No negatives
-1 2 ||| 1
-1 -2 -3 ||| 3
0 ||| No negatives
5 -5 ||| 1""", _t("1 2 3 => No negatives", "-1 2 => 1", "-1 -2 -3 => 3", "0 => No negatives", "5 -5 => 1"),
         "a two-word output"),
    Case("""<think>
The user wants an easy problem. Let me do the sum of odd numbers. Test: 1 2 3 ||| 4.
</think>

Problem: Print the sum of the odd integers on the line.

Test cases:
1 2 3 ||| 4
2 4 ||| 0
-1 -3 ||| -4
5 ||| 5
1 1 ||| 2""", _t("1 2 3 => 4", "2 4 => 0", "-1 -3 => -4", "5 => 5", "1 1 => 2"), "thinking before the problem"),
    Case("""<think>
Let me think of an easy problem. Maybe counting how many numbers are bigger than the first one.
Tests:
1 2 3 ||| 2
3 2 1 ||| 0""", None, "cut off while thinking"),
    Case("""Problem: Print the average of the integers, rounded down.

Test cases:
1 2 ||| 1.
3 3 ||| 3.
4 ||| 4.""", _t("1 2 => 1", "3 3 => 3", "4 => 4"), "a full stop after each output: rejected"),
    Case("""Problem: Print the sum of the integers.

Test cases: 1 2 ||| 3, 4 5 ||| 9, 6 ||| 6""", _t("1 2 => 3", "4 5 => 9", "6 => 6"), "all tests on one line: rejected"),
    Case("""### 📝 Problem: Smallest Absolute Value

Given a line of space-separated integers, print the smallest absolute value among them.

### ✅ Test Cases

- `-3 2 5` ||| `2`
- `-1` ||| `1`
- `0 -9` ||| `0`
- `7 -7` ||| `7`
- `-4 -8 6` ||| `4`""", _t("-3 2 5 => 2", "-1 => 1", "0 -9 => 0", "7 -7 => 7", "-4 -8 6 => 4"), "emoji in headings"),
    Case("""Problem: Print the number of integers that are both even and positive.

Test Cases
----------
2 4 -2 ||| 2
1 3 5 ||| 0
0 ||| 0
10 -10 10 ||| 2
6 ||| 1""", _t("2 4 -2 => 2", "1 3 5 => 0", "0 => 0", "10 -10 10 => 2", "6 => 1"), "setext underline"),
    Case("""Problem: Print the length of the longest run of equal adjacent integers.

Here are the test cases:

Test #1
1 1 2 ||| 2

Test #2
5 ||| 1

Test #3
3 3 3 1 3 ||| 3

Test #4
1 2 1 2 ||| 1

Test #5
-1 -1 -1 -1 ||| 4""", _t("1 1 2 => 2", "5 => 1", "3 3 3 1 3 => 3", "1 2 1 2 => 1", "-1 -1 -1 -1 => 4"), "test headings above each test"),
    Case("""Problem: Given space-separated integers, print the sum of every second integer starting from the first.

Test cases:
- **Test 1**: `1 2 3 4` ||| `4`
- **Test 2**: `5` ||| `5`
- **Test 3**: `1 1 1 1 1` ||| `3`
- **Test 4**: `-1 9 -1` ||| `-2`
- **Test 5**: `0 8` ||| `0`""", _t("1 2 3 4 => 4", "5 => 5", "1 1 1 1 1 => 3", "-1 9 -1 => -2", "0 8 => 0"), "bold Test n before the colon"),
    Case("""## Problem
Read integers from one line and print the count of numbers that appear exactly once.

## Test cases (input ||| expected output)
1 2 2 3 ||| 2
4 4 ||| 0
7 ||| 1
1 2 3 ||| 3
5 5 6 6 7 ||| 1""", _t("1 2 2 3 => 2", "4 4 => 0", "7 => 1", "1 2 3 => 3", "5 5 6 6 7 => 1"), "lower-case header in a heading"),
    Case("""Problem: Print the smallest positive integer that does not appear on the line.

Test cases:
1 2 3 ||| 4
2 3 ||| 1
-1 -2 ||| 1
1 1 3 ||| 2
5 4 3 2 1 ||| 6

Additional edge cases:
0 ||| 1
1 ||| 2""", _t("1 2 3 => 4", "2 3 => 1", "-1 -2 => 1", "1 1 3 => 2", "5 4 3 2 1 => 6", "0 => 1", "1 => 2"),
         "extra tests under a second heading"),
    Case("""Problem: Print the integers with duplicates removed, keeping the first occurrence of each, separated by spaces.

Test cases:
```
1 2 1 3 ||| 1 2 3
4 4 4 ||| 4
```

```
5 6 ||| 5 6
-1 1 -1 ||| -1 1
```""", _t("1 2 1 3 => 1 2 3", "4 4 4 => 4", "5 6 => 5 6", "-1 1 -1 => -1 1"), "tests in two fences"),
    Case("""Sure! Here's an easy problem.

**Problem: Range Count**

Given space-separated integers, print how many are between 1 and 10 inclusive.

**Test Cases**

| Input ||| Output |
1 5 11 ||| 2
0 ||| 0
10 10 ||| 2
-5 3 ||| 1
1 2 3 4 5 6 7 8 9 10 ||| 10""", _t("1 5 11 => 2", "0 => 0", "10 10 => 2", "-5 3 => 1", "1 2 3 4 5 6 7 8 9 10 => 10"),
         "a table-style header"),
    Case("""Problem: Print the product of the integers modulo 1000.

Test cases:
- 10 10 10 ||| 0
- 2 3 ||| 6
- 999 2 ||| 998
- 1 ||| 1
- 7 11 13 ||| 1""", _t("10 10 10 => 0", "2 3 => 6", "999 2 => 998", "1 => 1", "7 11 13 => 1"), "dash bullets, product"),
    Case("""**Problem:** Print the largest integer that appears more than once, or -1 if none does.

**Test cases:**
1. `3 3 1 1` ||| `3`
2. `1 2 3` ||| `-1`
3. `5 5` ||| `5`
4. `-2 -2 -3 -3` ||| `-2`
5. `7` ||| `-1`

**Solution approach:** count each value, then take the largest with count at least two.""",
         _t("3 3 1 1 => 3", "1 2 3 => -1", "5 5 => 5", "-2 -2 -3 -3 => -2", "7 => -1"), "an approach line after the tests"),
    Case("""Problem: For the integers on the line, print the sum of the even ones times the sum of the odd ones.

Tests
1 2 ||| 2
2 4 ||| 0
3 4 5 ||| 32
1 ||| 0
-2 3 ||| -6
Test cases end here. Good luck!""", _t("1 2 => 2", "2 4 => 0", "3 4 5 => 32", "1 => 0", "-2 3 => -6"), "a sign-off line"),
    Case("""Problem: Print the count of integers strictly between the first and the last integer in value.

Test cases:
1 5 3 10 ||| 2
5 ||| 0
10 1 5 ||| 1
2 2 2 ||| 0
0 -1 1 4 ||| 1
```python
a = list(map(int, input().split()))
lo, hi = sorted((a[0], a[-1]))
print(sum(lo < x < hi for x in a))
```
Test cases:
9 ||| 0""", _t("1 5 3 10 => 2", "5 => 0", "10 1 5 => 1", "2 2 2 => 0", "0 -1 1 4 => 1"),
         "tests after the solution are not read"),
    Case("""Problem: Print the sum of the integers.

Test cases:
1 2 ||| 3
4 5 ||| 9

Problem: Print the product of the integers.
2 3 ||| 6
1 1 ||| 1""", None, "a second problem without a number"),
    Case("""### Problem 1
Print the largest integer.
5 1 ||| 5
2 9 ||| 9

### Problem 2
Print the smallest.
5 1 ||| 1
2 9 ||| 2""", None, "two problems under headings"),
    Case("""Problem: Print the sum of the integers.

Test cases:
1 2 ||| ```
3
```
4 ||| 4""", None, "an output that opens a fence"),
    Case("""Problem: Print the maximum.

Test cases:
1 2 ||| **
5 ||| 5""", None, "an output that is only markup"),
    Case("""Problem: Print the count of numbers.

Test cases:
Input: 1 2 3 ||| Output: Output: 3
Input: 4 ||| Output: 1""", None, "a label left over"),
    Case("""Problem: Print the sum.

Test cases:
1 2 3 ||| 6 | sum of three
4 ||| 4 | one number""", None, "a table column after the output"),
]


# --- combined from fragments (under a third of the corpus): statements as the models open them, tests in the
# shapes they use. Each statement keeps its own tests.
_STATEMENTS = [
    ("Sure! Here's an easy programming problem:\n\n### Problem: Sum of Positives\n\nGiven a line of space-separated "
     "integers, print the sum of the positive ones.\n",
     _t("1 -2 3 => 4", "-1 -1 => 0", "5 => 5", "0 2 => 2", "10 -10 10 => 20")),
    ("**Problem:** Print the number of integers on the line that are greater than the first one.\n",
     _t("3 1 4 5 => 2", "7 => 0", "2 2 3 => 1", "-1 0 -2 => 1", "9 1 1 => 0")),
    ("Here is an easy programming problem:\n\n**Problem:** \"Count Sevens\"\n\nGiven space-separated integers, print "
     "how many of them are equal to 7.\n",
     _t("7 1 7 => 2", "1 2 3 => 0", "7 => 1", "77 7 => 1", "-7 7 => 1")),
    ("Certainly! Here's a simple problem for you:\n\n**Problem Statement:**\n\nRead a line of integers and print the "
     "sum of the largest two values.\n\n**Input Format:**\nOne line of at least two space-separated integers.\n",
     _t("1 2 3 => 5", "5 5 => 10", "-1 -2 -3 => -3", "10 0 10 => 20", "4 9 => 13")),
    ("## Problem\n\nPrint the integers on the line multiplied by their 1-based position, separated by spaces.\n",
     _t("1 1 1 => 1 2 3", "5 => 5", "2 -1 => 2 -2", "0 3 => 0 6", "1 2 3 => 1 4 9")),
    ("Problem: Given space-separated integers, print the number of times the sign changes between neighbours "
     "(zero counts as positive).\n",
     _t("1 -1 1 => 2", "1 2 3 => 0", "-1 => 0", "0 -5 => 1", "-2 -3 4 => 1")),
    ("Okay, here is a problem.\n\nYou are given integers on one line. Print YES if some integer appears at least "
     "twice, otherwise print NO.\n",
     _t("1 2 1 => YES", "1 2 3 => NO", "5 => NO", "0 0 => YES", "-1 1 => NO")),
    ("### Problem Description\nRead a line of space-separated integers and print the sum of their last digits "
     "(the last digit of a negative number is that of its absolute value).\n",
     _t("12 34 => 6", "5 => 5", "-19 10 => 9", "0 0 => 0", "99 1 => 10")),
    ("Here's an easy problem:\n\nGiven space-separated integers, print the difference between the sum of the "
     "numbers at odd positions and the sum at even positions (positions start at 1).\n",
     _t("1 2 => -1", "5 => 5", "3 3 3 => 3", "0 4 0 => -4", "1 1 1 1 => 0")),
]
_LAYOUTS = [
    lambda tests: "\n**Test Cases:**\n\n" + "\n".join(f"{n}. `{i}` ||| `{o}`" for n, (i, o) in enumerate(tests, 1)),
    lambda tests: "\n### Test Cases\n```\nINPUT ||| OUTPUT\n" + "\n".join(f"{i} ||| {o}" for i, o in tests) + "\n```",
    lambda tests: "\nTests:\n" + "\n".join(f"- Input: {i} ||| Output: {o}" for i, o in tests)
    + "\n\nDo not solve it.",
    lambda tests: "\n**Test cases:**\n" + "\n".join(f"**Test {n}:** {i} ||| {o}" for n, (i, o) in enumerate(tests, 1))
    + "\n\n**Solution:**\n```python\nimport sys\nprint(sys.stdin.read())\n```",
    lambda tests: "\nExamples:\n\n" + "\n\n".join(f"* **Input:** `{i}` ||| **Expected:** `{o}`" for i, o in tests)
    + "\n\nLet me know if you want the solution!",
]
CASES += [Case(statement + layout(tests), tests, f"combined: statement {s}, layout {n}")
          for s, (statement, tests) in enumerate(_STATEMENTS) for n, layout in enumerate(_LAYOUTS)]

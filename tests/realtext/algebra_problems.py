"""Proposer texts for the `algebra` task, written by hand the way instruction-tuned models (Qwen2.5-Instruct,
Llama-3-Instruct) answer its topic prompt: three word problems with their equations, then `Selected Question:`
and the chosen one. Also models that ignore the format, write only equations, use LaTeX or markdown, number their
equations, solve the problem anyway, are cut off, or refuse.

`expected` is the solution of the selected system, one Fraction per unknown in name order ((x, y) or (a, c)), or
None where no problem should be read: cut off before its equations, several systems and no choice, inconsistent
equations, non-integer coefficients, a refusal.
"""

from __future__ import annotations

from fractions import Fraction as F

from tests.realtext import Case

# ---------------------------------------------------------------------------------------------------------------
# The format as asked: three candidates, then the selected one with its equations (written one by one)

CASES: list[Case] = [
    Case("""Here are three word problems that lead to linear equations:

**Problem 1:** The sum of two numbers is 40 and their difference is 10. Find the numbers.
Equations: x + y = 40, x - y = 10

**Problem 2:** A rectangle's length is 4 cm more than its width, and its perimeter is 40 cm.
Equations: l = w + 4, 2l + 2w = 40

**Problem 3:** Two numbers add up to 25 and differ by 7.
Equations:
x + y = 25
x - y = 7

Selected Question: Two numbers add up to 25 and differ by 7. What are the numbers?
x + y = 25
x - y = 7""", (F(16), F(9)), "newline-separated equations (the joining bug)"),

    Case("""Sure! Here are three challenging problems.

1. A school sold 50 tickets to a play. Adult tickets cost $8 and student tickets cost $5, and the school took in $310. How many of each were sold?
   Let a = number of adult tickets and c = number of student tickets.
   a + c = 50
   8a + 5c = 310

2. A farmer has chickens and cows, 35 heads and 94 legs in all.
   c + t = 35
   2c + 4t = 94

3. Maria is three times as old as her son. In 12 years she will be twice as old as him.
   m = 3s
   m + 12 = 2(s + 12)

Selected Question: A school sold 50 tickets to a play. Adult tickets cost $8 and student tickets cost $5, and the school took in $310. How many adult tickets (a) and student tickets (c) were sold?
Equations: a + c = 50 and 8a + 5c = 310.""", (F(20), F(30)), "tickets, named unknowns a and c"),

    Case("""Problem 1: Jake bought pens and notebooks...
Equations: 2p + 3n = 21, p + n = 9

Problem 2: A number doubled and increased by 3 gives 11.
Equation: 2x + 3 = 11

Problem 3: The difference of two numbers is 3 and three times the first plus twice the second is 19.
Equations: 3x + 2y = 19, x - y = 3

Selected Question: Problem 3. The difference of two numbers x and y is 3, and three times the first plus twice the second is 19. Find x and y.
3 × x + 2 × y = 19
x − y = 3""", (F(5), F(2)), "times sign and unicode minus"),

    Case("""**Problem 1**
A bakery sells muffins for $2 and cookies for $1. Yesterday it sold 70 items for $110.
- m + k = 70
- 2m + k = 110

**Problem 2**
Two trains leave stations 300 miles apart and meet after 3 hours; one is 10 mph faster.
- 3x + 3y = 300
- x - y = 10

**Problem 3**
Tom has 2 more than twice as many marbles as Sam; together they have 29.
- t = 2s + 2
- t + s = 29

**Selected Question:**
A bakery sells muffins for $2 and cookies for $1. Yesterday it sold 70 items and took in $110. How many muffins (m) and cookies (k) did it sell?
- m + k = 70
- 2m + k = 110""", (F(30), F(40)), "bold marker, markdown bullets"),

    Case("""Here are three word problems:

Problem 1: A store sells shirts at $15 and hats at $10. It sold 20 items for $250.
Problem 2: The perimeter of a rectangle is 56 and its length is three times its width.
Problem 3: Two angles are supplementary and one is 30 degrees more than the other.

Selected Question: The perimeter of a rectangle is 56 and its length is three times its width. Find the length L and the width W.

Equations:
2L + 2W = 56
L = 3W

Do not solve.""", (F(21), F(7)), "uppercase unknowns L and W, lowercased"),

    Case("""I'll write three problems first.

(a) The cost of 3 apples and 2 pears is 26 cents, and 1 apple and 1 pear cost 10 cents.
    3a + 2b = 26 ; a + b = 10
(b) A boat goes 24 km downstream in 2 hours and back in 3 hours.
(c) Twice a number minus 5 is 13.
    2x - 5 = 13

Selected Question: (a) The cost of 3 apples and 2 pears is 26 cents, and one apple and one pear together cost 10 cents. Let a be the price of an apple and b the price of a pear.
3a + 2b = 26
a + b = 10""", (F(6), F(4)), "lettered candidates, the selected one repeats its label"),

    Case("""Three problems:

1) A concert hall sold 60 tickets, adult tickets at $12 and child tickets at $8, for a total of $640.
   Equations: 12a + 8c = 640, a + c = 60
2) Solve for x: 7x - 4 = 3x + 20.
3) A mixture of 4 kg of tea and 3 kg of coffee costs $46, and 2 kg of tea and 5 kg of coffee cost $44.
   Equations: 4t + 3c = 46, 2t + 5c = 44

Selected Question: Solve for x: 7x - 4 = 3x + 20.""", (F(6),), "one unknown on both sides"),

    Case("""### Candidate problems

**1.** A shop sells pencils in packs of 4 and packs of 3. Lena bought 7 packs, 25 pencils in all.
Equations: 4x + 3y = 25, x + y = 7

**2.** Consecutive integers whose sum is 41.

**3.** Five times the difference of twice a number and one equals three times the number plus 16.
Equation: 5(2x - 1) = 3x + 16

### Selected Question
Five times the difference of twice a number and one equals three times the number plus 16. Find the number.

Equation: 5(2x - 1) = 3x + 16""", (F(3),), "heading marker, a bracket expanded"),

    Case("""Problem 1. Two pipes fill a tank...
Problem 2. A collection of nickels and dimes is worth $1.25 and holds 16 coins.
Let n be the number of nickels and d the number of dimes.
n + d = 16
5n + 10d = 125
Problem 3. A car rental costs $20 plus $15 per hour; the bill was $125. How many hours?
15h + 20 = 125

Selected Question: A collection of nickels and dimes is worth $1.25 and holds 16 coins. How many nickels (n) and dimes (d) are there?
n + d = 16
5n + 10d = 125""", (F(9), F(7)), "coins, unknowns ordered by name: d before n"),

    Case("""Here are three problems involving linear equations:

**Problem 1:** The length of a garden is 4 m more than its width, and its perimeter is 40 m.
**Problem 2:** Mark is 3 times as old as his daughter; 4 years from now the difference... 
**Problem 3:** A pool is filled by two hoses...

**Selected Question:** The length of a garden is 4 m more than its width, and its perimeter is 40 m. Find the length l and width w.

**Equations:**
1. l = w + 4
2. 2l + 2w = 40""", (F(12), F(8)), "numbered equations 1. and 2."),

    Case("""Problem A: 4(x + 2) - 3 = 2x + 11
Problem B: x + y = 12 and x - y = 4
Problem C: 3x = 5y and x + y = 16

Selected Question: Problem A — solve 4(x + 2) - 3 = 2x + 11 for x.""", (F(3),), "an em dash before the equation"),

    Case("""Let me write three problems.

Problem 1
A theater has 120 seats in two sections. The small section has 30 seats more than the large one has... wait, let me fix that: the first section has 30 more seats than the second.
Equations: s + l = 120, s = l + 30

Problem 2
The sum of the digits of a two-digit number is 9...

Problem 3
A store sold 40 shirts, some at $7 and some at $5, for $248.
Equations: 7x + 5y = 248, x + y = 40

Selected Question: A theater has 120 seats in two sections. The first section (s) has 30 more seats than the second (l). How many seats are in each section?
s + l = 120
s = l + 30""", (F(45), F(75)), "a self-correction in a candidate; unknowns l and s"),

    Case("""1) Tickets problem: a + c = 300, 5a + 3c = 1100
2) Ages problem: m + s = 60, m - 3s = 4
3) Mixture problem: x + y = 10, 3x + 5y = 38

Selected Question: 2) A mother and her son together are 60 years old, and the mother's age minus three times the son's is 4.
m + s = 60
m - 3s = 4""", (F(46), F(14)), "the selected one keeps its candidate number"),

    Case("""Here are three problems:

Problem 1: If 3x + 4y = 25 and 5x − 2y = 7, find x and y.
Problem 2: If 2x + 5y = 1 and 3x − 2y = 11, find x and y.
Problem 3: If x = 3y and x + y = 48, find x and y.

Selected Question: If 2x + 5y = 1 and 3x − 2y = 11, find x and y.""", (F(3), F(-1)), "a negative solution"),

    Case("""Selected Question: A chemist mixes 4 liters of solution A and 3 liters of solution B for a total cost of 46 dollars, and 2 liters of A with 5 liters of B for 44 dollars. Find the price per liter of A (x) and of B (y).

4x + 3y = 46
2x + 5y = 44""", (F(7), F(6)), "only the selected question"),

    Case("""Problem 1: A cyclist rides at x km/h for 2 hours and then at y km/h for 3 hours...
Equations: 2x + 3y = 7, 4x - y = 7

Problem 2: Nine times a number plus 4 equals five times the number minus 8.
Equation: 9x + 4 = 5x - 8

Problem 3: A garden has roses and tulips, 18 in all, with 4 more tulips than roses.
Equations: r + w = 18, r - w = -4

Selected Question: Nine times a number plus 4 equals five times the number minus 8. What is the number?
Equation: 9x + 4 = 5x - 8""", (F(-3),), "a negative answer in one unknown"),

    Case("""**Problem 1:** A taxi charges a flat fee plus a rate per km...
**Problem 2:** Two supplementary angles differ by 40 degrees.
**Problem 3:** Six identical boxes weigh 3 kg in all. How much does one box weigh?

**Selected Question:** Six identical boxes weigh 3 kg in all. How much does one box weigh, in kg?

Equation: 6x = 3""", (F(1, 2),), "a fractional solution"),

    Case("""Here are my three problems.

Problem 1 (Investments): Sara invests in two accounts...
  x + y = 900
  5x + 3y = 3700
Problem 2 (Speeds): ...
Problem 3 (Ages): Kim is twice as old as Lee; in 5 years their ages will sum to 40.
  k = 2l
  (k + 5) + (l + 5) = 40

Selected Question: Problem 3 (Ages). Kim is twice as old as Lee; in 5 years their ages will sum to 40. How old are Kim (k) and Lee (l)?
  k = 2l
  (k + 5) + (l + 5) = 40""", (F(20), F(10)), "bracketed sums"),

    Case("""Selected Question: The price of 7 notebooks and 3 pens is 45 dollars, and 2 notebooks and a pen cost 14 dollars. Find the price of a notebook (x) and a pen (y).

The system is:
7x + 3y = 45
2x + y = 14

(Do not solve.)""", (F(3), F(8)), "a closing remark in brackets"),

    Case("""Problem 1: A train travels...
Problem 2: Solve 15h + 20 = 125 where h is the number of hours a plumber worked.
Problem 3: ...

Selected Question: A plumber charges a $20 call-out fee plus $15 per hour. A bill came to $125. How many hours (h) did the plumber work?

15h + 20 = 125""", (F(7),), "one unknown named h"),
]

# ---------------------------------------------------------------------------------------------------------------
# LaTeX and markdown as chat models write them

CASES += [
    Case(r"""Here are three problems:

1. The sum of two numbers is $40$ and their difference is $10$.
2. A rectangle has perimeter $56$ and length three times its width.
3. Twice a number plus a second number is $7$, and their difference is $2$.

**Selected Question:** Twice a number plus a second number is 7, and the first minus the second is 2. Find both numbers.

$$
\begin{cases}
2x + y = 7 \\
x - y = 2
\end{cases}
$$""", (F(3), F(1)), "cases environment"),

    Case(r"""**Selected Question:** A vendor sells $x$ hot dogs at \$3 and $y$ sodas at \$2. She sold 60 items for \$150. How many of each?

\begin{align*}
x + y &= 60 \\
3x + 2y &= 150
\end{align*}""", (F(30), F(30)), "align* with &= and escaped dollars"),

    Case(r"""Problem 1: Solve \(3x + 2 = 11\).
Problem 2: Solve \(2x + 3y = 12\) and \(x - y = 1\).
Problem 3: Solve \(6x = 3\).

Selected Question: Solve the system \(2x + 3y = 12\) and \(x - y = 1\).""", (F(3), F(2)), "inline \\( \\) delimiters"),

    Case(r"""Selected Question: Find $x$ and $y$ if $3 \cdot x + 4 \cdot y = 25$ and $5 \cdot x - 2 \cdot y = 7$.""",
         (F(3), F(4)), "\\cdot products"),

    Case(r"""Selected Question: A farmer has chickens ($c$) and cows ($t$): 35 heads and 94 legs.

\[
\left\{
\begin{array}{l}
c + t = 35 \\
2c + 4t = 94
\end{array}
\right.
\]""", (F(23), F(12)), "array inside \\left\\{ ... \\right."),

    Case(r"""### Selected Question

Let $n$ be a number such that $4(n + 2) - 3 = 2n + 11$. Find $n$.""", (F(3),), "heading marker, LaTeX bracket"),

    Case(r"""Selected Question: Solve
$$2x + 3y = 7$$
$$4x - y = 7$$""", (F(2), F(1)), "display math lines"),

    Case(r"""Selected Question: Two numbers satisfy $x = 3y$ and $x + y = 48$. Find $x$ and $y$.""", (F(36), F(12)), "inline dollars"),

    Case(r"""**Selected Question:**

> A store sells two kinds of candy. Three bags of the first kind and two bags of the second weigh 26 ounces;
> one bag of each weighs 10 ounces together.
>
> **Equations:**
> - $3a + 2b = 26$
> - $a + b = 10$""", (F(6), F(4)), "block quote with bullets and dollars"),

    Case(r"""Selected Question: Solve for $x$: $\frac{x}{2} + 3 = 7$.""", None, "a fraction: not integer coefficients"),

    Case(r"""Selected Question: A rope of length $x$ is cut so that $0.5x + 2 = 8$. Find $x$.""", None, "a decimal coefficient"),

    Case(r"""Selected Question: Find $x$ and $y$ such that $x^2 + y = 10$ and $x - y = 2$.""", None, "a square: not linear"),

    Case(r"""**Selected Question:** The equations are $2x + y = 7$ \quad and \quad $x - y = 2$. Find $x$ and $y$.""",
         (F(3), F(1)), "\\quad spacing"),

    Case(r"""Selected Question: In a class, the number of boys $b$ is twice the number of girls $g$, and there are 30 students.

$$b + g = 30, \qquad b = 2g$$""", (F(20), F(10)), "two equations on one display line"),

    Case(r"""Selected Question: The sum of three times a number and 2 is 11: $3 \times x + 2 = 11$.""", (F(3),), "\\times"),

    Case(r"""**Selected Question**: A number $x$ satisfies $$7x - 4 = 3x + 20.$$ What is $x$?""", (F(6),), "a full stop inside display math"),

    Case(r"""Selected Question: Solve $\sqrt{x} = 3$ and $x + y = 12$.""", None, "a square root"),

    Case(r"""Selected Question: Solve the system
\begin{aligned}
r + w &= 18 \\
r - w &= -4
\end{aligned}
where $r$ is the number of red marbles and $w$ the number of white ones.""", (F(7), F(11)), "aligned with a negative constant"),

    Case("""**Selected Question:** Amy bought *x* apples and *y* oranges: 12 pieces of fruit in all, with 4 more apples than oranges.

*Equations:*
*x + y = 12*
*x − y = 4*""", (F(8), F(4)), "italic markdown"),

    Case("""**Selected Question:**
**A cinema sold 60 tickets, adults at $12 and children at $8, taking $640. How many adult (a) and child (c) tickets were sold?**
**12a + 8c = 640**
**a + c = 60**""", (F(40), F(20)), "everything bold"),

    Case("""| Equation | Meaning |
|---|---|
| x + y = 25 | total |
| x - y = 7 | difference |

Selected Question: Using the table, two numbers have sum 25 and difference 7:
| x + y = 25 |
| x - y = 7 |""", (F(16), F(9)), "a markdown table"),
]

# ---------------------------------------------------------------------------------------------------------------
# Models that solve the selected problem anyway: the solution must not add or change equations

CASES += [
    Case("""Selected Question: Two numbers add up to 25 and differ by 7.
x + y = 25
x - y = 7

Solution: Adding the equations gives 2x = 32, so x = 16 and y = 9.""", (F(16), F(9)), "a solution after a header"),

    Case("""Selected Question: Two numbers add up to 25 and differ by 7.
x + y = 25
x - y = 7
Adding the two equations: 2x = 32, so x = 16. Then y = 25 - 16 = 9.""", (F(16), F(9)), "inline solving steps that agree"),

    Case("""Selected Question: The sum of two numbers is 25 and their difference is 7.
x + y = 25
x - y = 7
Adding: 2x = 32, x = 15.""", None, "a wrong inline solution: which system is meant?"),

    Case("""**Selected Question:** A school sold 50 tickets, adults at $8 and students at $5, for $310.
a + c = 50
8a + 5c = 310

**Solution:**
From the first equation, a = 50 - c. Substituting: 8(50 - c) + 5c = 310, so 400 - 3c = 310 and c = 30, a = 20.""",
         (F(20), F(30)), "a bold solution header"),

    Case("""Selected Question: Solve 3x + 2 = 11.

Hint: subtract 2 from both sides first, 3x = 9.""", (F(3),), "a hint"),

    Case("""Selected Question: 2x + 3y = 12 and x - y = 1. Find x and y.

Answer: x = 3, y = 2""", (F(3), F(2)), "an answer line"),

    Case("""Selected Question: 2x + 3y = 12 and x - y = 1. Find x and y.

Answer: x = 4, y = 1""", (F(3), F(2)), "a wrong answer after the question is not read"),

    Case("""Selected Question: The price of a pen (p) and a notebook (q): 3p + 5q = 160 and p + q = 40.

Let's solve it step by step.
Step 1: p = 40 - q.
Step 2: 3(40 - q) + 5q = 160 → 120 + 2q = 160 → q = 20.
Step 3: p = 20.""", (F(20), F(20)), "step by step with arrows"),

    Case("""Selected Question: A number x satisfies 7x + 3 = 3x + 23. Find x.
7x + 3 = 3x + 23
4x = 20
x = 5""", (F(5),), "equation-by-equation solving, no header"),

    Case("""Selected Question: x + y = 10 and x - y = 2.
x + y = 10
x - y = 2
2x = 12
x = 12/2 = 6
y = 4""", (F(6), F(4)), "a chain with a fraction in the steps is skipped"),

    Case("""Selected Question: If 4x + 3y = 46 and 2x + 5y = 44, what are x and y?

To check, x = 7 and y = 6 give 4(7) + 3(6) = 46 and 2(7) + 5(6) = 44.""", (F(7), F(6)), "a check that substitutes numbers"),

    Case("""Selected Question: Twice a number plus 5 is 17. Find the number.
2x + 5 = 17

Verification: 2(6) + 5 = 17 ✓""", (F(6),), "verification with a check mark"),

    Case("""Selected Question: A sum of money is split so that x + y = 100 and x = 4y.
Solving, 5y = 100, y = 20 and x = 80. But wait, x = 4y means x = 80, and 80 + 20 = 100. Correct.""",
         (F(80), F(20)), "a self-check in prose"),
]

# ---------------------------------------------------------------------------------------------------------------
# Models that ignore the format: only equations, one problem, or a conversational answer

CASES += [
    Case("x + y = 25\nx - y = 7", (F(16), F(9)), "bare equations on two lines"),
    Case("2x + 3y = 12; x - y = 1", (F(3), F(2)), "the canonical form"),
    Case("3x + 2 = 11", (F(3),), "one bare equation"),
    Case("2x − y = 7 and x + y = 8", (F(5), F(3)), "unicode minus"),
    Case("3 × x + 2 × y = 19\nx − y = 3", (F(5), F(2)), "times sign"),
    Case("3·x + 2·y = 19, x - y = 3", (F(5), F(2)), "middle dot"),
    Case(r"3 \cdot x + 2 \cdot y = 19, x - y = 3", (F(5), F(2)), "bare \\cdot"),
    Case("3*x + 2*y = 19, x - y = 3", (F(5), F(2)), "asterisks"),
    Case("1) 2x + 3y = 12\n2) x - y = 1", (F(3), F(2)), "1) numbering"),
    Case("(1) 2x + 3y = 12\n(2) x - y = 1", (F(3), F(2)), "(1) numbering"),
    Case("Equation 1: 2x + 3y = 12\nEquation 2: x - y = 1", (F(3), F(2)), "Equation 1: numbering"),
    Case("1. 2x + 3y = 12\n2. x - y = 1", (F(3), F(2)), "1. numbering"),
    Case("Eq. (1): 2x + 3y = 12\nEq. (2): x - y = 1", (F(3), F(2)), "Eq. (1): numbering"),
    Case("2x + 3y = 12   (1)\nx - y = 1   (2)", (F(3), F(2)), "labels after the equations"),
    Case("2x + 3y = 12 ... (i)\nx - y = 1 ... (ii)", (F(3), F(2)), "roman labels after dots"),
    Case("2(x + 3) = 10", (F(2),), "a bracket"),
    Case("3(x - 2) + 4 = 19", (F(7),), "a bracket and a constant"),
    Case("A + B = 25\nA - B = 7", (F(16), F(9)), "uppercase unknowns"),
    Case("$2x + 3y = 12$", None, "one equation in two unknowns"),
    Case("$2x + 3y = 12$, $x - y = 1$", (F(3), F(2)), "dollar-delimited equations"),
    Case(r"\(2x + 3y = 12\), \(x - y = 1\)", (F(3), F(2)), "\\( \\) delimited equations"),
    Case(r"\begin{cases} 2x + y = 7 \\ x - y = 2 \end{cases}", (F(3), F(1)), "cases on one line"),
    Case(r"\begin{align*} 2x + y &= 7 \\ x - y &= 2 \end{align*}", (F(3), F(1)), "align* on one line"),
    Case("x + y = 1,200 and x - y = 200", (F(700), F(500)), "thousands separator (beyond 3 digits: rejected)"),
    Case("Solve for x: 5(2x - 1) = 3x + 16", (F(3),), "an instruction before the equation"),
    Case("Find a and b: a + b = 10, 3a + 2b = 26.", (F(6), F(4)), "find a and b"),
    Case("-x + 2y = 4\n3x - y = 3", (F(2), F(3)), "a leading minus sign"),
    Case("x = 2y + 1\n3x - 4y = 7", (F(5), F(2)), "an unknown alone on the left"),
    Case("12 = 3x", (F(4),), "the unknown on the right"),
    Case("x + y + 4 = 20 - x + y", (F(8),), "y cancels out"),
    Case("2x+3y=12\nx-y=1", (F(3), F(2)), "no spaces"),
    Case("   x + y = 25   \n\n\n   x - y = 7   ", (F(16), F(9)), "blank lines and indentation"),
    Case("x + y = 25\r\nx - y = 7\r\n", (F(16), F(9)), "Windows line ends"),
    Case("Sure! Here is a problem: Ann has some apples and Bob has some pears. Together they have 25 fruits, and Ann has 7 more than Bob. If a is Ann's count and b is Bob's, then a + b = 25 and a - b = 7.",
         (F(16), F(9)), "one problem, conversational"),
    Case("I think a good problem is: a number tripled and then increased by 2 gives 11. The equation is 3x + 2 = 11.",
         (F(3),), "one problem in a sentence"),
    Case("Here's a problem for you!\n\nJenny is 4 years older than her brother, and the sum of their ages is 30. Let j be Jenny's age and b her brother's age:\n\nj = b + 4\nj + b = 30\n\nHow old are they?",
         (F(13), F(17)), "no selection, one problem"),
]

# ---------------------------------------------------------------------------------------------------------------
# Texts that state no problem to read: cut off, refused, several systems and no choice, inconsistent, not linear

CASES += [
    Case("""Here are three word problems:

**Problem 1:** A farmer has chickens and cows. There are 35 heads and 94 legs.
Equations: c + t = 35, 2c + 4t = 94

**Problem 2:** Two numbers add up to 25 and differ by 7.

**Selected Question:** A bakery sells muffins and cookies. Yesterday it sold 70 items and""", None,
         "cut off before the selected equations"),

    Case("""Selected Question: A school sold tickets to a play, adult tickets at $8 and student tickets at $5.
a + c = 50
8a + 5c =""", None, "cut off inside the second equation"),

    Case("""Selected Question: Two numbers add up to 25 and differ by 7.
x + y = 25
x -""", None, "cut off after a minus sign"),

    Case("""Here are three word problems, each with its equations:

Problem 1: x + y = 40, x - y = 10
Problem 2: 2x + y = 7, x - y = 2
Problem 3: 3x + 2 = 11""", None, "three systems, no selection"),

    Case("""1. a + b = 12, a - b = 4
2. p + q = 20, p - q = 6
3. 4m = 28""", None, "three numbered systems, no selection"),

    Case("""I'm sorry, but I can't help with creating these problems right now.""", None, "a refusal"),

    Case("""As an AI language model, I can certainly write word problems! However, could you tell me which grade level you have in mind?""",
         None, "a clarifying question"),

    Case("""Selected Question: Problem 2""", None, "a bare reference, nothing stated"),

    Case("""Problem 1: x + y = 40 and x - y = 10.
Problem 2: Solve 2x + 5 = 17.

Selected Question:""", None, "an empty selection: candidates are not read"),

    Case("""Problem 1: x + y = 40 and x - y = 10.

Selected Question: A shop sells two kinds of tea; find how many kilograms of each it sold.""", None,
         "a selection without equations: candidates are not read"),

    Case("x + y = 25, x - y = 7, x = 15", None, "an extra equation that disagrees"),
    Case("x=2, x=3", None, "two equations in one unknown that disagree"),
    Case("2x + 2y = 4; x + y = 2", None, "dependent equations"),
    Case("x + y = 3", None, "one equation in two unknowns"),
    Case("x + y + z = 6\nx - y = 0\nz = 2", None, "three unknowns"),
    Case("x * y = 12 and x + y = 7", None, "a product of unknowns"),
    Case("xy = 12 and x + y = 7", None, "juxtaposed unknowns"),
    Case("x/2 + y = 5\nx - y = 1", None, "a division"),
    Case("0.5x + y = 4 and x + y = 6", None, "a decimal coefficient"),
    Case("x + y = 2.5 and x - y = 0.5", None, "decimal constants"),
    Case("½x + y = 4 and x + y = 6", None, "a vulgar fraction"),
    Case("x² + y = 5 and x + y = 3", None, "a superscript square"),
    Case("x^2 - 4 = 0", None, "a caret power"),
    Case("2x + 3 > 7", None, "an inequality"),
    Case("x + y >= 10 and x - y = 2", None, "a spelled inequality"),
    Case("the sum of x and y = 7, x - y = 1", None, "`the sum of x and y`: the left side began earlier"),
    Case("twice x = 24", None, "a word that doubles the unknown"),
    Case("x = 3 times y and x + y = 20", None, "a word that multiplies"),
    Case("x + y = 25 % and x - y = 7", None, "a percent sign"),
    Case("f(x) = 2x + 1 = 7", None, "function notation"),
    Case("x_1 + x_2 = 10 and x_1 - x_2 = 2", None, "subscripted unknowns"),
    Case("3x + 2 = 11 = 5", None, "a chain of equals"),
    Case("1000x + y = 5000 and x - y = 1", None, "coefficients beyond three digits"),
    Case("x + y = 25\nx - y = 7\n\nx + y = 30\nx - y = 4", None, "two systems one after the other"),
    Case("Selected Question: Find x if 2x = 4 and 3x = 9.", None, "an inconsistent selection"),
    Case("Selected Question: The system is x + y = 10 and X - y = 2.", None, "x and X: one unknown or two?"),
    Case("""**Problem 1:** The perimeter of a square is 36.
**Problem 2:** Two numbers add up to 50.
**Problem 3:** A number plus 12 is 30.""", None, "candidates without equations and no selection"),
    Case("Selected Question: A number is doubled and 3 is added, giving 11. Find the number.", None,
         "a word problem without its equation"),
    Case("Selected Question: 2x + 3y = 12, 4x + 6y = 30", None, "parallel lines: no solution"),
    Case("""Selected Question: A tank is filled by two pipes in 6 hours; one pipe alone takes 10 hours.
1/x + 1/10 = 1/6""", None, "a rate equation with fractions"),
]

# ---------------------------------------------------------------------------------------------------------------
# More answers in the asked format, as different models lay them out

CASES += [
    Case("""Here are three hard word problems:

1. **Train Problem**: Two trains start 300 miles apart and travel toward each other, meeting after 3 hours. One train is 10 mph faster than the other. Find their speeds.
   - Equations: 3x + 3y = 300, x - y = 10

2. **Investment Problem**: Maria invests part of $900 at 5% and the rest at 3%...
   - Equations: x + y = 900, 5x + 3y = 3700

3. **Age Problem**: A father is 4 times as old as his son. In 20 years, he will be twice as old as his son.
   - Equations: f = 4s, f + 20 = 2(s + 20)

Selected Question: **Age Problem**: A father is 4 times as old as his son. In 20 years, he will be twice as old as his son. How old are they now?
- f = 4s
- f + 20 = 2(s + 20)""", (F(40), F(10)), "Llama-style titled candidates"),

    Case("""Certainly! Below are three word problems.

---

**Problem 1**

A grocer mixes peanuts worth $3 per pound with cashews worth $8 per pound to get 10 pounds of a mix worth $5 per pound... (equations: p + c = 10, 3p + 8c = 50)

---

**Problem 2**

A rectangle's perimeter is 30 and its length is twice its width. (equations: 2l + 2w = 30, l = 2w)

---

**Problem 3**

The sum of two consecutive even integers is 46.

---

**Selected Question:**

A rectangle's perimeter is 30 units, and its length (l) is twice its width (w). Find the dimensions.

Equations:
- 2l + 2w = 30
- l = 2w""", (F(10), F(5)), "horizontal rules between candidates"),

    Case("""Problem 1: At a fair, 3 hot dogs and 2 drinks cost $13, while 2 hot dogs and 3 drinks cost $12.
3h + 2d = 13
2h + 3d = 12

Problem 2: A boat travels 36 km downstream in 3 hours and 24 km upstream in 3 hours.
3(b + s) = 36
3(b - s) = 24

Problem 3: The sum of a number and four times another is 21, and their difference is 1.
x + 4y = 21
x - y = 1

Selected Question: Problem 2: A boat travels 36 km downstream in 3 hours and 24 km upstream in 3 hours. Find the speed of the boat in still water (b) and the speed of the current (s).
3(b + s) = 36
3(b - s) = 24""", (F(10), F(2)), "brackets with unknowns inside"),

    Case("""Okay, here goes.

Problem 1 — A printer prints color pages at 4 cents and black pages at 2 cents. 100 pages cost 260 cents.
  c + k = 100 and 4c + 2k = 260
Problem 2 — Solve 5x - 7 = 2x + 8.
Problem 3 — Two friends share 45 stickers so that one has 9 more than the other.
  u + v = 45 and u - v = 9

Selected Question: Problem 1 — A printer prints color pages at 4 cents each and black-and-white pages at 2 cents each. A job of 100 pages cost 260 cents. How many color pages (c) and black-and-white pages (k)?
c + k = 100 and 4c + 2k = 260""", (F(30), F(70)), "em dashes after candidate names"),

    Case("""Three problems:

A) The ages of a brother and sister add up to 27, and the brother is 5 years older.
   b + s = 27, b = s + 5
B) A number multiplied by 4, then decreased by 9, equals 23.
   4n - 9 = 23
C) Three pens and a ruler cost 11 dollars, and a pen and two rulers cost 7 dollars.
   3p + r = 11, p + 2r = 7

Selected Question: B) A number multiplied by 4, then decreased by 9, equals 23. Find the number n.
4n - 9 = 23""", (F(8),), "lettered candidates with a), B)"),

    Case("""**Selected Question:** In a parking lot there are cars and motorcycles, 40 vehicles with 130 wheels in total. How many cars (c) and motorcycles (m) are there?

**Equations:**
$$c + m = 40$$
$$4c + 2m = 130$$

*(Note: this is a classic system of two linear equations.)*""", (F(25), F(15)), "a note after the equations"),

    Case("""Problem 1. Find two numbers whose sum is 84 and one is 12 more than the other.
Problem 2. A jar has 5 times as many red as blue beads, 60 beads in all.
Problem 3. Solve for y: 6y + 4 = 2y + 24.

Selected Question: Problem 2. A jar has 5 times as many red beads (r) as blue beads (b), and 60 beads in all. How many of each?
r = 5b
r + b = 60""", (F(10), F(50)), "unknowns b and r in name order"),

    Case("""Here you go:

• Problem 1: A car travels at speed s for 2 hours and covers 130 km: 2s = 130.
• Problem 2: A number minus 8 is 15: n - 8 = 15.
• Problem 3: Two numbers, the larger is 3 more than twice the smaller, and they sum to 39: x = 2y + 3, x + y = 39.

Selected Question: • Problem 3: The larger of two numbers is 3 more than twice the smaller, and their sum is 39. Find the larger (x) and smaller (y) numbers.
x = 2y + 3
x + y = 39""", (F(27), F(12)), "unicode bullets"),

    Case("""Here are three word problems with linear equations.

Problem 1
Equation: 8x - 3 = 5x + 12

Problem 2
Equations: 2a + b = 11 and a + 3b = 13

Problem 3
Equations: p - q = 5 and 2p + q = 19

Selected Question
Problem 2: Two apples (a) and a banana (b) cost 11, and an apple and three bananas cost 13. Find the prices.
Equations: 2a + b = 11 and a + 3b = 13""", (F(4), F(3)), "marker with no colon"),

    Case("""SELECTED QUESTION: A gym charges a joining fee plus a monthly fee. Three months cost 110 dollars and seven months cost 190 dollars. Find the joining fee (j) and the monthly fee (m).
j + 3m = 110
j + 7m = 190""", (F(50), F(20)), "upper-case marker"),

    Case("""Selected question: A chemist has 20 liters of a mix of two solutions, and there are 4 more liters of the first than of the second.
Let x = liters of the first solution and y = liters of the second solution.
x + y = 20
x - y = 4""", (F(12), F(8)), "lower-case marker, definitions with `=`"),

    Case("""Selected Question: Dan has x quarters and y dimes. He has 14 coins worth 245 cents. Find x and y.
Equations: x + y = 14 and 25x + 10y = 245.""", (F(7), F(7)), "equal answers"),

    Case("""Selected Question:
A plane flies 600 km with the wind in 2 hours and returns against the wind in 3 hours. Let p be the plane's speed in still air and w the wind's speed.
2(p + w) = 600
3(p - w) = 600""", (F(250), F(50)), "brackets on both equations"),

    Case("""I have written three problems and chose the second one.

Selected Question: The sum of two numbers is 15. Three times the first minus the second is 17. Find the two numbers.

x + y = 15
3x - y = 17""", (F(8), F(7)), "a preamble mentioning the choice"),

    Case("""Selected Question: A zoo sells adult tickets for 9 dollars and child tickets for 4 dollars. On Monday it sold 3 more child tickets than adult tickets and took in 116 dollars.
Let a be the number of adult tickets and c the number of child tickets.
9a + 4c = 116
c = a + 3""", (F(8), F(11)), "an unknown alone on the left of the second"),

    Case("""**Selected Question:** Solve the following system of equations:
1) 2x + 3y = 8
2) 5x - y = 3""", (F(1), F(2)), "numbered system with 1) 2)"),

    Case("""Selected Question: Maya's age (m) plus twice her brother's age (b) is 26, and Maya is 2 years older than her brother.
m + 2b = 26
m - b = 2""", (F(8), F(10)), "apostrophes in prose"),

    Case("""Selected Question: A rectangle has a perimeter of 50 cm (so 2L + 2W = 50) and its length is 5 cm more than its width (L = W + 5). Find L and W.""",
         (F(15), F(10)), "equations in brackets inside prose"),

    Case("""Selected Question: Let x represent the number of small boxes and y the number of large boxes. 12 boxes hold 100 books; small boxes hold 6 and large ones 10.

6x + 10y = 100
x + y = 12""", (F(5), F(7)), "`12 boxes` in prose before the equations"),

    Case("""Selected Question: The equations 3x - 2y = 4 and x + 2y = 12 describe two lines. Where do they meet?""",
         (F(4), F(4)), "lines meeting"),
]

# ---------------------------------------------------------------------------------------------------------------
# Built from fragments (under a third of the corpus): candidate lists as different models write them, each
# followed by a selected question in a different layout and an ending. The candidates use the same unknowns with
# other solutions, so reading them instead of the selection is a misread.

_CANDIDATE_LISTS = [
    """Here are three word problems:

**Problem 1:** The sum of two numbers is 30 and their difference is 4.
Equations: x + y = 30, x - y = 4

**Problem 2:** A store sold 10 items, some for $2 and some for $3, for $26.
Equations: a + c = 10, 2a + 3c = 26

**Problem 3:** Four times a number is 36.
Equation: 4x = 36

""",
    """Sure, here are three problems leading to linear equations.

1. A number plus 5 equals 12: x + 5 = 12
2. Two numbers sum to 9 and differ by 1: x + y = 9 and x - y = 1
3. Apples cost a and cherries c; 2a + c = 8 and a + c = 5

""",
    """### Problem 1
Solve $2x + y = 11$ and $x - y = 1$.

### Problem 2
Solve $3a - c = 5$ and $a + c = 7$.

### Problem 3
Solve $5x = 20$.

""",
    """Problem 1: x + y = 14; x - y = 2
Problem 2: a + c = 20; a - c = 6
Problem 3: 9x = 27

I think the most interesting one is a new variation, so here it is.

""",
    """1) A father and son: x = 3y and x + y = 44
2) Coins: a + c = 12 and 5a + 10c = 90
3) Numbers: 2x - 3 = 9

""",
]

_SELECTIONS = [
    ("Selected Question: Two numbers add up to 25 and differ by 7. Find them.\nx + y = 25\nx - y = 7", (F(16), F(9))),
    ("**Selected Question:** At a fair 50 tickets were sold, adults (a) at $8 and children (c) at $5, for $310.\n\n"
     "- a + c = 50\n- 8a + 5c = 310", (F(20), F(30))),
    ("### Selected Question\nSolve for x: 3(x - 2) + 4 = 19", (F(7),)),
    ("Selected question: $2x - y = 7$ and $x + y = 8$.", (F(5), F(3))),
    ("**Selected Question**\n1) 2x + 3y = 12\n2) x - y = 1", (F(3), F(2))),
    ("Selected Question: Two numbers x and y satisfy 3 × x + 2 × y = 19 and x − y = 3.", (F(5), F(2))),
    ("Selected Question: An adult ticket costs A dollars and a child ticket B dollars. Two adults and a child pay 23, "
     "and an adult and two children pay 19.\n2A + B = 23\nA + 2B = 19", (F(9), F(5))),
    ("Selected Question: The price of a pen (x) and a pencil (y):\n$$\\begin{cases} 4x + 3y = 46 \\\\ 2x + 5y = 44 "
     "\\end{cases}$$", (F(7), F(6))),
]

_ENDINGS = [
    "",
    "\n\nThis problem tests setting up and solving a system of equations.",
    "\n\nSolution: solving gives the values above.",
    "\n\n(I chose it because it has a unique whole-number answer.)",
]

CASES += [
    Case(candidates + selection + _ENDINGS[(i + j) % len(_ENDINGS)], expected, f"fragments: list {i}, selection {j}")
    for i, candidates in enumerate(_CANDIDATE_LISTS)
    for j, (selection, expected) in enumerate(_SELECTIONS)
]

# Models that think before they write (Qwen3-style `<think>` blocks): the problem is what follows the thinking.
CASES += [
    Case("<think>\nI could use x + y = 10 and x - y = 4, but that is easy. Let me make it about tickets.\n</think>\n\n"
         "Selected Question: Adult tickets cost 7 dollars and child tickets 4 dollars. 30 tickets sold for 165 "
         "dollars.\na + c = 30\n7a + 4c = 165", (F(15), F(15)), "thinks first, drafts inside"),
    Case("<think>Maybe 2x + 3 = 11, so x = 4. Then a second one", None, "cut off while thinking"),
]

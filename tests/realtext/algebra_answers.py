"""Solver completions for linear equations in one or two unknowns, as Qwen2.5-Instruct and Llama-3-Instruct models
write them when asked "Think inside <think> </think>, then give the value of each unknown inside <answer> </answer>,
for example <answer>x=3, y=-2</answer>". Written by hand for this project. `expected` is the tuple of the values the
completion states, ordered by the unknowns' names, or None where it states none.
"""

from __future__ import annotations

from fractions import Fraction

from tests.realtext import Case


def V(*values: int | str) -> tuple[Fraction, ...]:  # noqa: N802 - reads like the tuple it builds
    """The expected values, in name order: V(3, -2), V("3/2")."""
    return tuple(Fraction(value) for value in values)


CASES: list[Case] = [
    # --- the requested format -------------------------------------------------------------------------------
    Case("<think>\nFrom x - y = 5, x = y + 5. Then 2(y + 5) + 3y = 0, so 5y = -10, y = -2 and x = 3.\n</think>\n"
         "<answer>x=3, y=-2</answer>", V(3, -2), "substitution"),
    Case("<think>2x + 3 = 7, so 2x = 4, x = 2.</think><answer>x=2</answer>", V(2), "one unknown"),
    Case("<think>\n3x = 12\nx = 4\n</think>\n<answer>x = 4</answer>", V(4), "spaces around equals"),
    Case("<think>Adding the equations: 2x = 10, x = 5; then y = 10 - 5 = 5.</think>\n<answer>x=5, y=5</answer>",
         V(5, 5), "equal values"),
    Case("<think>\n5x - 7 = 3x + 1\n2x = 8\nx = 4\n</think>\n<answer>x=4</answer>", V(4), "both sides"),
    Case("<think>x + y = 1 and x - y = 7: x = 4, y = -3.</think><answer>x=4, y=-3</answer>", V(4, -3),
         "elimination"),
    Case("<think>\n4y = -20, y = -5\n</think>\n<answer>y=-5</answer>", V(-5), "other name"),
    Case("<think>\nMultiply the second equation by 2 and subtract: 7y = 14, y = 2. Then x = 8 - 3*2 = 2.\n</think>\n"
         "<answer>x=2, y=2</answer>", V(2, 2), "multiply and subtract"),
    Case("<think>2x = 3 so x = 3/2.</think><answer>x=3/2</answer>", V("3/2"), "fraction"),
    Case("<think>\n-3x = 9\nx = -3\n</think>\n<answer>x=-3</answer>", V(-3), "negative"),
    Case("<think>x = 0 since 7x = 0.</think><answer>x=0</answer>", V(0), "zero"),
    Case("<think>\nLet me solve:\n3a + 2b = 16\na - b = 2\nSo a = b + 2; 3b + 6 + 2b = 16; 5b = 10; b = 2; "
         "a = 4.\n</think>\n"
         "<answer>a=4, b=2</answer>", V(4, 2), "names a and b"),
    Case("<think>\nm + n = 9, m - n = 1 gives m = 5, n = 4.\n</think>\n<answer>m=5, n=4</answer>", V(5, 4),
         "names m and n"),
    Case("<think>\nx = 12, y = 7\n</think>\n<answer>x=12, y=7</answer>", V(12, 7), "two digits"),
    Case("<think>\n10x = -45, x = -4.5\n</think>\n<answer>x=-4.5</answer>", V("-9/2"), "decimal"),
    Case("<think>6x + 4y = 2 and 3x - 2y = 5 give x = 1, y = -1.</think><answer>x=1, y=-1</answer>", V(1, -1),
         "ones"),
    Case("<think>\nThe first equation gives y = 2x - 1. Substituting, x + 2(2x - 1) = 13, 5x = 15, x = 3, y = 5.\n"
         "</think>\n<answer>x=3, y=5</answer>", V(3, 5), "substitution 2"),
    Case("<think>\n7x - 2 = 5x + 10\n2x = 12\nx = 6\n</think>\n<answer>x=6</answer>", V(6), "collect terms"),
    Case("<think>9x = 81, x = 9</think><answer>x=9</answer>", V(9), "nine"),
    Case("<think>\nx = -7 and y = 11 satisfy both.\n</think>\n<answer>x=-7, y=11</answer>", V(-7, 11), "mixed signs"),
    Case("<think>p = 2q, p + q = 18, so q = 6, p = 12.</think><answer>p=12, q=6</answer>", V(12, 6), "p and q"),
    Case("<think>\nt = 15\n</think>\n<answer>t=15</answer>", V(15), "name t"),
    Case("<think>\n2x + 2y = 14 → x + y = 7; x - y = 3 → x = 5, y = 2.\n</think>\n<answer>x=5, y=2</answer>",
         V(5, 2), "arrows"),
    Case("<think>\n11x = 121\nx = 11\n</think>\n\n<answer>x=11</answer>\n", V(11), "trailing newline"),
    Case("<think>\n4x - 3y = 0, x + y = 7: x = 3, y = 4.\n</think>\n<answer>x=3, y=4</answer>", V(3, 4), "three four"),
    Case("<think>\nx + 9 = 4, so x = -5.\n</think>\n<answer>x=-5</answer>", V(-5), "ordinary negative"),
    Case("<think>\n6x = 42 → x = 7\n</think>\n<answer>x=7</answer>", V(7), "ordinary seven"),
    Case("<think>\nSubtract the second from the first: 2y = 8, y = 4. Then x = 10 - 4 = 6.\n</think>\n"
         "<answer>x=6, y=4</answer>", V(6, 4), "ordinary pair"),
    Case("<think>\n8x - 3 = 5x + 9 → 3x = 12 → x = 4\n</think>\n<answer>x=4</answer>", V(4), "ordinary arrows"),
    Case("<think>\nLet the numbers be x and y: x + y = 20, x - y = 4. Then x = 12, y = 8.\n</think>\n"
         "<answer>x=12, y=8</answer>", V(12, 8), "word problem"),
    Case("<think>\nA ticket problem: 5a + 3c = 49, a + c = 11. a = 11 - c; 55 - 5c + 3c = 49; c = 3; a = 8.\n"
         "</think>\n<answer>a=8, c=3</answer>", V(8, 3), "tickets"),
    Case("<think>\n-2x + 5 = 11\n-2x = 6\nx = -3\n</think>\n<answer>x=-3</answer>", V(-3), "negative coefficient"),
    Case("<think>\nx/1... the equation is 4x + 2 = 2x + 2, so 2x = 0, x = 0.\n</think>\n<answer>x=0</answer>", V(0),
         "zero solution"),
    Case("<think>\n3x + 2y = 12 and x = 2y: 6y + 2y = 12, y = 3/2, x = 3.\n</think>\n<answer>x=3, y=3/2</answer>",
         V(3, "3/2"), "fractional y"),
    Case("<think>\n5x = 2, x = 2/5 = 0.4\n</think>\n<answer>x=0.4</answer>", V("2/5"), "decimal tenth"),
    Case("<think>\nx - 4 = -4, x = 0\n</think>\n<answer>x = 0</answer>", V(0), "zero 2"),
    Case("<think>\n12x + 4y = 8, 3x + y = 2 ... those are the same line? No: the system is 12x + 4y = 8 and "
         "3x - y = 5. Adding 4 times the second: 24x = 28, x = 7/6, y = 3(7/6) - 5 = -3/2.\n</think>\n"
         "<answer>x=7/6, y=-3/2</answer>", V("7/6", "-3/2"), "fractions both"),
    Case("<think>\nr + s = 0 and r - s = 10, so r = 5, s = -5.\n</think>\n<answer>r=5, s=-5</answer>", V(5, -5),
         "names r and s"),
    Case("<think>\n100x = 250, x = 2.5\n</think>\n<answer>x=2.5</answer>", V("5/2"), "two and a half"),
    Case("<think>\nw = 3h and 2w + 2h = 32: 8h = 32, h = 4, w = 12.\n</think>\n<answer>h=4, w=12</answer>",
         V(4, 12), "rectangle"),
    Case("<think>\nx = 14\n</think>\n<answer>x=14</answer>\n\nI hope this helps!", V(14), "closing remark"),
    Case("<think>\ny = 2, x = 9\n</think>\n<answer>x=9, y=2</answer>", V(9, 2), "reordered thinking"),
    Case("<think>\nCombine: 3x + 3x = 18, x = 3. y = 2x = 6.\n</think>\n<answer>x=3, y=6</answer>", V(3, 6),
         "y double"),
    Case("<think>\n7 - x = 10 → x = -3\n</think>\n<answer>x=-3</answer>", V(-3), "minus x"),
    Case("<think>\nx + 2y = 0 and 2x + y = 3: x = 2, y = -1.\n</think>\n<answer>x=2, y=-1</answer>", V(2, -1),
         "ordinary pair 2"),
    Case("To solve 4x - 8 = 0, add 8 and divide by 4: x = 2.\n\n<answer>x=2</answer>", V(2), "llama inline"),
    Case("Solving the system by substitution gives x = 1 and y = 4.\n\n<answer>x=1, y=4</answer>", V(1, 4),
         "llama sentence then tag"),
    Case("**Step 1:** 2x = 10\n**Step 2:** x = 5\n\n<answer>x=5</answer>", V(5), "llama bold steps"),
    Case("<think>\nx = 20 - 3y and 2x + y = 5 → 40 - 6y + y = 5 → y = 7, x = -1.\n</think>\n<answer>x=-1, y=7</answer>",
         V(-1, 7), "chain arrows"),
    Case("<think>\nSo the speed of the boat is b = 12 and the current c = 3.\n</think>\n<answer>b=12, c=3</answer>",
         V(12, 3), "boat and current"),
    Case("<think>\nSolve 9 = 3x: x = 3.\n</think>\n<answer>x=3</answer>", V(3), "reversed sides"),
    Case("<think>\nx = -1/3 since 3x = -1.\n</think>\n<answer>x=-1/3</answer>", V("-1/3"), "negative third"),
    Case("<think>\n2x + y = 7, x + 2y = 8: x = 2, y = 3.\n</think>\n<answer>x=2, y=3</answer>", V(2, 3),
         "symmetric system"),
    Case("We get $x = 8$.\n\nThe final answer is: $\\boxed{8}$", V(8), "llama boxed bare"),
    Case("Adding, $2x = 14$, so $x = 7$; then $y = 3$. Hence $\\boxed{x = 7, y = 3}$.", V(7, 3), "hence boxed"),
    # --- the opening think tag was in the prompt --------------------------------------------------------------
    Case("So x = 3 and y = -2.\n</think>\n<answer>x=3, y=-2</answer>", V(3, -2), "only the closing think"),
    Case("2x = 8, x = 4</think><answer>x=4</answer>", V(4), "only the closing think 2"),
    # --- spacing, order and separators ---------------------------------------------------------------------------
    Case("<think>...</think><answer>x = 3, y = -2</answer>", V(3, -2), "spaced"),
    Case("<think>...</think><answer>y=-2, x=3</answer>", V(3, -2), "reversed order"),
    Case("<think>...</think><answer>x=3; y=-2</answer>", V(3, -2), "semicolon"),
    Case("<think>...</think><answer>x = 3 and y = -2</answer>", V(3, -2), "and"),
    Case("<think>...</think><answer>x=3\ny=-2</answer>", V(3, -2), "newline"),
    Case("<think>...</think><answer>\nx = 3\ny = -2\n</answer>", V(3, -2), "lines"),
    Case("<think>...</think><answer>x=3 y=-2</answer>", V(3, -2), "space only"),
    Case("<think>...</think><answer>X = 3, Y = -2</answer>", V(3, -2), "capital names"),
    Case("<think>...</think><answer>x=3,y=-2</answer>", V(3, -2), "no spaces"),
    Case("<think>...</think><answer>x = 3 , y = - 2</answer>", V(3, -2), "space after minus"),
    Case("<think>...</think><answer>x = +3, y = -2</answer>", V(3, -2), "explicit plus"),
    # --- unnamed values ------------------------------------------------------------------------------------------
    Case("<think>...</think><answer>(3, -2)</answer>", V(3, -2), "pair"),
    Case("<think>...</think><answer>(x, y) = (3, -2)</answer>", V(3, -2), "named pair"),
    Case("<think>...</think><answer>3, -2</answer>", V(3, -2), "bare pair"),
    Case("<think>...</think><answer>4</answer>", V(4), "bare value"),
    Case("<think>...</think><answer>-3/2</answer>", V("-3/2"), "bare fraction"),
    Case("<think>...</think><answer>(x, y) = (1/2, 3)</answer>", V("1/2", 3), "named pair with fraction"),
    Case("<think>...</think><answer>\\left( 5, 7 \\right)</answer>", V(5, 7), "latex pair"),
    Case("<think>...</think><answer>(3,200)</answer>", V(3, 200), "pair without space: 3200 or (3, 200)?"),
    # --- LaTeX and markdown --------------------------------------------------------------------------------------
    Case("<think>...</think><answer>x = −3</answer>", V(-3), "unicode minus"),
    Case("<think>...</think><answer>x = \\frac{3}{2}</answer>", V("3/2"), "latex fraction"),
    Case("<think>...</think><answer>x = 3 and y = −2</answer>", V(3, -2), "and with unicode minus"),
    Case("<think>...</think><answer>\\boxed{x = 3, y = -2}</answer>", V(3, -2), "boxed in tag"),
    Case("<think>...</think><answer>x=3,\\ y=-2</answer>", V(3, -2), "latex space"),
    Case("<think>...</think><answer>$x = 3$, $y = -2$</answer>", V(3, -2), "dollars each"),
    Case("<think>...</think><answer>$x = 3, y = -2$</answer>", V(3, -2), "dollars around"),
    Case("<think>...</think><answer>\\(x = 3\\), \\(y = -2\\)</answer>", V(3, -2), "paren math each"),
    Case("<think>...</think><answer>**x = 3**, **y = -2**</answer>", V(3, -2), "bold each"),
    Case("<think>...</think><answer>`x=3, y=-2`</answer>", V(3, -2), "backticks"),
    Case("<think>...</think><answer>x = -\\frac{1}{2}</answer>", V("-1/2"), "negative latex fraction"),
    Case("<think>...</think><answer>x = \\dfrac{-7}{3}, y = 2</answer>", V("-7/3", 2), "dfrac"),
    Case("<think>...</think><answer>$$x = 3 \\quad y = -2$$</answer>", V(3, -2), "quad"),
    Case("<think>...</think><answer>x = 3 \\\\ y = -2</answer>", V(3, -2), "latex line break"),
    Case("<think>...</think><answer>x = 3, \\; y = -2</answer>", V(3, -2), "latex thick space"),
    Case("<think>...</think><answer>\\boxed{x=3}, \\boxed{y=-2}</answer>", V(3, -2), "two boxes in tag"),
    Case("<think>...</think><answer>x = 3 \\text{ and } y = -2</answer>", V(3, -2), "text and"),
    Case("<think>...</think><answer>\\(\\boxed{x = \\tfrac{5}{4}}\\)</answer>", V("5/4"), "tfrac in box"),
    Case("<think>...</think><answer>x = 1{,}200, y = 300</answer>", V(1200, 300), "latex thousands"),
    Case("<think>...</think><answer>x = 1,200 and y = 300</answer>", V(1200, 300), "english thousands"),
    Case("<think>...</think><answer>x = 1.5</answer>", V("3/2"), "decimal value"),
    Case("<think>...</think><answer>x = 0.125</answer>", V("1/8"), "three decimals after zero"),
    Case("<think>...</think><answer>x = 1.250</answer>", V("5/4"), "three decimals: ambiguous"),
    # --- sentences and lead-ins inside the tags --------------------------------------------------------------
    Case("<think>...</think><answer>The solution is x = 3 and y = -2.</answer>", V(3, -2), "solution sentence"),
    Case("<think>...</think><answer>Answer: x = 4</answer>", V(4), "answer label"),
    Case("<think>...</think><answer>So x = 4.</answer>", V(4), "so"),
    Case("<think>...</think><answer>Therefore, x = 3, y = -2.</answer>", V(3, -2), "therefore"),
    Case("<think>...</think><answer>x = 3 apples, y = 2 oranges</answer>", V(3, 2), "units"),
    Case("<think>...</think><answer>x = 12 (adults), y = 30 (children)</answer>", V(12, 30),
         "parenthetical units: not read"),
    Case("<think>...</think><answer>There are 12 adults and 30 children.</answer>", V(12, 30),
         "word-problem sentence: not read"),
    Case("<think>...</think><answer>x is 4</answer>", V(4), "x is: not read"),
    Case("<think>...</think><answer>The values are x = 5 and y = 1</answer>", V(5, 1), "values are"),
    Case("<think>...</think><answer>Solution: (x, y) = (2, 9)</answer>", V(2, 9), "solution named pair"),
    # --- boxed without tags -------------------------------------------------------------------------------------
    Case("Solving the system, we get \\(x = 3\\) and \\(y = -2\\).\n\n\\[\n\\boxed{x = 3,\\ y = -2}\n\\]",
         V(3, -2), "qwen boxed pair"),
    Case("Thus, the solution is \\(\\boxed{x = 3}\\) and \\(\\boxed{y = -2}\\).", V(3, -2), "qwen two boxes"),
    Case("So $x = \\boxed{3}$ and $y = \\boxed{-2}$.", V(3, -2), "named boxes"),
    Case("The solution is \\(\\boxed{(3, -2)}\\).", V(3, -2), "boxed pair"),
    Case("Therefore \\(x = \\boxed{\\frac{3}{2}}\\).", V("3/2"), "named boxed fraction"),
    Case("The value of x is \\boxed{4}.", V(4), "boxed value sentence"),
    Case("## Step 1: Subtract 3 from both sides\n2x = 4\n\n## Step 2: Divide by 2\nx = 2\n\n"
         "The final answer is: $\\boxed{2}$", V(2), "llama steps"),
    Case("## Step 1: Add the equations\n2x = 6, so x = 3.\n\n## Step 2: Substitute\n3 + y = 1, y = -2.\n\n"
         "The final answer is: $\\boxed{x = 3, y = -2}$", V(3, -2), "llama steps pair"),
    Case("## Step 1: Solve for y\ny = 7 - x\n## Step 2: Substitute\nx = 2, y = 5\n\n"
         "The final answer is: $\\boxed{(2, 5)}$", V(2, 5), "llama steps tuple"),
    Case("We find \\(x = 6\\).\n\n**Final Answer**\n\\[\n\\boxed{6}\n\\]", V(6), "final answer heading"),
    Case("\\[\n\\boxed{x = -1}\n\\]", V(-1), "display box"),
    Case("The answer is $\\boxed{x=2}$ and $\\boxed{y=-5}$. I hope it is correct.", V(2, -5),
         "two boxes with remark"),
    Case("\\boxed{3}, \\boxed{-2}", V(3, -2), "unnamed boxes"),
    # --- self-corrections ---------------------------------------------------------------------------------------
    Case("<think>First guess <answer>x=2, y=1</answer>? No, that fails the second equation.</think> "
         "The answer is \\boxed{x = 3, y = -2}.", V(3, -2), "tagged guess inside think"),
    Case("<think>\nx = 4? Check: 2*4 + 3 = 11, not 7. Wait, 2x + 3 = 7 means x = 2.\n</think>\n<answer>x=2</answer>",
         V(2), "wait in think"),
    Case("<think>\nFrom the first equation y = 3 - x. Hmm, I substituted wrong; let me redo: "
         "y = x - 3 ... x = 5, y = 2."
         "\n</think>\n<answer>x=5, y=2</answer>", V(5, 2), "redo in think"),
    Case("<answer>x=2, y=1</answer>\nWait, that doesn't satisfy the second equation. Correcting: "
         "<answer>x=3, y=-2</answer>", V(3, -2), "retagged after correction"),
    Case("\\boxed{x = 1}\n\nActually I made a sign error; the correct answer is \\boxed{x = -1}.", V(-1),
         "reboxed after correction"),
    Case("\\boxed{x = 1} or \\boxed{x = -1}", None, "two candidates"),
    Case("<think>...</think><answer>x = 3 or x = -3</answer>", None, "two candidates in tag"),
    Case("<think>...</think><answer>x=3, x=4</answer>", None, "contradictory"),
    Case("<think>x=3, y=-2</think>\n<answer>x=3, y=-2</answer>\n\nWait, let me verify: 2(3) + 3(-2) = 0. Correct.",
         V(3, -2), "verification after answer: rejected"),
    Case("<think>\nTry x = 1: 3 + 2 = 5 ≠ 8. Try x = 2: 6 + 2 = 8. ✓\n</think>\n<answer>x=2</answer>", V(2),
         "trial in think"),
    Case("<think>\nI'll use Cramer's rule. D = 2*(-1) - 3*1 = -5. Dx = 12*(-1) - 3*1 = -15, Dy = 2*1 - 12*1 = -10. "
         "x = 3, y = 2.\n</think>\n<answer>x=3, y=2</answer>", V(3, 2), "cramer"),
    # --- cut off ------------------------------------------------------------------------------------------------
    Case("<think>\nThe answer should look like x=3, y=-2. Let me solve 2x + 3y = 12 and x - y = 1.\nFrom the second, "
         "x = y + 1. Then 2y + 2 + 3y = 12", None, "echoed example in open think"),
    Case("<think>Format: <answer>x=3, y=-2</answer>. Now solve 5x - y = 9:", None, "echoed tag in open think"),
    Case("<think>\n3x + 5 = 20\n3x = 15\nx = 5\nSo the answer is x = 5. Let me double check: 3(5) + 5 = 2", None,
         "cut while checking"),
    Case("<think>x = 4</think>\n<answer>x=", None, "cut inside the tag"),
    Case("<think>x = 4, y = 1</think>\n<answer>x=4, y=1</ans", None, "cut inside the closing tag"),
    Case("A first guess is \\boxed{x = 2}. To verify, substitute into 3x + 4y = 10: 3(2) + 4y = 10, 4y = 4, y = 1, "
         "and the second equation x - y = ", None, "early box then cut"),
    Case("<think>x=1</think><answer>x=1</answer><think>Hmm, maybe I should check x = 1 in", None,
         "new think after the answer"),
    Case("<think>\n" + "Subtract the equations: x - y = 2. Add them: x + y = 8. " * 30 + "Subtract", None,
         "repetition loop"),
    Case("We solve by elimination.\n\nMultiply the first equation by 3:\n6x + 9y = 36\n\nMultiply the second by 2:\n"
         "6x - 4y = 1", None, "cut without tags"),
    # --- no answer ----------------------------------------------------------------------------------------------
    Case("The system has no unique solution because the equations are parallel.", None, "no solution claim"),
    Case("<think>Infinitely many solutions.</think>\n<answer>infinitely many</answer>", None, "words"),
    Case("", None, "empty"),
    Case("<think>x = 3, y = -2</think>", None, "value only in thinking"),
    Case("<think>...</think><answer>y = 2x + 1</answer>", None, "expression, not a value"),
    Case("<think>...</think><answer>2x = 6</answer>", None, "coefficient left"),
    Case("<think>...</think><answer>x ≈ 1.33</answer>", None, "approx sign"),
    Case("<think>...</think><answer>x = 1.333...</answer>", None, "repeating decimal"),
    Case("<think>...</think><answer>x = about 4</answer>", None, "about"),
    Case("<think>...</think><answer>x = \\sqrt{2}</answer>", None, "root"),
    Case("<think>...</think><answer>x = 3 ± 1</answer>", None, "plus minus"),
    Case("<think>...</think><answer>x = 2**3</answer>", None, "power"),
    Case("<think>...</think><answer>where x = 3</answer>", None, "clause before the name"),
    Case("<think>...</think><answer>x = y = 3</answer>", None, "chained"),
    Case("<think>...</think><answer>x = 3, -2</answer>", None, "name then unnamed"),
    Case("<think>...</think><answer>xy = 6</answer>", None, "product name"),
    Case("<think>...</think><answer>x = 3 (approximately)</answer>", None, "hedge in brackets"),
    Case("<think>...</think><answer>x = 1, y = 2, z = 3</answer>", V(1, 2, 3), "three names"),
    Case("<think>...</think><answer>(1, 2, 3)</answer>", None, "three unnamed values"),
]

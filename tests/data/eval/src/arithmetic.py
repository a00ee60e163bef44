"""Arithmetic problems: thirteen kinds, ten each, numbers drawn from a seeded generator, and the
few requests the docs use as examples.

Each kind gives the question, the calculator expression that answers it, and the mistakes a
model plausibly makes on it (a wrong operator, precedence read left to right, a dropped sign,
a percentage not divided by 100...), each as the expression the mistaken model computes. The
simulated backend answers a wrong setup with that expression and its (consistent) result, so a
gate that only re-checks the arithmetic cannot catch it; a slip in the arithmetic itself it
makes up at run time.
"""

from exact import evaluate, is_nice, written

PER_KIND = 10


def _mul(r):
    a, b = r.randint(12, 99), r.randint(12, 99)
    q = r.choice(["What is {a} * {b}?", "What is {a} times {b}?", "Multiply {a} by {b}.",
                  "Calculate {a} × {b}."]).format(a=a, b=b)
    return q, f"{a} * {b}", [("wrong operator", f"{a} + {b}"), ("misread operand", f"{a} * {b + 10}")]


def _add(r):
    a, b = r.randint(100, 9999), r.randint(100, 9999)
    q = r.choice(["What is {a} + {b}?", "Add {a} and {b}.", "What is the sum of {a} and {b}?",
                  "Compute {a} plus {b}."]).format(a=a, b=b)
    return q, f"{a} + {b}", [("wrong operator", f"{a} - {b}"), ("dropped carry", f"{a} + {b} - 10")]


def _sub(r):
    a = r.randint(10, 500)
    b = a + r.randint(5, 500)
    q = r.choice(["What is {a} - {b}?", "Subtract {b} from {a}.", "Compute {a} minus {b}."]).format(a=a, b=b)
    return q, f"{a} - {b}", [("sign error", f"{b} - {a}"), ("wrong operator", f"{a} + {b}")]


def _div(r):
    b = r.randint(3, 40)
    quotient = r.randint(6, 120)
    a = b * quotient
    q = r.choice(["What is {a} / {b}?", "Divide {a} by {b}.", "What is {a} divided by {b}?"]).format(a=a, b=b)
    return q, f"{a} / {b}", [("wrong operator", f"{a} - {b}"), ("off by one divisor", f"{a} / {b + 1}")]


def _fractions(r):
    dens = [2, 4, 5, 8, 10, 20, 25]
    b, d = r.choice(dens), r.choice(dens)
    a, c = r.randint(1, b - 1), r.randint(1, d - 1)
    op = r.choice(["+", "-"])
    q = r.choice(["Compute ({a}/{b}) {op} ({c}/{d}).", "What is {a}/{b} {op} {c}/{d}?",
                  "Work out ({a}/{b}) {op} ({c}/{d}) as a decimal."]).format(a=a, b=b, c=c, d=d, op=op)
    return q, f"({a}/{b}) {op} ({c}/{d})", [
        ("added numerators and denominators", f"({a} {op} {c}) / ({b} + {d})"),
        ("wrong operator", f"({a}/{b}) {'-' if op == '+' else '+'} ({c}/{d})"),
        ("multiplied instead", f"({a}/{b}) * ({c}/{d})"),
    ]


def _percent(r):
    p = r.choice([5, 10, 12, 15, 20, 25, 30, 35, 40, 45, 60, 75, 80, 120])
    n = r.choice([40, 60, 80, 120, 160, 200, 240, 250, 360, 400, 480, 500, 640, 800, 1200])
    q = r.choice(["What is {p}% of {n}?", "Calculate {p} percent of {n}.", "How much is {p}% of {n}?"]).format(p=p, n=n)
    return q, f"{p} / 100 * {n}", [("not divided by 100", f"{p} * {n}"),
                                    ("misplaced decimal", f"{p} / 1000 * {n}")]


def _power(r):
    base, exp = r.choice([(2, 10), (2, 12), (3, 5), (3, 7), (4, 5), (5, 4), (6, 3), (7, 3), (9, 4),
                          (11, 3), (12, 3), (2, 15), (13, 2), (15, 3), (8, 4), (5, 6), (2, 20)])
    nth = f"{exp}{'nd' if exp == 2 else 'rd' if exp == 3 else 'th'}"
    q = r.choice(["What is {b}^{e}?", "What is {b} to the power of {e}?",
                  "Calculate {b} raised to the {n} power."]).format(b=base, e=exp, n=nth)
    return q, f"{base}^{exp}", [("multiplied instead", f"{base} * {exp}"), ("swapped base and exponent", f"{exp}^{base}")]


def _precedence(r):
    a, b, c = r.randint(2, 40), r.randint(2, 20), r.randint(2, 20)
    form = r.choice(["add-mul", "sub-div", "mul-add"])
    if form == "add-mul":
        e, wrong = f"{a} + {b} * {c}", f"({a} + {b}) * {c}"
    elif form == "sub-div":
        b = b * c  # divides evenly
        a = a + b // c
        e, wrong = f"{a} - {b} / {c}", f"({a} - {b}) / {c}"
    else:
        e, wrong = f"{a} * {b} + {c}", f"{a} * ({b} + {c})"
    q = r.choice(["What is {e}?", "Evaluate {e}.", "Compute {e}."]).format(e=e)
    return q, e, [("read left to right", wrong)]


def _negative(r):
    a, b = r.randint(2, 60), r.randint(2, 60)
    form = r.choice(["mul", "add", "sub"])
    if form == "mul":
        e, wrongs = f"-{a} * {b}", [("dropped sign", f"{a} * {b}")]
    elif form == "add":
        e, wrongs = f"-{a} + {b}", [("dropped sign", f"{a} + {b}"), ("sign error", f"-({a} + {b})")]
    else:
        e, wrongs = f"-{a} - {b}", [("sign error", f"-{a} + {b}"), ("dropped sign", f"{a} - {b}")]
    q = r.choice(["What is {e}?", "Compute {e}.", "Calculate {e}."]).format(e=e)
    return q, e, wrongs


def _decimal(r):
    a = r.choice(["1.5", "2.25", "0.75", "3.2", "4.5", "12.5", "0.6", "7.25", "2.4", "9.75"])
    b = r.choice(["2.5", "0.5", "1.25", "4", "0.2", "3.5", "1.8", "6.25"])
    op = r.choice(["*", "+", "-"])
    e = f"{a} {op} {b}"
    q = r.choice(["What is {e}?", "Compute {e}.", "Calculate {e}."]).format(e=e)
    other = {"*": "+", "+": "*", "-": "+"}[op]
    return q, e, [("wrong operator", f"{a} {other} {b}"),
                  ("dropped decimal point", f"{a.replace('.', '')} {op} {b}")]


def _parentheses(r):
    a, b, c, d = r.randint(2, 30), r.randint(2, 30), r.randint(5, 30), r.randint(1, 4)
    e = f"({a} + {b}) * ({c} - {d})"
    q = r.choice(["Calculate {e}.", "What is {e}?", "Evaluate {e}."]).format(e=e)
    return q, e, [("dropped parentheses", f"{a} + {b} * {c} - {d}")]


def _sqrt(r):
    n = r.randint(4, 40)
    q = r.choice(["What is the square root of {s}?", "Compute sqrt({s}).", "What is √{s}?"]).format(s=n * n)
    return q, f"sqrt({n * n})", [("halved instead", f"{n * n} / 2")]


def _average(r):
    k = r.choice([3, 4, 5])
    xs = [r.randint(1, 99) for _ in range(k)]
    total = " + ".join(str(x) for x in xs)
    listed = ", ".join(str(x) for x in xs[:-1]) + f" and {xs[-1]}"
    q = r.choice(["What is the average of {l}?", "Find the mean of {l}."]).format(l=listed)
    return q, f"({total}) / {k}", [("divided by the wrong count", f"({total}) / {k - 1}"),
                                    ("forgot to divide", total)]


KINDS = [_mul, _add, _sub, _div, _fractions, _percent, _power, _precedence, _negative, _decimal,
         _parentheses, _sqrt, _average]

# The requests the README, the docs and the issue use as examples, so that they run on the
# simulated backend too; after the drawn ones, so adding one changes no other line.
DEMOS = [
    ("What is 17 * 23?", "17 * 23", [("wrong operator", "17 + 23"), ("misread operand", "17 * 32")]),
    ("what is 2+2", "2+2", [("misread operand", "2+3")]),
    ("What is 123456789*987654321?", "123456789*987654321",
     [("wrong operator", "123456789+987654321")]),
]


def examples(rng):
    """(input, expression, expected, wrong answers) for every kind, PER_KIND each, then the DEMOS;
    questions are unique and every drawn answer, right or wrong, is a short exact decimal."""
    seen = set()
    out = []
    for kind in KINDS:
        made = 0
        while made < PER_KIND:
            question, expression, mistakes = kind(rng)
            value = evaluate(expression)
            if question in seen or not is_nice(value):
                continue
            wrong = []
            for name, wrong_expression in mistakes:
                w = evaluate(wrong_expression)
                if w != value and is_nice(w):
                    wrong.append({"kind": name, "expression": wrong_expression, "answer": written(w)})
            if not wrong:
                continue
            seen.add(question)
            out.append((question, expression, written(value), wrong))
            made += 1
    for question, expression, mistakes in DEMOS:
        wrong = [{"kind": name, "expression": e, "answer": written(evaluate(e))} for name, e in mistakes]
        out.append((question, expression, written(evaluate(expression)), wrong))
    return out

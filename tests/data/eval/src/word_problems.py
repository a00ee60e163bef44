"""Word problems: 34 situations written for this project, three instances each with different
names and numbers. Each gives the question, the calculator expression that answers it, and the
wrong setups a model plausibly writes (one step forgotten, the wrong operation, the discount
instead of the price...), as the expressions such a model computes."""

from exact import evaluate, is_nice, written

INSTANCES = 3

PEOPLE = [("Ana", "she"), ("Ben", "he"), ("Chloe", "she"), ("Dev", "he"), ("Emma", "she"),
          ("Farid", "he"), ("Grace", "she"), ("Hugo", "he"), ("Ines", "she"), ("Jonas", "he"),
          ("Keiko", "she"), ("Liam", "he"), ("Maya", "she"), ("Noah", "he"), ("Olga", "she"),
          ("Pedro", "he"), ("Rosa", "she"), ("Sam", "he"), ("Tara", "she"), ("Umar", "he")]

# (question, expression, [(mistake, wrong expression)], numbers(rng) -> dict)
SITUATIONS = [
    ("{name} buys {n} notebooks at ${p} each. How much does {he} spend in dollars?",
     "{n} * {p}", [("wrong operation", "{n} + {p}")],
     lambda r: {"n": r.randint(3, 12), "p": r.choice([2, 3, 4, 5, 1.5, 2.5, 3.25])}),
    ("A train travels {d} km in {t} hours. What is its average speed in km/h?",
     "{d} / {t}", [("wrong operation", "{d} * {t}"), ("inverted ratio", "{t} / {d}")],
     lambda r: (lambda t: {"t": t, "d": t * r.choice([40, 60, 75, 80, 90, 120])})(r.choice([2, 3, 4, 5, 2.5]))),
    ("A jacket costs ${p}. It is on sale for {r}% off. What is the sale price in dollars?",
     "{p} - {p} * {r} / 100", [("the discount, not the price", "{p} * {r} / 100"),
                                ("percent as dollars", "{p} - {r}")],
     lambda r: {"p": r.choice([40, 60, 80, 120, 150, 200, 250]), "r": r.choice([10, 15, 20, 25, 30, 40])}),
    ("{name} has {a} marbles and gives {b} to a friend. Then {he} wins {c} more. How many marbles does {he} have now?",
     "{a} - {b} + {c}", [("subtracted the win", "{a} - {b} - {c}"), ("added the gift", "{a} + {b} + {c}")],
     lambda r: {"a": r.randint(20, 80), "b": r.randint(3, 19), "c": r.randint(2, 30)}),
    ("A rectangle is {l} cm long and {w} cm wide. What is its area in square centimetres?",
     "{l} * {w}", [("perimeter instead", "2 * ({l} + {w})")],
     lambda r: {"l": r.randint(5, 40), "w": r.randint(3, 25)}),
    ("A rectangular field is {l} m long and {w} m wide. How many metres of fence go around it?",
     "2 * ({l} + {w})", [("area instead", "{l} * {w}"), ("only two sides", "{l} + {w}")],
     lambda r: {"l": r.randint(20, 150), "w": r.randint(10, 90)}),
    ("A hall has {r} rows of {c} chairs. {t} chairs are taken. How many chairs are free?",
     "{r} * {c} - {t}", [("added rows and chairs", "{r} + {c} - {t}")],
     lambda r: (lambda rows, cols: {"r": rows, "c": cols, "t": r.randint(5, rows * cols - 5)})(r.randint(6, 20), r.randint(8, 25))),
    ("A recipe needs {g} grams of flour for {s} servings. How many grams are needed for {n} servings?",
     "{g} / {s} * {n}", [("scaled by servings only", "{g} * {n}")],
     lambda r: (lambda s: {"s": s, "g": s * r.choice([50, 60, 75, 80, 100]), "n": r.choice([2, 3, 6, 8, 10, 12])})(r.choice([2, 4, 5]))),
    ("{name} saves ${w} every week. How many weeks does it take {him} to save ${total}?",
     "{total} / {w}", [("subtracted", "{total} - {w}")],
     lambda r: (lambda w: {"w": w, "total": w * r.randint(6, 40)})(r.choice([5, 8, 12, 15, 20, 25]))),
    ("A car uses {l} litres of fuel per 100 km. How many litres does it need for {d} km?",
     "{l} * {d} / 100", [("forgot the per 100", "{l} * {d}")],
     lambda r: {"l": r.choice([5, 6, 7, 8, 4.5, 6.5]), "d": r.choice([200, 250, 300, 450, 600, 840])}),
    ("A tank holds {c} litres and is {f}% full. How many litres of water are in it?",
     "{c} * {f} / 100", [("percent as litres", "{c} - {f}")],
     lambda r: {"c": r.choice([200, 400, 500, 800, 1000, 1200]), "f": r.choice([15, 25, 40, 60, 75, 90])}),
    ("{name} reads {p} pages every day. How many pages does {he} read in {w} weeks?",
     "{p} * 7 * {w}", [("forgot days per week", "{p} * {w}")],
     lambda r: {"p": r.randint(8, 45), "w": r.randint(2, 6)}),
    ("A bakery bakes {b} loaves a day and sells each for ${p}. How much money does it take in over {d} days if it sells every loaf?",
     "{b} * {p} * {d}", [("one day only", "{b} * {p}")],
     lambda r: {"b": r.randint(20, 90), "p": r.choice([2, 3, 4, 2.5, 3.5]), "d": r.choice([5, 6, 7, 10, 30])}),
    ("The temperature was {t} degrees at noon and fell by {d} degrees by midnight. What was the temperature at midnight?",
     "{t} - {d}", [("rose instead", "{t} + {d}")],
     lambda r: {"t": r.randint(-5, 20), "d": r.randint(6, 25)}),
    ("A phone plan costs ${m} a month plus a one-time fee of ${f}. What is the total cost for {n} months?",
     "{m} * {n} + {f}", [("fee every month", "({m} + {f}) * {n}"), ("forgot the fee", "{m} * {n}")],
     lambda r: {"m": r.choice([15, 20, 25, 30, 35, 45]), "f": r.choice([10, 25, 30, 40, 50]), "n": r.choice([6, 12, 18, 24])}),
    ("{n} friends share a restaurant bill of ${b} equally. How much does each friend pay in dollars?",
     "{b} / {n}", [("counted one friend too many", "{b} / ({n} + 1)"), ("multiplied", "{b} * {n}")],
     lambda r: (lambda n: {"n": n, "b": n * r.choice([12, 15, 18, 22, 25, 31, 40])})(r.choice([3, 4, 5, 6, 8]))),
    ("A worker earns ${r} per hour and works {h} hours a week. How much does the worker earn in {w} weeks?",
     "{r} * {h} * {w}", [("one week only", "{r} * {h}")],
     lambda r: {"r": r.choice([12, 15, 18, 20, 22.5, 25]), "h": r.choice([20, 25, 30, 35, 40]), "w": r.randint(2, 8)}),
    ("A carton holds {k} eggs. How many cartons are needed for {e} eggs?",
     "{e} / {k}", [("multiplied", "{e} * {k}"), ("subtracted", "{e} - {k}")],
     lambda r: (lambda k: {"k": k, "e": k * r.randint(4, 30)})(r.choice([6, 10, 12, 18, 30]))),
    ("The price of a ticket rose from ${a} to ${b}. By what percent did it rise?",
     "({b} - {a}) / {a} * 100", [("percent of the new price", "({b} - {a}) / {b} * 100"),
                                  ("the rise in dollars", "{b} - {a}")],
     lambda r: (lambda a: {"a": a, "b": a + a * r.choice([10, 20, 25, 50, 75]) // 100})(r.choice([20, 40, 80, 100, 200]))),
    ("A square garden has sides of {s} metres. How many metres of fence are needed to go around it?",
     "4 * {s}", [("area instead", "{s} * {s}"), ("two sides", "2 * {s}")],
     lambda r: {"s": r.randint(6, 60)}),
    ("A bus has {s} seats. {a} people get on at the first stop and {b} at the second. How many seats are still empty?",
     "{s} - {a} - {b}", [("added the second stop", "{s} - {a} + {b}")],
     lambda r: (lambda s: {"s": s, "a": r.randint(5, s // 2), "b": r.randint(3, s // 3)})(r.choice([40, 48, 52, 60, 72]))),
    ("{name} is {a} years old. {His} brother is {d} years younger. How old will the brother be in {y} years?",
     "{a} - {d} + {y}", [("older instead of younger", "{a} + {d} + {y}"), ("forgot the years ahead", "{a} - {d}")],
     lambda r: (lambda a: {"a": a, "d": r.randint(2, a - 3), "y": r.randint(2, 15)})(r.randint(12, 45))),
    ("A film lasts {m} minutes. How many hours long is it?",
     "{m} / 60", [("100 minutes to an hour", "{m} / 100")],
     lambda r: {"m": r.choice([75, 90, 105, 120, 135, 150, 165, 180])}),
    ("A school has {c} classes of {s} students. {p}% of the students walk to school. How many students walk?",
     "{c} * {s} * {p} / 100", [("percent of one class", "{s} * {p} / 100"), ("percent as students", "{c} * {s} - {p}")],
     lambda r: {"c": r.choice([4, 5, 8, 10, 12]), "s": r.choice([20, 25, 30]), "p": r.choice([10, 20, 30, 40, 60])}),
    ("{name} runs {k} km every day except Sunday. How many km does {he} run in {w} weeks?",
     "{k} * 6 * {w}", [("counted Sundays", "{k} * 7 * {w}")],
     lambda r: {"k": r.choice([3, 4, 5, 6, 8, 2.5, 7.5]), "w": r.randint(2, 10)}),
    ("A pizza is cut into {s} slices. {n} people each eat {e} slices. How many slices are left?",
     "{s} - {n} * {e}", [("subtracted people and slices", "{s} - {n} - {e}")],
     lambda r: (lambda n, e: {"n": n, "e": e, "s": n * e + r.randint(1, 6)})(r.randint(2, 4), r.randint(2, 3))),
    ("A lamp costs ${p} before a sales tax of {t}%. What does it cost with the tax, in dollars?",
     "{p} * (1 + {t} / 100)", [("tax as dollars", "{p} + {t}"), ("the tax alone", "{p} * {t} / 100")],
     lambda r: {"p": r.choice([20, 40, 50, 80, 120, 200]), "t": r.choice([5, 8, 10, 15, 20, 25])}),
    ("A cyclist rides at {v} km/h for {t} hours. How far does {he} ride, in km?",
     "{v} * {t}", [("divided", "{v} / {t}")],
     lambda r: {"v": r.choice([12, 15, 18, 20, 24, 25]), "t": r.choice([2, 4, 5, 1.5, 2.5])}),
    ("{a} identical boxes weigh {w} kg in total. How much do {b} of these boxes weigh, in kg?",
     "{w} / {a} * {b}", [("forgot the weight of one box", "{w} * {b}")],
     lambda r: (lambda a: {"a": a, "w": a * r.choice([3, 4, 5, 6, 7.5]), "b": r.randint(2, 15)})(r.choice([4, 5, 8, 10]))),
    ("A savings account pays {r}% simple interest a year. How much interest does ${p} earn in {y} years, in dollars?",
     "{p} * {r} / 100 * {y}", [("one year only", "{p} * {r} / 100"), ("added the principal", "{p} + {p} * {r} / 100 * {y}")],
     lambda r: {"p": r.choice([500, 800, 1000, 1200, 2000, 5000]), "r": r.choice([2, 3, 4, 5, 6]), "y": r.randint(2, 10)}),
    ("The average of {k} numbers is {m}. What is their sum?",
     "{k} * {m}", [("added instead", "{k} + {m}")],
     lambda r: {"k": r.randint(4, 12), "m": r.choice([12, 15, 18, 24, 30, 7.5, 42])}),
    ("A water bottle holds {v} ml. How many litres do {n} such bottles hold?",
     "{v} * {n} / 1000", [("100 ml to a litre", "{v} * {n} / 100")],
     lambda r: {"v": r.choice([250, 330, 500, 750, 1500]), "n": r.choice([4, 6, 8, 12, 20, 24])}),
    ("{name} walks {d} metres in {t} minutes. At that pace, how many metres does {he} walk in {h} hours?",
     "{d} / {t} * 60 * {h}", [("hours as minutes", "{d} / {t} * {h}")],
     lambda r: (lambda t: {"t": t, "d": t * r.choice([60, 70, 75, 80, 90]), "h": r.choice([1, 2, 3, 1.5])})(r.choice([5, 10, 15, 20]))),
    ("A theatre sold {a} adult tickets at ${pa} each and {c} child tickets at ${pc} each. How much money did it take in, in dollars?",
     "{a} * {pa} + {c} * {pc}", [("every ticket at the adult price", "({a} + {c}) * {pa}")],
     lambda r: {"a": r.randint(20, 150), "pa": r.choice([12, 15, 18, 20, 25]), "c": r.randint(10, 80), "pc": r.choice([5, 6, 8, 10])}),
]


def _number(value):
    """A generated number as the question and the expression write it: 2.5, 3, -4."""
    return written(evaluate(str(value)) if value >= 0 else -evaluate(str(-value)))


def examples(rng):
    """(input, expression, expected, wrong answers) for every situation, INSTANCES each."""
    out = []
    seen = set()
    people = list(PEOPLE)
    rng.shuffle(people)
    for index, (question, expression, mistakes, numbers) in enumerate(SITUATIONS):
        made = 0
        while made < INSTANCES:
            name, he = people[(index * INSTANCES + made) % len(people)]
            values = {k: _number(v) for k, v in numbers(rng).items()}
            words = {"name": name, "he": he, "him": "him" if he == "he" else "her",
                     "His": "His" if he == "he" else "Her"}
            text = question.format(**values, **words)
            e = expression.format(**values)
            value = evaluate(e)
            if text in seen or not is_nice(value, max_decimals=3):
                continue
            wrong = []
            for mistake, wrong_expression in mistakes:
                w = evaluate(wrong_expression.format(**values))
                if w != value and is_nice(w):
                    wrong.append({"kind": mistake, "expression": wrong_expression.format(**values),
                                  "answer": written(w)})
            if not wrong:
                continue
            seen.add(text)
            out.append((text, e, written(value), wrong))
            made += 1
    return out

#!/usr/bin/env python3
"""Checks every line of the evaluation datasets and exits 1 naming FILE:LINE for each problem.

    verify.py [FILES...] [--tinyllm BIN --config DIR] [--self-test]

Without FILES it checks the four datasets next to it. Every line must be a JSON object with a
unique `id` and `input`, an `expected` answer and `labels` {category, route}; then per category:

- arithmetic, word_problems: `expression` evaluates exactly (as a fraction) to `expected`,
  written as the calculator prints it; every `wrong` answer's expression gives its `answer`,
  which differs from `expected`. With --tinyllm, TinyLLM's calculator evaluates every
  expression too (`tinyllm tool calculator`) and must print exactly the same numbers.
- code: `solution` passes every assert of `tests`, `wrong_solution` fails at least one, and
  `expected` is the solution.
- general: `expected` is non-empty, `accept` (optional) a list of strings, and no `wrong` answer
  is one of them.

--self-test breaks copies of the datasets one way at a time and checks that each break is
reported (the checker itself cannot pass everything).
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from exact import evaluate, written  # noqa: E402

DATASETS = {"arithmetic.jsonl": "arithmetic", "word_problems.jsonl": "word_problems",
            "code.jsonl": "code", "general.jsonl": "general"}
ROUTES = {"arithmetic": "math", "word_problems": "math", "code": "code", "general": "general"}
MIN_LINES = 100
CODE_TIMEOUT_S = 5


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


def _read(path, problems):
    """(line number, object) for every line that is a JSON object with the common fields."""
    out = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            where = f"{path}:{number}"
            if not text.strip():
                problems.add(where, "empty line")
                continue
            try:
                line = json.loads(text)
            except json.JSONDecodeError as e:
                problems.add(where, f"not JSON: {e}")
                continue
            if not isinstance(line, dict):
                problems.add(where, "not a JSON object")
                continue
            missing = [k for k in ("id", "input", "expected", "labels") if k not in line]
            if missing:
                problems.add(where, "missing " + ", ".join(missing))
                continue
            if not all(isinstance(line[k], str) and line[k] for k in ("id", "input", "expected")):
                problems.add(where, "id, input and expected must be non-empty strings")
                continue
            out.append((number, line))
    return out


def _check_labels(where, line, category, problems):
    labels = line["labels"]
    if not isinstance(labels, dict):
        problems.add(where, "labels is not an object")
        return
    if labels.get("category") != category:
        problems.add(where, f"labels.category is {labels.get('category')!r}, expected {category!r}")
    if labels.get("route") != ROUTES[category]:
        problems.add(where, f"labels.route is {labels.get('route')!r}, expected {ROUTES[category]!r}")


def _exact(where, expression, problems):
    try:
        return written(evaluate(expression))
    except (ValueError, ZeroDivisionError) as e:
        problems.add(where, f"expression {expression!r}: {e}")
        return None


def _check_math(where, line, problems, calculations):
    expression = line.get("expression")
    if not isinstance(expression, str) or not expression:
        problems.add(where, "no expression")
        return
    value = _exact(where, expression, problems)
    if value is not None and value != line["expected"]:
        problems.add(where, f"expression {expression!r} is {value}, but expected is {line['expected']!r}")
    calculations.append((where, expression, line["expected"]))
    wrong = line.get("wrong")
    if not isinstance(wrong, list) or not wrong:
        problems.add(where, "no wrong answers")
        return
    for i, w in enumerate(wrong):
        if not isinstance(w, dict) or not isinstance(w.get("expression"), str) \
                or not isinstance(w.get("answer"), str):
            problems.add(where, f"wrong[{i}] needs an expression and an answer")
            continue
        got = _exact(where, w["expression"], problems)
        if got is not None and got != w["answer"]:
            problems.add(where, f"wrong[{i}] expression {w['expression']!r} is {got}, not {w['answer']!r}")
        if w["answer"] == line["expected"]:
            problems.add(where, f"wrong[{i}] answer {w['answer']!r} is the expected answer")
        calculations.append((where, w["expression"], w["answer"]))


class _Timeout(Exception):
    pass


def _run(code, tests):
    """None when `code` passes `tests`, else why not."""
    def expire(signum, frame):
        raise _Timeout()

    namespace = {"__name__": "dataset_check"}
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(CODE_TIMEOUT_S)
    try:
        exec(compile(code, "<solution>", "exec"), namespace)
        exec(compile(tests, "<tests>", "exec"), namespace)
        return None
    except _Timeout:
        return f"did not finish within {CODE_TIMEOUT_S} s"
    except AssertionError as e:
        return f"an assert failed{': ' + str(e) if str(e) else ''}"
    except Exception as e:  # the code under test may raise anything
        return f"{type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _check_code(where, line, problems):
    fields = ("solution", "wrong_solution", "tests")
    if not all(isinstance(line.get(k), str) and line.get(k) for k in fields):
        problems.add(where, "code lines need solution, wrong_solution and tests")
        return
    if line["expected"] != line["solution"]:
        problems.add(where, "expected is not the solution")
    function = line.get("function")
    if not isinstance(function, str) or f"`{function}(" not in line["input"]:
        problems.add(where, "the input does not name the function as `name(...)`")
    failure = _run(line["solution"], line["tests"])
    if failure is not None:
        problems.add(where, f"the solution fails its tests: {failure}")
    if _run(line["wrong_solution"], line["tests"]) is None:
        problems.add(where, "the wrong solution passes every test")


def _check_general(where, line, problems):
    accept = line.get("accept", [])
    if not isinstance(accept, list) or not all(isinstance(a, str) and a for a in accept):
        problems.add(where, "accept must be a list of non-empty strings")
        return
    right = {line["expected"].lower(), *(a.lower() for a in accept)}
    wrong = line.get("wrong")
    if not isinstance(wrong, list) or not wrong:
        problems.add(where, "no wrong answers")
        return
    for i, w in enumerate(wrong):
        if not isinstance(w, dict) or not isinstance(w.get("answer"), str) or not w["answer"]:
            problems.add(where, f"wrong[{i}] needs an answer")
        elif w["answer"].lower() in right:
            problems.add(where, f"wrong[{i}] answer {w['answer']!r} is an accepted answer")


def _calculator(tinyllm, config, home, expression):
    result = subprocess.run(
        [tinyllm, "--config", config, "tool", "calculator", "--json",
         json.dumps({"expression": expression})],
        capture_output=True, text=True, timeout=60,
        env={"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    if result.returncode != 0:
        return None, result.stderr.strip() or f"exit {result.returncode}"
    return json.loads(result.stdout)["content"], None


def _check_with_calculator(calculations, tinyllm, config, problems):
    with tempfile.TemporaryDirectory(prefix="tinyllm-eval-verify-") as home:
        # The first call scans the plugins into the fresh data dir; the rest reuse the cache.
        first = calculations[:1]
        rest = calculations[1:]
        for batch, workers in ((first, 1), (rest, 4)):
            with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
                results = pool.map(lambda c: _calculator(tinyllm, config, home, c[1]), batch)
                for (where, expression, wanted), (got, error) in zip(batch, results):
                    if error is not None:
                        problems.add(where, f"calculator refused {expression!r}: {error}")
                    elif got != wanted:
                        problems.add(where, f"calculator says {expression!r} is {got}, not {wanted!r}")


def check(paths, tinyllm=None, config=None):
    """The problems found in the dataset files, as 'FILE:LINE: message' strings."""
    problems = Problems()
    ids, inputs = {}, {}
    calculations = []
    for path in paths:
        category = DATASETS.get(os.path.basename(path))
        if category is None:
            problems.add(path, "not one of " + ", ".join(DATASETS))
            continue
        lines = _read(path, problems)
        if len(lines) < MIN_LINES:
            problems.add(path, f"{len(lines)} valid lines, fewer than {MIN_LINES}")
        for number, line in lines:
            where = f"{path}:{number}"
            for key, seen in (("id", ids), ("input", inputs)):
                if line[key] in seen:
                    problems.add(where, f"duplicate {key} {line[key]!r} (first at {seen[line[key]]})")
                seen.setdefault(line[key], where)
            _check_labels(where, line, category, problems)
            if category in ("arithmetic", "word_problems"):
                _check_math(where, line, problems, calculations)
            elif category == "code":
                _check_code(where, line, problems)
            else:
                _check_general(where, line, problems)
    if tinyllm is not None and calculations:
        _check_with_calculator(calculations, tinyllm, config, problems)
    return problems.items, len(calculations)


# ---- self-test ---------------------------------------------------------------------------

def _edit(path, index, change):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    lines[index] = change(lines[index])
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def _json_edit(fn):
    def change(text):
        line = json.loads(text)
        fn(line)
        return json.dumps(line, ensure_ascii=False) + "\n"
    return change


BREAKS = [
    ("arithmetic.jsonl", 4, "but expected is '0'", _json_edit(lambda l: l.update(expected="0"))),
    ("arithmetic.jsonl", 5, "is the expected answer",
     _json_edit(lambda l: l["wrong"][0].update(answer=l["expected"]))),
    ("word_problems.jsonl", 2, "wrong[0] expression",
     _json_edit(lambda l: l["wrong"][0].update(answer="123456789"))),
    ("word_problems.jsonl", 3, "unexpected 't'", _json_edit(lambda l: l.update(expression="2 + two"))),
    ("code.jsonl", 6, "the solution fails its tests",
     _json_edit(lambda l: l.update(solution=l["wrong_solution"], expected=l["wrong_solution"]))),
    ("code.jsonl", 7, "the wrong solution passes", _json_edit(lambda l: l.update(wrong_solution=l["solution"]))),
    ("general.jsonl", 8, "is an accepted answer",
     _json_edit(lambda l: l["wrong"][0].update(answer=l["expected"].upper()))),
    ("general.jsonl", 9, "not JSON", lambda text: text[:-3] + "\n"),
    ("general.jsonl", 10, "missing input", _json_edit(lambda l: l.pop("input"))),
    ("code.jsonl", 11, "duplicate id", _json_edit(lambda l: l.update(id="co001"))),
    ("arithmetic.jsonl", 12, "labels.route", _json_edit(lambda l: l["labels"].update(route="code"))),
]


def self_test():
    failures = []
    clean, _ = check([os.path.join(HERE, name) for name in DATASETS])
    if clean:
        failures.append("the datasets themselves have problems:\n  " + "\n  ".join(clean))
    for name, index, wanted, change in BREAKS:
        with tempfile.TemporaryDirectory(prefix="tinyllm-eval-selftest-") as tmp:
            for dataset in DATASETS:
                shutil.copy(os.path.join(HERE, dataset), tmp)
            _edit(os.path.join(tmp, name), index, change)
            found, _ = check([os.path.join(tmp, d) for d in DATASETS])
            at = f"{os.path.join(tmp, name)}:{index + 1}:"
            if not any(p.startswith(at) and wanted in p for p in found):
                failures.append(f"breaking {name}:{index + 1} ({wanted!r}) was not reported; "
                                f"got: {found}")
    for f in failures:
        print("self-test: " + f, file=sys.stderr)
    print(f"self-test: {len(BREAKS) - len(failures)} of {len(BREAKS)} breaks reported")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="dataset files (default: the four next to this script)")
    parser.add_argument("--tinyllm", help="the tinyllm binary: check every expression with its calculator")
    parser.add_argument("--config", help="the config dir for --tinyllm (any that loads the calculator)")
    parser.add_argument("--self-test", action="store_true", help="check that broken lines are reported")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.tinyllm and not args.config:
        parser.error("--tinyllm needs --config")
    paths = args.files or [os.path.join(HERE, name) for name in DATASETS]
    found, calculated = check(paths, args.tinyllm, args.config)
    for problem in found:
        print(problem, file=sys.stderr)
    how = f", {calculated} expressions also by the calculator" if args.tinyllm else ""
    print(f"{len(paths)} files checked{how}: {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

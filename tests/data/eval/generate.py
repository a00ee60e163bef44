#!/usr/bin/env python3
"""Writes the four evaluation datasets (arithmetic, word_problems, code, general .jsonl) from the
problems in src/. The output is deterministic (seed 15), so regenerating after an edit to src/
changes only the lines that edit touched. Run verify.py afterwards: it checks every line
independently of this generator (and with the real calculator when given the tinyllm binary).

    python3 tests/data/eval/generate.py && python3 tests/data/eval/verify.py
"""

import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import arithmetic  # noqa: E402
import code_tasks  # noqa: E402
import general_questions  # noqa: E402
import word_problems  # noqa: E402

SEED = 15


def math_lines(prefix, category, problems):
    for i, (question, expression, expected, wrong) in enumerate(problems, 1):
        yield {"id": f"{prefix}{i:03d}", "input": question, "expected": expected,
               "labels": {"category": category, "route": "math"},
               "expression": expression, "wrong": wrong}


CODE_PHRASES = [
    "Write a Python function `{sig}` that {what}.",
    "Implement `{sig}` in Python: it {what}.",
    "In Python, write a function `{sig}` which {what}.",
    "Write `{sig}` in Python. It {what}.",
]


def code_lines(tasks):
    for i, (name, what, solution, wrong, asserts) in enumerate(tasks, 1):
        signature = re.match(r"def (\w+\([^)]*\))", solution).group(1)
        assert signature.startswith(name + "("), name
        request = CODE_PHRASES[i % len(CODE_PHRASES)].format(sig=signature, what=what)
        yield {"id": f"co{i:03d}", "input": request, "expected": solution,
               "labels": {"category": "code", "route": "code"},
               "function": name, "solution": solution, "wrong_solution": wrong,
               "tests": "\n".join("assert " + a for a in asserts)}


def general_lines(questions):
    for i, (question, expected, accept, wrong, topic) in enumerate(questions, 1):
        line = {"id": f"ge{i:03d}", "input": question, "expected": expected,
                "labels": {"category": "general", "route": "general"}}
        if accept:
            line["accept"] = accept
        line["wrong"] = [{"kind": "common confusion", "answer": wrong}]
        line["topic"] = topic
        yield line


def write(name, lines):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as out:
        count = 0
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    print(f"{name}: {count} lines")


def main():
    rng = random.Random(SEED)
    write("arithmetic.jsonl", math_lines("ar", "arithmetic", arithmetic.examples(rng)))
    write("word_problems.jsonl", math_lines("wp", "word_problems", word_problems.examples(rng)))
    write("code.jsonl", code_lines(code_tasks.TASKS))
    write("general.jsonl", general_lines(general_questions.QUESTIONS))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Unit tests of scripts/mutate.py: where its operators apply and where they must not (strings,
comments, templates, declarations), and that a file is restored after a mutant, even from a
run killed outright. The whole script, building and running tests, is exercised by docs/testing.md's
measurements, not here (it needs a built tree and minutes)."""

import importlib.util
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
mutate = importlib.util.module_from_spec(spec)
sys.modules["mutate"] = mutate
spec.loader.exec_module(mutate)


def mutants_of(source: str, operator: str | None = None):
    lines = source.split("\n")
    found = mutate.file_mutants("x.cpp", lines, None)
    return [m for m in found if operator is None or m.operator == operator]


def applied(source: str, operator: str | None = None):
    lines = source.split("\n")
    return ["\n".join(m.apply(lines)) for m in mutants_of(source, operator)]


class Mask(unittest.TestCase):
    def test_strings_comments_and_characters_are_blanked(self):
        line = 'f(a < b, "x < y", \'<\'); // c < d'
        masked = mutate.code_mask([line])[0]
        self.assertEqual(len(masked), len(line))
        self.assertEqual(masked.count("<"), 1)

    def test_block_comments_and_raw_strings_span_lines(self):
        lines = ["a /* x < y", "still < comment */ b < c;", 'auto s = R"(one < two', 'three)" + x;']
        masked = mutate.code_mask(lines)
        self.assertNotIn("<", masked[0])
        self.assertEqual(masked[1].count("<"), 1)
        self.assertNotIn("<", masked[2])
        self.assertIn("+ x;", masked[3])

    def test_preprocessor_lines_and_digit_separators(self):
        masked = mutate.code_mask(["#if A < 2", "int n = 1'000 < m;"])
        self.assertEqual(masked[0].strip(), "")
        self.assertEqual(masked[1].count("<"), 1)


class Operators(unittest.TestCase):
    def test_relational_flips_and_boundaries(self):
        self.assertEqual(applied("    if (a < b) f();", "relational"),
                         ["    if (a <= b) f();", "    if (a >= b) f();"])
        self.assertEqual(applied("x = a == b;", "relational"), ["x = a != b;"])

    def test_templates_pointers_and_streams_are_not_relational(self):
        self.assertEqual(mutants_of("std::vector<int> v; p->x; out << 1 >> 2;", "relational"), [])

    def test_logical_operators(self):
        self.assertEqual(applied("ok = a && b;", "logical"), ["ok = a || b;"])

    def test_negation_is_removed_but_not_inequality(self):
        self.assertEqual(applied("if (!ready && a != b) g();", "remove negation"),
                         ["if (ready && a != b) g();"])

    def test_integer_constants_move_by_one_but_not_in_names_or_floats(self):
        self.assertEqual(applied("n = 10; x2 = 1.5; y = 1e3;", "constant"),
                         ["n = 11; x2 = 1.5; y = 1e3;", "n = 9; x2 = 1.5; y = 1e3;"])
        self.assertEqual(applied("n = 0;", "constant"), ["n = 1;"])

    def test_two_arguments_are_swapped(self):
        self.assertEqual(applied("    r = pow(a, b);", "swap arguments"), ["    r = pow(b, a);"])
        self.assertEqual(mutants_of("r = std::min(a, b);", "swap arguments"), [])  # commutes
        self.assertEqual(mutants_of("f(a, a);", "swap arguments"), [])
        self.assertEqual(mutants_of("void f(const std::string &a, int b) {", "swap arguments"), [])

    def test_a_whole_statement_is_removed_but_not_a_declaration(self):
        source = "{\n    call(x);\n    int y = 2;\n    total += y;\n    return y;\n}"
        removed = mutants_of(source, "remove statement")
        self.assertEqual([m.line for m in removed], [2, 4])
        self.assertEqual(removed[0].describe(), "statement removed")

    def test_the_continuation_of_a_statement_is_not_removed(self):
        self.assertEqual(mutants_of("x = f(a,\n      g(b));", "remove statement"), [])

    def test_early_return_becomes_an_empty_block(self):
        self.assertEqual(applied("    if (done) return 0;", "remove early return"),
                         ["    if (done) {}"])


class Restore(unittest.TestCase):
    def test_a_killed_run_is_undone_by_the_next(self):
        with tempfile.TemporaryDirectory() as tmp:
            build = Path(tmp)
            victim = build / "victim.cpp"
            victim.write_bytes(b"original")
            journal = mutate.Journal(build)
            old_root = mutate.ROOT
            mutate.ROOT = build
            try:
                journal.hold("victim.cpp", b"original")
                mutate.write_bytes(victim, b"mutated")
                # The process dies here; the next run starts with recover().
                self.assertEqual(mutate.Journal(build).recover(), "victim.cpp")
                self.assertEqual(victim.read_bytes(), b"original")
                self.assertIsNone(mutate.Journal(build).recover())
            finally:
                mutate.ROOT = old_root

    def test_changed_lines_reads_git_diff(self):
        # The lines of this repository's own last commit, as a smoke test of the diff parser.
        changed = mutate.changed_lines("HEAD", [])
        for path, lines in changed.items():
            self.assertTrue(all(isinstance(n, int) and n > 0 for n in lines), path)


class CommandLine(unittest.TestCase):
    def test_no_files_and_no_base_is_a_usage_error(self):
        with self.assertRaises(mutate.Failure) as caught:
            mutate.choose_mutants(mutate.parse_args([]))
        self.assertEqual(caught.exception.code, mutate.EXIT_USAGE)

    def test_tests_are_not_mutated(self):
        with self.assertRaises(mutate.Failure) as caught:
            mutate.choose_mutants(mutate.parse_args([str(ROOT / "tests/store/atomicity_test.cpp")]))
        self.assertIn("tests are not mutated", str(caught.exception))

    def test_sampling_is_reproducible(self):
        args = mutate.parse_args([str(ROOT / "host/src/graph/executor.cpp"), "--sample", "5"])
        first = mutate.choose_mutants(args)
        self.assertEqual(len(first), 5)
        self.assertEqual(first, mutate.choose_mutants(args))

    def test_unknown_operator_is_named(self):
        args = mutate.parse_args([str(ROOT / "host/src/graph/executor.cpp"), "--operators", "flip"])
        with self.assertRaises(mutate.Failure) as caught:
            mutate.choose_mutants(args)
        self.assertIn("unknown flip", str(caught.exception))


if __name__ == "__main__":
    unittest.main()

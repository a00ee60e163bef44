#!/usr/bin/env python3
"""Mutation testing of TinyLLM's C++ sources (docs/testing.md#mutation-testing).

Plants one small bug at a time (a mutant) on the chosen lines of the chosen files, rebuilds only
the test executables that link the mutated code, runs them, and reports each mutant no test
noticed as `file:line: change — no test failed`. The file is restored after every mutant, on
Ctrl-C and on SIGTERM too; a run killed outright (SIGKILL) is undone by the next run, which finds
its journal in BUILD/mutate/.

Which lines: with --base REV, the lines that differ from REV (the habit: the mutants of what a
change touched); with files and no --base, every line of those files (a module's score).

No Debian package does this for C++ (Mull, the LLVM-based tool, is not in Debian 12 and needs
clang-built code; dextool neither), hence this script: the operators are applied to the source
text, which clang-format keeps regular enough for it (binary operators have spaces around them,
template brackets never do).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".c", ".cc"}

EXIT_OK, EXIT_SURVIVORS, EXIT_USAGE, EXIT_FAILURE = 0, 1, 2, 3


class Failure(Exception):
    """One line for the user; exit code EXIT_FAILURE unless given."""

    def __init__(self, message: str, code: int = EXIT_FAILURE):
        super().__init__(message)
        self.code = code


# ---- mutants ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository root
    line: int  # 1-based
    start: int  # column span replaced in that line, 0-based, end exclusive
    end: int
    replacement: str
    operator: str
    original: str

    def describe(self) -> str:
        if self.operator == "remove statement":
            return "statement removed"
        if self.operator == "remove early return":
            return "early return removed"
        if self.operator == "swap arguments":
            return f"arguments swapped in '{self.original}'"
        return f"'{self.original}' → '{self.replacement}'"

    def apply(self, lines: list[str]) -> list[str]:
        out = list(lines)
        text = out[self.line - 1]
        out[self.line - 1] = text[: self.start] + self.replacement + text[self.end :]
        return out


def code_mask(lines: list[str]) -> list[str]:
    """Each line with comments, string and character literals blanked out (same length), and
    preprocessor lines blanked whole: what operators may be looked for in."""
    masked = []
    closer = None  # what ends the open block comment ("*/") or raw string (e.g. ')"'), if any
    for text in lines:
        out = list(text)

        def blank(start: int, stop: int) -> None:
            out[start:stop] = " " * (stop - start)

        if closer is None and text.lstrip().startswith("#"):
            masked.append(" " * len(text))
            continue
        i = 0
        while i < len(text):
            if closer is not None:
                j = text.find(closer, i)
                stop = len(text) if j < 0 else j + len(closer)
                blank(i, stop)
                if j >= 0:
                    closer = None
                i = stop
                continue
            if text.startswith("//", i):
                blank(i, len(text))
                break
            if text.startswith("/*", i):
                closer = "*/"
                blank(i, i + 2)
                i += 2
                continue
            raw = re.match(r'(?:u8|u|U|L)?R"([^()\\ ]{0,16})\(', text[i:])
            if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                closer = ")" + raw.group(1) + '"'
                blank(i, i + raw.end())
                i += raw.end()
                continue
            c = text[i]
            if c in "\"'":
                # A digit separator (1'000) is not a character literal.
                if c == "'" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum():
                    i += 1
                    continue
                j = i + 1
                while j < len(text) and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                stop = min(j + 1, len(text))
                blank(i, stop)
                i = stop
                continue
            i += 1
        masked.append("".join(out))
    return masked


# Binary operators are written with a space on each side (clang-format), which tells them from
# template brackets, pointers, references and unary signs.
RELATIONAL = {
    "<": ["<=", ">="],
    "<=": ["<", ">"],
    ">": [">=", "<="],
    ">=": [">", "<"],
    "==": ["!="],
    "!=": ["=="],
    "&&": ["||"],
    "||": ["&&"],
}
OPERATOR_RE = re.compile(r"(?<= )(<=|>=|==|!=|&&|\|\||<|>)(?= )")
NEGATION_RE = re.compile(r"(?<![\w)\]!=<>])!(?=[\w(*])")
INTEGER_RE = re.compile(r"(?<![\w.'])(\d+)(?![\w.'])")
SWAP_RE = re.compile(r"\b([A-Za-z_]\w*)\(([^(),\[\]{}<>]+), ([^(),\[\]{}<>]+)\)")
# Keywords that look like calls, and functions whose arguments commute (a swap is equivalent).
SWAP_SKIP = {"if", "while", "for", "switch", "sizeof", "static_assert", "min", "max", "gcd",
             "lcm", "hypot", "swap"}
PARAMETER_RE = re.compile(r"^(?:const\s+)?[A-Za-z_][\w:]*\s*[&*]*\s+[&*]*[A-Za-z_]\w*$")
STATEMENT_RE = re.compile(
    r"^\s*(?:\+\+|--)?[A-Za-z_][\w.:\->\[\]]*(?:\+\+|--)?\s*(?:\(|=[^=]|\+=|-=|\*=|/=|%=|\|=|&=|;)")
EARLY_RETURN_RE = re.compile(r"^(\s*if \(.*\) )(return\b[^;]*;)\s*$")
DECLARATION_START = re.compile(
    r"^\s*(?:return|case|default|using|typedef|namespace|static|const|constexpr|auto|template|"
    r"throw|break|continue|goto|delete|new|public|private|protected|friend)\b")


def line_mutants(path: str, number: int, text: str, code: str, previous_code: str) -> list[Mutant]:
    """Every mutant of one line. `code` is the line masked by code_mask; `previous_code` the
    previous non-blank masked line (a statement must start a line to be removed whole)."""
    found: list[Mutant] = []
    if not code.strip():
        return found
    for m in OPERATOR_RE.finditer(code):
        for replacement in RELATIONAL[m.group(1)]:
            found.append(Mutant(path, number, m.start(), m.end(), replacement,
                                "relational" if m.group(1) not in ("&&", "||") else "logical",
                                m.group(1)))
    for m in NEGATION_RE.finditer(code):
        found.append(Mutant(path, number, m.start(), m.end(), "", "remove negation", "!"))
    for m in INTEGER_RE.finditer(code):
        value = int(m.group(1))
        for replacement in (value + 1, value - 1):
            if replacement >= 0:
                found.append(Mutant(path, number, m.start(), m.end(), str(replacement),
                                    "constant", m.group(1)))
    for m in SWAP_RE.finditer(code):
        a, b = m.group(2).strip(), m.group(3).strip()
        # Not a declaration's parameters (`f(const T &a, U b)`): swapping those changes nothing.
        declaration = any(PARAMETER_RE.match(x) for x in (a, b))
        if a != b and not declaration and m.group(1) not in SWAP_SKIP:
            start = m.start(2)
            end = m.end(3)
            found.append(Mutant(path, number, start, end, f"{text[m.start(3):m.end(3)]}, "
                                f"{text[m.start(2):m.end(2)]}", "swap arguments",
                                text[m.start():m.end()]))
    stripped = code.strip()
    starts_statement = previous_code.rstrip().endswith((";", "{", "}", ":")) or not previous_code.strip()
    if (starts_statement and stripped.endswith(";") and STATEMENT_RE.match(code)
            and not DECLARATION_START.match(code) and code.count("(") == code.count(")")):
        indent = len(text) - len(text.lstrip())
        found.append(Mutant(path, number, indent, len(text.rstrip()), "", "remove statement",
                            text.strip()))
    m = EARLY_RETURN_RE.match(code)
    if m and starts_statement:
        # `if (...) {}` keeps the condition's side effects and compiles without -Wempty-body.
        found.append(Mutant(path, number, m.start(2), m.end(2), "{}", "remove early return",
                            text[m.start(2):m.end(2)]))
    return found


def file_mutants(path: str, lines: list[str], wanted: set[int] | None) -> list[Mutant]:
    masked = code_mask(lines)
    mutants: list[Mutant] = []
    previous = ""
    for index, (text, code) in enumerate(zip(lines, masked)):
        number = index + 1
        if wanted is None or number in wanted:
            mutants.extend(line_mutants(path, number, text, code, previous))
        if code.strip():
            previous = code
    return mutants


# ---- which lines --------------------------------------------------------------------------------


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def changed_lines(base: str, paths: list[str]) -> dict[str, set[int]]:
    """Lines of the working tree that differ from `base`, per file; every line of a file git
    does not track yet."""
    try:
        git("rev-parse", "--verify", "--quiet", base + "^{commit}")
    except Failure:
        raise Failure(f"--base {base}: no such revision in {ROOT}", EXIT_USAGE)
    diff = git("diff", "--unified=0", "--no-color", "--no-ext-diff", base, "--", *paths)
    changed: dict[str, set[int]] = {}
    current = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = None if line == "+++ /dev/null" else line[6:]
        elif line.startswith("@@") and current:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            start, count = int(m.group(1)), int(m.group(2) or "1")
            changed.setdefault(current, set()).update(range(start, start + count))
    for path in git("ls-files", "--others", "--exclude-standard", "--", *paths).splitlines():
        if mutable_file(path):
            count = len((ROOT / path).read_text().split("\n"))
            changed[path] = set(range(1, count + 1))
    return changed


def mutable_file(path: str) -> bool:
    p = Path(path)
    return p.suffix in SOURCE_SUFFIXES and not path.startswith("tests/") and (ROOT / p).is_file()


# ---- the build ----------------------------------------------------------------------------------


class Build:
    def __init__(self, directory: Path):
        self.dir = directory.resolve()
        if not (directory / "build.ninja").is_file():
            raise Failure(f"{directory}: no build.ninja: configure and build first "
                          "(scripts/setup.sh, or cmake -S . -B build -G Ninja)", EXIT_USAGE)
        self._deps = None

    def ninja(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["ninja", "-C", str(self.dir), *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise Failure(f"ninja {' '.join(args[:3])}: {last_line(done.stdout + done.stderr)}")
        return done

    def objects_of(self, source: Path) -> set[str]:
        """Build outputs compiled from `source` (a .cpp) or including it (a header)."""
        source = source.resolve()
        if source.suffix in (".cpp", ".cc", ".c"):
            commands = json.loads((self.dir / "compile_commands.json").read_text())
            found = set()
            for entry in commands:
                if Path(entry["directory"], entry["file"]).resolve() == source:
                    output = entry.get("output") or re.search(r" -o (\S+)", entry["command"]).group(1)
                    found.add(output)
            return found
        if self._deps is None:
            self._deps = {}
            current = None
            for line in self.ninja("-t", "deps").stdout.splitlines():
                if line and not line.startswith(" "):
                    current = line.split(":")[0]
                elif line.strip() and current:
                    self._deps.setdefault(str((self.dir / line.strip()).resolve()), set()).add(current)
        return set(self._deps.get(str(source), set()))

    def dependents(self, outputs: set[str]) -> set[str]:
        """Everything built from `outputs`, transitively (ninja's graph, read upwards)."""
        seen = set(outputs)
        frontier = set(outputs)
        while frontier:
            text = self.ninja("-t", "query", *sorted(frontier), check=False).stdout
            frontier = set()
            section = None
            for line in text.splitlines():
                if not line.startswith(" "):
                    section = None
                elif line.strip() in ("input:", "outputs:") or line.strip().startswith("input:"):
                    section = line.strip().split(":")[0]
                elif section == "outputs":
                    out = line.strip()
                    if out not in seen:
                        seen.add(out)
                        frontier.add(out)
        return seen

    def order_only_inputs(self, targets: list[str]) -> set[str]:
        if not targets:
            return set()
        text = self.ninja("-t", "query", *targets, check=False).stdout
        return {line.strip()[2:].strip() for line in text.splitlines()
                if line.strip().startswith("||")}

    def test_executables(self) -> dict[str, str]:
        """Path (relative to the build dir) -> absolute path, for every executable ctest runs."""
        done = subprocess.run(["ctest", "--show-only=json-v1"], cwd=self.dir, capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure(f"ctest --show-only in {self.dir}: {last_line(done.stderr)}")
        found = {}
        for test in json.loads(done.stdout).get("tests", []):
            command = test.get("command") or []
            if command and command[0].startswith(str(self.dir)):
                found[os.path.relpath(command[0], self.dir)] = command[0]
        return found


def last_line(text: str) -> str:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else "failed"


# ---- restoring files, whatever happens ----------------------------------------------------------


class Journal:
    """The original of the file being mutated, kept on disk while a mutant is in place, so that
    even a run killed outright is undone (by the next run)."""

    def __init__(self, build_dir: Path):
        self.dir = build_dir / "mutate"
        self.dir.mkdir(exist_ok=True)
        self.file = self.dir / "journal.json"

    def recover(self) -> str | None:
        if not self.file.is_file():
            return None
        entry = json.loads(self.file.read_text())
        target = ROOT / entry["path"]
        original = (self.dir / "original").read_bytes()
        write_bytes(target, original)
        self.file.unlink()
        return entry["path"]

    def hold(self, path: str, original: bytes) -> None:
        (self.dir / "original").write_bytes(original)
        self.file.write_text(json.dumps({"path": path}))

    def release(self, path: str, original: bytes) -> None:
        write_bytes(ROOT / path, original)
        self.file.unlink(missing_ok=True)
        (self.dir / "original").unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write and give the file a new mtime, so the next build sees it changed (restoring an
    old mtime would leave the mutant's objects looking up to date)."""
    tmp = path.with_name(path.name + ".mutate-tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    now = time.time()
    os.utime(path, (now, now))


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


# ---- running tests ------------------------------------------------------------------------------


@dataclasses.dataclass
class TestBinary:
    target: str  # ninja target (path relative to the build dir)
    path: str
    baseline_s: float = 0.0

    @property
    def name(self) -> str:
        return Path(self.target).name

    def run(self, timeout: float, gtest_filter: str | None, shards: int) -> tuple[str, float]:
        """'pass', 'fail' or 'timeout', and the time taken. The tests are split into `shards`
        processes run at once (GoogleTest's sharding); the first failure ends them all."""
        args = [self.path, "--gtest_fail_fast", "--gtest_brief=1"]
        if gtest_filter:
            args.append("--gtest_filter=" + gtest_filter)
        start = time.monotonic()
        procs = []
        for index in range(shards):
            env = dict(os.environ, GTEST_COLOR="no", GTEST_TOTAL_SHARDS=str(shards),
                       GTEST_SHARD_INDEX=str(index))
            procs.append(subprocess.Popen(args, cwd=Path(self.path).parent, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        verdict = "pass"
        try:
            running = list(procs)
            while running and verdict == "pass":
                for proc in list(running):
                    code = proc.poll()
                    if code is not None:
                        running.remove(proc)
                        if code != 0:
                            verdict = "fail"
                if running and verdict == "pass":
                    if time.monotonic() - start > timeout:
                        verdict = "timeout"
                    else:
                        time.sleep(0.02)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        return verdict, time.monotonic() - start


# ---- the run ------------------------------------------------------------------------------------


class Progress:
    def __init__(self, total: int, quiet: bool):
        self.total = total
        self.tty = sys.stderr.isatty() and not quiet
        self.quiet = quiet
        self.colour = self.tty and not os.environ.get("NO_COLOR")

    def step(self, index: int, mutant: Mutant, verdict: str, detail: str) -> None:
        if self.quiet:
            return
        where = f"{mutant.path}:{mutant.line}"
        line = f"[{index}/{self.total}] {where}: {mutant.describe()}: {verdict}"
        if detail:
            line += f" ({detail})"
        if self.colour and verdict == "survived":
            line = f"\033[33m{line}\033[0m"
        print(line, file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(f"mutate: {text}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/mutate.sh",
        description="Plant one bug at a time in the given C++ files (or the lines changed since "
                    "--base), rebuild the test executables that link them, run them, and print "
                    "each mutant no test noticed as `file:line: change — no test failed`.",
        epilog="Exit status: 0 every mutant was killed, 1 some survived, 2 usage error, "
               "3 the tests or the build fail without any mutant, or git/ninja failed. "
               "Operators: relational and equality flips, boundaries (< and <=), && and ||, "
               "removed negation, removed statement, removed early return, integer constant "
               "+1/-1, swapped arguments of a two-argument call. docs/testing.md explains the "
               "verdicts and the module scores.")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="C++ files to mutate (host/, plugins/, sdk/; default with --base: "
                             "every changed one)")
    parser.add_argument("--base", metavar="REV",
                        help="mutate only the lines that differ from REV (committed or not)")
    parser.add_argument("--build", metavar="DIR", default="build",
                        help="an up-to-date Ninja build directory (default: build)")
    parser.add_argument("--budget", metavar="MINUTES", type=float,
                        help="start no mutant after this many minutes (the rest are reported "
                             "as not tried)")
    parser.add_argument("--sample", metavar="N", type=int,
                        help="try N mutants drawn at random (with --seed) instead of all")
    parser.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")
    parser.add_argument("--operators", metavar="LIST",
                        help="only these operators, comma-separated: relational, logical, "
                             "remove negation, remove statement, remove early return, constant, "
                             "swap arguments")
    parser.add_argument("--tests", metavar="NAMES",
                        help="run only these test executables (comma-separated names, e.g. "
                             "graph_test) instead of every one that links the mutated code")
    parser.add_argument("--gtest-filter", metavar="PATTERN",
                        help="passed to every test executable as --gtest_filter")
    parser.add_argument("--shards", metavar="N", type=int, default=os.cpu_count() or 1,
                        help="processes each test executable is split into (GoogleTest "
                             "sharding; default: the number of cores)")
    parser.add_argument("--list", action="store_true",
                        help="list the mutants and the tests that would run, run nothing")
    parser.add_argument("--json", action="store_true",
                        help="print the result as one JSON document on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser.parse_args(argv)


def choose_mutants(args: argparse.Namespace) -> list[Mutant]:
    if not args.files and not args.base:
        raise Failure("name FILEs to mutate, or --base REV for the lines changed since REV "
                      "(see --help)", EXIT_USAGE)
    paths = []
    for name in args.files:
        p = Path(name)
        full = (p if p.is_absolute() else Path.cwd() / p).resolve()
        try:
            rel = str(full.relative_to(ROOT))
        except ValueError:
            raise Failure(f"{name}: not in this checkout ({ROOT})", EXIT_USAGE)
        if not full.is_file():
            raise Failure(f"{name}: no such file", EXIT_USAGE)
        if not mutable_file(rel):
            raise Failure(f"{name}: not a C++ source of host/, plugins/ or sdk/ (tests are not "
                          "mutated)", EXIT_USAGE)
        paths.append(rel)
    if args.base:
        wanted_by_file = changed_lines(args.base, paths)
        if not paths:
            paths = sorted(p for p in wanted_by_file if mutable_file(p))
    else:
        wanted_by_file = None
    mutants: list[Mutant] = []
    for rel in paths:
        wanted = None if wanted_by_file is None else wanted_by_file.get(rel, set())
        if wanted is not None and not wanted:
            continue
        lines = (ROOT / rel).read_text().split("\n")
        mutants.extend(file_mutants(rel, lines, wanted))
    if args.operators:
        keep = {o.strip() for o in args.operators.split(",")}
        known = {"relational", "logical", "remove negation", "remove statement",
                 "remove early return", "constant", "swap arguments"}
        if keep - known:
            raise Failure(f"--operators: unknown {', '.join(sorted(keep - known))} (known: "
                          f"{', '.join(sorted(known))})", EXIT_USAGE)
        mutants = [m for m in mutants if m.operator in keep]
    if args.sample is not None:
        if args.sample < 1:
            raise Failure("--sample must be at least 1", EXIT_USAGE)
        rng = random.Random(args.seed)
        mutants = sorted(rng.sample(mutants, min(args.sample, len(mutants))),
                         key=lambda m: (m.path, m.line, m.start, m.replacement))
    return mutants


@dataclasses.dataclass
class Coverage:
    binaries: list[TestBinary]  # the test executables to run
    targets: list[str]  # what to rebuild: those, and what they run (the host, plugins)


def coverage_of(build: Build, path: str, only: set[str] | None) -> Coverage:
    objects = build.objects_of(ROOT / path)
    if not objects:
        raise Failure(f"{path}: nothing in {build.dir} is built from it (is the build "
                      "configured with tests, and up to date?)")
    executables = build.test_executables()
    reached = build.dependents(objects)
    binaries = [TestBinary(t, executables[t]) for t in sorted(reached) if t in executables]
    if only is not None:
        binaries = [b for b in binaries if b.name in only]
    # End-to-end tests run the host and dlopen plugins rather than link them (CMake states it
    # as an order-only dependency): what they run is rebuilt with the mutant too, or they would
    # test yesterday's code. Nothing else is rebuilt.
    used = build.order_only_inputs([b.target for b in binaries])
    runtime = sorted(t for t in reached & used if t.startswith(("bin/", "libexec/", "lib/")))
    return Coverage(binaries, [b.target for b in binaries] + runtime)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    build_dir = Path(args.build)
    if not build_dir.is_absolute():
        build_dir = (Path.cwd() / build_dir) if (Path.cwd() / build_dir).exists() else ROOT / build_dir
    build = Build(build_dir.resolve())
    journal = Journal(build.dir)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    restored = journal.recover()
    mutants = choose_mutants(args)
    only = {t.strip() for t in args.tests.split(",")} if args.tests else None
    progress = Progress(len(mutants), args.quiet)
    if restored:
        progress.note(f"restored {restored}, left mutated by a run that was killed")
    if not mutants:
        progress.note("no mutant: the chosen lines hold no operator this script mutates")

    by_file: dict[str, Coverage] = {}
    shared: dict[str, TestBinary] = {}  # one baseline per executable, whichever file needs it
    for path in sorted({m.path for m in mutants}):
        coverage = coverage_of(build, path, only)
        if not coverage.binaries:
            raise Failure(f"{path}: no test executable links it"
                          + (f" among --tests {args.tests}" if only else "")
                          + ": every mutant would survive")
        coverage.binaries = [shared.setdefault(b.target, b) for b in coverage.binaries]
        by_file[path] = coverage

    if args.list:
        return list_only(mutants, by_file, args.json)

    started = time.monotonic()
    results: list[dict] = []
    originals = {path: (ROOT / path).read_bytes() for path in by_file}
    try:
        # The baseline: each file's tests pass unmutated, and how long they take.
        for path, coverage in by_file.items():
            if build.ninja(*coverage.targets, check=False).returncode != 0:
                raise Failure(f"the unmutated build of {path}'s tests fails: fix it first")
            for b in coverage.binaries:
                if b.baseline_s:
                    continue
                verdict, seconds = b.run(1800, args.gtest_filter, args.shards)
                if verdict != "pass":
                    raise Failure(f"{b.name} fails without any mutant ({verdict}): fix the tests "
                                  "first")
                b.baseline_s = max(seconds, 0.01)
            # Fast executables first: most mutants are killed by the first one that fails.
            coverage.binaries.sort(key=lambda b: b.baseline_s)
            progress.note(f"{path}: " + ", ".join(f"{b.name} ({b.baseline_s:.1f} s)"
                                                  for b in coverage.binaries))
        progress.note(f"{len(mutants)} mutants in {len(by_file)} file(s)")

        for index, mutant in enumerate(mutants, 1):
            if args.budget is not None and time.monotonic() - started > args.budget * 60:
                progress.note(f"the {args.budget:g}-minute budget is spent")
                break
            results.append(try_mutant(build, journal, mutant, originals[mutant.path],
                                      by_file[mutant.path], args, index, progress))
    except (KeyboardInterrupt, Interrupted) as stop:
        restore_all(journal, originals)
        progress.note(f"stopped ({stop or 'SIGINT'}); every file is as it was")
        report(results, mutants, time.monotonic() - started, args.json)
        return 130
    finally:
        restore_all(journal, originals)
    # Leave the test executables built from the restored sources (an interrupted rebuild is
    # harmless: the restored files are newer than every object, so the next build redoes it).
    try:
        build.ninja(*sorted({t for c in by_file.values() for t in c.targets}), check=False)
    except (KeyboardInterrupt, Interrupted):
        pass
    return report(results, mutants, time.monotonic() - started, args.json)


def restore_all(journal: Journal, originals: dict[str, bytes]) -> None:
    for path, original in originals.items():
        if (ROOT / path).read_bytes() != original:
            journal.release(path, original)
    journal.file.unlink(missing_ok=True)
    (journal.dir / "original").unlink(missing_ok=True)


def try_mutant(build: Build, journal: Journal, mutant: Mutant, original: bytes,
               coverage: Coverage, args: argparse.Namespace, index: int,
               progress: Progress) -> dict:
    lines = original.decode().split("\n")
    mutated = "\n".join(mutant.apply(lines)).encode()
    start = time.monotonic()
    journal.hold(mutant.path, original)
    try:
        write_bytes(ROOT / mutant.path, mutated)
        if build.ninja(*coverage.targets, check=False).returncode != 0:
            result = {"mutant": mutant, "verdict": "did not compile"}
        else:
            result = {"mutant": mutant, "verdict": "survived"}
            for b in coverage.binaries:
                # A mutant that makes the tests hang is killed by the timeout.
                verdict, _ = b.run(max(10.0, 3 * b.baseline_s + 5), args.gtest_filter, args.shards)
                if verdict != "pass":
                    result = {"mutant": mutant, "verdict": "killed",
                              "by": b.name + (" (timeout)" if verdict == "timeout" else "")}
                    break
    finally:
        journal.release(mutant.path, original)
    result["seconds"] = round(time.monotonic() - start, 1)
    progress.step(index, mutant, result["verdict"], result.get("by", ""))
    return result


def list_only(mutants: list[Mutant], by_file: dict[str, Coverage], as_json: bool) -> int:
    if as_json:
        print(json.dumps({
            "mutants": [mutant_json(m) for m in mutants],
            "tests": {p: [b.name for b in c.binaries] for p, c in by_file.items()}}, indent=2,
            ensure_ascii=False))
        return EXIT_OK
    for path, coverage in by_file.items():
        print(f"# {path}: {', '.join(b.name for b in coverage.binaries)}")
    for m in mutants:
        print(f"{m.path}:{m.line}: {m.describe()}  [{m.operator}]")
    print(f"{len(mutants)} mutants")
    return EXIT_OK


def mutant_json(m: Mutant) -> dict:
    return {"file": m.path, "line": m.line, "operator": m.operator, "change": m.describe()}


def report(results: list[dict], mutants: list[Mutant], seconds: float, as_json: bool) -> int:
    counts = {v: sum(1 for r in results if r["verdict"] == v)
              for v in ("killed", "survived", "did not compile", "not tried")}
    counts["not tried"] += len(mutants) - len(results)
    scored = counts["killed"] + counts["survived"]
    score = None if scored == 0 else counts["killed"] / scored
    survivors = [r["mutant"] for r in results if r["verdict"] == "survived"]
    if as_json:
        print(json.dumps({
            "score": score, "seconds": round(seconds, 1),
            "counts": counts,
            "results": [dict(mutant_json(r["mutant"]), verdict=r["verdict"],
                             **({"killed_by": r["by"]} if "by" in r else {}),
                             **({"seconds": r["seconds"]} if "seconds" in r else {}))
                        for r in results]}, indent=2, ensure_ascii=False))
    else:
        for m in survivors:
            print(f"{m.path}:{m.line}: {m.describe()} — no test failed")
        score_text = "no mutant scored" if score is None else f"{100 * score:.1f} %"
        print(f"mutation score {score_text}: {counts['killed']} killed, {counts['survived']} "
              f"survived, {counts['did not compile']} did not compile, {counts['not tried']} not "
              f"tried, in {seconds / 60:.1f} min")
    return EXIT_SURVIVORS if survivors else EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as failure:
        print(f"mutate: {failure}", file=sys.stderr)
        sys.exit(failure.code)

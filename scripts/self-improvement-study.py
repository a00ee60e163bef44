#!/usr/bin/env python3
"""The self-improvement simulation study (docs/self-improvement.md#the-simulation-study).

On the SIMULATED backend (plugins/backend/sim), three scenarios of N trials each, every trial
with its own seed and run store:

  weak   the math specialist's model gets word problems right 45 % of the time and arithmetic
         90 %, and the role's bigger model 90 % and 95 %: a change the simulation can judge
         (escalating the model, or a sub-route of word problems to it) helps.
  null   the bigger model is exactly as good as the smaller one: no candidate is really better,
         so every promotion is a false one.
  worse  the bigger model is slightly worse on word problems (40 % against 45 %): a promotion
         would be a regression.
  drift  as weak, but after the promotion the bigger model degrades (arithmetic 50 %, word
         problems 30 %): the watch on the promoted version should roll it back.

Every promoted version is watched while the next evaluation runs on it: the table counts the
automatic rollbacks that fired (false ones in weak, the wanted ones in drift) and after how many
of the node's graded outcomes.

A wrong math answer in the simulation is a wrong setup the gate cannot catch (slip_rate 0), so
failures reach the judge. Each trial: `tinyllm eval` of the 235 math examples (every run graded),
`tinyllm expansion status` (was the node detected, after how many graded requests),
`tinyllm expansion trigger --node specialist.math`, then, when something was promoted, the same
evaluation again on the promoted version with another seed (the accuracy gained).

refine_prompt is asked too: the simulation cannot judge a prompt's wording (its answers do not
depend on it), so its rewrite is a null case wherever it gets as far as a candidate.

  python3 scripts/self-improvement-study.py [--trials 100] [--build build] [--jobs 2]

Prints a Markdown table (and --json for the per-trial data).
"""

import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

SCENARIOS = {
    # (1.5b arithmetic, 1.5b word problems, 3b arithmetic, 3b word problems)
    "weak": (0.90, 0.45, 0.95, 0.90),
    "null": (0.90, 0.45, 0.90, 0.45),
    "worse": (0.90, 0.45, 0.90, 0.40),
    "drift": (0.90, 0.45, 0.95, 0.90),
}
# The bigger model after the promotion, where it changes.
DRIFTED = {"drift": (0.90, 0.45, 0.50, 0.30)}


def models_yaml(scenario, seed, after_promotion=False):
    a15, w15, a3, w3 = (DRIFTED if after_promotion else SCENARIOS).get(scenario,
                                                                       SCENARIOS[scenario])
    text = (ROOT / "config" / "sim" / "models.yaml").read_text()
    text = text.replace("time_scale: 1 ", "time_scale: 0 ")
    text = text.replace("slip_rate: 0.5 ", "slip_rate: 0.0 ")
    text = text.replace("seed: 0 ", f"seed: {seed} ")
    text = re.sub(r"(qwen-sim-1\.5b:\n(?:.*\n)*?\s*accuracy: \{routing: [0-9.]+, )arithmetic: [0-9.]+, "
                  r"word_problems: [0-9.]+",
                  rf"\g<1>arithmetic: {a15}, word_problems: {w15}", text, count=1)
    text = re.sub(r"(qwen-sim-3b:\n(?:.*\n)*?\s*accuracy: \{routing: [0-9.]+, )arithmetic: [0-9.]+, "
                  r"word_problems: [0-9.]+",
                  rf"\g<1>arithmetic: {a3}, word_problems: {w3}", text, count=1)
    assert f"word_problems: {w15}" in text and f"word_problems: {w3}" in text, "models.yaml changed"
    return text


def host(build, config, *args):
    out = subprocess.run([str(build / "bin" / "tinyllm"), "--config", str(config), *args],
                         capture_output=True, text=True, timeout=600)
    return out


def eval_rate(build, config, dataset):
    r = host(build, config, "eval", "--dataset", str(dataset), "--json")
    if r.returncode not in (0, 1):
        raise RuntimeError(f"eval failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)["accuracy"]["rate"]


def trial(build, dataset, scenario, seed):
    work = pathlib.Path(tempfile.mkdtemp(prefix=f"tinyllm-study-{scenario}-{seed}-"))
    try:
        config = work / "config"
        config.mkdir()
        (config / "models.yaml").write_text(models_yaml(scenario, seed))
        (config / "system.yaml").write_text(f"data_dir: {work / 'data'}\n")
        shutil.copytree(ROOT / "config" / "graphs", config / "graphs")
        shutil.copy(ROOT / "config" / "judges.yaml", config / "judges.yaml")
        shutil.copy(ROOT / "config" / "expansion.yaml", config / "expansion.yaml")
        before = eval_rate(build, config, dataset)
        status = json.loads(host(build, config, "expansion", "status", "--json").stdout)
        pending = [p for p in status["pending"] if p["node"] == "specialist.math"]
        detected = bool(pending)
        detected_after = None
        if pending:
            m = (re.search(r"(\d+) graded in all", pending[0]["detail"]) or
                 re.search(r"of (\d+) graded", pending[0]["detail"]))
            detected_after = int(m.group(1)) if m else None
        t = host(build, config, "expansion", "trigger", "--node", "specialist.math", "--json")
        if t.returncode != 0:
            raise RuntimeError(f"trigger failed ({t.returncode}): {t.stderr.strip()}")
        doc = json.loads(t.stdout)
        promoted = [x for x in doc["experiments"] if x["status"] == "promoted"]
        strategy = promoted[0]["strategy"] if promoted else None
        after = None
        rolled_back, rolled_back_after = False, None
        if promoted:
            # The promoted version on fresh draws: another seed, the same examples.
            (config / "models.yaml").write_text(models_yaml(scenario, seed + 100000, True))
            after = eval_rate(build, config, dataset)
            # Did the watch roll the promoted version back while that evaluation ran?
            versions = json.loads(host(build, config, "graph", "versions", "default",
                                       "--json").stdout)
            fired = [e for e in versions["history"] if e["kind"] == "auto_rollback"]
            if fired:
                rolled_back = True
                m = re.search(r"after (\d+) outcomes", fired[0]["reason"])
                rolled_back_after = int(m.group(1)) if m else None
            (config / "models.yaml").write_text(models_yaml(scenario, seed + 200000))
            if not rolled_back:
                host(build, config, "graph", "rollback", "default", "--version", "3.2.0")
            base_fresh = eval_rate(build, config, dataset)
        else:
            base_fresh = None
        return {
            "scenario": scenario, "seed": seed, "before": before, "detected": detected,
            "detected_after": detected_after, "candidates": doc["candidates"],
            "experiments": len(doc["experiments"]), "promoted": strategy,
            "after": after, "base_fresh": base_fresh, "rolled_back": rolled_back,
            "rolled_back_after": rolled_back_after,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summarise(rows, trials):
    lines = ["| Scenario | Trials | Detected | Graded requests at detection (median) | "
             "Promoted | By strategy | Pass rate before → after (mean, promoted trials) | "
             "Rollbacks fired (median outcomes watched) |",
             "|---|---|---|---|---|---|---|---|"]
    for scenario in SCENARIOS:
        rs = [r for r in rows if r["scenario"] == scenario]
        if not rs:
            continue
        det = [r for r in rs if r["detected"]]
        after_n = [r["detected_after"] for r in det if r["detected_after"]]
        prom = [r for r in rs if r["promoted"]]
        by = {}
        for r in prom:
            by[r["promoted"]] = by.get(r["promoted"], 0) + 1
        by_text = ", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "-"
        gain = "-"
        if prom:
            gain = (f"{100 * statistics.mean(r['base_fresh'] for r in prom):.1f} % → "
                    f"{100 * statistics.mean(r['after'] for r in prom):.1f} %")
        rb = [r for r in prom if r["rolled_back"]]
        rb_after = [r["rolled_back_after"] for r in rb if r["rolled_back_after"]]
        rb_text = f"{len(rb)} of {len(prom)}" if prom else "0 (nothing promoted)"
        if rb_after:
            rb_text += f" ({statistics.median(rb_after):g})"
        lines.append(f"| {scenario} | {len(rs)} | {len(det)} | "
                     f"{statistics.median(after_n) if after_n else '-'} | "
                     f"{len(prom)} ({100 * len(prom) / len(rs):.0f} %) | {by_text} | {gain} | "
                     f"{rb_text} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--json", action="store_true", help="also print every trial as JSON lines")
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    if not (build / "bin" / "tinyllm").exists():
        sys.exit(f"self-improvement-study: no {build}/bin/tinyllm: build first (scripts/setup.sh)")
    dataset = pathlib.Path(tempfile.mkdtemp(prefix="tinyllm-study-data-")) / "math.jsonl"
    data = ROOT / "tests" / "data" / "eval"
    dataset.write_text((data / "arithmetic.jsonl").read_text() +
                       (data / "word_problems.jsonl").read_text())
    jobs = [(s, seed) for s in args.scenarios.split(",") for seed in range(1, args.trials + 1)]
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(trial, build, dataset, s, seed) for s, seed in jobs]
        for i, f in enumerate(concurrent.futures.as_completed(futures), 1):
            rows.append(f.result())
            if sys.stderr.isatty():
                print(f"\r{i}/{len(jobs)} trials", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    shutil.rmtree(dataset.parent, ignore_errors=True)
    if args.json:
        for r in sorted(rows, key=lambda r: (r["scenario"], r["seed"])):
            print(json.dumps(r))
    print(summarise(rows, args.trials))


if __name__ == "__main__":
    main()

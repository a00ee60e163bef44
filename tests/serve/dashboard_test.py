#!/usr/bin/env python3
"""The dashboard of `tinyllm serve` in headless Chromium (Debian's), driven by Playwright.

Starts the server with a fake model server that answers slowly (so a run is seen while it
runs), then runs clients/dashboard_test.mjs with Node.js, which keeps a screenshot at
--screenshot. Playwright comes from npm with the client libraries (scripts/test.sh, `npm ci`
into BUILD/serve-clients). Skipped (exit 77), saying which is missing, without Node.js,
Playwright or Chromium (scripts/setup.sh installs Debian's chromium).
"""
import argparse
import hashlib
import pathlib
import shutil
import subprocess
import sys

from serve_fixture import add_arguments, running_server

SKIP = 77

# A rule every finished run of the default graph sets off, so the alerts panel has one to show.
ALERTS = """evaluate_every: 200ms
rules:
  - name: RunsObserved
    type: latency
    graph: default
    quantile: 0.5
    above: 0
    min_count: 1
    for: 0s
    keep_firing_for: 1h
    annotations: {summary: "{{labels.graph}} ran: p50 {{value}} s"}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    parser.add_argument("--clients", required=True, help="where npm ci installed Playwright")
    parser.add_argument("--screenshot", required=True, help="where to keep the screenshot (PNG)")
    args = parser.parse_args()

    node = shutil.which("node")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    clients = pathlib.Path(args.clients).resolve()
    if node is None:
        print("SKIP: node is not installed (scripts/setup.sh installs it)")
        return SKIP
    if chromium is None:
        print("SKIP: chromium is not installed (scripts/setup.sh installs Debian's)")
        return SKIP
    if not (clients / "node_modules" / "playwright-core").is_dir():
        print(f"SKIP: playwright-core is not installed in {clients} "
              "(scripts/test.sh runs npm ci there)")
        return SKIP
    shutil.copy(pathlib.Path(__file__).parent / "clients" / "dashboard_test.mjs", clients)
    screenshot = pathlib.Path(args.screenshot).resolve()
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    # 150 ms before each token: a model call takes about 1.5 s, a run of the default graph
    # several, long enough to watch it run.
    with running_server(args, fake_extra=("--token-delay-ms", "150"),
                        alerts_yaml=ALERTS) as url:
        code = subprocess.run([node, str(clients / "dashboard_test.mjs"), url, chromium,
                               str(screenshot)], cwd=clients, timeout=240).returncode
    if code != 0:
        return code
    # A server that asks for an API key: the dashboard asks for it too.
    key = "dashboard-test-key"
    keys = f"server:\n  api_keys: [\"sha256:{hashlib.sha256(key.encode()).hexdigest()}\"]\n"
    with running_server(args, fake_extra=("--token-delay-ms", "150"), system_yaml=keys,
                        alerts_yaml=ALERTS) as url:
        return subprocess.run([node, str(clients / "dashboard_test.mjs"), url, chromium,
                               str(screenshot.with_name("dashboard-key.png")), key],
                              cwd=clients, timeout=240).returncode


if __name__ == "__main__":
    sys.exit(main())

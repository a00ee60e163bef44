#!/usr/bin/env python3
"""The official `ollama` and `openai` npm client libraries against `tinyllm serve`.

Starts the server (serve_fixture.py), then runs clients/clients_test.mjs with Node.js; then,
against a server whose fake model is scripted by clients/tools_script.json, the client tools
round trip of clients/tools_test.mjs (the committed tools graph). The
client libraries are installed by scripts/test.sh (`npm ci` into BUILD/serve-clients); without
Node.js or them the test is skipped (exit 77) saying which is missing.
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

from serve_fixture import ANSWER, add_arguments, running_server

SKIP = 77


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    parser.add_argument("--clients", required=True, help="where npm ci installed the clients")
    args = parser.parse_args()

    node = shutil.which("node")
    if node is None:
        print("SKIP: node is not installed (scripts/setup.sh installs it)")
        return SKIP
    clients = pathlib.Path(args.clients).resolve()
    if not (clients / "node_modules" / "openai").is_dir():
        print(f"SKIP: the client libraries are not installed in {clients} "
              "(scripts/test.sh runs npm ci there)")
        return SKIP
    here = pathlib.Path(__file__).parent / "clients"
    for script in ("clients_test.mjs", "tools_test.mjs"):
        shutil.copy(here / script, clients)
    with running_server(args) as url:
        failed = subprocess.run([node, str(clients / "clients_test.mjs"), url, ANSWER],
                                cwd=clients, timeout=300).returncode
    with running_server(args, fake_extra=("--script", str(here / "tools_script.json")),
                        graphs=("direct.yaml", "tools.yaml")) as url:
        failed |= subprocess.run([node, str(clients / "tools_test.mjs"), url],
                                 cwd=clients, timeout=300).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The official `ollama` and `openai` npm client libraries against `tinyllm serve`.

Starts the server (serve_fixture.py), then runs clients/clients_test.mjs with Node.js. The
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
    shutil.copy(pathlib.Path(__file__).parent / "clients" / "clients_test.mjs", clients)
    with running_server(args) as url:
        return subprocess.run([node, str(clients / "clients_test.mjs"), url, ANSWER],
                              cwd=clients, timeout=300).returncode


if __name__ == "__main__":
    sys.exit(main())

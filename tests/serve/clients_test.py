#!/usr/bin/env python3
"""The official `ollama` and `openai` npm client libraries against `tinyllm serve`.

Starts the fake Ollama-protocol server (tests/fake_ollama) and `tinyllm serve` on free ports
with a config of its own, then runs clients/clients_test.mjs with Node.js. The client
libraries are installed by scripts/test.sh (`npm ci` into BUILD/serve-clients); without Node.js
or them the test is skipped (exit 77) saying which is missing.
"""
import argparse
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
ANSWER = "Hello! How can I help you today?"  # the fake server's default answer


def read_line(process, pattern, timeout):
    """The first stdout line of `process` matching `pattern`, or None after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            return None
        match = re.search(pattern, line)
        if match:
            return match
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host-bin", required=True)
    parser.add_argument("--fake-ollama", required=True)
    parser.add_argument("--config-src", required=True, help="the repo's config/ (its graphs)")
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

    with tempfile.TemporaryDirectory(prefix="tinyllm-clients-") as tmp:
        root = pathlib.Path(tmp)
        fake = subprocess.Popen([args.fake_ollama, "--port", "0", "--models",
                                 "qwen2.5:0.5b,qwen2.5:1.5b"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        server = None
        try:
            listening = read_line(fake, r"listening on (\S+)", 30)
            if listening is None:
                print("FAILED: the fake Ollama server did not start")
                return 1
            config = root / "config"
            (config / "graphs").mkdir(parents=True)
            for name in ("default.yaml", "direct.yaml"):
                shutil.copy(pathlib.Path(args.config_src) / "graphs" / name, config / "graphs")
            (config / "system.yaml").write_text(f"data_dir: {root / 'data'}\n")
            models = (pathlib.Path(args.config_src) / "models.yaml").read_text()
            models = re.sub(r"url: \S+", f"url: http://{listening.group(1)}", models)
            (config / "models.yaml").write_text(models)
            env = {"HOME": str(root), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
            env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
            server = subprocess.Popen([args.host_bin, "--config", str(config), "serve",
                                       "--listen", "127.0.0.1:0"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env=env, cwd=tmp)
            address = read_line(server, r"listening on (http://\S+)", 120)
            if address is None:
                print("FAILED: tinyllm serve did not start:", server.stderr.read())
                return 1
            result = subprocess.run([node, str(clients / "clients_test.mjs"), address.group(1),
                                     ANSWER], cwd=clients, timeout=300)
            return result.returncode
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.kill()
            fake.kill()
            fake.wait()


if __name__ == "__main__":
    sys.exit(main())

"""A running `tinyllm serve` for the Python tests of tests/serve: the fake Ollama-protocol
server and the host on free ports, with a config of their own (the repo's default and direct
graphs, models.yaml pointing at the fake server)."""
import contextlib
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

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


def add_arguments(parser):
    parser.add_argument("--host-bin", required=True)
    parser.add_argument("--fake-ollama", required=True)
    parser.add_argument("--config-src", required=True, help="the repo's config/ (its graphs)")


@contextlib.contextmanager
def running_server(args):
    """Yields the server's base URL ("http://127.0.0.1:PORT"); stops both servers after."""
    with tempfile.TemporaryDirectory(prefix="tinyllm-serve-") as tmp:
        root = pathlib.Path(tmp)
        fake = subprocess.Popen([args.fake_ollama, "--port", "0", "--models",
                                 "qwen2.5:0.5b,qwen2.5:1.5b"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        server = None
        try:
            listening = read_line(fake, r"listening on (\S+)", 30)
            if listening is None:
                raise RuntimeError("the fake Ollama server did not start")
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
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True, env=env, cwd=tmp)
            address = read_line(server, r"listening on (http://\S+)", 120)
            if address is None:
                raise RuntimeError("tinyllm serve did not start")
            yield address.group(1)
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.kill()
            fake.kill()
            fake.wait()

"""A running `tinyllm serve` for the Python tests of tests/serve and the soak test: the fake
Ollama-protocol server and the host on free ports, with a config of their own (the repo's
default and direct graphs, models.yaml pointing at the fake server)."""
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
FAKE_MODELS = "qwen2.5:0.5b,qwen2.5:1.5b"


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


def start_fake(fake_bin, port=0, extra=()):
    """(process, "127.0.0.1:PORT") of a fake Ollama-protocol server."""
    fake = subprocess.Popen([fake_bin, "--port", str(port), "--models", FAKE_MODELS, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    listening = read_line(fake, r"listening on (\S+)", 30)
    if listening is None:
        fake.kill()
        fake.wait()
        raise RuntimeError(f"the fake Ollama server did not start on port {port}")
    return fake, listening.group(1)


def write_config(root, config_src, backend, system_yaml="", alerts_yaml=None,
                 graphs=("default.yaml", "direct.yaml")):
    """A config dir under `root` whose models live at `backend` ("127.0.0.1:PORT"), serving the
    committed `graphs`; with `alerts_yaml`, its alerts.yaml."""
    config = pathlib.Path(root) / "config"
    (config / "graphs").mkdir(parents=True)
    for name in graphs:
        shutil.copy(pathlib.Path(config_src) / "graphs" / name, config / "graphs")
    (config / "system.yaml").write_text(f"data_dir: {pathlib.Path(root) / 'data'}\n" +
                                        system_yaml)
    models = (pathlib.Path(config_src) / "models.yaml").read_text()
    (config / "models.yaml").write_text(re.sub(r"url: \S+", f"url: http://{backend}", models))
    if alerts_yaml is not None:
        (config / "alerts.yaml").write_text(alerts_yaml)
    return config


def start_serve(host_bin, config, cwd):
    """(process, "http://127.0.0.1:PORT") of `tinyllm serve` on a port the kernel picks."""
    env = {"HOME": str(cwd), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
    server = subprocess.Popen([host_bin, "--config", str(config), "serve", "--listen",
                               "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env=env, cwd=cwd)
    address = read_line(server, r"listening on (http://\S+)", 120)
    if address is None:
        stop(server)
        raise RuntimeError("tinyllm serve did not start")
    return server, address.group(1)


def stop(process, timeout=60):
    """SIGTERM, then SIGKILL after `timeout` s; the exit code (negative: killed by a signal)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextlib.contextmanager
def running_server(args, fake_extra=(), system_yaml="", alerts_yaml=None,
                   graphs=("default.yaml", "direct.yaml")):
    """Yields the server's base URL ("http://127.0.0.1:PORT"); stops both servers after.
    `fake_extra`: more arguments for the fake server ("--token-delay-ms", "100");
    `system_yaml`: more of system.yaml ("server:\n  api_keys: [...]\n"); `alerts_yaml`: the
    config's alerts.yaml (none by default); `graphs`: the committed graphs it serves."""
    with tempfile.TemporaryDirectory(prefix="tinyllm-serve-") as tmp:
        fake, backend = start_fake(args.fake_ollama, 0, fake_extra)
        server = None
        try:
            config = write_config(tmp, args.config_src, backend, system_yaml, alerts_yaml,
                                  graphs)
            server, url = start_serve(args.host_bin, config, tmp)
            yield url
        finally:
            if server is not None:
                stop(server)
            fake.kill()
            fake.wait()

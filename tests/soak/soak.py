#!/usr/bin/env python3
"""Soak test of `tinyllm serve` (scripts/soak.sh runs it; docs/reliability.md has the figures).

The fake Ollama-protocol server injects faults into a share of the model calls (500s, 503s,
connections cut mid-stream, slow answers) and is killed and restarted twice; `tinyllm serve`
in front of it is driven by CLIENTS threads with a mix of Ollama and OpenAI, streamed and whole
requests. At the end it checks, and prints:
  * the server never restarted (the same process from start to end, still answering);
  * every request got an answer or a clean error (an HTTP error with the API's error body, or a
    stream that ends with an error event) — never a reset, a cut or garbage;
  * every run the server started is in the run store with a terminal status (0 lost), and every
    answered request's run succeeded;
  * RSS and open descriptors are flat: the mean of the last fifth of the samples (one a second)
    is within 10 % of the first fifth's. Samples start once every client has its first answer,
    so the start-up's growth is not counted, and pause while the backend is down and for 2 s
    after, when the server holds no connection to it.
Exit 0 when every check holds, 1 otherwise (naming what failed), 2 on bad usage."""
import argparse
import http.client
import json
import os
import pathlib
import random
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "serve"))
from serve_fixture import start_fake, start_serve, stop, write_config  # noqa: E402

GRAPHS = ("tinyllm/direct", "tinyllm/default")
KINDS = ("ollama-chat", "ollama-generate", "openai-chat")
TERMINAL = ("succeeded", "failed", "cancelled")
PROMPTS = ("Hello there", "What is 17 * 23?", "Write a haiku about rivers.",
           "Explain TCP keep-alive in one sentence.", "Translate 'good morning' to French.")
CLIENT_TIMEOUT_S = 120


class Outcome:
    ANSWER = "answer"
    CLEAN_ERROR = "clean error"
    BAD = "bad"


def request_for(kind, graph, stream, prompt):
    """(path, body) of one request."""
    if kind == "ollama-generate":
        return "/api/generate", {"model": graph, "prompt": prompt, "stream": stream}
    messages = [{"role": "user", "content": prompt}]
    if kind == "ollama-chat":
        return "/api/chat", {"model": graph, "messages": messages, "stream": stream}
    return "/v1/chat/completions", {"model": graph, "messages": messages, "stream": stream,
                                    "stream_options": {"include_usage": True}} \
        if stream else {"model": graph, "messages": messages}


def is_error_body(status, body, kind):
    """An error in the API's own shape: Ollama {"error": "..."}, OpenAI {"error": {...}}."""
    try:
        document = json.loads(body)
    except ValueError:
        # Ollama's own "server busy" answer is plain text.
        return kind != "openai-chat" and status == 503 and b"busy" in body
    error = document.get("error") if isinstance(document, dict) else None
    if kind == "openai-chat":
        return isinstance(error, dict) and isinstance(error.get("message"), str)
    return isinstance(error, str) and error != ""


def classify_ollama_stream(body):
    lines = [line for line in body.split(b"\n") if line.strip()]
    if not lines:
        return Outcome.BAD, "an empty stream"
    try:
        objects = [json.loads(line) for line in lines]
    except ValueError:
        return Outcome.BAD, "a line that is not JSON"
    for index, line in enumerate(objects):
        if "error" in line:
            if index != len(objects) - 1:
                return Outcome.BAD, "lines after an error line"
            return Outcome.CLEAN_ERROR, "error line"
    if objects[-1].get("done") is not True:
        return Outcome.BAD, "a stream without its done line"
    return Outcome.ANSWER, ""


def classify_openai_stream(body):
    events = [chunk[len(b"data: "):] for chunk in body.split(b"\n\n") if chunk.strip()]
    if not events:
        return Outcome.BAD, "an empty stream"
    if events[-1] == b"[DONE]":
        try:
            for event in events[:-1]:
                if "error" in json.loads(event):
                    return Outcome.BAD, "an error event before [DONE]"
        except ValueError:
            return Outcome.BAD, "an event that is not JSON"
        return Outcome.ANSWER, ""
    try:
        last = json.loads(events[-1])
    except ValueError:
        return Outcome.BAD, "a last event that is not JSON"
    if isinstance(last.get("error"), dict):
        return Outcome.CLEAN_ERROR, "error event"
    return Outcome.BAD, "a stream without [DONE] or an error event"


def classify_whole(kind, body):
    try:
        document = json.loads(body)
    except ValueError:
        return Outcome.BAD, "an answer that is not JSON"
    if kind == "openai-chat":
        content = document.get("choices", [{}])[0].get("message", {}).get("content")
    elif kind == "ollama-chat":
        content = document.get("message", {}).get("content")
    else:
        content = document.get("response")
    if document.get("done", True) is not True or not isinstance(content, str):
        return Outcome.BAD, "an answer without its content"
    return Outcome.ANSWER, ""


def classify(kind, stream, status, body):
    """(outcome, detail) of one finished exchange."""
    if status != 200:
        if is_error_body(status, body, kind):
            return Outcome.CLEAN_ERROR, f"HTTP {status}"
        return Outcome.BAD, f"HTTP {status} without an error body: {body[:80]!r}"
    if not stream:
        return classify_whole(kind, body)
    if kind == "openai-chat":
        return classify_openai_stream(body)
    return classify_ollama_stream(body)


class Tally:
    """What the clients saw; shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = {Outcome.ANSWER: 0, Outcome.CLEAN_ERROR: 0, Outcome.BAD: 0}
        self.errors = {}  # detail of clean errors -> count
        self.bad = []  # (kind, stream, detail), the first few
        self.runs = {}  # run id -> outcome
        self.answered_clients = set()

    def add(self, client, kind, stream, outcome, detail, run_id):
        with self.lock:
            self.outcomes[outcome] += 1
            if outcome == Outcome.CLEAN_ERROR:
                self.errors[detail] = self.errors.get(detail, 0) + 1
            if outcome == Outcome.BAD and len(self.bad) < 20:
                self.bad.append((kind, stream, detail))
            if outcome == Outcome.ANSWER:
                self.answered_clients.add(client)
            if run_id:
                self.runs[run_id] = outcome

    def total(self):
        with self.lock:
            return sum(self.outcomes.values())


def client_loop(client, address, deadline, tally, seed):
    host, port = address
    rng = random.Random(seed)
    connection = None
    while time.monotonic() < deadline:
        kind = rng.choice(KINDS)
        stream = rng.random() < 0.5
        path, body = request_for(kind, rng.choice(GRAPHS), stream, rng.choice(PROMPTS))
        if connection is None:
            connection = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT_S)
        run_id = None
        try:
            connection.request("POST", path, json.dumps(body),
                               {"Content-Type": "application/json"})
            response = connection.getresponse()
            run_id = response.getheader("X-TinyLLM-Run-Id")
            data = response.read()
            outcome, detail = classify(kind, stream, response.status, data)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            outcome, detail = Outcome.BAD, f"{type(error).__name__}: {error}"
            connection.close()
            connection = None
        tally.add(client, kind, stream, outcome, detail, run_id)
    if connection is not None:
        connection.close()


def graphs_not_served(host, port):
    """Why a graph the clients ask for is not served ("" when every one is)."""
    connection = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT_S)
    try:
        connection.request("GET", "/tinyllm/v1/graphs")
        served = {g["model"]: g for g in json.loads(connection.getresponse().read())["graphs"]}
    finally:
        connection.close()
    for model in GRAPHS:
        graph = served.get(model)
        if graph is None:
            return f"{model} is not served"
        if not graph.get("available"):
            return f"{model} is not available: {graph.get('error', '')}"
    return ""


def process_sample(pid):
    """(RSS KiB, open descriptors) of a live process."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def fifths(samples):
    """Means of the first and the last fifth of `samples` (at least one sample each)."""
    n = max(1, len(samples) // 5)
    return sum(samples[:n]) / n, sum(samples[-n:]) / n


def flat(first, last):
    return first > 0 and abs(last - first) / first <= 0.10


def runs_in_store(db_path, run_ids):
    """(missing ids, ids not terminal, answered runs that did not succeed, runs not asked for,
    runs in the store)."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    statuses = dict(db.execute("SELECT id, status FROM runs"))
    db.close()
    missing = [r for r in run_ids if r not in statuses]
    not_terminal = [r for r, s in statuses.items() if s not in TERMINAL]
    answered_not_succeeded = [r for r, outcome in run_ids.items()
                              if outcome == Outcome.ANSWER and statuses.get(r) not in
                              (None, "succeeded")]
    unknown = [r for r in statuses if r not in run_ids]
    return missing, not_terminal, answered_not_succeeded, unknown, len(statuses)


def parse_faults(text):
    """{"error": N, ...} from the fake server's "injected faults: error=N ..." line."""
    if not text or "injected faults:" not in text:
        return {}
    words = text.split("injected faults:", 1)[1].split()
    return {k: int(v) for k, v in (w.split("=") for w in words)}


class Backend:
    """The fake Ollama-protocol server, restartable on its first port."""

    def __init__(self, fake_bin, fault_args):
        self.fake_bin, self.fault_args = fake_bin, fault_args
        self.process, self.address = start_fake(fake_bin, 0, fault_args)
        self.port = int(self.address.rsplit(":", 1)[1])
        self.faults = {}
        self.restarts = 0

    def kill(self):
        self.process.kill()  # SIGKILL: a crash, not a shutdown; its fault counts are lost
        self.process.wait()

    def restart(self):
        for _ in range(50):  # the port may linger a moment
            try:
                self.process, _ = start_fake(self.fake_bin, self.port, self.fault_args)
                self.restarts += 1
                return
            except RuntimeError:
                time.sleep(0.1)
        raise RuntimeError(f"the fake server could not listen on port {self.port} again")

    def stop(self):
        stop(self.process)
        for key, value in parse_faults(self.process.stdout.read()).items():
            self.faults[key] = self.faults.get(key, 0) + value


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host-bin", required=True)
    parser.add_argument("--fake-ollama", required=True)
    parser.add_argument("--config-src", required=True, help="the repo's config/ (its graphs)")
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--token-delay-ms", type=int, default=2,
                        help="the fake model's pause before each streamed token")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.minutes <= 0 or args.clients < 1 or not 0 <= args.fault_rate <= 1:
        parser.error("--minutes > 0, --clients >= 1 and --fault-rate in 0..1, please")

    duration = args.minutes * 60
    fault_args = ["--fault-rate", str(args.fault_rate), "--fault-seed", str(args.seed),
                  "--token-delay-ms", str(args.token_delay_ms)]
    with tempfile.TemporaryDirectory(prefix="tinyllm-soak-") as tmp:
        backend = Backend(args.fake_ollama, fault_args)
        # The committed alert rules run all along: their evaluation is part of what must stay
        # flat (the backend restarts may set off TinyllmBackendDown; nothing checks alerts).
        alerts = (pathlib.Path(args.config_src) / "alerts.yaml").read_text()
        config = write_config(tmp, args.config_src, backend.address,
                              "limits:\n  max_concurrent_runs: 16\n  max_queued_runs: 64\n",
                              alerts)
        server, url = start_serve(args.host_bin, config, tmp)
        host, port = url.removeprefix("http://").rsplit(":", 1)
        pid = server.pid
        # A graph that did not build answers every request with a clean 503, which the tally
        # would count as fine: the soak would then drive half a server.
        unavailable = graphs_not_served(host, int(port))
        if unavailable:
            stop(server)
            backend.stop()
            print(f"soak: {unavailable}", file=sys.stderr)
            return 1
        tally = Tally()
        started = time.monotonic()
        deadline = started + duration
        clients = [threading.Thread(target=client_loop,
                                    args=(i, (host, int(port)), deadline, tally, args.seed * 1000 + i))
                   for i in range(args.clients)]
        for thread in clients:
            thread.start()

        rss, fds, kills = [], [], [started + duration / 3, started + 2 * duration / 3]
        # Not sampled: while the backend is down and for 2 s after (its connections are gone).
        settled_at = 0
        warm_up_s = None
        server_died = None
        while time.monotonic() < deadline:
            time.sleep(1)
            if server.poll() is not None:
                server_died = server.returncode
                break
            if warm_up_s is None and len(tally.answered_clients) == args.clients:
                warm_up_s = time.monotonic() - started
            if warm_up_s is not None and time.monotonic() >= settled_at:
                r, f = process_sample(pid)
                rss.append(r)
                fds.append(f)
            if kills and time.monotonic() >= kills[0]:
                kills.pop(0)
                backend.kill()
                time.sleep(2)  # two seconds without a backend
                backend.restart()
                settled_at = time.monotonic() + 2
        for thread in clients:
            thread.join(CLIENT_TIMEOUT_S + 10)
        hung = sum(thread.is_alive() for thread in clients)
        elapsed = time.monotonic() - started

        still_answering = False
        if server_died is None:
            try:
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request("GET", "/healthz")
                still_answering = connection.getresponse().status == 200
                connection.close()
            except (OSError, http.client.HTTPException):
                pass
        exit_code = stop(server, timeout=120) if server_died is None else server_died
        backend.stop()
        db_path = pathlib.Path(tmp) / "data" / "runs.db"
        missing, not_terminal, answered_failed, unknown, stored = runs_in_store(db_path,
                                                                                tally.runs)
        store_bytes = db_path.stat().st_size

    rss_first, rss_last = fifths(rss) if rss else (0, 0)
    fd_first, fd_last = fifths(fds) if fds else (0, 0)
    total = tally.total()
    figures = {
        "minutes": round(elapsed / 60, 2), "clients": args.clients,
        "fault_rate": args.fault_rate, "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "answers": tally.outcomes[Outcome.ANSWER],
        "clean_errors": tally.outcomes[Outcome.CLEAN_ERROR],
        "clean_errors_by_kind": dict(sorted(tally.errors.items())),
        "bad": tally.outcomes[Outcome.BAD], "first_bad": tally.bad,
        "injected_faults_by_the_last_backend": backend.faults, "backend_restarts": backend.restarts,
        "server_restarts": 0 if server_died is None else 1,
        "server_exit_code": exit_code, "server_still_answering": still_answering,
        "clients_hung": hung, "runs_in_store": stored, "runs_with_an_id": len(tally.runs),
        "runs_lost": len(missing), "runs_not_terminal": len(not_terminal),
        "answered_runs_not_succeeded": len(answered_failed), "runs_not_asked_for": len(unknown),
        "run_store_mib": round(store_bytes / 2**20, 1),
        "warm_up_seconds": round(warm_up_s or 0, 1), "samples": len(rss),
        "rss_mib_first_fifth": round(rss_first / 1024, 1),
        "rss_mib_last_fifth": round(rss_last / 1024, 1),
        "fds_first_fifth": round(fd_first, 1), "fds_last_fifth": round(fd_last, 1),
    }
    failures = []
    if server_died is not None:
        failures.append(f"the server died (exit {server_died})")
    if not still_answering and server_died is None:
        failures.append("the server stopped answering /healthz")
    if exit_code != 0 and server_died is None:
        failures.append(f"the server's shutdown exit code was {exit_code}")
    if tally.outcomes[Outcome.BAD]:
        failures.append(f"{tally.outcomes[Outcome.BAD]} requests got neither an answer nor a "
                        f"clean error, first: {tally.bad[:3]}")
    if hung:
        failures.append(f"{hung} clients still waiting {CLIENT_TIMEOUT_S} s after the end")
    if missing or not_terminal or answered_failed or unknown:
        failures.append(f"run store: {len(missing)} lost, {len(not_terminal)} not terminal, "
                        f"{len(answered_failed)} answered but not succeeded, {len(unknown)} "
                        f"not asked for")
    if tally.outcomes[Outcome.ANSWER] == 0:
        failures.append("no request was answered")
    if len(rss) < 5:
        failures.append(f"only {len(rss)} samples of RSS (every client answered after "
                        f"{warm_up_s} s)")
    elif not flat(rss_first, rss_last):
        failures.append(f"RSS not flat: {figures['rss_mib_first_fifth']} MiB in the first "
                        f"fifth, {figures['rss_mib_last_fifth']} MiB in the last")
    if fds and not flat(fd_first, fd_last):
        failures.append(f"open descriptors not flat: {fd_first:.1f} then {fd_last:.1f}")
    if backend.restarts != 2:
        failures.append(f"the backend restarted {backend.restarts} times, not 2")
    figures["failures"] = failures

    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            if key not in ("failures", "first_bad"):
                print(f"{key:30} {value}")
        print("\n".join(f"FAILED: {f}" for f in failures) if failures else "soak: passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

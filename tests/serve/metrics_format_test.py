#!/usr/bin/env python3
"""/metrics of `tinyllm serve` read by Prometheus' own text-format parser (prometheus_client,
Debian's python3-prometheus-client) after a few runs: every family parses, with its type, and
the runs show in it. Skipped (exit 77) without the parser, saying so."""
import argparse
import json
import sys
import urllib.request

from serve_fixture import ANSWER, add_arguments, running_server

SKIP = 77


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    args = parser.parse_args()
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        print(f"SKIP: {sys.executable} has no prometheus_client (Debian: python3-prometheus-client)")
        return SKIP

    with running_server(args) as url:
        chat = {"model": "tinyllm/direct", "stream": False,
                "messages": [{"role": "user", "content": "hello"}]}
        for _ in range(3):
            assert post(url + "/api/chat", chat)["message"]["content"] == ANSWER
        with urllib.request.urlopen(url + "/metrics", timeout=60) as response:
            content_type = response.headers["Content-Type"]
            text = response.read().decode()

    failures = []
    if not content_type.startswith("text/plain; version=0.0.4"):
        failures.append(f"content type {content_type}")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    expected = {
        "tinyllm_runs": "counter", "tinyllm_run_duration_seconds": "histogram",
        "tinyllm_node_executions": "counter", "tinyllm_node_duration_seconds": "histogram",
        "tinyllm_model_calls": "counter", "tinyllm_model_call_duration_seconds": "histogram",
        "tinyllm_model_tokens": "counter", "tinyllm_tool_calls": "counter",
        "tinyllm_route_decisions": "counter", "tinyllm_requests_rejected": "counter",
        "tinyllm_runs_in_flight": "gauge", "tinyllm_runs_queued": "gauge",
        "tinyllm_http_connections": "gauge", "tinyllm_graphs_available": "gauge",
        "tinyllm_http_requests": "counter", "tinyllm_gate_decisions": "counter",
        "tinyllm_run_store_up": "gauge", "tinyllm_backends_up": "gauge",
    }
    for name, kind in expected.items():
        family = families.get(name)
        if family is None:
            failures.append(f"no family {name}")
        elif family.type != kind:
            failures.append(f"{name} is a {family.type}, not a {kind}")
    runs = [s for s in families["tinyllm_runs"].samples
            if s.labels.get("graph") == "direct" and s.labels.get("status") == "succeeded"]
    if not runs or runs[0].value != 3:
        failures.append(f"tinyllm_runs_total for direct: {runs}")
    answered = [s for s in families["tinyllm_http_requests"].samples
                if s.labels == {"api": "ollama", "code": "200"}]
    if not answered or answered[0].value != 3:
        failures.append(f"tinyllm_http_requests_total for ollama's 200s: {answered}")
    counts = [s for s in families["tinyllm_run_duration_seconds"].samples
              if s.name.endswith("_count") and s.labels.get("graph") == "direct"]
    if not counts or counts[0].value != 3:
        failures.append(f"tinyllm_run_duration_seconds_count for direct: {counts}")
    for failure in failures:
        print("FAILED", failure)
    print(f"{len(families)} families parsed; {'all passed' if not failures else 'failures above'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

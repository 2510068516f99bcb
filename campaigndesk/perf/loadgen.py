"""Load generators: wrk with a generated Lua script, or a small Python one.

wrk (Debian's `wrk` package) is light enough to share two cores with the server.
Its Lua `done()` callback prints one line, `BENCH_RESULT {json}`, which
`parse_wrk_output` reads. When wrk is absent the Python generator stands in: its
figures are lower (it competes with the server for the CPU and the GIL), so the
report names which generator ran.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .report import Measurement

RESULT_MARK = "BENCH_RESULT "
COUNTER = "{n}"  # replaced in a POST body by a number unique to each request


@dataclass(frozen=True)
class Request:
    method: str
    url: str  # absolute: http://127.0.0.1:port/path?query
    headers: Mapping[str, str]
    body: str | None = None


def lua_string(text: str) -> str:
    """A Lua string literal holding `text` exactly (bytes above 127 as escapes)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
    .. '"errors_connect": %.0f, "errors_read": %.0f, "errors_write": %.0f, '
    .. '"errors_status": %.0f, "errors_timeout": %.0f, '
    .. '"p50_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""

COUNTER_REQUEST = """
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
local sent = 0
request = function()
  sent = sent + 1
  local n = string.format("%d%09d", tid or 0, sent)
  local body = string.gsub(body_template, "{n}", n)
  return wrk.format(nil, nil, nil, body)
end
"""


def lua_script(req: Request) -> str:
    """The wrk script for one path: method, headers and body, and the JSON summary.

    wrk counts a response with status >= 400 as an error (summary.errors.status);
    socket errors and timeouts are counted apart. Redirects count as successes, so
    the runner checks each path's status once before it loads it."""
    lines = ["-- written by campaigndesk bench", f"wrk.method = {lua_string(req.method)}"]
    for name, value in req.headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if req.body is not None:
        lines.append(f"wrk.body = {lua_string(req.body)}")
        if COUNTER in req.body:
            lines.append(f"body_template = {lua_string(req.body)}")
            lines.append(COUNTER_REQUEST)
    lines.append(DONE)
    return "\n".join(lines)


def parse_wrk_output(output: str) -> Measurement:
    """The figures from wrk's output (the line the Lua `done()` prints)."""
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            data = json.loads(line[len(RESULT_MARK) :])
            break
    else:
        raise ValueError("wrk printed no BENCH_RESULT line:\n" + output[-2000:])
    errors = sum(
        int(data[k])
        for k in (
            "errors_connect",
            "errors_read",
            "errors_write",
            "errors_status",
            "errors_timeout",
        )
    )
    return Measurement(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )


class Wrk:
    name = "wrk"

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def run(self, req: Request, duration: float, concurrency: int) -> Measurement:
        with tempfile.TemporaryDirectory(prefix="cd-wrk-") as tmp:
            script = Path(tmp) / "bench.lua"
            script.write_text(lua_script(req), encoding="utf-8")
            # One wrk thread drives all connections: it leaves the second core to the server.
            cmd = [
                self.binary,
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, math.ceil(duration))}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                req.url,
            ]
            proc = subprocess.run(  # noqa: S603 (our own arguments)
                cmd, capture_output=True, text=True, timeout=duration + 60, check=False
            )
        if proc.returncode != 0:
            raise RuntimeError(f"wrk exited with {proc.returncode}: {proc.stderr.strip()}")
        return parse_wrk_output(proc.stdout)


def _target(url: str) -> tuple[str, int | None, str]:
    parts = urlsplit(url)
    return (
        parts.hostname or "127.0.0.1",
        parts.port,
        parts.path + (f"?{parts.query}" if parts.query else ""),
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class PythonLoad:
    """Keep-alive connections in threads; figures are a floor, not wrk's equal."""

    name = "python (wrk not installed)"

    def once(self, req: Request, timeout: float = 600) -> int | None:
        """One request on a new connection, body read to the end: its status or None."""
        host, port, target = _target(req.url)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request(req.method, target, body=req.body, headers=dict(req.headers))
            resp = conn.getresponse()
            while resp.read(1 << 16):
                pass
            return resp.status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    def run(self, req: Request, duration: float, concurrency: int) -> Measurement:
        host, port, target = _target(req.url)
        deadline = time.monotonic() + duration
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        counter = [0]

        def worker() -> None:
            conn = http.client.HTTPConnection(host, port, timeout=30)
            mine: list[float] = []
            errs = 0
            while time.monotonic() < deadline:
                body = req.body
                if body is not None and COUNTER in body:
                    with lock:
                        counter[0] += 1
                        n = counter[0]
                    body = body.replace(COUNTER, str(n))
                started = time.perf_counter()
                try:
                    conn.request(req.method, target, body=body, headers=dict(req.headers))
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status >= 400:
                        errs += 1
                except (OSError, http.client.HTTPException):
                    errs += 1
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                mine.append((time.perf_counter() - started) * 1000)
            conn.close()
            with lock:
                latencies.extend(mine)
                errors[0] += errs

        started = time.monotonic()
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        latencies.sort()
        return Measurement(
            requests=len(latencies),
            duration_s=elapsed,
            p50_ms=percentile(latencies, 50),
            p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99),
            errors=errors[0],
        )


def sequential(req: Request, count: int) -> Measurement:
    """`count` requests one after another on one connection, for slow paths."""
    gen = PythonLoad()
    latencies: list[float] = []
    errors = 0
    for i in range(count):
        body = req.body.replace(COUNTER, str(i + 1)) if req.body is not None else None
        one = Request(req.method, req.url, req.headers, body)
        started = time.perf_counter()
        status = gen.once(one)
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status is None or status >= 400
    latencies.sort()
    return Measurement(
        requests=count,
        duration_s=sum(latencies) / 1000,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        errors=errors,
    )


def find_wrk(install: bool = True) -> str | None:
    """wrk's path; installs Debian's package first when missing and running as root."""
    if shutil.which("wrk") or not install:
        return shutil.which("wrk")
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install_cmd = ["apt-get", "install", "-y", "-q", "wrk"]
    for cmd in (install_cmd, ["apt-get", "update", "-q"], install_cmd):
        subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=600)  # noqa: S603
        if shutil.which("wrk"):
            break
    return shutil.which("wrk")


def generator() -> Wrk | PythonLoad:
    binary = find_wrk()
    return Wrk(binary) if binary else PythonLoad()

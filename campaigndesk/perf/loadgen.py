"""Load generators: wrk with a generated Lua script, or a small Python one.

wrk (Debian's `wrk` package) is light enough to share two cores with the server.
Its Lua `done()` callback prints one line, `BENCH_RESULT {json}`, which
`parse_wrk_output` reads. When wrk is absent the Python generator stands in: its
figures are lower (it competes with the server for the CPU and the GIL), so the
report names which generator ran.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import secrets
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
# Replaced in a body or a header value, per request:
COUNTER = "{n}"  # a number unique to each request of the process (digits only)
ADDRESS = "{ip}"  # an IPv6 address unique to each request, each in a /64 of its own
PLACEHOLDERS = (COUNTER, ADDRESS)

# Every run (preflight, warm-up, measured load) draws a series of its own, so numbers
# never repeat between them; the prefix differs between bench processes, so addresses
# rarely repeat between runs on the same day either (rate limits count by address).
_series = itertools.count(1)
_PREFIX = secrets.randbelow(256)


def next_series() -> int:
    return next(_series) % 0x10000


def counter(series: int, thread: int, sent: int) -> str:
    return f"{series}{thread:02d}{sent:09d}"


def address(series: int, thread: int, sent: int) -> str:
    """fdPP:SSSS:HHHH:LLLL::T — a unique-local address; the request number in the /64."""
    return f"fd{_PREFIX:02x}:{series:x}:{sent >> 16:x}:{sent & 0xFFFF:x}::{thread:x}"


def substitute(text: str, series: int, thread: int, sent: int) -> str:
    if "{" not in text:
        return text
    text = text.replace(COUNTER, counter(series, thread, sent))
    return text.replace(ADDRESS, address(series, thread, sent))


def varies(text: str | None) -> bool:
    return text is not None and any(p in text for p in PLACEHOLDERS)


@dataclass(frozen=True)
class Request:
    method: str
    url: str  # absolute: http://127.0.0.1:port/path?query
    headers: Mapping[str, str]
    body: str | None = None
    # Count the responses with this status (a submission's 201: "acknowledged").
    count_status: int | None = None

    def varies(self) -> bool:
        return varies(self.body) or any(varies(v) for v in self.headers.values())

    def nth(self, series: int, thread: int, sent: int) -> Request:
        """This request with its placeholders filled in."""
        return Request(
            self.method,
            self.url,
            {k: substitute(v, series, thread, sent) for k, v in self.headers.items()},
            substitute(self.body, series, thread, sent) if self.body is not None else None,
            self.count_status,
        )


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
  local counted, sent, answered = 0, 0, 0
  for _, t in ipairs(threads) do
    counted = counted + (t:get("counted") or 0)
    sent = sent + (t:get("sent") or 0)
    answered = answered + (t:get("answered") or 0)
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
    .. '"errors_connect": %.0f, "errors_read": %.0f, "errors_write": %.0f, '
    .. '"errors_status": %.0f, "errors_timeout": %.0f, '
    .. '"p50_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f, '
    .. '"counted": %.0f, "counting": %s, "unanswered": %.0f}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, counted, count_status and "true" or "false",
    math.max(0, sent - answered)))
end
"""

THREADS = """
threads = {}
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end
"""

# Only a path that counts a status defines response(): wrk then hands every response
# to Lua, which costs a little, so the other paths go without.
COUNT_RESPONSE = """
counted = 0
answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if status == count_status then counted = counted + 1 end
end
"""

VARYING_REQUEST = """
sent = 0
local function fill(text, n, ip)
  local out = string.gsub(text, "{n}", n)
  out = string.gsub(out, "{ip}", ip)
  return out
end
request = function()
  sent = sent + 1
  local t = tid or 0
  local n = string.format("%d%02d%09d", series, t, sent)
  local ip = string.format("fd%02x:%x:%x:%x::%x",
    prefix, series, math.floor(sent / 65536), sent % 65536, t)
  local headers = {}
  for name, value in pairs(header_templates) do headers[name] = fill(value, n, ip) end
  local body = nil
  if body_template then body = fill(body_template, n, ip) end
  return wrk.format(nil, nil, headers, body)
end
"""


def lua_script(req: Request, series: int | None = None) -> str:
    """The wrk script for one path: method, headers and body, and the JSON summary.

    wrk counts a response with status >= 400 as an error (summary.errors.status);
    socket errors and timeouts are counted apart. Redirects count as successes, so
    the runner checks each path's status once before it loads it. `{n}` and `{ip}` in
    the body or a header are filled in per request (see `substitute`)."""
    lines = ["-- written by campaigndesk bench", f"wrk.method = {lua_string(req.method)}"]
    for name, value in req.headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if req.body is not None:
        lines.append(f"wrk.body = {lua_string(req.body)}")
    lines.append(f"count_status = {req.count_status or 'nil'}")
    lines.append(THREADS)
    if req.count_status:
        lines.append(COUNT_RESPONSE)
    if req.varies() or req.count_status:
        lines.append(f"series = {series if series is not None else next_series()}")
        lines.append(f"prefix = {_PREFIX}")
        lines.append(
            "header_templates = {"
            + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in req.headers.items())
            + "}"
        )
        if req.body is not None:
            lines.append(f"body_template = {lua_string(req.body)}")
        lines.append(VARYING_REQUEST)
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
        counted=int(data["counted"]) if data.get("counting") else None,
        unanswered=int(data.get("unanswered", 0)) if data.get("counting") else None,
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
        counted = [0]
        unanswered = [0]
        lock = threading.Lock()
        sent = [0]
        series = next_series()
        varying = req.varies()

        def worker() -> None:
            conn = http.client.HTTPConnection(host, port, timeout=30)
            mine: list[float] = []
            errs = hits = cut = 0
            while time.monotonic() < deadline:
                one = req
                if varying:
                    with lock:
                        sent[0] += 1
                        n = sent[0]
                    one = req.nth(series, 0, n)
                started = time.perf_counter()
                try:
                    conn.request(one.method, target, body=one.body, headers=dict(one.headers))
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status >= 400:
                        errs += 1
                    hits += resp.status == req.count_status
                except (OSError, http.client.HTTPException):
                    errs += 1
                    cut += 1  # sent, perhaps stored, but no answer was read
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                mine.append((time.perf_counter() - started) * 1000)
            conn.close()
            with lock:
                latencies.extend(mine)
                errors[0] += errs
                counted[0] += hits
                unanswered[0] += cut

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
            counted=counted[0] if req.count_status else None,
            unanswered=unanswered[0] if req.count_status else None,
        )


def sequential(req: Request, count: int) -> Measurement:
    """`count` requests one after another on one connection, for slow paths."""
    gen = PythonLoad()
    latencies: list[float] = []
    errors = counted = unanswered = 0
    series = next_series()
    for i in range(count):
        one = req.nth(series, 0, i + 1)
        started = time.perf_counter()
        status = gen.once(one)
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status is None or status >= 400
        counted += status is not None and status == req.count_status
        unanswered += status is None
    latencies.sort()
    return Measurement(
        requests=count,
        duration_s=sum(latencies) / 1000,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        errors=errors,
        counted=counted if req.count_status else None,
        unanswered=unanswered if req.count_status else None,
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

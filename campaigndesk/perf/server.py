"""The app as production runs it (gunicorn, sync workers, DEBUG off) and its memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path


def default_workers() -> int:
    """One sync worker per core. Two per core (as docs/deploy.md runs a city's app
    servers) served the pages at the same rates here but slowed /healthz by a quarter,
    with four workers, the load generator and PostgreSQL on two cores: every share of
    /healthz rose with no page any faster. So the bench keeps one per core, as earlier
    runs did; `--workers` measures another count."""
    return os.cpu_count() or 1


WORKERS = default_workers()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving campaigndesk.wsgi on a loopback port, and, on PostgreSQL, the audit
    sealer production's scheduler runs beside it (`audit seal --follow`): with it, app
    servers leave the audit chain's seal to that process (campaigndesk/audit/sealer.py)."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        workers: int = WORKERS,
        *,
        sealer: bool = False,
    ) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.workers = workers
        self.sealer = sealer
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.sealer_proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "campaigndesk.wsgi",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
        ]
        # Its own process group, so Ctrl-C in the terminal reaches the bench first and
        # the bench stops the server in order (by its pid).
        # Output goes to the log file, not the caller's terminal or pipe: a server kept
        # running (--keep-server) must not hold the pipe of whoever started the bench.
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 (our own arguments)
                cmd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            if self.sealer:
                self.sealer_proc = subprocess.Popen(
                    [sys.executable, "-m", "campaigndesk", "audit", "seal", "--follow"],
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode} before answering:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer within {timeout:.0f} s:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        proc, self.proc = self.proc, None
        sealer, self.sealer_proc = self.sealer_proc, None
        _stop(proc, signal.SIGTERM, timeout)  # gunicorn stops its workers gracefully
        _stop(sealer, signal.SIGTERM, timeout)  # the sealer chains what waits, then exits

    def pids(self) -> list[int]:
        return [] if self.proc is None else process_tree(self.proc.pid)


def _stop(proc: subprocess.Popen[bytes] | None, sig: int, timeout: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: parse after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    result, todo = [], [root]
    while todo:
        pid = todo.pop()
        result.append(pid)
        todo.extend(children.get(pid, []))
    return result


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue  # the process ended between listing and reading
    return total


class MemorySampler:
    """Peak of the summed RSS of the server's processes, sampled every 0.2 s."""

    def __init__(self, server: Server, interval: float = 0.2) -> None:
        self.server = server
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        pids = self.server.pids()
        refreshed = time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - refreshed > 2:  # a worker may have been replaced
                pids, refreshed = self.server.pids(), time.monotonic()
            self.peak = max(self.peak, rss_bytes(pids))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / (1024 * 1024)

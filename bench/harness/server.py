"""gunicorn on loopback for the duration of a measurement, and the CPU time it uses."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import HOST, PLAIN_PATH, REPO


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float | None:
        """CPU seconds used so far by the master and its workers (Linux /proc), else None."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            stats = list(Path("/proc").glob("[0-9]*/stat"))
        except OSError:
            return None
        for stat in stats:
            try:
                text = stat.read_text()
            except OSError:
                continue
            pid = int(stat.parent.name)
            fields = text[text.rfind(")") + 2 :].split()
            if pid == self.pid or int(fields[1]) == self.pid:
                total += int(fields[11]) + int(fields[12])
        return total / ticks if total else None


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int, worker_class: str, log: Path, threads: int = 1):
    """Run gunicorn (bench/settings.py through `env`) for the duration of the block, on a free
    port of 127.0.0.1; it answers the plain view before the block starts, and is always stopped
    on the way out."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "disclosure.wsgi:application"]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "-k", worker_class]
    if threads > 1 or worker_class == "gthread":
        command += ["--threads", str(threads)]
    command += ["--log-level", "warning", "--chdir", str(REPO)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as log_file:
        # Its own session: Ctrl-C reaches only the script, which then stops the server here.
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_until_up(process, port, log)
            yield Server(process, port)
        finally:
            _stop(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, port: int, log: Path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{tail}")
        with contextlib.suppress(OSError):
            if fetch(port, PLAIN_PATH)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen):
    """SIGINT (quick shutdown) to the master, then SIGKILL to its process group if need be."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # Workers left behind by a master that died: same process group, started by us.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def fetch(port: int, path: str, timeout=10.0) -> tuple[int, dict, bytes]:
    """One GET on a connection of its own: status, headers, body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()

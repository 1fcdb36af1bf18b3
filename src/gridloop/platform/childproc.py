"""A child process that lives and dies with its parent (the embedded triage worker of `serve`).

The parent starts the child at a lower CPU priority (so the parent's own work wins the cores and the child uses
what is left), writes its output to the parent's, restarts it with back-off when it dies, and stops it when the
parent stops. The child's stdin is a pipe from the parent: each byte written is a wake-up ("work is waiting"),
and end-of-file means the parent is gone. A child started with `follow_parent` also asks the kernel for SIGTERM
when its parent dies (PR_SET_PDEATHSIG), so even a SIGKILL of the parent leaves no orphan.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger("gridloop.childproc")

#: Seconds between the first restarts of a child that keeps dying; doubled at each death up to MAX_BACKOFF.
MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0
#: A child that ran this long before dying is restarted after MIN_BACKOFF again.
STABLE_AFTER = 60.0
#: Seconds a stopped child has to exit after SIGTERM before it is killed.
STOP_GRACE = 10.0
_PR_SET_PDEATHSIG = 1


class ChildProcess:
    """Run `argv` as a supervised child: `start()` launches it (and relaunches it when it dies), `kick()` wakes it,
    `stop()` ends it; all three are safe from any thread."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        nice: int = 10,
        env: Mapping[str, str] | None = None,
        min_backoff: float = MIN_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.nice = nice
        self.env = dict(env) if env is not None else None
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The running child's process id (None between a death and its restart)."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> ChildProcess:
        """Launch the child and the thread that relaunches it; `stop()` is also run when the parent exits."""
        self._thread = threading.Thread(target=self._supervise, name=f"gridloop-child-{self.name}", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _spawn(self) -> subprocess.Popen[bytes]:
        argv = [*self.argv, "--child-of", str(os.getpid())]
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=self.env, close_fds=True)  # noqa: S603 (our argv)
        try:
            os.setpriority(os.PRIO_PROCESS, proc.pid, min(os.getpriority(os.PRIO_PROCESS, 0) + self.nice, 19))
        except (OSError, AttributeError):  # the child died already, or no priorities here: it runs at ours
            log.warning("could not lower the priority of %s (pid %s)", self.name, proc.pid)
        assert proc.stdin is not None
        os.set_blocking(proc.stdin.fileno(), False)
        self.starts += 1
        return proc

    def _supervise(self) -> None:
        backoff = self.min_backoff
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    return
                self._proc = proc = self._spawn()
            began = time.monotonic()
            log.info("%s started (pid %s, nice +%s)", self.name, proc.pid, self.nice)
            code = proc.wait()
            if self._stop.is_set():
                return
            if time.monotonic() - began >= STABLE_AFTER:
                backoff = self.min_backoff
            log.warning("%s (pid %s) exited with %s; restarting in %.1f s", self.name, proc.pid, code, backoff)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    def kick(self) -> bool:
        """Wake the child (one byte on its stdin); never blocks: a full pipe already holds a wake-up."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        try:
            os.write(proc.stdin.fileno(), b".")
        except (BlockingIOError, BrokenPipeError, ValueError, OSError):
            return False
        return True

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop relaunching, ask the child to stop (SIGTERM, stdin closed) and kill it after `grace` seconds."""
        with self._lock:
            self._stop.set()
            proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) did not stop within %.0f s; killed", self.name, proc.pid, grace)
            proc.kill()
            proc.wait()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=grace)


def follow_parent(parent_pid: int, *, wake: Callable[[], object], gone: Callable[[], object]) -> None:
    """In a child started by `ChildProcess`: get SIGTERM when the parent dies, call `wake()` for every wake-up read
    on stdin, and `gone()` when stdin closes or the parent is already gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the closed stdin still says the parent is gone
            log.warning("PR_SET_PDEATHSIG unavailable; the worker stops when its stdin closes")
    if os.getppid() != parent_pid:  # the parent died before the request above could take effect
        gone()
        return

    def read() -> None:
        while True:
            try:
                data = os.read(0, 4096)
            except OSError:
                data = b""
            if not data:
                gone()
                return
            wake()

    threading.Thread(target=read, name="gridloop-parent-pipe", daemon=True).start()


def settings_environment(values: Mapping[str, object], *, prefix: str, base: Mapping[str, str]) -> dict[str, str]:
    """`base` with every setting in `values` as `<PREFIX><NAME>` (so a child reads the settings its parent runs
    with); a setting that is None is removed, so the child falls back to its default as the parent did."""
    import json

    env = dict(base)
    for name, value in values.items():
        key = f"{prefix}{name}".upper()
        if value is None:
            env.pop(key, None)
        elif isinstance(value, bool):
            env[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            env[key] = str(value)
        else:
            env[key] = json.dumps(value)
    return env


def children_of(pid: int) -> list[int]:
    """The child processes of `pid` (read from Linux /proc; none elsewhere). For operators' checks and benches."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found

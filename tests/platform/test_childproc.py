"""A supervised child process (`platform.childproc`): it runs at a lower CPU priority, hears every wake-up, is
restarted when it dies, stops with `stop()`, and stops by itself when its parent dies (even by SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gridloop.platform.childproc import ChildProcess, children_of, settings_environment

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process priorities and prctl: Linux")

#: The child: writes its pid, then a line per wake-up; ends when the parent is gone.
CHILD = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from gridloop.platform.childproc import follow_parent
    out = Path(sys.argv[1])
    parent = int(sys.argv[sys.argv.index("--child-of") + 1])
    done = threading.Event()
    lock = threading.Lock()
    def note(line):
        with lock, out.open("a") as f:
            f.write(line + "\\n")
    import os
    note(f"pid {os.getpid()}")
    follow_parent(parent, wake=lambda: note("wake"), gone=done.set)
    done.wait()
    note("gone")
    """
)


def _until(check, seconds: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _pids(out: Path) -> list[int]:
    if not out.exists():
        return []
    return [int(line.split()[1]) for line in out.read_text().splitlines() if line.startswith("pid ")]


def test_child_runs_at_lower_priority_hears_wakeups_is_restarted_and_stopped(tmp_path: Path) -> None:
    out = tmp_path / "child.log"
    child = ChildProcess([sys.executable, "-c", CHILD, str(out)], name="test child", nice=5, min_backoff=0.1).start()
    try:
        _until(lambda: len(_pids(out)) == 1 and child.pid is not None, what="the child started")
        first = _pids(out)[0]
        assert os.getpriority(os.PRIO_PROCESS, first) == min(os.getpriority(os.PRIO_PROCESS, 0) + 5, 19)
        time.sleep(0.3)  # the child's pipe reader is running
        assert child.kick()
        _until(lambda: "wake" in out.read_text(), what="the wake-up reached the child")
        os.kill(first, signal.SIGKILL)
        _until(lambda: len(_pids(out)) == 2, what="the killed child was started again")
        second = _pids(out)[1]
        assert second != first and child.starts == 2
    finally:
        child.stop(grace=5)
    _until(lambda: not _alive(second), seconds=10, what="the child ended with stop()")
    time.sleep(0.5)
    assert len(_pids(out)) == 2, "a stopped child is not started again"


PARENT = textwrap.dedent(
    """
    import sys, time
    from gridloop.platform.childproc import ChildProcess
    ChildProcess([sys.executable, "-c", sys.argv[1], sys.argv[2]], name="orphan check").start()
    time.sleep(600)
    """
)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_child_ends_when_its_parent_is_killed(tmp_path: Path, how: signal.Signals) -> None:
    out = tmp_path / "child.log"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, str(out)])
    try:
        _until(lambda: len(_pids(out)) == 1, what="the child started")
        time.sleep(0.3)  # past follow_parent
        parent.send_signal(how)
        parent.wait(10)
    finally:
        if parent.poll() is None:
            parent.kill()
    pid = _pids(out)[0]
    _until(lambda: not _alive(pid), seconds=10, what=f"the child outlived its parent ({how.name})")


def test_a_child_reads_the_settings_its_parent_runs_with() -> None:
    env = settings_environment(
        {"database_url": "sqlite:///x.db", "triage_enabled": False, "batch": 3, "map_tile_url": None},
        prefix="GRIDLOOP_",
        base={"GRIDLOOP_MAP_TILE_URL": "http://elsewhere", "PATH": "/bin"},
    )
    assert env == {"GRIDLOOP_DATABASE_URL": "sqlite:///x.db", "GRIDLOOP_TRIAGE_ENABLED": "false",
                   "GRIDLOOP_BATCH": "3", "PATH": "/bin"}  # fmt: skip


def test_children_of_lists_a_process_started_here_and_not_after_it_ended():
    kid = subprocess.Popen(["sleep", "30"])
    try:
        assert kid.pid in children_of(os.getpid())
    finally:
        kid.kill()
        kid.wait()
    assert kid.pid not in children_of(os.getpid())

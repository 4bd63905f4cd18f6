"""Worker processes end with the process that started them (service.app.signing.die_with_parent):
through PR_SET_PDEATHSIG on Linux and, everywhere, a watchdog thread. (The end-to-end case,
`kill -9` of `tessera serve`, is tests/cli/test_service_cli.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: A parent that starts a worker calling die_with_parent; ``PLATFORM`` stands in for
#: sys.platform in the worker, to run the portable watchdog without prctl.
PARENT = """
import subprocess, sys
worker = subprocess.Popen([sys.executable, "-c", '''
import os, sys, time
from service.app.signing import die_with_parent
real, sys.platform = sys.platform, {platform!r}
die_with_parent({{parent}})
sys.platform = real
print("ready", flush=True)
time.sleep(60)
'''.format(parent=__import__("os").getpid())], stdout=subprocess.PIPE, text=True)
print(worker.pid, worker.stdout.readline().strip(), flush=True)
import time; time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("platform", ["linux", "darwin"], ids=["prctl", "watchdog"])
def test_a_worker_ends_when_its_parent_is_killed(platform: str) -> None:
    if platform == "linux" and sys.platform != "linux":
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(platform=platform)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    try:
        pid, state = parent.stdout.readline().split()  # type: ignore[union-attr]
        worker = int(pid)
        assert state == "ready" and _alive(worker)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(worker):  # pragma: no cover - only when the test fails
        os.kill(worker, signal.SIGKILL)
        pytest.fail(f"the worker outlived its parent ({platform})")


def test_a_worker_whose_parent_already_died_ends_at_once() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service.app.signing import die_with_parent\n"
            "die_with_parent(1)  # not this process's parent: it died while we started\n"
            "print('still running')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "still running" not in done.stdout

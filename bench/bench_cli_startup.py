"""CPU time the ``tessera`` command spends per run (run by hand: ``python3 bench/bench_cli_startup.py``).

Each command runs ``--repeat`` times (default 10) as a real subprocess of the installed
console script; its CPU time (user + system) comes from ``resource.getrusage(RUSAGE_CHILDREN)``
before and after, so a busy machine slows the wall clock but hardly the figures. Prints the
median and the minimum per command: help screens, and a real ``tessera verify`` of a signed
credential (set up first in a scratch folder from the offline context bundle, ../shared or
TESSERA_SHARED_DIR). The target is well under 0.5 s of CPU to start.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TESSERA_SHARED_DIR") or ROOT.parent / "shared")
TESSERA = [str(Path(sys.executable).with_name("tessera"))]
if not Path(TESSERA[0]).exists():
    TESSERA = [sys.executable, "-c", "from cli.main import run; run()"]

UNSIGNED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Welding basics",
    "validFrom": "2025-03-01T00:00:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://vtc-hamburg.example/modules/weld-101",
            "type": ["Achievement"],
            "name": "Welding basics",
            "criteria": {"narrative": "Passed the practical assessment."},
        },
    },
}


def cpu_seconds(args: list[str], env: dict[str, str], cwd: Path, expect: int = 0) -> float:
    """CPU time (user + system) of one run of ``tessera ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([*TESSERA, *args], env=env, cwd=cwd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect:
        sys.exit(f"tessera {' '.join(args)} exited {done.returncode}:\n{done.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")},
            "TESSERA_DATA_DIR": str(work / "data"),
            "TESSERA_KEYS_DIR": str(work / "keys"),
        }
        cpu_seconds(["contexts", "install", "--from", str(SHARED / "contexts")], env, work)
        cpu_seconds(["keys", "generate", "bench", "--dev"], env, work)
        (work / "unsigned.json").write_text(json.dumps(UNSIGNED), encoding="utf-8")
        signed = subprocess.run(
            [*TESSERA, "sign", "unsigned.json", "--key", "bench"],
            env=env, cwd=work, capture_output=True, check=True,
        ).stdout  # fmt: skip
        (work / "signed.json").write_bytes(signed)

        commands = [
            ["--help"],
            ["verify", "--help"],
            ["verify", "signed.json", "--format", "text"],
        ]
        print(f"CPU seconds per run of tessera (user + system), {options.repeat} runs each")
        print(f"{'command':44} {'median':>8} {'min':>8}")
        for args in commands:
            times = [cpu_seconds(args, env, work) for _ in range(options.repeat)]
            label = "tessera " + " ".join(args)
            print(f"{label:44} {statistics.median(times):8.3f} {min(times):8.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cold-import benchmark: each service's app.py against the floor of boto3 + chalice + pydantic.

Each sample is a fresh interpreter timing its own imports; medians over N runs are printed.
The floor touches pydantic.BaseModel because `import pydantic` alone is lazy and no service can
use pydantic without loading it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
from pathlib import Path

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parents[2]
FLOOR = "import boto3, chalice, pydantic; pydantic.BaseModel"
TIMER = "import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"


def sample(stmt: str, cwd: Path, runs: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"}
    # Warm the bytecode and OS file caches once so every sample measures the same thing.
    subprocess.run([sys.executable, "-c", stmt], cwd=cwd, env=env, check=True, capture_output=True)  # nosec B603: fixed argv of our own programs, no shell
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", TIMER.format(stmt=stmt)], cwd=cwd, env=env,  # nosec B603: fixed argv of our own programs, no shell
                             check=True, capture_output=True, text=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    floor = statistics.median(sample(FLOOR, ROOT, args.runs))
    print(f"cold import, median of {args.runs} fresh interpreters (Python {sys.version.split()[0]})")
    print(f"{'what':<28}{'median ms':>10}{'ratio':>8}")
    print(f"{'floor: boto3+chalice+pydantic':<28}{floor * 1000:>10.1f}{1.0:>8.2f}")
    worst = 0.0
    for service in SERVICES:
        median = statistics.median(sample("import app", ROOT / "services" / service, args.runs))
        ratio = median / floor
        worst = max(worst, ratio)
        print(f"{service + ' app.py':<28}{median * 1000:>10.1f}{ratio:>8.2f}")
    print(f"worst ratio {worst:.2f} (target <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

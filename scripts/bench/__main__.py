#!/usr/bin/env python3
"""Runs every benchmark and prints its figures (nothing here passes or fails on a number).

AWS calls per user action (one process per service: two Chalice apps cannot share one),
cold import of each service, latency per API action and websocket delivery through the local
stack, local-stack start-up, and browsers in one meeting through the media plane. `--quick`
uses fewer samples. The one entry point (`make bench`, or `.venv/bin/python scripts/bench`); each
benchmark beside it also runs alone.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent


def run(title: str, script: Path, *args: str, service: str | None = None) -> int:
    print(f"\n=== {title} ===", flush=True)
    env = dict(os.environ)
    paths = [str(ROOT / "scripts" / "harness")] + ([str(ROOT / "services" / service)] if service else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env).returncode  # nosec B603: fixed argv of our own programs, no shell


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"benchmarks {date.today()} on {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    failures = 0
    for service in ("scheduling", "messaging", "calling"):
        failures += run(f"AWS calls per action: {service}", BENCH / f"aws_calls_{service}.py",
                        service=service) != 0
    failures += run("cold import", BENCH / "cold_import.py", "--runs", "7" if args.quick else "15") != 0
    failures += run("latency, websocket delivery, start-up", BENCH / "latency.py",
                    "--runs", "10" if args.quick else "30") != 0
    failures += run("cost per visit", BENCH / "cost_per_visit.py",
                    "--visits", "2" if args.quick else "5") != 0
    failures += run("load: concurrent visits, then faults", BENCH / "load_visits.py",
                    "--visits", "10" if args.quick else "50") != 0
    failures += run("media plane: browsers in one meeting", BENCH / "media.py",
                    "--participants", "2" if args.quick else "2,3", "--seconds", "5" if args.quick else "10") != 0
    if failures:
        print(f"\n{failures} benchmark(s) could not run", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

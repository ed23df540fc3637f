#!/usr/bin/env python3
"""Runs every test suite, each in its own Python process, and prints one pass/fail summary.

Two Chalice apps cannot be imported into one process (both are the top-level `app` and
`chalicelib`), so each service's suite runs with only that service on its path.
"""
from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404: developer tooling starting our own Python processes
import sys
import time
import xml.etree.ElementTree as ET  # nosec B405: parses only the JUnit XML our own pytest runs wrote
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from telehealth_local.layout import SERVICES

ROOT = Path(__file__).resolve().parent.parent
# Modules the tests and the benchmarks share (stack_fixture, users, media_browsers): top-level
# on the path, beside tests/ itself.
HARNESS = ROOT / "scripts" / "harness"
RESULTS = ROOT / "build" / "test-results"


@dataclass
class Suite:
    name: str
    path: Path
    pythonpath: list[Path]


@dataclass
class Outcome:
    suite: Suite
    returncode: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    log: Path | None = None


def discover(selected: list[str]) -> list[Suite]:
    suites = [Suite("shared", ROOT / "tests" / "shared", [])]
    suites += [Suite(s, ROOT / "tests" / "services" / s, [ROOT / "services" / s]) for s in SERVICES]
    suites += [Suite(n, ROOT / "tests" / n, []) for n in ("local", "infra", "deploy", "e2e", "fuzz", "browser", "console")]
    suites = [s for s in suites if s.path.is_dir()]
    if selected:
        suites = [s for s in suites if s.name in selected]
    return suites


def run(suite: Suite, pytest_args: list[str]) -> Outcome:
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"{suite.name}.xml"
    log = RESULTS / f"{suite.name}.log"
    junit.unlink(missing_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in suite.pythonpath + [ROOT / "tests", HARNESS])
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    cmd = [sys.executable, "-m", "pytest", str(suite.path), "-p", "no:cacheprovider",
           f"--junitxml={junit}", "-q", "-rfEs", *pytest_args]
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # nosec B603: fixed argv of our own programs, no shell
    outcome = Outcome(suite, proc.returncode, seconds=time.monotonic() - started, log=log)
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):  # nosec B314: our own pytest output
            if case.find("failure") is not None or case.find("error") is not None:
                outcome.failed += 1
            elif case.find("skipped") is not None:
                outcome.skipped += 1
            else:
                outcome.passed += 1
    if proc.returncode not in (0, 5) and outcome.failed == 0:
        outcome.failed = 1  # the suite broke before reporting (collection or fixture error)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suites", nargs="*", help="suite names (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--pytest", default="", help="extra pytest arguments")
    args = parser.parse_args()
    suites = discover(args.suites)
    if not suites:
        print("no test suites found", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda s: run(s, args.pytest.split()), suites))
    failed_suites = [o for o in outcomes if o.returncode not in (0, 5) or o.failed]
    for outcome in failed_suites:
        print(f"\n===== {outcome.suite.name}: failures (full log {outcome.log}) =====")
        print(outcome.log.read_text()[-12000:])
    print("\nsuite        passed  failed  skipped  seconds")
    for o in outcomes:
        print(f"{o.suite.name:<12} {o.passed:>6}  {o.failed:>6}  {o.skipped:>7}  {o.seconds:>7.1f}")
    passed = sum(o.passed for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed_suites or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

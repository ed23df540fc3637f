"""The runner behind `make run`: starts the endpoint and the four real services, every health
check answers, SIGTERM stops every process it started (Lambda workers included), and a taken
port stops it before anything starts. Also serve.py's settings precedence."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from stack_fixture import REPO_ROOT, free_ports, start_stack, wait_for
from telehealth_local.processes.stack import media_available
from telehealth_local.layout import SERVICES

pytestmark = pytest.mark.timeout(180)

FIXTURE_SERVICES = Path(__file__).parent / "fixtures" / "services"


def _descendants(pid: int) -> set[int]:
    """Every live process whose ancestry leads to `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may contain spaces; the parent pid follows the closing ")".
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier and child not in found}
        found |= children
        frontier = children
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    services = (REPO_ROOT / "services").resolve()
    env["PYTHONPATH"] = os.pathsep.join(p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                        if p and not Path(p).resolve().is_relative_to(services))
    return env


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list descendants")
def test_run_starts_everything_and_sigterm_leaves_no_process(tmp_path):
    endpoint_port, ws_port, media_port, console_port, *service_ports = free_ports(8)
    args = [sys.executable, "-m", "telehealth_local.processes.run", "--endpoint-port", str(endpoint_port),
            "--ws-port", str(ws_port), "--media-port", str(media_port),
            "--base-dir", str(tmp_path), "--log-dir", str(tmp_path / "logs"),
            "--console-port", str(console_port)]
    for service, port in zip(SERVICES, service_ports):
        args += [f"--{service}-port", str(port)]
    runner = subprocess.Popen(args, cwd=REPO_ROOT, env=_child_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        for line in runner.stdout:
            output.append(line)
            if "ready in" in line or "failed" in line or "cannot start" in line:
                break
        banner = "".join(output)
        assert "ready in" in banner, banner + "".join(
            (p.name + ":\n" + p.read_text()[-2000:]) for p in (tmp_path / "logs").glob("*.log"))
        # Read the URL list printed after the ready line.
        for line in runner.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        banner = "".join(output)
        for port in service_ports:
            assert f"http://127.0.0.1:{port}" in banner
        assert f"http://127.0.0.1:{endpoint_port}" in banner
        assert f"web console          http://127.0.0.1:{console_port}" in banner
        console = requests.get(f"http://127.0.0.1:{console_port}/config.json", timeout=5)
        assert console.json()["services"]["identity"] == f"http://127.0.0.1:{service_ports[0]}"
        assert "script-src 'self'" in console.headers["Content-Security-Policy"]

        assert requests.get(f"http://127.0.0.1:{endpoint_port}/_local/health", timeout=5).json() == {"status": "ok"}
        for service, port in zip(SERVICES, service_ports):
            health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
            assert health.status_code == 200
            assert health.json() == {"status": "ok", "service": service}
        assert (tmp_path / "outputs.json").is_file()
        if media_available():  # `make install` installs it; then `make run` starts it too
            assert f"http://127.0.0.1:{media_port}/meeting/" in banner
            assert requests.get(f"http://127.0.0.1:{media_port}/health", timeout=5).json()["status"] == "ok"

        # The endpoint prewarms the Lambda workers: they must go too.
        wait_for(lambda: requests.get(f"http://127.0.0.1:{endpoint_port}/_local/lambda/workers",
                                      timeout=5).json()["workers"].get("identity"), 30, 0.2, "a warm identity worker")
        processes = _descendants(runner.pid)
        assert len(processes) >= 1 + 4 + 1 + 1  # endpoint, services, console, at least one worker

        runner.send_signal(signal.SIGTERM)
        rest, _ = runner.communicate(timeout=30)
        assert runner.returncode == 0, "".join(output) + rest
        assert "stopped" in rest
        wait_for(lambda: not any(_alive(p) for p in processes), 10, 0.1, "every child to exit")
        for port in [endpoint_port, ws_port, media_port, console_port, *service_ports]:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("127.0.0.1", port))
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(10)


def test_a_taken_port_stops_the_runner_before_anything_starts(tmp_path):
    endpoint_port, ws_port, console_port, *service_ports = free_ports(7)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", service_ports[2]))
        taken.listen()
        args = [sys.executable, "-m", "telehealth_local.processes.run", "--endpoint-port", str(endpoint_port),
                "--ws-port", str(ws_port), "--base-dir", str(tmp_path), "--console-port", str(console_port)]
        for service, port in zip(SERVICES, service_ports):
            args += [f"--{service}-port", str(port)]
        result = subprocess.run(args, cwd=REPO_ROOT, env=_child_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {service_ports[2]}" in result.stderr and "messaging service" in result.stderr
    assert "already in use" in result.stderr
    assert not (tmp_path / "outputs.json").exists()


def test_served_services_get_the_stacks_settings_over_chalice_config():
    with start_stack(services=["identity"], services_root=FIXTURE_SERVICES, prewarm=False) as stack:
        assert requests.get(f"{stack.url('identity')}/health", timeout=5).json()["status"] == "ok"
        seen = requests.get(f"{stack.url('identity')}/settings", timeout=5).json()
        assert seen["TELEHEALTH_STAGE"] == "local"  # .chalice/config.json says "from-chalice-config"
        assert seen["FIXTURE_CHALICE_ONLY"] == "chalice"
        assert seen["TELEHEALTH_USER_POOL_ID"] == stack.settings["TELEHEALTH_USER_POOL_ID"]
        assert seen["AWS_ENDPOINT_URL"] == stack.endpoint_url
        pids = list(stack.pids().values())
    assert not [pid for pid in pids if _alive(pid)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_children_go_when_their_starter_is_killed(tmp_path):
    endpoint_port, ws_port = free_ports(2)
    script = (
        "import json, sys, time\n"
        "from telehealth_local.processes.stack import Stack\n"
        f"stack = Stack(services=[], endpoint_port={endpoint_port}, ws_port={ws_port}, base_dir={str(tmp_path)!r},"
        f" services_root={str(FIXTURE_SERVICES)!r}, log_dir={str(tmp_path / 'logs')!r})\n"
        "stack.start()\n"
        "print(json.dumps(list(stack.pids().values())), flush=True)\n"
        "time.sleep(120)\n"
    )
    starter = subprocess.Popen([sys.executable, "-c", script], cwd=REPO_ROOT, env=_child_env(),
                               stdout=subprocess.PIPE, text=True)
    try:
        line = starter.stdout.readline()
        assert line, "the stack did not start"
        pids = json.loads(line)
        wait_for(lambda: requests.get(f"http://127.0.0.1:{endpoint_port}/_local/lambda/workers",
                                      timeout=5).json()["workers"], 30, 0.2, "warm Lambda workers")
        pids += [p for group in requests.get(f"http://127.0.0.1:{endpoint_port}/_local/lambda/workers",
                                             timeout=5).json()["workers"].values() for p in group]
        starter.kill()  # no chance to clean up: the children must notice on their own
        starter.wait(10)
        wait_for(lambda: not any(_alive(p) for p in pids), 20, 0.1, "the orphaned children to exit")
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait(10)


def test_the_printed_summary_names_the_clinic_admin():
    """`make run` prints the local clinic admin's e-mail and password from the stack's outputs."""
    from types import SimpleNamespace

    from telehealth_local.processes.stack import describe

    stack = SimpleNamespace(endpoint_url="http://127.0.0.1:4566", sessions_url="ws://127.0.0.1:4567", media_url=None, console_url=None,
                            service_urls={"identity": "http://127.0.0.1:8001"}, outputs_path=Path("/x/outputs.json"),
                            outputs={"TELEHEALTH_LOCAL_ADMIN_EMAIL": "admin@clinic.example.com",
                                     "TELEHEALTH_LOCAL_ADMIN_PASSWORD": "Adm1n-0123456789abcdef!"})
    lines = describe(stack).splitlines()
    assert "  clinic admin         admin@clinic.example.com   password Adm1n-0123456789abcdef!" in lines

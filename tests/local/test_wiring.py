"""The composition root (telehealth_local.wiring): each build is a stack of its own, its parts connected to each other."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.test import Client

from telehealth_local.wiring import EndpointSettings, build_endpoint


@pytest.fixture
def build(tmp_path: Path):
    built = []

    def make(name: str):
        parts = build_endpoint(EndpointSettings(port=0, ws_port=0, outputs_path=tmp_path / name / "outputs.json",
                                                prewarm=False))
        built.append(parts)
        return parts

    yield make
    for parts in built:
        parts.invoker.close()


def _sms(parts) -> list[dict]:
    response = Client(parts.app).get("/_local/outbox/sms")
    assert response.status_code == 200
    return json.loads(response.get_data())["messages"]


def test_the_emulator_and_the_control_api_share_one_outbox_per_build(build):
    first, second = build("first"), build("second")
    assert first.emulator.outbox is first.outbox and first.emulator.hub is first.hub
    first.outbox.add_sms("+12025550181", "hello", "TRANSACTIONAL")
    assert [m["body"] for m in _sms(first)] == ["hello"]
    assert _sms(second) == []


def test_the_control_api_reports_start_up_through_the_shared_state(build):
    parts = build("state")
    client = Client(parts.app)
    assert client.get("/_local/health").status_code == 503
    assert client.get("/_local/outputs").status_code == 503
    parts.state.outputs = {"TELEHEALTH_STAGE": "local"}
    parts.state.ready.set()
    assert client.get("/_local/health").status_code == 200
    assert json.loads(client.get("/_local/outputs").get_data()) == {"TELEHEALTH_STAGE": "local"}


"""Business metrics: audit actions counted once, flushed as one CloudWatch EMF line per request."""
from __future__ import annotations

import json

from telehealth_shared import audit, metrics

from test_audit import Clients, FakeDynamo, Settings


def _emf_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_allowed_business_actions_become_metrics(capsys, monkeypatch):
    monkeypatch.setenv("TELEHEALTH_STAGE", "test")
    from telehealth_shared.config import get_settings

    get_settings.cache_clear()
    metrics.serving("scheduling")
    store = FakeDynamo()
    audit.audit(Clients(store), action="appointment.create", resource_type="appointment", resource_id="a1",
                actor_id="d1", actor_role="doctor", settings=Settings())
    audit.audit(Clients(store), action="appointment.cancel", resource_type="appointment", resource_id="a1",
                outcome="denied", actor_id="p9", actor_role="patient", settings=Settings())
    metrics.flush()
    metrics.flush()  # nothing left: no second line
    get_settings.cache_clear()
    (line,) = _emf_lines(capsys.readouterr().out)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Telehealth/test" and ["service"] in directive["Dimensions"]
    assert line["service"] == "scheduling"
    assert line["AuditEvents"] == [1.0, 1.0]
    assert line["AppointmentsBooked"] == [1.0]
    assert "AppointmentsCancelled" not in line  # a refused cancel is no cancellation

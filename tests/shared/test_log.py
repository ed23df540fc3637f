"""Structured logs: JSON lines with the request id, and PHI-named fields dropped."""
import json
import logging

from telehealth_shared.log import JsonFormatter, log_event, request_id_var


def test_json_log_line_drops_phi_fields_and_exception_messages():
    formatter = JsonFormatter("svc")
    logger = logging.getLogger("test.phi")
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Capture()
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    token = request_id_var.set("req-12345678")
    try:
        log_event(logger, "signed_up", user_id="u1", email="a@b.co", phone_number="+14155550100", name="Ada", content="hello")
        try:
            raise ValueError("+14155550100")
        except ValueError:
            logger.exception("failed")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    first = json.loads(records[0])
    assert first["event"] == "signed_up" and first["user_id"] == "u1" and first["request_id"] == "req-12345678"
    assert not {"email", "phone_number", "name", "content"} & set(first)
    assert "+14155550100" not in records[1] and json.loads(records[1])["exception"] == "ValueError"

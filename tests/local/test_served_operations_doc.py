"""docs/local-stack.md lists exactly the operations the emulator's handler tables serve."""
from pathlib import Path

from telehealth_local.emulator.served import markdown, served_operations

DOC = Path(__file__).resolve().parents[2] / "docs" / "local-stack.md"


def test_the_doc_lists_what_the_emulator_serves():
    assert markdown() in DOC.read_text(), (
        "docs/local-stack.md is stale: run `.venv/bin/python -m telehealth_local.emulator.served`")


def test_the_list_is_not_empty_and_names_the_sms_operations():
    served = served_operations()
    assert {"SendTextMessage", "PutOptedOutNumber", "CreateConfigurationSet"} <= set(served["pinpoint-sms-voice-v2"])
    assert "StartMeetingTranscription" not in served["chime-sdk-meetings"]

"""The real Chime SDK for JavaScript in headless Chromium joins our visits' meetings on the
local stack: browsers see and hear each other through the media plane, and what the API does
to a meeting (capabilities, removal, ending) happens to the media."""
from __future__ import annotations

from typing import Any

import pytest

from stack_fixture import wait_for

pytestmark = pytest.mark.timeout(240)

ALL = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}
WAITING = {"Audio": "None", "Video": "None", "Content": "None"}
MUTED = {"Audio": "Receive", "Video": "SendReceive", "Content": "SendReceive"}
JOIN_TIMEOUT = 60


def start_visit(api: Any, appointments: Any, people: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(doctor's join info, patient's join info, appointment id): booked, started, joined over HTTP."""
    appointment = appointments.book(people["doctor"], people["patient"])
    doctor = appointments.start_meeting(appointment, people["doctor"])
    patient = api.ok("calling", "POST", f"/appointments/{appointment['appointment_id']}/meeting/join", people["patient"])
    return doctor, patient, appointment["appointment_id"]


def attendee_id(info: dict[str, Any]) -> str:
    return info["attendee"]["AttendeeId"]


def set_capabilities(meetings: Any, info: dict[str, Any], capabilities: dict[str, str]) -> None:
    meetings.update_attendee_capabilities(MeetingId=info["meeting"]["MeetingId"], AttendeeId=attendee_id(info),
                                          Capabilities=capabilities)


def started(page: Any) -> dict[str, Any]:
    state = wait_for(lambda: (s := page.state())["status"] in ("started", "stopped") and s, JOIN_TIMEOUT,
                     0.25, f"{page.name}'s meeting session to start")
    assert state["status"] == "started", (state, page.log()[-20:])
    return state


def sees(page: Any, other: str, more_than: int = 0) -> int:
    """Wait until `page` renders more than `more_than` decoded frames of `other`'s camera."""
    return wait_for(lambda: (n := page.frames_from(other)) > more_than and n, JOIN_TIMEOUT, 0.25,
                    f"{page.name} to render frames of {other}")


def hears(page: Any, more_than: int) -> int:
    return wait_for(lambda: (n := page.stats()["audioPacketsReceived"]) > more_than and n, JOIN_TIMEOUT, 0.25,
                    f"{page.name} to receive audio packets")


def sent_audio(page: Any, more_than: int) -> int:
    return wait_for(lambda: (n := page.stats()["audioPacketsSent"]) > more_than and n, JOIN_TIMEOUT, 0.25,
                    f"{page.name} to send audio packets")


def stopped_with(page: Any, status: str) -> dict[str, Any]:
    state = wait_for(lambda: (s := page.state())["status"] == "stopped" and s, 30, 0.25, f"{page.name}'s session to stop")
    assert state["stopStatus"] == status
    return state


def test_two_browsers_see_and_hear_each_other_then_mute_and_removal_are_real(stack, api, appointments, people,
                                                                             meetings, browsers):
    doctor_info, patient_info, _ = start_visit(api, appointments, people)
    set_capabilities(meetings, patient_info, ALL)  # admitted (whatever the join gave)
    assert doctor_info["meeting"]["MediaPlacement"]["SignalingUrl"].startswith(f"ws://127.0.0.1:{stack.media_url.rsplit(':', 1)[1]}/control/")
    doctor = browsers.page("doctor", f"{stack.media_url}/meeting/")
    patient = browsers.page("patient", f"{stack.media_url}/meeting/")
    doctor.join(doctor_info)
    patient.join(patient_info)
    started(doctor)
    started(patient)

    # Each renders the other's camera with frames still coming, and receives the other's audio.
    first = sees(doctor, attendee_id(patient_info))
    sees(doctor, attendee_id(patient_info), more_than=first)
    first = sees(patient, attendee_id(doctor_info))
    sees(patient, attendee_id(doctor_info), more_than=first)
    hears(doctor, more_than=hears(doctor, 0))
    hears(patient, more_than=hears(patient, 0))
    assert set(doctor.state()["present"]) == {attendee_id(doctor_info), attendee_id(patient_info)}
    # Loopback only: every working ICE pair leads to 127.0.0.1.
    for page in (doctor, patient):
        addresses = page.stats()["remoteAddresses"]
        assert addresses and set(addresses) == {"127.0.0.1"}

    # Muted (audio Receive only): the doctor stops hearing the patient, who still hears the doctor.
    set_capabilities(meetings, patient_info, MUTED)
    wait_for(lambda: doctor.state()["muted"].get(attendee_id(patient_info)) is True, 20, 0.25,
             "the doctor to see the patient muted")
    before = doctor.stats()["audioPacketsReceived"]
    patient_heard = patient.stats()["audioPacketsReceived"]
    sent_audio(patient, patient.stats()["audioPacketsSent"] + 100)  # two more seconds of the patient talking
    hears(patient, more_than=patient_heard + 50)
    # Packets already on their way when the capability changed may still arrive; no more.
    assert doctor.stats()["audioPacketsReceived"] - before < 10
    sees(doctor, attendee_id(patient_info), more_than=doctor.frames_from(attendee_id(patient_info)))  # still seen

    # Removed (DeleteAttendee): the patient's SDK session stops with "removed"; the doctor's goes on.
    meetings.delete_attendee(MeetingId=patient_info["meeting"]["MeetingId"], AttendeeId=attendee_id(patient_info))
    stopped_with(patient, "AudioAttendeeRemoved")
    wait_for(lambda: attendee_id(patient_info) not in doctor.state()["present"], 20, 0.25,
             "the patient to leave the doctor's roster")
    assert doctor.state()["status"] == "started"


def test_a_waiting_patient_is_neither_seen_nor_heard_until_admitted_and_ending_stops_all(
        stack, api, appointments, people, meetings, browsers):
    doctor_info, patient_info, appointment_id = start_visit(api, appointments, people)
    set_capabilities(meetings, patient_info, WAITING)
    doctor = browsers.page("doctor", f"{stack.media_url}/meeting/")
    patient = browsers.page("patient", f"{stack.media_url}/meeting/")
    doctor.join(doctor_info)
    patient.join(patient_info)
    started(doctor)
    started(patient)

    # Both browsers send (camera and microphone) for a few seconds; nothing crosses.
    sent_audio(patient, 150)
    sent_audio(doctor, 150)
    wait_for(lambda: patient.stats()["videoFramesSent"] > 30 and doctor.stats()["videoFramesSent"] > 30, 30, 0.25,
             "both cameras to send")
    for page in (doctor, patient):
        state, stats = page.state(), page.stats()
        assert state["tiles"] == {}
        assert stats["audioPacketsReceived"] == 0
        assert all(v["framesDecoded"] == 0 for v in stats["video"])

    # Admitted: they see and hear each other.
    set_capabilities(meetings, patient_info, ALL)
    sees(doctor, attendee_id(patient_info))
    sees(patient, attendee_id(doctor_info))
    hears(doctor, 0)
    hears(patient, 0)

    # The doctor shares a screen: a separate "<AttendeeId>#content" attendee the patient renders.
    doctor.share_content()
    content = attendee_id(doctor_info) + "#content"
    sees(patient, content, more_than=sees(patient, content))
    # Its sharer shows its own stream locally (the SDK does that) and receives only the patient's camera.
    assert len([v for v in doctor.stats()["video"] if v["framesDecoded"] > 0]) == 1

    # The doctor ends the meeting through our API: every session stops with "meeting ended".
    api.ok("calling", "DELETE", f"/appointments/{appointment_id}/meeting", people["doctor"])
    stopped_with(doctor, "MeetingEnded")
    stopped_with(patient, "MeetingEnded")


def test_three_browsers_each_render_the_other_two_and_hear_audio(stack, api, appointments, people, meetings, browsers):
    doctor_info, patient_info, _ = start_visit(api, appointments, people)
    set_capabilities(meetings, patient_info, ALL)
    # The interpreter: a third attendee of the same meeting.
    interpreter = meetings.create_attendee(MeetingId=doctor_info["meeting"]["MeetingId"], ExternalUserId="interpreter-1")
    interpreter_info = {"meeting": doctor_info["meeting"], "attendee": interpreter["Attendee"]}
    infos = {"doctor": doctor_info, "patient": patient_info, "interpreter": interpreter_info}
    pages = {name: browsers.page(name, f"{stack.media_url}/meeting/") for name in infos}
    for name, page in pages.items():
        page.join(infos[name])
    for page in pages.values():
        started(page)
    for name, page in pages.items():
        for other, info in infos.items():
            if other != name:
                sees(page, attendee_id(info))
        hears(page, more_than=hears(page, 0))
        assert len(page.state()["present"]) == 3


def test_a_dialled_in_phone_attendee_appears_in_the_roster_and_leaves_it(stack, api, appointments, meetings, browsers):
    from e2e.scenario_support import unique_phone
    from users import make_user

    doctor_user = make_user(stack.settings, "doctor")
    patient_user = make_user(stack.settings, "patient", phone_number=unique_phone())
    appointment = appointments.book(doctor_user, patient_user)
    doctor_info = appointments.start_meeting(appointment, doctor_user)
    doctor = browsers.page("doctor", f"{stack.media_url}/meeting/")
    doctor.join(doctor_info)
    started(doctor)

    placed = api.ok("calling", "POST", f"/appointments/{appointment['appointment_id']}/phone-call", doctor_user,
                    expect=202)
    call = stack.wait_for_call(patient_user.phone_number)
    assert call["transaction_id"] == placed["transaction_id"]
    stack.answer(placed["transaction_id"]).raise_for_status()
    wait_for(lambda: stack.call(placed["transaction_id"])["spoken"], 20, 0.25, "the greeting")
    stack.digits(placed["transaction_id"], "1").raise_for_status()
    wait_for(lambda: stack.call(placed["transaction_id"])["status"] == "joined", 20, 0.25, "the phone to join")

    web = {attendee_id(doctor_info)}
    phone = wait_for(lambda: set(doctor.state()["present"]) - web, 20, 0.25, "the phone attendee in the roster")
    roster = {a["AttendeeId"] for a in meetings.list_attendees(MeetingId=doctor_info["meeting"]["MeetingId"])["Attendees"]}
    assert phone <= roster

    stack.hangup(placed["transaction_id"]).raise_for_status()
    wait_for(lambda: not (set(doctor.state()["present"]) - web), 20, 0.25, "the phone attendee to leave the roster")
    assert doctor.state()["status"] == "started"

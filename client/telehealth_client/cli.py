"""Command line: `telehealth demo` plays a whole visit against the local stack or a deployed stage."""
from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

import requests

from .client import LocalControl, ServiceUrls, TelehealthClient
from .errors import ApiError

INTERPRETER_PHONE = "+14155550103"
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(14)) + "!9aA"


class Demo:
    def __init__(self, urls: ServiceUrls, control: LocalControl | None, lead_seconds: int,
                 out: Callable[[str], None] = print, read_code: Callable[[str], str] | None = None,
                 admin: tuple[str, str] | None = None):
        self.urls = urls
        self.admin = admin
        self.control = control
        self.lead_seconds = lead_seconds
        self.out = out
        self.read_code = read_code or (lambda email: input(f"confirmation code sent to {email}: ").strip())
        self.step = 0

    def say(self, text: str) -> None:
        self.step += 1
        self.out(f"{self.step:>2}. {text}")

    def detail(self, text: str) -> None:
        self.out(f"      {text}")

    def _invitation(self, email: str, name: str, role: str) -> str:
        """Doctors exist only by invitation: the clinic admin invites, the code comes by e-mail."""
        admin_email, admin_password = self.admin or (self.control.admin_credentials() if self.control else
                                                     (input("clinic admin e-mail: ").strip(), input("password: ")))
        admin = TelehealthClient(self.urls)
        admin.sign_in(admin_email, admin_password)
        invitation = admin.invite(email, name, role)
        self.say(f"clinic admin invited {name} as {role} (invitation {invitation.invitation_id})")
        if self.control:
            return self.control.invitation_code(email)
        return input(f"invitation code e-mailed to {email}: ").strip()

    def _user(self, role: str, name: str, phone: str) -> tuple[TelehealthClient, str]:
        client = TelehealthClient(self.urls)
        email = f"demo-{role}-{secrets.token_hex(4)}@example.com"
        password = _password()
        code = self._invitation(email, name, role) if role != "patient" else None
        signed_up = client.sign_up(email, password, name, phone, role, invitation_code=code)
        code = self.control.confirmation_code(email) if self.control else self.read_code(email)
        client.confirm(email, code)
        client.sign_in(email, password)
        me = client.me()
        self.say(f"{role} {name} signed up, confirmed and signed in (user {signed_up.user_id})")
        self.detail(f"Chime identity: {me.app_instance_user_arn}")
        return client, me.user_id

    def run(self) -> int:
        # Only texts sent after this point belong to this run (the stack may have run demos before).
        sms_before = len(self.control.sms()) if self.control else 0
        doctor, _ = self._user("doctor", "Dr Ada Lovelace", "+14155550101")
        patient, patient_id = self._user("patient", "Bob Patient", "+14155550102")

        starts_at = datetime.now(timezone.utc) + timedelta(seconds=self.lead_seconds)
        appointment = doctor.create_appointment(patient_id, starts_at, 30, "Follow-up",
                                                idempotency_key=secrets.token_hex(8))
        self.say(f"doctor booked appointment {appointment.appointment_id} at {appointment.starts_at:%H:%M:%S}Z")
        listed = patient.appointments(status="scheduled")
        self.say(f"patient lists appointments: {len(listed.appointments)} scheduled, "
                 f"including this one: {any(a.appointment_id == appointment.appointment_id for a in listed.appointments)}")

        presence = patient.check_in(appointment.appointment_id)
        self.say(f"patient checked in: doctor={presence.doctor} patient={presence.patient}")

        doctor.send_message(appointment.appointment_id, "Hello Bob, how are you feeling today?")
        patient.send_message(appointment.appointment_id, "Much better, thank you, doctor!")
        history = patient.messages(appointment.appointment_id)
        self.say("chat both ways; the channel now holds:")
        for message in history.messages:
            self.detail(f"[{message.kind}] {message.sender.role}: {message.content}")

        started = doctor.start_meeting(appointment.appointment_id)
        joined = patient.join_meeting(appointment.appointment_id)
        self.say(f"doctor started meeting {started.meeting['MeetingId']}; patient joined as attendee "
                 f"{joined.attendee['AttendeeId']}")
        states = {a.role: a.state for a in doctor.attendees(appointment.appointment_id).attendees}
        self.detail(f"the patient is in the waiting room: {states.get('patient')}")
        admitted = doctor.admit(appointment.appointment_id)
        self.detail(f"doctor admitted {', '.join(a.role for a in admitted.attendees)}; visit status: "
                    f"{doctor.appointment(appointment.appointment_id).status}")
        if self.control:
            guest = doctor.invite_guest(appointment.appointment_id, "Ines Interpreter", "interpreter",
                                        phone_number=INTERPRETER_PHONE)
            code = self._wait(lambda: self._code(INTERPRETER_PHONE, sms_before), "the guest's code")
            interpreter = TelehealthClient(self.urls).guest_join(code)
            self.say(f"an interpreter (guest {guest.guest_id}) joined with the code texted to them, as attendee "
                     f"{interpreter.attendee['AttendeeId']}")
            waiting = [a for a in doctor.attendees(appointment.appointment_id).attendees if a.role == "guest"]
            self.detail(f"the interpreter waits: {waiting[0].state}")
            doctor.admit(appointment.appointment_id, interpreter.attendee["AttendeeId"])
            self.detail("doctor admitted the interpreter")

        call = doctor.phone_call(appointment.appointment_id)
        self.say(f"doctor dials the patient's phone (transaction {call.transaction_id})")
        if self.control:
            self.control.answer(call.transaction_id)
            spoken = self._wait(lambda: self._call(call.transaction_id)["spoken"], "the greeting")
            self.detail(f"the phone says: {spoken[-1]!r}")
            self.control.press(call.transaction_id, "1")
            status = self._wait(lambda: self._call(call.transaction_id)["status"] in ("joined", "in_meeting")
                                and self._call(call.transaction_id)["status"], "the phone to join")
            self.detail(f"patient pressed 1; call status: {status}")
            self.control.hang_up(call.transaction_id)
            self.detail("patient hung up")
            wait = max(0.0, (appointment.starts_at - datetime.now(timezone.utc)).total_seconds())
            self.say(f"waiting {wait:.0f}s for the appointment time: the doctor never checked in")
            reminder = self._wait(lambda: [m for m in self.control.sms()[sms_before:]
                                           if m["to"] == "+14155550101" and "Bob Patient" in m["body"]],
                                  "the reminder SMS", timeout=wait + 60)
            self.detail(f"SMS to the doctor: {reminder[-1]['body']!r}")
            patient_sms = [m for m in self.control.sms()[sms_before:] if m["to"] == "+14155550102"]
            self.detail(f"SMS to the patient who checked in: {len(patient_sms)}")
        completed = doctor.complete_appointment(appointment.appointment_id)
        self.say(f"doctor completed the visit: status={completed.status}")
        try:
            patient.meeting(appointment.appointment_id)
            self.detail("the meeting is still active")
        except ApiError as exc:
            self.detail(f"the meeting has ended ({exc.status})")
        self.out("demo finished")
        return 0

    def _code(self, to: str, after: int) -> str | None:
        assert self.control is not None  # nosec B101: only called on the local stack
        codes = [m["code"] for m in self.control.sms()[after:] if m["to"] == to and m.get("code")]
        return codes[-1] if codes else None

    def _call(self, transaction_id: str) -> dict:
        if self.control is None:
            raise RuntimeError("phone calls are simulated only on the local stack")
        return next(c for c in self.control.calls() if c["transaction_id"] == transaction_id)

    def _wait(self, probe: Callable[[], object], what: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.25)
        raise TimeoutError(f"timed out waiting for {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="telehealth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="play a whole visit")
    demo.add_argument("--identity", default="http://127.0.0.1:8001")
    demo.add_argument("--scheduling", default="http://127.0.0.1:8002")
    demo.add_argument("--messaging", default="http://127.0.0.1:8003")
    demo.add_argument("--calling", default="http://127.0.0.1:8004")
    demo.add_argument("--local-endpoint", default="http://127.0.0.1:4566",
                      help="the local stack's control API; 'none' for a deployed stage (codes are asked for)")
    demo.add_argument("--lead-seconds", type=int, default=20, help="how far ahead the appointment starts")
    args = parser.parse_args(argv)
    urls = ServiceUrls(args.identity, args.scheduling, args.messaging, args.calling)
    control = None if args.local_endpoint == "none" else LocalControl(args.local_endpoint)
    try:
        return Demo(urls, control, args.lead_seconds).run()
    except (ApiError, TimeoutError, LookupError) as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    except requests.ConnectionError:
        print("demo failed: a service is not reachable; is `make run` running?", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Opt-out lists of the emulated End User Messaging SMS: the lists, their numbers, and the STOP/START keywords phones text."""
from __future__ import annotations

from typing import Any

from ..core import not_emulated, paginate, utcnow
from ..core.tagging import tag_dict, tag_list
from .exceptions import ConflictException, ResourceNotFoundException, ValidationException
from .state import OptedOut, OptOutList, PhoneNumber, SmsState

# AWS's required opt-out keywords (docs: "Required opt-out keywords"); START and UNSTOP opt back in.
OPT_OUT_KEYWORDS = frozenset({"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD",
                              "UNSUBSCRIBE"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})


class OptOutOperations(SmsState):
    """Opt-out lists and opted-out numbers (the account's `Default` list always exists)."""

    def create_opt_out_list(self, OptOutListName: str, Tags: list[dict[str, str]] | None = None,
                            ClientToken: str | None = None) -> dict[str, Any]:
        with self._lock:
            if OptOutListName in self.opt_out_lists:
                raise ConflictException("The opt-out list already exists.", "RESOURCE_ALREADY_EXISTS",
                                        "opt-out-list", OptOutListName)
            created = OptOutList(OptOutListName, self._arn("opt-out-list", OptOutListName), tags=tag_dict(Tags),
                                 order=next(self._order))
            self.opt_out_lists[created.name] = created
            return {**created.to_dict(), "Tags": tag_list(created.tags)}

    def describe_opt_out_lists(self, OptOutListNames: list[str] | None = None, NextToken: str | None = None,
                               MaxResults: int | None = None, Owner: str | None = None) -> dict[str, Any]:
        if Owner not in (None, "SELF"):
            raise not_emulated("DescribeOptOutLists Owner SHARED")
        with self._lock:
            lists = self._chosen(self._opt_out_list, OptOutListNames, self.opt_out_lists)
            return self._page(lists, "OptOutLists", f"DescribeOptOutLists:{OptOutListNames}", MaxResults, NextToken)

    def delete_opt_out_list(self, OptOutListName: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            users = [n for n in self.phone_numbers.values() if n.opt_out_list_name == found.name]
            if users:
                raise ConflictException("The opt-out list is in use by an origination identity.",
                                        "RESOURCE_ALREADY_ASSOCIATED", "opt-out-list", found.name)
            del self.opt_out_lists[found.name]
            return found.to_dict()

    def put_opted_out_number(self, OptOutListName: str, OptedOutNumber: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entry = found.numbers.get(OptedOutNumber)
            if entry is None:
                entry = found.numbers[OptedOutNumber] = OptedOut(OptedOutNumber, utcnow(), by_end_user=False)
            return {"OptOutListArn": found.arn, "OptOutListName": found.name, **entry.to_dict()}

    def describe_opted_out_numbers(self, OptOutListName: str, OptedOutNumbers: list[str] | None = None,
                                   Filters: list[dict] | None = None, NextToken: str | None = None,
                                   MaxResults: int | None = None) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entries = sorted(found.numbers.values(), key=lambda e: e.number)
            if OptedOutNumbers:
                entries = [e for e in entries if e.number in set(OptedOutNumbers)]
            for item in Filters or ():
                if item["Name"] != "end-user-opted-out":
                    raise ValidationException("Unknown filter name.", "INVALID_FILTER_VALUES")
                wanted = {value.lower() for value in item["Values"]}
                if not wanted <= {"true", "false"}:
                    raise ValidationException("end-user-opted-out takes true or false.", "INVALID_FILTER_VALUES")
                entries = [e for e in entries if str(e.by_end_user).lower() in wanted]
            page, token = paginate(entries, key=lambda e: e.number, max_results=MaxResults, next_token=NextToken,
                                   scope=f"DescribeOptedOutNumbers:{found.name}:{OptedOutNumbers}:{Filters}")
            out: dict[str, Any] = {"OptOutListArn": found.arn, "OptOutListName": found.name,
                                   "OptedOutNumbers": [e.to_dict() for e in page]}
        if token:
            out["NextToken"] = token
        return out

    def delete_opted_out_number(self, OptOutListName: str, OptedOutNumber: str) -> dict[str, Any]:
        with self._lock:
            found = self._opt_out_list(OptOutListName)
            entry = found.numbers.get(OptedOutNumber)
            if entry is None:
                raise ResourceNotFoundException("opted-out-number", OptedOutNumber)
            if entry.by_end_user:
                # AWS keeps a number the recipient opted out themselves until they opt back in.
                raise ValidationException("The recipient opted out themselves and must opt back in.",
                                          "PHONE_NUMBER_CANNOT_BE_OPTED_IN")
            del found.numbers[OptedOutNumber]
            return {"OptOutListArn": found.arn, "OptOutListName": found.name, **entry.to_dict()}

    # --- texts received from phones (the control API) ---------------------------------------------

    def receive(self, number: PhoneNumber, sender: str, body: str) -> str:
        """Apply the opt-out/opt-in keyword a text from `sender` to `number` starts with; the action taken."""
        words = body.strip().split()
        keyword = words[0].upper() if words else ""
        with self._lock:
            if number.self_managed_opt_outs:
                return "none"
            opt_outs = self.opt_out_lists[number.opt_out_list_name].numbers
            if keyword in OPT_OUT_KEYWORDS:
                opt_outs[sender] = OptedOut(sender, utcnow(), by_end_user=True)
                return "opted_out"
            if keyword in OPT_IN_KEYWORDS and sender in opt_outs:
                del opt_outs[sender]
                return "opted_in"
        return "none"

"""The attribute checks Cognito makes on SignUp and UpdateUserAttributes (moto makes none)."""
from __future__ import annotations

import re
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPoolAttribute

from .responses import CognitoError

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def check_writable(client: Any, attributes: list[Any]) -> None:
    """Cognito refuses a client's write of any attribute outside its WriteAttributes; a
    client with none configured may write the standard attributes only."""
    allowed = set((client.extended_config or {}).get("WriteAttributes") or
                  CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)
    for attribute in attributes:
        name = attribute.get("Name") if isinstance(attribute, dict) else None
        if isinstance(name, str) and name not in allowed:
            raise CognitoError("NotAuthorizedException", "A client attempted to write unauthorized attribute")


def validate_attributes(pool: Any, attributes: list[Any]) -> None:
    """The schema checks Cognito makes on SignUp (moto makes none)."""
    given: dict[str, str] = {}
    for attribute in attributes:
        if isinstance(attribute, dict) and isinstance(attribute.get("Name"), str):
            given[attribute["Name"]] = str(attribute.get("Value", ""))
    known = set(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA) | set(pool.schema_attributes)
    for name in given:
        if name not in known:
            raise CognitoError("InvalidParameterException", "Attributes did not conform to the schema: "
                               f"Type for attribute {{{name}}} could not be determined")
    username_attributes = set((pool.extended_config or {}).get("UsernameAttributes") or [])
    problems = []
    for name, attribute in pool.schema_attributes.items():
        value = given.get(name)
        if value is None:
            if attribute.required and name not in username_attributes:
                problems.append(f"{name}: The attribute {name} is required")
            continue
        constraints = attribute.string_constraints or {}
        min_len, max_len = constraints.get("MinLength"), constraints.get("MaxLength")
        if max_len not in (None, "") and len(value) > int(max_len):
            problems.append(f"{name}: String must be no longer than {int(max_len)} characters")
        if min_len not in (None, "") and len(value) < int(min_len):
            problems.append(f"{name}: String must be no shorter than {int(min_len)} characters")
    if problems:
        raise CognitoError("InvalidParameterException",
                           "Attributes did not conform to the schema: " + ", ".join(problems))
    phone = given.get("phone_number")
    if phone is not None and not _E164.match(phone):
        raise CognitoError("InvalidParameterException", "Invalid phone number format.")

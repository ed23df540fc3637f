"""E.164 phone number validation with the phonenumbers library, imported only when used."""
from __future__ import annotations


def normalize_e164(value: str) -> str:
    # Imported here: phonenumbers loads sizeable metadata and most requests never need it.
    import phonenumbers

    raw = value.strip()
    if not raw.startswith("+"):
        raise ValueError("must be an E.164 phone number such as +14155550100")
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("must be an E.164 phone number such as +14155550100") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("is not a valid phone number")
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if formatted != raw:
        raise ValueError(f"must be in E.164 form ({formatted})")
    return formatted

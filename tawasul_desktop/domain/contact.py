"""Contact details: Saudi mobile numbers (to E.164) and e-mail addresses.

Mobile numbers are accepted in the writings seen at a counter (05…, 5…, 9665…, +9665…,
009665…, with spaces, dashes, brackets or Arabic-Indic digits) and checked against the real
Saudi numbering plan by ``phonenumbers``: only numbers of region SA and type MOBILE pass.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from tawasul_desktop.domain.digits import compact_number, is_ascii_digits
from tawasul_desktop.domain.messages import Problem

SAUDI_COUNTRY_CODE = "966"
_SAUDI_CODE = int(SAUDI_COUNTRY_CODE)
# Nothing longer is a phone number or an address; refusing early keeps hostile input cheap
# and bounds what the caches below can hold.
_MAX_MOBILE_CHARS = 40
_MAX_EMAIL_CHARS = 320


def _national_number(compact: str) -> str | None:
    """The Saudi national number of a compacted writing.

    A trunk 0 kept after the country code ("+966 050…", "9660 50…") may remain: phonenumbers
    drops it when parsing.
    """
    if compact.startswith("+"):
        rest = compact[1:]
        if not rest.startswith(SAUDI_COUNTRY_CODE):
            return None
        national = rest[3:]
    elif compact.startswith("00"):
        if not compact.startswith("00" + SAUDI_COUNTRY_CODE):
            return None
        national = compact[5:]
    elif compact.startswith(SAUDI_COUNTRY_CODE) and len(compact) in (12, 13):
        national = compact[3:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = compact
    return national if is_ascii_digits(national) else None


def _is_plain_national(national: str) -> bool:
    """Nine ASCII digits starting with 5: how nearly every mobile is written once compacted.
    For these ``phonenumbers.parse("+966" + national)`` gives country code 966 (neither 9
    nor 96 is one) and the national number as it is (no trunk 0 to drop, no leading zero to
    keep, a length within the plan's bounds), so it need not run (three quarters of the check)."""
    return len(national) == 9 and national[0] == "5" and is_ascii_digits(national)


@lru_cache(maxsize=8192)
def _saudi_mobile(national: str) -> str | None:
    if _is_plain_national(national):
        parsed = phonenumbers.PhoneNumber(country_code=_SAUDI_CODE, national_number=int(national))
    else:
        try:
            parsed = phonenumbers.parse("+" + SAUDI_COUNTRY_CODE + national, None)
        except phonenumbers.NumberParseException:
            return None
    # number_type() matches the number against the region's plan: MOBILE implies valid.
    if (
        phonenumbers.region_code_for_number(parsed) == "SA"
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    ):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalise_mobile(text: str, field: str) -> str | Problem:
    """A Saudi mobile number in E.164 ("+9665XXXXXXXX"), or mobile.required / mobile.invalid."""
    if not text or not text.strip():
        return Problem.of("mobile.required", field)
    if len(text) > _MAX_MOBILE_CHARS:
        return Problem.of("mobile.invalid", field)
    national = _national_number(compact_number(text))
    mobile = _saudi_mobile(national) if national is not None else None
    return mobile if mobile is not None else Problem.of("mobile.invalid", field)


def _memoise_domain_check() -> None:
    """Remember email_validator's check of an address's domain part (IDNA mapping, a Unicode
    table lookup per character: two thirds of validating an address), which is a pure
    function of the domain and two flags: the addresses of a backlog are many, their domains
    few. Only the module function validate_email calls is wrapped; what it returns is only
    read there (a copy is handed out all the same), and a refused domain raises every time,
    as lru_cache keeps no exceptions. Should a release of email_validator lay its module out
    otherwise, nothing is wrapped and every address is checked whole, as before."""
    module = sys.modules.get("email_validator.validate_email")
    check = getattr(module, "validate_email_domain_name", None)
    if module is None or not callable(check) or hasattr(check, "cache_info"):
        return
    remembered = lru_cache(maxsize=1024)(check)

    def domain_check(*args: Any, **kwargs: Any) -> Any:
        found = remembered(*args, **kwargs)
        return dict(found) if isinstance(found, dict) else found

    domain_check.cache_info = remembered.cache_info  # type: ignore[attr-defined]
    module.validate_email_domain_name = domain_check  # type: ignore[attr-defined]


_memoise_domain_check()


@lru_cache(maxsize=8192)
def _normalised_email(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except (EmailNotValidError, ValueError):
        # ValueError covers codec errors from unusual domain names, which are as invalid.
        return None


def check_email(text: str, field: str, required: bool) -> str | None | Problem:
    """The normalised address; None when blank and not required; else email.* Problem."""
    address = text.strip() if text else ""
    if not address:
        return Problem.of("email.required", field) if required else None
    if len(address) > _MAX_EMAIL_CHARS:
        return Problem.of("email.invalid", field)
    normalised = _normalised_email(address)
    return normalised if normalised is not None else Problem.of("email.invalid", field)

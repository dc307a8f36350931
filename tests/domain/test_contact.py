"""Saudi mobile numbers and e-mail addresses."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.contact import check_email, normalise_mobile
from tawasul_desktop.domain.messages import Problem

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def code(result: object) -> str:
    assert isinstance(result, Problem), result
    return result.code


@pytest.mark.parametrize(
    "written",
    [
        "0501234567",
        "501234567",
        "966501234567",
        "+966501234567",
        "00966501234567",
        "+966 50 123 4567",
        "050 123 4567",
        "050-123-4567",
        "(050) 123-4567",
        "050.123.4567",
        "(+966) 050-123-4567",  # trunk zero kept after the country code
        "9660501234567",
        "٠٥٠١٢٣٤٥٦٧",
        "+٩٦٦٥٠١٢٣٤٥٦٧",
        "۰۵۰ ۱۲۳ ۴۵۶۷",
        "\u200e+966 50 123 4567\u200e",
        " 0501234567 ",
    ],
)
def test_saudi_mobile_writings_become_e164(written: str) -> None:
    assert normalise_mobile(written, "applicant.mobile") == "+966501234567"


@pytest.mark.parametrize("prefix", ["50", "53", "54", "55", "56", "57", "58", "59"])
def test_saudi_mobile_ranges(prefix: str) -> None:
    assert normalise_mobile(f"0{prefix}1234567", "m") == f"+966{prefix}1234567"


@pytest.mark.parametrize(
    "written",
    [
        "0112345678",  # Riyadh landline
        "+966112345678",
        "0126543210",  # Jeddah landline
        "920000000",  # unified number
        "8001234567",  # toll free
        "+971501234567",  # UAE mobile
        "00201001234567",  # Egyptian mobile
        "+14155552671",  # US
        "050123456",  # one digit short
        "05012345678",  # one digit long
        "0501234567 ext 1",
        "mobile",
        "+",
        "0501234567" * 10,
        "０５０１２３４５６７",  # full-width digits are not taken as look-alikes
        "'; DROP TABLE x;--",
        "+966+501234567",
        "05\x001234567",
    ],
)
def test_other_numbers_are_refused(written: str) -> None:
    result = normalise_mobile(written, "applicant.mobile")
    assert code(result) == "mobile.invalid"
    assert isinstance(result, Problem) and result.field == "applicant.mobile"


@pytest.mark.parametrize("text", ["", "   "])
def test_missing_mobile(text: str) -> None:
    assert code(normalise_mobile(text, "m")) == "mobile.required"


@settings(max_examples=150, deadline=None)
@given(
    operator=st.sampled_from(["50", "53", "54", "55", "56", "58", "59"]),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    form=st.sampled_from(["0{n}", "{n}", "966{n}", "+966{n}", "00966{n}", "+966 0{n}"]),
    digits=st.sampled_from([None, ARABIC, PERSIAN]),
    separator=st.sampled_from(["", " ", "-", "."]),
)
def test_every_writing_of_a_mobile_gives_the_same_number(
    operator: str, rest: str, form: str, digits: dict[int, str] | None, separator: str
) -> None:
    national = operator + rest
    spaced = separator.join([national[:2], national[2:5], national[5:]])
    written = form.format(n=spaced)
    if digits is not None:
        written = written.translate(digits)
    assert normalise_mobile(written, "m") == "+966" + national


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_mobile_never_raises(text: str) -> None:
    result = normalise_mobile(text, "m")
    assert isinstance(result, Problem) or (result.startswith("+9665") and len(result) == 13)


def test_email_is_normalised() -> None:
    assert check_email("  Ahmad.Ali@Example.COM ", "applicant.email", True) == (
        "Ahmad.Ali@example.com"
    )


def test_blank_email_when_optional_is_none() -> None:
    assert check_email("  ", "beneficiary.email", False) is None


def test_blank_email_when_required() -> None:
    result = check_email("", "applicant.email", True)
    assert code(result) == "email.required"
    assert isinstance(result, Problem) and result.field == "applicant.email"


@pytest.mark.parametrize(
    "text",
    [
        "not-an-email",
        "a@b",
        "a@@example.com",
        "a@localhost",
        "a@example.test",
        "a\u202e@example.com",
        "a@exa\u200emple.com",
        "x@\ud800.com",
        "'; DROP TABLE x;--@example.com",
        "a" * 400 + "@example.com",
        "a b@example.com",
    ],
)
def test_invalid_email(text: str) -> None:
    assert code(check_email(text, "e", False)) == "email.invalid"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_email_never_raises(text: str) -> None:
    result = check_email(text, "e", True)
    assert isinstance(result, Problem | str)


DOMAINS = ["example.com", "Example.COM", "xn--mgbh0fb.example", "مثال.example", "exa_mple.com",
           "-bad.com", "example", "b..com", "x" * 300 + ".com", "sub.example.org"]


def test_a_remembered_domain_check_gives_what_checking_it_again_gives(monkeypatch):
    """Addresses share domains, so the domain's check is remembered: every address, first
    of its domain or not, valid or not, comes out as email_validator alone would have it."""
    import email_validator.syntax

    from tawasul_desktop.domain import contact

    module = sys.modules["email_validator.validate_email"]
    assert hasattr(module.validate_email_domain_name, "cache_info")  # it is remembered
    addresses = [f"{local}@{domain}" for domain in DOMAINS for local in ("ali", "Sara.K", "x")]

    def results() -> list[object]:
        contact._normalised_email.cache_clear()
        return [
            r if isinstance(r, str) else code(r)
            for r in (check_email(a, "applicant.email", required=True) for a in addresses * 2)
        ]

    remembered = results()
    with monkeypatch.context() as patch:
        patch.setattr(module, "validate_email_domain_name",
                      email_validator.syntax.validate_email_domain_name)
        alone = results()
    assert remembered == alone
    assert "email.invalid" in alone and "ali@example.com" in alone


def test_a_remembered_domain_check_hands_out_a_copy():
    module = sys.modules["email_validator.validate_email"]
    first = module.validate_email_domain_name("copy.example")
    first["domain"] = "changed.example"
    assert module.validate_email_domain_name("copy.example")["domain"] == "copy.example"


def _parsed_mobile(national: str) -> str | None:
    """The check as it was before the plain-writing shortcut: phonenumbers parses every
    writing. The reference the shortcut is held to."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse("+966" + national, None)
    except phonenumbers.NumberParseException:
        return None
    if (
        phonenumbers.region_code_for_number(parsed) == "SA"
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    ):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def test_plain_national_numbers_are_judged_as_parsing_them_judges() -> None:
    """Every four-digit start of a 9-digit number (the plan's mobile ranges go to the fourth
    digit, 579[0-8]) with the lowest, highest and a middle rest: the shortcut that skips
    parsing gives what parsing gives, valid or not, for 5… and for every other start."""
    from tawasul_desktop.domain import contact

    check = contact._saudi_mobile.__wrapped__  # not the cache: the shortcut itself
    seen = set()
    for start in range(10_000):
        for rest in ("00000", "49517", "99999"):
            national = f"{start:04d}{rest}"
            assert check(national) == _parsed_mobile(national), national
            seen.add(check(national) is not None)
    assert seen == {True, False}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩+ -()", max_size=16))
def test_any_writing_is_judged_as_parsing_every_writing_judged_it(text: str) -> None:
    from tawasul_desktop.domain import contact
    from tawasul_desktop.domain.digits import compact_number

    national = contact._national_number(compact_number(text)) if text.strip() else None
    expected = _parsed_mobile(national) if national is not None else None
    result = normalise_mobile(text, "m")
    assert (result if isinstance(result, str) else None) == expected


def _validated(address: str) -> str | None:
    """email_validator alone (no remembered domain check): the reference."""
    import email_validator.syntax
    from email_validator import EmailNotValidError, validate_email

    module = sys.modules["email_validator.validate_email"]
    remembered = module.validate_email_domain_name
    module.validate_email_domain_name = email_validator.syntax.validate_email_domain_name
    try:
        return validate_email(address, check_deliverability=False).normalized
    except (EmailNotValidError, ValueError):
        return None
    finally:
        module.validate_email_domain_name = remembered


PLAIN_ADDRESSES = [
    "ali@example.com", "Ali.Salem@Example.COM", "a+tag@mail.example.org", "a_b-c@sub.example.co.uk",
    "Postmaster@example.com", "ABUSE@example.com", "info@example.com", "Info.x@example.com",
    "a" * 64 + "@example.com", "a" * 65 + "@example.com", "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com", "a@" + ".".join(["abcdefghi"] * 25) + ".com",
    "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".com", "a@example.test", "a@example.local",
    "a@localhost.localdomain", "a@example.123", "a@1.2.3.4", "a@-x.com", "a@x-.com",
    "a@xn--mgbh0fb.example", "a@xn--bad.com", "a@xn--.com", "a@example.invalid",
    "a@example.onion", "a@EXAMPLE.com", "a@sub-.example.com", "a--b@example.com",
    "1@2.com", "a@b.c", "a@example.co", "a@x--y.com", "a@ab--cd.com", "-a@example.com",
    "a-@example.com", "+@example.com", "_@example.com", "a.b.c@example.com",
    "user@example.arpa", "user@in-addr.arpa",
]


@pytest.mark.parametrize("address", PLAIN_ADDRESSES)
def test_a_plain_address_is_judged_as_email_validator_judges_it(address: str) -> None:
    from tawasul_desktop.domain import contact

    contact._normalised_email.cache_clear()
    assert contact._normalised_email(address) == _validated(address)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9_+.\-]{1,70}@[A-Za-z0-9.\-]{1,80}", fullmatch=True)
       | st.text(alphabet="ab.@+-_\"<> Zé٣", max_size=30))
def test_any_address_is_judged_as_email_validator_judges_it(address: str) -> None:
    from tawasul_desktop.domain import contact

    contact._normalised_email.cache_clear()
    assert contact._normalised_email(address) == _validated(address)


def test_an_address_is_judged_whole_when_email_validator_is_laid_out_otherwise(monkeypatch):
    """No domain check where the memo looks for it: validate_email judges the address."""
    import types

    from tawasul_desktop.domain import contact

    expected = {a: _validated(a) for a in ("Ali@Example.COM", "postmaster@example.com",
                                           "a@example.test")}
    otherwise = {**sys.modules, "email_validator.validate_email": types.ModuleType("other")}
    monkeypatch.setattr(contact, "sys", types.SimpleNamespace(modules=otherwise))
    contact._normalised_email.cache_clear()
    try:
        assert {a: contact._normalised_email(a) for a in expected} == expected
    finally:
        contact._normalised_email.cache_clear()

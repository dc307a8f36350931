"""validate_request: every intake rule together, all problems at once."""

from __future__ import annotations

import dataclasses
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tawasul_desktop.domain.catalogue import Catalogue, Document, ExtraField, Service
from tawasul_desktop.domain.catalogue import default_catalogue as catalogue_default
from tawasul_desktop.domain.intake_types import (
    RELATIONS,
    AttachmentInput,
    PersonInput,
    RequestDraft,
    ValidRequest,
)
from tawasul_desktop.domain.messages import Problem, known_codes
from tawasul_desktop.domain.policy import default_policy
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.demo import _SAMPLE_PDF

# Hand-verified identity numbers (see test_identity.py for the arithmetic).
NATIONAL_ID = "1000000008"
NATIONAL_ID_2 = "1234567897"
IQAMA = "2000000006"
IQAMA_2 = "2234567895"
BORDER = "3123456789"

def _picture(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 200, 30)).save(buffer, kind)
    return buffer.getvalue()


# Real files: intake decodes every attachment whole (domain/file_checks.py).
PDF = _SAMPLE_PDF
JPEG = _picture("JPEG")
PNG = _picture("PNG")
DESCRIPTION = "My iqama renewal has been pending for three weeks without any reply"
INTAKE = default_policy().intake


def applicant(**changes: str) -> PersonInput:
    values = {
        "name": "Ahmad Ali Saleh",
        "id_number": IQAMA,
        "mobile": "0501234567",
        "email": "ahmad@example.com",
    }
    values.update(changes)
    return PersonInput(**values)


def iqama_renewal(**changes: object) -> RequestDraft:
    draft = RequestDraft(
        service="iqama_renewal",
        applicant=applicant(),
        relation="self",
        description=DESCRIPTION,
        fields={"iqama_expiry": "2026-05-01"},
        attachments=[
            AttachmentInput("iqama_copy", "iqama.pdf", PDF),
            AttachmentInput("passport_copy", "passport.jpg", JPEG),
        ],
    )
    return dataclasses.replace(draft, **changes)


def passport(**changes: object) -> RequestDraft:
    draft = RequestDraft(
        service="passport",
        applicant=applicant(id_number=NATIONAL_ID, name="محمد عبدالله"),
        relation="self",
        description=DESCRIPTION,
        fields={"passport_action": "renew"},
        attachments=[
            AttachmentInput("national_id_copy", "id.pdf", PDF),
            AttachmentInput("personal_photo", "photo.png", PNG),
        ],
    )
    return dataclasses.replace(draft, **changes)


def problems_of(draft: RequestDraft, **kwargs: object) -> list[tuple[str, str]]:
    result, problems = validate_request(draft, **kwargs)  # type: ignore[arg-type]
    assert result is None and problems
    return [(p.code, p.field) for p in problems]


def only_problem(draft: RequestDraft, **kwargs: object) -> Problem:
    result, problems = validate_request(draft, **kwargs)  # type: ignore[arg-type]
    assert result is None and len(problems) == 1, problems
    return problems[0]


# --- valid requests ----------------------------------------------------------------------


def test_valid_self_request() -> None:
    draft = iqama_renewal(
        applicant=applicant(name="  Ahmad   Ali ", mobile="٠٥٠ ١٢٣ ٤٥٦٧", email="A@Example.COM"),
        fields={"iqama_expiry": "٢٠٢٦-٠٥-٠١"},
        description=f"  {DESCRIPTION}  ",
    )
    result, problems = validate_request(draft)
    assert problems == []
    assert isinstance(result, ValidRequest)
    assert result.service == "iqama_renewal" and result.relation == "self"
    assert result.applicant.name == "Ahmad Ali"
    assert result.applicant.id_number == IQAMA and result.applicant.id_kind == "iqama"
    assert result.applicant.mobile == "+966501234567"
    assert result.applicant.email == "A@example.com"
    assert result.beneficiary == result.applicant
    assert result.description == DESCRIPTION
    assert result.fields == {"iqama_expiry": "2026-05-01"}
    assert [(a.document, a.name, a.media_type) for a in result.attachments] == [
        ("iqama_copy", "iqama.pdf", "application/pdf"),
        ("passport_copy", "passport.jpg", "image/jpeg"),
    ]


def test_valid_request_for_a_relative() -> None:
    draft = iqama_renewal(
        applicant=applicant(id_number=NATIONAL_ID),  # a citizen sponsor may apply
        relation="sponsored",
        beneficiary=PersonInput(name="Rahim Uddin Khan", id_number=IQAMA_2),
    )
    result, problems = validate_request(draft)
    assert problems == [] and result is not None
    assert result.applicant.id_kind == "national_id"
    assert result.beneficiary.id_number == IQAMA_2 and result.beneficiary.id_kind == "iqama"
    assert result.beneficiary.mobile == "" and result.beneficiary.email is None


def test_optional_fields_may_be_left_out() -> None:
    result, problems = validate_request(iqama_renewal(fields={"iqama_expiry": "  "}))
    assert problems == [] and result is not None and result.fields == {}


def test_several_files_for_one_document_and_a_hostile_file_name() -> None:
    draft = iqama_renewal(
        attachments=[
            AttachmentInput("iqama_copy", "../../etc/passwd", PDF),
            AttachmentInput("iqama_copy", "C:\\Windows\\back\u202efdp.png", PNG),
            AttachmentInput("passport_copy", "p.jpg", bytearray(JPEG)),  # type: ignore[arg-type]
        ]
    )
    result, problems = validate_request(draft)
    assert problems == [] and result is not None
    assert [a.name for a in result.attachments] == ["passwd", "backfdp.png", "p.jpg"]
    assert result.attachments[2].content == JPEG


def test_email_optional_when_policy_says_so() -> None:
    lenient = dataclasses.replace(INTAKE, require_email=False)
    draft = iqama_renewal(applicant=applicant(email=""))
    assert problems_of(draft) == [("email.required", "applicant.email")]
    result, problems = validate_request(draft, policy=lenient)
    assert problems == [] and result is not None and result.applicant.email is None


def test_whole_policy_is_accepted() -> None:
    policy = default_policy()
    stricter = policy.with_overrides({"intake": {"description_min_words": 50}})
    result, _ = validate_request(iqama_renewal(), policy=policy)
    assert result is not None
    assert problems_of(iqama_renewal(), policy=stricter) == [
        ("description.too_short", "description")
    ]


def test_custom_catalogue() -> None:
    service = Service(
        code="custom",
        name_ar="خدمة",
        name_en="Custom",
        identity_kinds=("border",),
        conditions_ar="شروط",
        conditions_en="Conditions",
        documents=(Document("visa_copy", "صورة التأشيرة", "Visa copy"),),
        fields=(ExtraField("visa_number", "رقم التأشيرة", "Visa number", "text", True),),
    )
    draft = RequestDraft(
        service="custom",
        applicant=applicant(id_number=BORDER),
        description=DESCRIPTION,
        fields={"visa_number": "V-1"},
        attachments=[AttachmentInput("visa_copy", "v.pdf", PDF)],
    )
    result, problems = validate_request(draft, catalogue=Catalogue((service,)))
    assert problems == [] and result is not None and result.service == "custom"
    assert problems_of(draft) == [("service.unknown", "service")]


# --- service and relation -------------------------------------------------------------


@pytest.mark.parametrize("service", ["", "   "])
def test_service_required(service: str) -> None:
    assert only_problem(iqama_renewal(service=service)).code == "service.required"


def test_unknown_service_is_quoted_safely() -> None:
    problem = only_problem(iqama_renewal(service="'; DROP TABLE x;--\u202e" + "x" * 500))
    assert (problem.code, problem.field) == ("service.unknown", "service")
    assert "\u202e" not in problem.message_en and len(problem.params["value"]) <= 60


@pytest.mark.parametrize("relation", ["", "friend", "SELF", "../self"])
def test_unknown_relation(relation: str) -> None:
    assert problems_of(iqama_renewal(relation=relation)) == [("relation.invalid", "relation")]


@pytest.mark.parametrize("relation", [r for r in RELATIONS if r != "self"])
def test_beneficiary_required_unless_self(relation: str) -> None:
    expected = [("beneficiary.required", "beneficiary")]
    assert problems_of(iqama_renewal(relation=relation)) == expected
    assert problems_of(iqama_renewal(relation=relation, beneficiary=PersonInput())) == expected
    blank = PersonInput(name="  ", id_number=" ")
    assert problems_of(iqama_renewal(relation=relation, beneficiary=blank)) == expected


def test_self_with_the_same_person_repeated_is_accepted() -> None:
    repeated = PersonInput(name="Someone Else", id_number="٢٠٠٠٠٠٠٠٠٦")
    result, problems = validate_request(iqama_renewal(beneficiary=repeated))
    assert problems == [] and result is not None
    assert result.beneficiary == result.applicant


def test_self_with_another_person_is_refused() -> None:
    other = PersonInput(name="Someone Else", id_number=IQAMA_2)
    assert problems_of(iqama_renewal(beneficiary=other)) == [("relation.invalid", "relation")]


def test_relative_who_is_the_applicant() -> None:
    same = PersonInput(name="Ahmad Ali Saleh", id_number=IQAMA)
    draft = iqama_renewal(relation="spouse", beneficiary=same)
    assert problems_of(draft) == [("beneficiary.same_as_applicant", "relation")]


def test_beneficiary_is_validated_like_the_applicant() -> None:
    bad = PersonInput(name="X", id_number="2000000007", mobile="0112345678", email="nope")
    draft = iqama_renewal(relation="child", beneficiary=bad)
    assert problems_of(draft) == [
        ("name.too_short", "beneficiary.name"),
        ("id.checksum", "beneficiary.id_number"),
        ("mobile.invalid", "beneficiary.mobile"),
        ("email.invalid", "beneficiary.email"),
    ]


def test_beneficiary_contact_details_are_kept_when_given() -> None:
    person = PersonInput("Rahim Uddin Khan", IQAMA_2, "+966 55 123 4567", "r@example.org")
    result, problems = validate_request(iqama_renewal(relation="sibling", beneficiary=person))
    assert problems == [] and result is not None
    assert result.beneficiary.mobile == "+966551234567"
    assert result.beneficiary.email == "r@example.org"


# --- identity kinds ---------------------------------------------------------------------


def test_service_refuses_the_applicants_identity_kind_when_self() -> None:
    problem = only_problem(passport(applicant=applicant(id_number=IQAMA)))
    assert (problem.code, problem.field) == ("id.kind_not_allowed", "applicant.id_number")
    assert problem.params == {
        "kind_ar": "إقامة",
        "kind_en": "iqama",
        "allowed_ar": "هوية وطنية",
        "allowed_en": "national ID",
    }


def test_service_refuses_the_beneficiarys_identity_kind() -> None:
    draft = iqama_renewal(
        relation="parent", beneficiary=PersonInput(name="Umm Ahmad", id_number=NATIONAL_ID_2)
    )
    problem = only_problem(draft)
    assert (problem.code, problem.field) == ("id.kind_not_allowed", "beneficiary.id_number")
    assert problem.params["kind_en"] == "national ID"


def test_allowed_kinds_are_listed_in_both_languages() -> None:
    draft = passport(service="absent_person_update", fields={"field_to_correct": "Birth date"})
    draft.attachments = [
        AttachmentInput("identity_copy", "a.pdf", PDF),
        AttachmentInput("proof_document", "b.pdf", PDF),
    ]
    problem = only_problem(draft)
    assert problem.params["allowed_ar"] == "إقامة، رقم حدود"
    assert problem.params["allowed_en"] == "iqama, border number"


@pytest.mark.parametrize("number", [BORDER, "4000000001"])
def test_border_numbers_for_family_visit(number: str) -> None:
    draft = RequestDraft(
        service="family_visit_extension",
        applicant=applicant(id_number=NATIONAL_ID),
        relation="parent",
        beneficiary=PersonInput(name="Visiting Mother", id_number=number),
        description=DESCRIPTION,
        fields={"visa_number": "6012345678"},
        attachments=[
            AttachmentInput(doc, f"{doc}.pdf", PDF)
            for doc in ("passport_copy", "visa_copy", "medical_insurance")
        ],
    )
    result, problems = validate_request(draft)
    assert problems == [] and result is not None and result.beneficiary.id_kind == "border"


# --- extra fields -------------------------------------------------------------------------


def test_field_problems() -> None:
    draft = passport(fields={"passport_action": "cancel", "../../etc/passwd": "x"})
    assert problems_of(draft) == [
        ("field.invalid_choice", "fields.passport_action"),
        ("field.unknown", "fields.../../etc/passwd"),
    ]
    assert problems_of(passport(fields={})) == [("field.required", "fields.passport_action")]
    assert problems_of(iqama_renewal(fields={"iqama_expiry": "1447-10-01"})) == [
        ("field.invalid_date", "fields.iqama_expiry")
    ]


def test_field_of_another_service_is_unknown() -> None:
    problem = only_problem(passport(fields={"passport_action": "issue", "visa_number": "1"}))
    assert (problem.code, problem.field, problem.params["value"]) == (
        "field.unknown",
        "fields.visa_number",
        "visa_number",
    )


def test_choice_field_value_is_kept() -> None:
    result, _ = validate_request(passport(fields={"passport_action": " extend "}))
    assert result is not None and result.fields == {"passport_action": "extend"}


# --- attachments -----------------------------------------------------------------------


def test_missing_documents_are_each_reported() -> None:
    result, problems = validate_request(iqama_renewal(attachments=[]))
    assert result is None
    assert [(p.code, p.field, p.document) for p in problems] == [
        ("attachment.missing_document", "attachments", "iqama_copy"),
        ("attachment.missing_document", "attachments", "passport_copy"),
    ]
    assert problems[0].params == {"label_ar": "صورة الإقامة", "label_en": "Copy of the iqama"}


def test_each_attachment_problem_names_its_index() -> None:
    draft = iqama_renewal(
        attachments=[
            AttachmentInput("iqama_copy", "a.pdf", PDF),
            AttachmentInput("passport_copy", "p.jpg", JPEG),
            AttachmentInput("national_id_copy", "x.pdf", PDF),
            AttachmentInput("iqama_copy", "gone.pdf", None, read_error="No such file"),
            AttachmentInput("iqama_copy", "empty.pdf", b""),
            AttachmentInput("passport_copy", "doc.docx", b"PK\x03\x04zip"),
        ]
    )
    result, problems = validate_request(draft)
    assert result is None
    assert [(p.code, p.field, p.document) for p in problems] == [
        ("attachment.unknown_document", "attachments[2]", "national_id_copy"),
        ("attachment.unreadable", "attachments[3]", "iqama_copy"),
        ("attachment.empty", "attachments[4]", "iqama_copy"),
        ("attachment.bad_type", "attachments[5]", "passport_copy"),
    ]
    assert problems[1].params == {"name": "gone.pdf"}


def test_file_and_request_size_limits() -> None:
    small = dataclasses.replace(INTAKE, max_file_mb=0.001, max_request_mb=0.0019)  # 1048 / 1992 B
    big = PDF + b"\0" * (small.max_file_bytes - len(PDF) + 1)
    at_limit = big[:-1]
    draft = iqama_renewal(
        attachments=[
            AttachmentInput("iqama_copy", "big.pdf", big),
            AttachmentInput("passport_copy", "ok.pdf", at_limit),
        ]
    )
    assert problems_of(draft, policy=small) == [
        ("attachment.too_large", "attachments[0]"),
        ("attachment.request_too_large", "attachments"),
    ]
    _, problems = validate_request(draft, policy=small)
    assert problems[0].params == {"name": "big.pdf", "max_mb": "0.001"}
    assert problems[1].params == {"max_mb": "0.0019"}
    draft.attachments[0] = AttachmentInput("iqama_copy", "ok.pdf", at_limit)
    result, problems = validate_request(draft, policy=dataclasses.replace(small, max_request_mb=1))
    assert problems == [] and result is not None


def test_default_limits_are_shown_in_whole_megabytes() -> None:
    huge = PDF + b"\0" * INTAKE.max_file_bytes
    draft = iqama_renewal(attachments=[AttachmentInput("iqama_copy", "scan.pdf", huge)] * 4)
    _, problems = validate_request(draft)
    too_large = [p for p in problems if p.code == "attachment.too_large"]
    assert len(too_large) == 4 and too_large[0].params["max_mb"] == "10"
    # Read as shown: the number is isolated (domain.bidi) inside the sentence.
    assert "10 MB" in too_large[0].message_en.replace("\u2066", "").replace("\u2069", "")
    total = [p for p in problems if p.code == "attachment.request_too_large"]
    assert len(total) == 1 and total[0].params["max_mb"] == "30"


# --- everything at once ------------------------------------------------------------------


def test_all_problems_are_reported_at_once() -> None:
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput(name="Ahmad1", id_number="5000000000", mobile="+14155552671"),
        relation="child",
        beneficiary=PersonInput(name="Rahim Khan", id_number=IQAMA_2, email="x@"),
        description="too short",
        fields={"passport_action": "", "colour": "red"},
        attachments=[
            AttachmentInput("personal_photo", "p.gif", b"GIF89a"),
            AttachmentInput("resume", "cv.pdf", PDF),
        ],
    )
    assert problems_of(draft) == [
        ("name.invalid", "applicant.name"),
        ("id.prefix", "applicant.id_number"),
        ("mobile.invalid", "applicant.mobile"),
        ("email.required", "applicant.email"),
        ("email.invalid", "beneficiary.email"),
        ("id.kind_not_allowed", "beneficiary.id_number"),
        ("description.too_short", "description"),
        ("field.required", "fields.passport_action"),
        ("field.unknown", "fields.colour"),
        ("attachment.bad_type", "attachments[0]"),
        ("attachment.unknown_document", "attachments[1]"),
        ("attachment.missing_document", "attachments"),
    ]


def test_unknown_service_still_checks_everything_else() -> None:
    draft = iqama_renewal(
        service="visa",
        applicant=applicant(mobile="0112345678"),
        description="",
        attachments=[AttachmentInput("anything", "a.exe", b"MZ")],
    )
    assert problems_of(draft) == [
        ("service.unknown", "service"),
        ("mobile.invalid", "applicant.mobile"),
        ("description.required", "description"),
        ("attachment.bad_type", "attachments[0]"),
    ]


def test_empty_draft() -> None:
    assert problems_of(RequestDraft()) == [
        ("service.required", "service"),
        ("name.required", "applicant.name"),
        ("id.required", "applicant.id_number"),
        ("mobile.required", "applicant.mobile"),
        ("email.required", "applicant.email"),
        ("description.required", "description"),
    ]


# --- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "'; DROP TABLE x;--",
    "Robert'); DELETE FROM requests;--",
    "../../etc/passwd",
    "C:\\Windows\\x",
    "\\\\server\\share\\a.pdf",
    "\u202eevil\u202c",
    "\u2066\u2067\u2068\u2069",
    "\u200e\u200f\u061c",
    "\x00\x01\x1b[31m\x7f\x85",
    "\ud800\udfff",
    "\ufeff",
    "١٢٣٤٥٦٧٨٩٠",
    "۱۲۳۴",
    "１２３４５６７８９０",
    "𝟏𝟐𝟑",
    "߁߂߃",  # NKo digits
    "½²³",
    "ﷺ ﷽",
    "<script>alert(1)</script>",
    "%s%n{0}{value}",
    "\r\n\r\n",
    "NaN",
    "None",
    NATIONAL_ID,
    IQAMA,
    BORDER,
    "0501234567",
    "+966501234567",
    "a@example.com",
    "2026-01-01",
    DESCRIPTION,
    "Ahmad Ali",
]
HUGE = ["A" * 200_000, "٥" * 100_000, "\u202e" * 50_000, "a " * 100_000, "\x00" * 50_000]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HUGE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Cs", "Nd", "Zs", "Lo")), max_size=30),
)
service_codes = st.one_of(st.sampled_from(catalogue_default().codes()), hostile_text)
document_codes = st.one_of(
    st.sampled_from(sorted({d.code for s in catalogue_default() for d in s.documents})),
    hostile_text,
)
field_codes = st.one_of(
    st.sampled_from(sorted({f.code for s in catalogue_default() for f in s.fields})),
    hostile_text,
)
contents = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.sampled_from([b"", PDF, JPEG, PNG, b"%PDF", b"GIF89a"]),
    st.binary(max_size=20).map(lambda tail: PDF + tail),
)
persons = st.builds(PersonInput, hostile_text, hostile_text, hostile_text, hostile_text)
drafts = st.builds(
    RequestDraft,
    service=service_codes,
    applicant=persons,
    beneficiary=st.one_of(st.none(), persons),
    relation=st.one_of(st.sampled_from(RELATIONS), hostile_text),
    description=hostile_text,
    fields=st.dictionaries(field_codes, hostile_text, max_size=4),
    attachments=st.lists(
        st.builds(AttachmentInput, document_codes, hostile_text, contents), max_size=4
    ),
)
KNOWN_CODES = known_codes()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts)
def test_hostile_drafts_yield_problems_never_exceptions(draft: RequestDraft) -> None:
    result, problems = validate_request(draft)
    if result is None:
        assert problems, "a refused draft must say why"
        for problem in problems:
            assert isinstance(problem, Problem)
            assert problem.code in KNOWN_CODES
            assert problem.message_ar and problem.message_en
            assert len(problem.field) < 200
            assert len(problem.message_en) < 1000
            for text in (problem.message_ar, problem.message_en):
                assert not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\x00")
    else:
        assert isinstance(result, ValidRequest) and problems == []
        assert result.applicant.mobile.startswith("+9665")


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(["Ahmad Ali", "محمد بن عبدالله", "Fatimah Al-Harbi"]),
    mobile=st.sampled_from(["0501234567", "+966 55 123 4567", "٠٥٦١٢٣٤٥٦٧", "00966591234567"]),
    body=st.text(alphabet="0123456789", min_size=8, max_size=8),
    expiry=st.dates().map(lambda d: d.isoformat()).filter(lambda s: "1900" <= s[:4] <= "2100"),
)
def test_generated_valid_drafts_pass(name: str, mobile: str, body: str, expiry: str) -> None:
    from tawasul_desktop.domain.identity import make_identity

    draft = iqama_renewal(
        applicant=applicant(name=name, mobile=mobile, id_number=make_identity("2", body)),
        fields={"iqama_expiry": expiry},
    )
    result, problems = validate_request(draft)
    assert problems == [] and result is not None
    assert result.fields == {"iqama_expiry": expiry}

"""Attachments judged by decoding all of them (domain/file_checks.py): crafted bombs and
polyglots are refused with a clear problem, real files pass, and any bytes at all give a
verdict, never an exception."""

from __future__ import annotations

import crafted
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul_desktop.domain.file_checks import ContentLimits, VerdictMemo, inspect_content
from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request

DESCRIPTION = "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات"


@pytest.mark.parametrize(
    ("make", "media"),
    [
        (crafted.pdf, "application/pdf"),
        (lambda: crafted.pdf(50), "application/pdf"),
        (lambda: crafted.pdf(1, "0 0 2384 3370"), "application/pdf"),  # A0
        (lambda: crafted.image("JPEG"), "image/jpeg"),
        (lambda: crafted.image("PNG"), "image/png"),
        (lambda: crafted.image("JPEG") + b"\x00" * 16, "image/jpeg"),  # padding after EOI
        (lambda: crafted.image("JPEG") + crafted.image("JPEG"), "image/jpeg"),  # MPF-style
    ],
)
def test_real_files_pass(make, media):
    verdict = inspect_content(make())
    assert verdict.ok and verdict.media_type == media


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (crafted.pdf_bomb, "attachment.page_too_large"),
        (lambda: crafted.pdf(1000), "attachment.too_many_pages"),
        (lambda: b"%PDF-1.7\nbody\n%%EOF\n", "attachment.not_decodable"),
        (lambda: crafted.pdf(0), "attachment.not_decodable"),
        (crafted.pdf_html_polyglot, "attachment.mixed_content"),
        (crafted.pdf_with_html_inside, "attachment.mixed_content"),
        (crafted.elf_behind_jpeg_header, "attachment.not_decodable"),
        (crafted.jpeg_then_elf, "attachment.mixed_content"),
        (crafted.png_then_zip, "attachment.mixed_content"),
        (crafted.truncated_png, "attachment.not_decodable"),
        (lambda: crafted.png_bomb(12_000, 12_000), "attachment.image_too_large"),
        (lambda: b"GIF89a" + b"\x00" * 40, "attachment.bad_type"),
    ],
)
def test_hostile_files_are_refused(make, problem):
    verdict = inspect_content(make())
    assert verdict.media_type is None
    assert verdict.problem == problem


def test_limits_come_from_the_policy():
    assert inspect_content(crafted.pdf(3), ContentLimits(pdf_max_pages=2)).problem == (
        "attachment.too_many_pages")
    assert inspect_content(crafted.image("PNG", (50, 50)),
                           ContentLimits(image_max_pixels=2000)).problem == (
        "attachment.image_too_large")


def test_validation_names_the_file_and_the_reason():
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput(name="أحمد محمد القحطاني", id_number="1000000008",
                              mobile="0501234567", email="a@example.com"),
        description=DESCRIPTION,
        fields={"passport_action": "renew"},
        attachments=[
            AttachmentInput("national_id_copy", "bomb.pdf", crafted.pdf_bomb()),
            AttachmentInput("personal_photo", "photo.jpg", crafted.elf_behind_jpeg_header()),
        ],
    )
    valid, problems = validate_request(draft)
    assert valid is None
    by_code = {p.code: p for p in problems}
    assert "bomb.pdf" in by_code["attachment.page_too_large"].message_en
    assert "photo.jpg" in by_code["attachment.not_decodable"].message_ar


REAL = [crafted.pdf(), crafted.image("JPEG"), crafted.image("PNG")]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(REAL),
    cut=st.integers(min_value=0, max_value=4000),
    insert=st.binary(max_size=64),
    tail=st.binary(max_size=64),
)
def test_any_mangling_gives_a_verdict(base, cut, insert, tail):
    """Truncated, spliced and extended real files: a verdict, never an exception; a file
    accepted as a type still starts with that type's signature."""
    cut = min(cut, len(base))
    content = base[:cut] + insert + base[cut:] + tail
    verdict = inspect_content(content)
    assert verdict.ok == (verdict.media_type is not None)
    if verdict.ok:
        assert verdict.media_type in ("application/pdf", "image/jpeg", "image/png")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(prefix=st.sampled_from([b"%PDF-1.7\n", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b""]),
       body=st.binary(max_size=512))
def test_random_bytes_behind_a_signature_are_refused(prefix, body):
    verdict = inspect_content(prefix + body)
    assert not verdict.ok and verdict.problem


@pytest.mark.parametrize("marker", [b"<svg", b"<body", b"<html"])
def test_markup_bytes_inside_stream_data_do_not_refuse_a_real_document(marker):
    """Compressed stream data is random bytes: a short marker turns up in it by chance (about
    once in a thousand 3 MB scans). The document is a PDF all the same."""
    from tawasul_desktop.storage.demo import _SAMPLE_PDF

    data = b"\x8f\x02" + marker.upper() + b"\x00\x9c" * 100
    pdf = _SAMPLE_PDF.replace(b"trailer", b"4 0 obj<</Length %d>>stream\n" % len(data) + data
                              + b"\nendstream endobj\ntrailer")
    assert inspect_content(pdf).problem is None
    script = pdf.replace(marker.upper(), b"<script")
    assert inspect_content(script).problem == "attachment.mixed_content"


def test_a_run_over_many_requests_decodes_each_content_once_and_judges_it_alike():
    """An import whose lines share a file asks for a verdict per line (VerdictMemo): the answer
    is the one inspect_content gives, per limits, and the memo never holds more than its bound."""
    memo = VerdictMemo(max_bytes=10_000_000)
    for make in (crafted.pdf, crafted.pdf_html_polyglot, crafted.truncated_png):
        content = make()
        first = memo.inspect(content, ContentLimits())
        assert first == inspect_content(content, ContentLimits())
        assert memo.inspect(bytes(content), ContentLimits()) is first  # equal bytes: decoded once
    three = crafted.pdf(3)
    assert memo.inspect(three, ContentLimits()).ok
    assert memo.inspect(three, ContentLimits(pdf_max_pages=2)).problem == (
        "attachment.too_many_pages"
    )
    two = ContentLimits(pdf_max_pages=2)  # limits alternating, by the same object or not
    for limits, ok in ((ContentLimits(), True), (two, False), (two, False), (ContentLimits(), True),
                       (ContentLimits(pdf_max_pages=2), False)):
        assert memo.inspect(three, limits).ok is ok
    other = crafted.pdf(4)
    small = VerdictMemo(max_bytes=len(other))  # room for either, not for both
    held = small.inspect(three, ContentLimits())
    assert small.inspect(three, ContentLimits()) is held
    small.inspect(other, ContentLimits())  # over the bound: the older content is let go
    assert small.inspect(three, ContentLimits()) is not held


def test_content_limits_follow_the_policy_they_are_made_from():
    import dataclasses

    from tawasul_desktop.domain.file_checks import content_limits
    from tawasul_desktop.domain.policy import default_policy

    intake = default_policy().intake
    fewer = dataclasses.replace(intake, pdf_max_pages=intake.pdf_max_pages - 1)
    assert content_limits(intake) is content_limits(intake)
    assert content_limits(fewer).pdf_max_pages == intake.pdf_max_pages - 1
    assert content_limits(intake).pdf_max_pages == intake.pdf_max_pages
    assert content_limits(dataclasses.replace(intake)) == content_limits(intake)

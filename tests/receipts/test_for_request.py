"""A stored request's receipt names the person concerned and the service's own fields.

A sponsor renewing his worker's iqama, or a daughter filing for her father: the receipt
shows the beneficiary's name, masked identity number and relation beside the applicant,
and the service's fields (passport action, report number…), read back with pdftotext.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from receipt_pdf import assert_reads, tokens

from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.receipts.for_request import receipt_data_for, receipt_pdf_bytes
from tawasul_desktop.storage.demo import _SAMPLE_PDF, _tiny_png
from tawasul_desktop.storage.requests import get_request, submit_request

SPONSOR_ID = make_identity("1", "23456789")
WORKER_ID = make_identity("2", "34567890")
FATHER_ID = make_identity("1", "45678901")
EMAIL = "applicant@example.com"


def _submit(store, clerk, draft: RequestDraft) -> str:
    valid, problems = validate_request(draft)
    assert valid is not None, [p.code for p in problems]
    return submit_request(store, clerk, valid).number


def _text(pdf: bytes, tmp_path: Path, fmt: str) -> str:
    path = tmp_path / f"{fmt}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def sponsor_for_worker(store, clerk) -> str:
    return _submit(store, clerk, RequestDraft(
        service="iqama_renewal",
        applicant=PersonInput("فهد سعد العتيبي", SPONSOR_ID, "0551234567", EMAIL),
        beneficiary=PersonInput("Rahim Uddin", WORKER_ID, "", ""),
        relation="sponsored",
        description="أرجو تجديد إقامة العامل لدي قبل انتهائها في الشهر القادم حسب النظام",
        fields={"iqama_expiry": "2026-12-20"},
        attachments=[AttachmentInput("iqama_copy", "iqama.pdf", _SAMPLE_PDF),
                     AttachmentInput("passport_copy", "passport.pdf", _SAMPLE_PDF)],
    ))


@pytest.fixture
def daughter_for_father(store, clerk) -> str:
    return _submit(store, clerk, RequestDraft(
        service="passport",
        applicant=PersonInput("نورة خالد الشهري", SPONSOR_ID, "0551234567", EMAIL),
        beneficiary=PersonInput("خالد محمد الشهري", FATHER_ID, "", ""),
        relation="parent",
        description="أرجو تجديد جواز سفر الوالد لأنه لا يستطيع الحضور إلى المركز بنفسه",
        fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "id.pdf", _SAMPLE_PDF),
                     AttachmentInput("personal_photo", "photo.png", _tiny_png())],
    ))


@pytest.mark.parametrize("fmt", ["a5", "a4", "roll80"])
def test_sponsor_renewing_his_workers_iqama(store, sponsor_for_worker, tmp_path, fmt,
                                            poppler) -> None:
    text = _text(receipt_pdf_bytes(store, sponsor_for_worker, fmt), tmp_path, fmt)
    for expected in ("فهد سعد العتيبي", "صاحب الطلب", "Rahim Uddin", "******" + WORKER_ID[-4:],
                     "صلته بمقدم الطلب", "مكفول", "تاريخ انتهاء الإقامة", "2026-12-20"):
        assert_reads(text, expected)
    assert WORKER_ID not in text and SPONSOR_ID not in text  # identities stay masked


def test_daughter_filing_for_her_father(store, daughter_for_father, tmp_path, poppler) -> None:
    data = receipt_data_for(store, get_request(store, daughter_for_father))
    assert data.beneficiary_name == "خالد محمد الشهري"
    assert data.beneficiary_id_masked == "******" + FATHER_ID[-4:]
    assert (data.relation_ar, data.relation_en) == ("أب أو أم", "Parent")
    assert data.service_fields == (("نوع الإجراء", "Action", "تجديد"),)
    text = _text(receipt_pdf_bytes(store, daughter_for_father, "a5"), tmp_path, "a5")
    for expected in ("نورة خالد الشهري", "خالد محمد الشهري", "أب أو أم", "نوع الإجراء تجديد"):
        assert_reads(text, expected)


def test_own_request_shows_no_beneficiary_rows(store, clerk, valid_request, tmp_path,
                                               poppler) -> None:
    number = submit_request(store, clerk, valid_request()).number
    text = _text(receipt_pdf_bytes(store, number, "a5"), tmp_path, "a5")
    assert "صلته" not in tokens(text) and "Person concerned" not in text
    assert_reads(text, "نوع الإجراء تجديد")

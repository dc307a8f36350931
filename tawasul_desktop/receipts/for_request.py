"""Build the receipt of a stored request and write it: the one place that maps a request
(and the centre's settings) to ReceiptData, used by the CLI and the desktop alike."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from tawasul_desktop.domain.catalogue import Service
from tawasul_desktop.domain.hijri import format_date, format_hijri
from tawasul_desktop.domain.identity import mask_identity
from tawasul_desktop.domain.messages import message
from tawasul_desktop.domain.numbers import parse_number
from tawasul_desktop.receipts import ReceiptData, render_receipt
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.models import Request
from tawasul_desktop.storage.requests import get_request, summarise
from tawasul_desktop.storage.store import Store
from tawasul_desktop.sync.renumber import former_numbers


def _time(moment: dt.datetime) -> str:
    return f"{format_date(moment.date(), 'ar')} {moment:%H:%M}"


def receipt_data_for(
    store: Store, req: Request, *, clerk: str | None = None, copy: bool = False
) -> ReceiptData:
    summary = summarise(store, req)
    service = store.catalogue.get(req.service)
    documents = []
    for attachment in req.attachments:
        doc = service.document(attachment.document) if service else None
        label = doc.label_ar if doc else attachment.document
        if label not in documents:
            documents.append(label)
    settings, policy = store.settings, store.policy
    beneficiary: dict[str, str] = {}
    if req.relation != "self" and req.beneficiary_name:
        relation_ar, relation_en = _relation(req.relation)
        beneficiary = {
            "beneficiary_name": req.beneficiary_name,
            "beneficiary_id_masked": mask_identity(req.beneficiary_id),
            "relation_ar": relation_ar,
            "relation_en": relation_en,
        }
    return ReceiptData(
        number=summary.number,
        barcode_value=req.number,
        service_name_ar=service.name_ar if service else req.service,
        service_name_en=service.name_en if service else req.service,
        applicant_name=req.applicant_name,
        applicant_id_masked=mask_identity(req.applicant_id),
        submitted_at=_time(summary.submitted_at),
        submitted_at_hijri=format_hijri(summary.submitted_at.date(), "ar"),
        due_date=format_date(req.due_date, "ar"),
        due_date_hijri=format_hijri(req.due_date, "ar"),
        follow_up_from=_time(summary.follow_up_from),
        follow_up_from_hijri=format_hijri(summary.follow_up_from.date(), "ar"),
        documents=tuple(documents),
        description=req.description,
        clerk=clerk or req.created_by,
        centre_name=settings.centre_name_ar,
        directorate_name=settings.directorate_ar,
        counter=f"{req.counter:02d}",
        enquiry_phone=policy.contact.enquiry_phone,
        copy=copy,
        former_numbers=tuple(parse_number(n).display for n in former_numbers(store, req.id)),
        resolution_working_days=policy.timing.resolution_working_days,
        office_opens=policy.calendar.office_opens.strftime("%H:%M"),
        office_closes=policy.calendar.office_closes.strftime("%H:%M"),
        working_weekdays=policy.calendar.working_weekdays,
        service_fields=_service_fields(service, req.fields or {}),
        **beneficiary,
    )


def _relation(code: str) -> tuple[str, str]:
    try:
        return message(f"label.relation.{code}")
    except KeyError:  # a relation from a newer program: shown as stored
        return code, code


def _service_fields(
    service: Service | None, values: dict[str, str]
) -> tuple[tuple[str, str, str], ...]:
    """The service's own fields with a value, in the catalogue's order; a choice shows its
    Arabic label. Fields the catalogue no longer knows are shown by their code."""
    shown: list[tuple[str, str, str]] = []
    known = {f.code for f in service.fields} if service else set()
    for spec in service.fields if service else ():
        value = str(values.get(spec.code, "")).strip()
        if not value:
            continue
        choice = next((c for c in spec.choices if c.code == value), None)
        shown.append((spec.label_ar, spec.label_en, choice.label_ar if choice else value))
    shown += [(code, code, str(value)) for code, value in values.items()
              if code not in known and str(value).strip()]
    return tuple(shown)


def write_receipt(
    store: Store,
    req: Request,
    out: Path | BinaryIO,
    fmt: str | None = None,
    *,
    clerk: str | None = None,
    copy: bool = False,
) -> None:
    render_receipt(
        receipt_data_for(store, req, clerk=clerk, copy=copy),
        out,
        fmt or store.settings.receipt_format,
        store.settings.receipt_font,
    )


def receipt_pdf_bytes(store: Store, number: str, fmt: str | None = None, *,
                      clerk: str | None = None, copy: bool = False) -> bytes:
    """The receipt of a stored request as PDF bytes (for preview, print and save)."""
    buffer = BytesIO()
    write_receipt(store, get_request(store, number), buffer, fmt, clerk=clerk, copy=copy)
    return buffer.getvalue()


def record_receipt(store: Store, username: str, request_id: str, *, copy: bool,
                   **details: str) -> None:
    """Put a receipt that was printed or written in the audit log (``receipt.print``): the
    one place both the desktop (``how``: print or save) and the command (``format``) record it."""
    with store.write() as session:
        AuditLog(session).record(username, "receipt.print", "request", request_id, None,
                                 {**details, "copy": copy})

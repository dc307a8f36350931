"""`tawasul demo-data`: realistic requests for demos and benchmarks.

Valid identity numbers, Arabic and Latin names, every service and every state, spread over
the past year in office hours. Written with bulk inserts in batches so a million rows stay
within a small, flat memory footprint; one audit entry per batch keeps the chain whole.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import uuid
import zlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tawasul_desktop.domain.arabic_fold import fold
from tawasul_desktop.domain.identity import make_identity
from tawasul_desktop.domain.lifecycle import Status
from tawasul_desktop.domain.numbers import MAX_SEQUENCE, make_number
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.storage.audit import AuditLog
from tawasul_desktop.storage.blobs import sha256_hex
from tawasul_desktop.storage.high_water import HighWater
from tawasul_desktop.storage.models import Attachment, NumberSequence, Request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor, add_user, find_user

BATCH = 5000
DEMO_PASSWORD = "demo-password"

_FIRST_AR = (
    "محمد",
    "أحمد",
    "عبدالله",
    "خالد",
    "فهد",
    "سعد",
    "ناصر",
    "فيصل",
    "سلطان",
    "تركي",
    "نورة",
    "فاطمة",
    "سارة",
    "ريم",
    "هيفاء",
    "منيرة",
    "لطيفة",
    "عائشة",
    "مريم",
    "هند",
    "عبدالرحمن",
    "يوسف",
    "إبراهيم",
    "عمر",
    "علي",
    "حسن",
    "ماجد",
    "بندر",
    "مشاعل",
    "جواهر",
)
_FAMILY_AR = (
    "القحطاني",
    "العتيبي",
    "الشهري",
    "الغامدي",
    "الدوسري",
    "الزهراني",
    "المطيري",
    "الحربي",
    "السبيعي",
    "العنزي",
    "الشمري",
    "البقمي",
    "المالكي",
    "الرشيدي",
    "اليامي",
)
_FIRST_LATIN = (
    "Mohammed",
    "Ahmed",
    "Rahul",
    "Jose",
    "Maria",
    "Ali",
    "Imran",
    "Fatima",
    "Abdul",
    "Suresh",
    "Ana",
    "Hassan",
    "Bilal",
    "Grace",
    "Joseph",
)
_FAMILY_LATIN = (
    "Khan",
    "Santos",
    "Hussain",
    "Kumar",
    "Reyes",
    "Rahman",
    "Ali",
    "Fernandes",
    "Nair",
    "Mendoza",
    "Siddiqui",
    "Cruz",
)
_DETAILS = (
    "تقدمت بالطلب عبر المنصة ولم يتم تحديث الحالة منذ أسبوعين رغم اكتمال المستندات المطلوبة",
    "ظهرت رسالة خطأ عند السداد ولم تكتمل العملية مع أن المبلغ خصم من الحساب البنكي",
    "البيانات المسجلة في النظام تختلف عن البيانات الصحيحة في جواز السفر ونرجو التصحيح",
    "تم رفض الطلب الإلكتروني دون ذكر السبب ونأمل مراجعة الطلب وإفادتنا بالإجراء المطلوب",
    "انتهت صلاحية الوثيقة أثناء معالجة الطلب ونحتاج إلى تمديد المهلة حتى اكتمال الإجراء",
)
_REASONS = ("المستندات المرفقة غير واضحة", "البيانات لا تطابق السجلات", "الطلب خارج اختصاص الخدمة")
_RELATIONS = (
    "self",
    "self",
    "self",
    "spouse",
    "parent",
    "child",
    "sibling",
    "dependant",
    "sponsored",
)


def _tiny_png(extra: bytes = b"") -> bytes:
    """A 1x1 PNG; ``extra`` rides in a private ancillary chunk (distinct files of any size
    that still decode whole, as intake requires)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + (chunk(b"tsWl", extra) if extra else b"")
        + chunk(b"IEND", b"")
    )


# One blank A4 page: the smallest PDF that intake (PDFium, at least one page) accepts.
_SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _identity(rng: random.Random, kind: str) -> str:
    prefix = {"national_id": "1", "iqama": "2"}.get(kind) or rng.choice("34")
    return make_identity(prefix, f"{rng.randrange(100_000_000):08d}")


def _name(rng: random.Random, kind: str) -> str:
    if kind != "national_id" and rng.random() < 0.45:
        return f"{rng.choice(_FIRST_LATIN)} {rng.choice(_FIRST_LATIN)} {rng.choice(_FAMILY_LATIN)}"
    return f"{rng.choice(_FIRST_AR)} {rng.choice(_FIRST_AR)} {rng.choice(_FAMILY_AR)}"


def _mobile(rng: random.Random) -> str:
    return f"+9665{rng.choice('0345689')}{rng.randrange(10_000_000):07d}"


def _status_for(rng: random.Random, age_days: int) -> Status:
    roll = rng.random()
    if age_days < 3:
        return Status.SUBMITTED if roll < 0.7 else Status.UNDER_REVIEW
    if age_days < 14:
        table = (
            (0.25, Status.SUBMITTED),
            (0.55, Status.UNDER_REVIEW),
            (0.62, Status.RETURNED),
            (0.82, Status.ACCEPTED),
            (0.94, Status.REJECTED),
            (1.0, Status.WITHDRAWN),
        )
    else:
        table = (
            (0.02, Status.UNDER_REVIEW),
            (0.04, Status.RETURNED),
            (0.35, Status.ACCEPTED),
            (0.5, Status.REJECTED),
            (0.95, Status.CLOSED),
            (1.0, Status.WITHDRAWN),
        )
    return next(s for limit, s in table if roll <= limit)


def generate_demo_data(
    store: Store, actor: Actor, count: int, *, seed: int = 1, now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``count`` requests in batches (one transaction each); ``progress`` is told how
    many are saved after each batch commits."""
    now = now or dt.datetime.now(dt.UTC)
    rng = random.Random(seed)
    zone = ZoneInfo(store.policy.calendar.timezone)
    calendar = store.calendar()
    services = list(store.catalogue)
    centre = store.settings.centre_code
    counters = max(12, min(99, -(-count // 80_000)))
    png, pdf = _tiny_png(), _SAMPLE_PDF
    # The files are written inside each batch's transaction (see below), not here.
    digests = {"image/png": sha256_hex(png), "application/pdf": sha256_hex(pdf)}
    sizes = {"image/png": len(png), "application/pdf": len(pdf)}

    made = 0
    while made < count:
        size = min(BATCH, count - made)
        requests, attachments, slots = [], [], []
        for _ in range(size):
            service = rng.choice(services)
            kind = rng.choice(service.identity_kinds)
            relation = rng.choice(_RELATIONS)
            age = rng.randrange(365)
            local = dt.datetime.combine(
                now.astimezone(zone).date() - dt.timedelta(days=age),
                dt.time(8 + rng.randrange(7), rng.randrange(60)),
                zone,
            )
            submitted = min(
                local.astimezone(dt.UTC), now - dt.timedelta(minutes=rng.randrange(1, 60))
            )
            counter = rng.randrange(1, counters + 1)
            year = submitted.astimezone(zone).year % 100
            slots.append((counter, year))
            timing = compute_timing(submitted, calendar, store.policy.timing)
            status = _status_for(rng, age)
            applicant_kind = kind if relation == "self" else rng.choice(("national_id", "iqama"))
            app_id = _identity(rng, applicant_kind)
            app_name = _name(rng, applicant_kind)
            ben_id, ben_name = (
                (app_id, app_name)
                if relation == "self"
                else (_identity(rng, kind), _name(rng, kind))
            )
            decided = status in (Status.ACCEPTED, Status.REJECTED, Status.CLOSED, Status.RETURNED)
            request_id = uuid.uuid4()
            requests.append(
                {
                    "id": request_id,
                    "number": None,  # taken under the write lock
                    "centre": centre,
                    "counter": counter,
                    "service": service.code,
                    "status": str(status),
                    "applicant_name": app_name,
                    "applicant_id": app_id,
                    "applicant_id_kind": applicant_kind,
                    "applicant_mobile": _mobile(rng),
                    "applicant_email": f"user{rng.randrange(10**6)}@example.com",
                    "beneficiary_name": ben_name,
                    "beneficiary_id": ben_id,
                    "beneficiary_id_kind": kind,
                    "beneficiary_mobile": None,
                    "beneficiary_email": None,
                    "relation": relation,
                    "search_names": fold(f"{app_name} {ben_name}"),
                    "description": rng.choice(_DETAILS) + f" — مرجع {rng.randrange(10**6)}",
                    "fields": {
                        f.code: (
                            f.choices[0].code
                            if f.choices
                            else "2026-01-01"
                            if f.type == "date"
                            else "1234"
                        )
                        for f in service.fields
                        if f.required
                    },
                    "submitted_at": submitted,
                    "effective_day": timing.effective_day,
                    "due_date": timing.due_date,
                    "paused_working_days": 0,
                    "paused_since": timing.effective_day if status == Status.RETURNED else None,
                    "decision_reason": rng.choice(_REASONS)
                    if status in (Status.REJECTED, Status.RETURNED)
                    else None,
                    "decided_by": "demo.supervisor" if decided else None,
                    "decided_at": submitted + dt.timedelta(days=rng.randrange(1, 9))
                    if decided
                    else None,
                    "duplicate_of": None,
                    "created_by": f"demo.clerk{counter}",
                    "import_key": None,
                    "updated_at": submitted,
                }
            )
            for position, document in enumerate(service.documents):
                media = "image/png" if "photo" in document.code else "application/pdf"
                attachments.append(
                    {
                        "id": uuid.uuid4(),
                        "request_id": request_id,
                        "position": position,
                        "document": document.code,
                        "display_name": f"{document.code}.{media.split('/')[1]}",
                        "media_type": media,
                        "size": sizes[media],
                        "sha256": digests[media],
                    }
                )
        with store.write() as session:
            # Under the write lock, so a sweep cannot take the files before rows name them,
            # and the numbers continue the counters' own sequences and advance them in the
            # same transaction: a submit meanwhile, or a run stopped half-way, never meets a
            # number twice.
            store.blobs.put(png)
            store.blobs.put(pdf)
            requests, attachments = _take_numbers(session, centre, requests, slots, attachments)
            if not requests:
                break
            session.execute(insert(Request), requests)
            session.execute(insert(Attachment), attachments)
            AuditLog(session).record(
                actor.username,
                "demo_data.insert",
                "request",
                str(requests[0]["number"]),
                None,
                {
                    "count": len(requests),
                    "first": requests[0]["number"],
                    "last": requests[-1]["number"],
                },
            )
        made += len(requests)
        if progress is not None:
            progress(made)
    store.refresh_statistics()
    return made


def _take_numbers(
    session: Session,
    centre: str,
    requests: list[dict[str, Any]],
    slots: list[tuple[int, int]],
    attachments: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Give each row the next number of its (counter, year); drop rows whose year is full."""
    taken: dict[tuple[int, int], NumberSequence] = {}
    high_water: HighWater | None = session.info.get("high_water")
    kept = []
    for row, (counter, year) in zip(requests, slots, strict=True):
        seq = taken.get((counter, year))
        if seq is None:
            seq = session.get(NumberSequence, (centre, counter, year))
            if seq is None:
                seq = NumberSequence(centre=centre, counter=counter, year=year, last=0)
                session.add(seq)
            if high_water is not None:
                seq.last = max(seq.last, high_water.mark(centre, counter, year))
            taken[(counter, year)] = seq
        if seq.last >= MAX_SEQUENCE:
            continue
        seq.last += 1
        row["number"] = make_number(centre, counter, year, seq.last).digits
        kept.append(row)
    session.flush()
    if high_water is not None:
        for (counter, year), seq in taken.items():
            high_water.raise_to(centre, counter, year, seq.last)
    ids = {row["id"] for row in kept}
    return kept, [a for a in attachments if a["request_id"] in ids]


def ensure_demo_users(store: Store, actor: Actor) -> list[str]:
    """Create the demo accounts clerk, supervisor and admin where missing; return their names."""
    names = []
    with store.write() as session:
        for role in ("clerk", "supervisor", "admin"):
            if find_user(session, role) is None:
                add_user(
                    session,
                    actor,
                    role,
                    role,
                    DEMO_PASSWORD,
                    store.policy.security,
                    display_name=f"demo {role}",
                )
            names.append(role)
    return names

"""One request, presented: labelled rows and the HTML every screen shows of it.

The confirm page (a request not yet stored), the enquiry view (a counter's summary) and the
supervisor's detail pane (the whole record) show the same request; each picks its rows, and
the rows — labels, values, isolation, dates, sizes, choice and relation names — are built
here once. Labels come from the message catalogue (``label.request.*``, ``label.action.*``)
in both languages, so a word is translated in one place. No Qt: the GUI puts the HTML in a
QTextBrowser; anything else may use the rows.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.domain.catalogue import Catalogue, Service
from tawasul_desktop.domain.hijri import format_datetime, format_dual
from tawasul_desktop.domain.lifecycle import status_name
from tawasul_desktop.domain.messages import message
from tawasul_desktop.present import rich_text
from tawasul_desktop.wire.protocol import ECHO_ACTION  # shown with the status it left


class HistoryEntry(Protocol):
    """One audit step (storage.audit.HistoryLine, or central's merged timeline)."""

    @property
    def at(self) -> dt.datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def assignee(self) -> str | None: ...


class PersonLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def id_number(self) -> str: ...
    @property
    def mobile(self) -> str: ...
    @property
    def email(self) -> str | None: ...


@dataclass(frozen=True)
class Row:
    label: str
    value: str | None  # None or "" shows as a dash
    raw: bool = False  # value is already HTML


@dataclass(frozen=True)
class FollowUp:
    at: dt.datetime
    by: str
    note: str | None


def label(key: str, language: str, **params: object) -> str:
    """A word of the request screens (``label.request.<key>``) in ``language``."""
    ar, en = message(f"label.{key}" if "." in key else f"label.request.{key}", **params)
    return en if language == "en" else ar


def size_text(size: int) -> str:
    """A file size in KB (at least 1), left to right: else an Arabic line shows "(KB 3)"."""
    return ltr(f"{max(1, size // 1024)} KB")


def file_line(name: str, size: int) -> str:
    """A stored file name mixes scripts ("هوية.pdf"): isolated, so the size stays beside it."""
    return f"{isolate(name)} ({size_text(size)})"


class RequestPresenter:
    """Rows and HTML of a request in one language and time zone."""

    def __init__(self, catalogue: Catalogue, language: str, zone: str | dt.tzinfo) -> None:
        self.catalogue = catalogue
        self.language = language
        self.zone = zone
        self.rtl = language == "ar"

    # --- values ----------------------------------------------------------------------------

    def label(self, key: str, **params: object) -> str:
        return label(key, self.language, **params)

    def service(self, code: str) -> Service | None:
        return self.catalogue.get(code)

    def service_name(self, code: str) -> str:
        service = self.service(code)
        return service.name(self.language) if service else code

    def status(self, status: str) -> str:
        return status_name(status, self.language)

    def relation(self, code: str) -> str:
        return self.label(f"relation.{code}")

    def moment(self, at: dt.datetime, hijri: bool = False) -> str:
        return format_datetime(at, self.language, self.zone, hijri=hijri)

    def day(self, day: dt.date) -> str:
        return format_dual(day, self.language)

    def person(self, p: PersonLike) -> str:
        """Name — identity — mobile [— e-mail] on one line, each part isolated."""
        parts = [isolate(p.name), ltr(p.id_number), ltr(p.mobile)]
        return " — ".join(parts + ([ltr(p.email)] if p.email else []))

    def field_rows(self, service_code: str, fields: Mapping[str, str] | None) -> list[Row]:
        """The service's own fields in catalogue order (unknown codes after, sorted), a
        choice shown by its name."""
        service = self.service(service_code)
        known = [f.code for f in service.fields] if service else []
        values = fields or {}
        order = [c for c in known if c in values] + sorted(c for c in values if c not in known)
        rows = []
        for code in order:
            spec = service.field(code) if service else None
            shown = values[code]
            if spec is not None and spec.choices:
                shown = next((c.label(self.language) for c in spec.choices
                              if c.code == shown), shown)
            rows.append(Row(spec.label(self.language) if spec else code, shown))
        return rows

    def action(self, entry: HistoryEntry) -> str:
        if entry.action == "request.assign":
            return (self.label("action.request.assign", name=entry.assignee) if entry.assignee
                    else self.label("action.request.release"))
        try:
            text = self.label(f"action.{entry.action}")
        except KeyError:
            text = entry.action  # an action this version does not know: as coded
        if entry.action == ECHO_ACTION and entry.status:
            text = f"{text} ({self.status(entry.status)})"
        return text

    def history_line(self, entry: HistoryEntry) -> str:
        line = f"{self.moment(entry.at)} — {entry.actor} — {self.action(entry)}"
        return f"{line}: {entry.reason}" if entry.reason else line

    def follow_up_line(self, f: FollowUp) -> str:
        line = f"{self.moment(f.at)} — {f.by}"
        return f"{line}: {f.note}" if f.note else line

    # --- HTML ------------------------------------------------------------------------------

    def table(self, rows: Iterable[Row], spacing: int = 4) -> str:
        return rich_text.table((rich_text.row(r.label, r.value, self.rtl, raw=r.raw)
                                for r in rows), self.rtl, spacing=spacing)

    def heading(self, key: str, level: int = 4) -> str:
        return f"<h{level}>{html.escape(self.label(key))}</h{level}>"

    def bullets(self, key: str, lines: Sequence[str]) -> str:
        """A heading and its list; "None" when the list is empty."""
        items = lines or [self.label("none")]
        return self.heading(key) + "<ul>" + "".join(
            f"<li>{html.escape(line)}</li>" for line in items) + "</ul>"

    def document(self, parts: Iterable[str]) -> str:
        return rich_text.document(parts, self.rtl)

    # --- the three screens -----------------------------------------------------------------

    def confirm_html(self, *, service: str, applicant: PersonLike, relation: str,
                     beneficiary: PersonLike | None, fields: Mapping[str, str],
                     description: str, attachment_names: Sequence[str], due_date: dt.date,
                     follow_up_from: dt.datetime) -> str:
        """The review of a request about to be submitted."""
        rows = [Row(self.label("service"), self.service_name(service)),
                Row(self.label("applicant"), self.person(applicant)),
                Row(self.label("relation"), self.relation(relation))]
        if relation != "self" and beneficiary is not None:
            rows.append(Row(self.label("beneficiary"), self.person(beneficiary)))
        rows += self.field_rows(service, fields)
        separator = "، " if self.rtl else ", "
        rows += [Row(self.label("description"), description),
                 Row(self.label("attachments"),
                     separator.join(isolate(n) for n in attachment_names)),
                 Row(self.label("expected_due"), self.day(due_date)),
                 Row(self.label("follow_up_from"), self.moment(follow_up_from, hijri=True))]
        return self.document([self.heading("check_then_submit", 3),
                              self.table(rows, spacing=6)])

    def enquiry_html(self, *, number: str, service: str, status: str, applicant_name: str,
                     beneficiary_name: str, submitted_at: dt.datetime, due_date: dt.date,
                     follow_up_from: dt.datetime, overdue: bool, decision_reason: str | None,
                     attachments: Sequence[tuple[str, int]], follow_ups: Sequence[FollowUp],
                     history: Sequence[HistoryEntry]) -> str:
        """What a counter is told about a request it looked up."""
        rows = [Row(self.label("number"), ltr(number)),
                Row(self.label("service"), self.service_name(service)),
                Row(self.label("status"), self.status(status)),
                Row(self.label("applicant"), applicant_name),
                Row(self.label("beneficiary"), beneficiary_name),
                Row(self.label("submitted"), self.moment(submitted_at, hijri=True)),
                Row(self.label("due"), self.day(due_date)),
                Row(self.label("follow_up_from"), self.moment(follow_up_from, hijri=True))]
        if overdue:
            overdue_text = html.escape(self.label("overdue"))
            rows.append(Row("", f"<b style='color:#b3261e'>{overdue_text}</b>", raw=True))
        if decision_reason:
            rows.append(Row(self.label("reason"), decision_reason))
        return self.document([
            self.table(rows),
            self.bullets("attachments", [file_line(n, s) for n, s in attachments]),
            self.bullets("follow_ups", [self.follow_up_line(f) for f in follow_ups]),
            self.bullets("history", [self.history_line(h) for h in history])])

    def detail_rows(self, req: RequestRecord) -> list[Row]:
        """Every field of a stored request, as the supervisor's pane lists them."""
        rows = [
            Row(self.label("service"), self.service_name(req.service)),
            Row(self.label("status"), self.status(req.status)),
            Row(self.label("assignee"), req.assignee),
            Row(self.label("applicant"), req.applicant_name),
            Row(self.label("identity_number"), ltr(req.applicant_id)),
            Row(self.label("mobile"), ltr(req.applicant_mobile) if req.applicant_mobile else ""),
            Row(self.label("email"), ltr(req.applicant_email) if req.applicant_email else ""),
            Row(self.label("relation"), self.relation(req.relation)),
            Row(self.label("beneficiary"), req.beneficiary_name),
            Row(self.label("beneficiary_id"), ltr(req.beneficiary_id)),
            Row(self.label("counter"), str(req.counter)),
            Row(self.label("submitted"), self.moment(req.submitted_at, hijri=True)),
            Row(self.label("due"), self.day(req.due_date)),
        ]
        if req.paused_since is not None:
            rows.append(Row(self.label("paused_since"), self.day(req.paused_since)))
        if req.decided_at is not None:
            rows.append(Row(self.label("decided"),
                            f"{self.moment(req.decided_at)} — {req.decided_by or ''}"))
        if req.decision_reason:
            rows.append(Row(self.label("reason"), req.decision_reason))
        return rows + self.field_rows(req.service, req.fields)

    def detail_html(self, req: RequestRecord, history: Sequence[HistoryEntry]) -> str:
        follow_ups = [FollowUp(f.at, f.by, f.note) for f in req.follow_ups]
        return self.document([
            self.table(self.detail_rows(req)),
            self.heading("description") + rich_text.paragraph(req.description, self.rtl),
            self.bullets("follow_ups", [self.follow_up_line(f) for f in follow_ups]),
            self.bullets("history", [self.history_line(h) for h in history])])

    def title(self, number: str, status: str) -> str:
        return f"{ltr(number)} — {self.status(status)}"

    def chosen_html(self, chosen: Iterable[tuple[str, str, str]]) -> str:
        """Several requests (number, applicant, status), each named on its own line."""
        items = "".join(f"<li>{html.escape(ltr(n))} — {html.escape(isolate(name))} — "
                        f"{html.escape(self.status(s))}</li>" for n, name, s in chosen)
        return f"<ul>{items}</ul>"

    def attachment_item(self, service_code: str, document: str, name: str, size: int) -> str:
        """An attachment as a list item: the document it is, then the file and its size."""
        service = self.service(service_code)
        doc = service.document(document) if service else None
        return f"{doc.label(self.language) if doc else document}\n{file_line(name, size)}"


class FollowUpLike(Protocol):
    @property
    def at(self) -> dt.datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def note(self) -> str | None: ...


class RequestRecord(Protocol):
    """The stored request's attributes the pane shows (storage.models.Request, detached)."""

    @property
    def service(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def applicant_name(self) -> str: ...
    @property
    def applicant_id(self) -> str: ...
    @property
    def applicant_mobile(self) -> str | None: ...
    @property
    def applicant_email(self) -> str | None: ...
    @property
    def relation(self) -> str: ...
    @property
    def beneficiary_name(self) -> str: ...
    @property
    def beneficiary_id(self) -> str: ...
    @property
    def counter(self) -> int: ...
    @property
    def submitted_at(self) -> dt.datetime: ...
    @property
    def due_date(self) -> dt.date: ...
    @property
    def paused_since(self) -> dt.date | None: ...
    @property
    def decided_at(self) -> dt.datetime | None: ...
    @property
    def decided_by(self) -> str | None: ...
    @property
    def decision_reason(self) -> str | None: ...
    @property
    def fields(self) -> Mapping[str, str] | None: ...
    @property
    def description(self) -> str: ...
    @property
    def follow_ups(self) -> Sequence[FollowUpLike]: ...

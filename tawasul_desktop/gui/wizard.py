"""The intake wizard: service → details → attachments → confirm, then submit.

A QStackedWidget with our own Back/Next/Submit buttons (keyboard: Enter or Alt+N advances,
Alt+B goes back, Esc asks before discarding). Neither Enter nor Alt+N submits: the review is
always shown, and submitting is its own deliberate key (Ctrl+Enter) or the Submit button.
Going back keeps what was typed. The whole state is autosaved as a draft one second after
the last change, and restored from one.
Validation is the core's validate_request; submit is the core's submit_request, in a worker.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.arabic_fold import fold
from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.catalogue import Service
from tawasul_desktop.domain.hijri import format_datetime, format_dual
from tawasul_desktop.domain.identity import kind_labels
from tawasul_desktop.domain.intake_types import RequestDraft, ValidRequest
from tawasul_desktop.domain.messages import Problem, TawasulError
from tawasul_desktop.domain.timing import compute_timing
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.gui.attachments import AttachmentsPage
from tawasul_desktop.gui.details import DetailsPage
from tawasul_desktop.gui.forms import child, load_form, scrolled
from tawasul_desktop.present.request import RequestPresenter
from tawasul_desktop.storage.drafts import (
    SavedDraft,
    delete_draft,
    draft_attachments,
    save_draft,
)
from tawasul_desktop.storage.requests import RequestSummary, submit_request
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.users import Actor

log = logging.getLogger(__name__)

SERVICE, DETAILS, ATTACHMENTS, CONFIRM = range(4)


AUTOSAVE_MS = 1000


class ServicePage(QWidget):
    """Wizard page 1 (ui/service_page.ui): the services, filtered as the clerk types."""

    changed = Signal()
    chosen = Signal()

    def __init__(self, services: list[Service], language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("servicePage")
        self._services = services
        self._language = language
        self._problem: Problem | None = None
        self.form = load_form("service_page", self)
        QVBoxLayout(self).addWidget(self.form)
        self.filter: QLineEdit = child(self.form, QLineEdit, "serviceFilter")
        self.list: QListWidget = child(self.form, QListWidget, "serviceList")
        self.details: QTextBrowser = child(self.form, QTextBrowser, "serviceDetails")
        self.error: QLabel = child(self.form, QLabel, "serviceError")
        self.error.setProperty("role", "error")
        for service in services:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, service.code)
            self.list.addItem(item)
        self.filter.textChanged.connect(self._apply_filter)
        self.list.currentItemChanged.connect(self._on_current)
        self.list.itemDoubleClicked.connect(lambda _i: self.chosen.emit())
        self._retranslate()

    def _service(self, item: QListWidgetItem | None) -> Service | None:
        if item is None:
            return None
        code = item.data(Qt.ItemDataRole.UserRole)
        return next((s for s in self._services if s.code == code), None)

    def selected(self) -> Service | None:
        item = self.list.currentItem()
        return self._service(item) if item is not None and not item.isHidden() else None

    def select(self, code: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == code:
                self.list.setCurrentRow(row)
                return
        self.list.setCurrentRow(-1)

    def _apply_filter(self, text: str) -> None:
        words = fold(text).split()
        first_visible = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            service = self._service(item)
            assert service is not None
            haystack = fold(f"{service.name_ar} {service.name_en} {service.code}")
            hidden = not all(w in haystack for w in words)
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = row
        current = self.list.currentItem()
        if current is None or current.isHidden():
            self.list.setCurrentRow(first_visible if first_visible is not None else -1)

    def _on_current(self) -> None:
        self._problem = None
        self.error.hide()
        self._show_details()
        self.changed.emit()

    def _show_details(self) -> None:
        service = self.selected()
        language = self._language()
        e = html.escape
        if service is None:
            hint = self.tr("Choose a service to see its conditions and documents.")
            self.details.setHtml(f"<p>{e(hint)}</p>")
            return
        join = "، ".join if language == "ar" else ", ".join
        kinds = join(kind_labels(k)[1 if language == "en" else 0] for k in service.identity_kinds)
        conditions, identity = self.tr("Conditions"), self.tr("Accepted identity")
        documents = self.tr("Required documents")
        parts = [
            f"<h3>{e(service.name(language))}</h3>",
            f"<p><b>{e(conditions)}:</b> {e(service.conditions(language))}</p>",
            f"<p><b>{e(identity)}:</b> {e(kinds)}</p>",
            f"<p><b>{e(documents)}:</b></p><ul>",
            *[f"<li>{e(d.label(language))}</li>" for d in service.documents],
            "</ul>",
        ]
        self.details.setHtml("".join(parts))

    def show_problem(self, problem: Problem) -> None:
        self._problem = problem
        self.error.setText(problem.text(self._language()))
        self.error.show()

    def clear(self) -> None:
        self.filter.clear()
        self.list.setCurrentRow(-1)
        self._problem = None
        self.error.hide()

    def _retranslate(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            service = self._service(item)
            assert service is not None
            item.setText(service.name(self._language()))
            other = service.name_en if self._language() == "ar" else service.name_ar
            item.setToolTip(other)
        self._show_details()
        if self._problem is not None:
            self.show_problem(self._problem)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)


class IntakeWizard(QWidget):
    """Takes one request from the citizen or resident at the counter."""

    submitted = Signal(object)  # RequestSummary
    draft_saved = Signal(object)  # draft id

    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeWizard")
        self.store = store
        self._language = language
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.actor: Actor | None = None
        self.draft_id: uuid.UUID | None = None
        self._restoring = False
        self._submitting = False
        self._valid: ValidRequest | None = None
        self._general: list[Problem] = []
        self._last: RequestSummary | None = None

        self.step = QLabel()
        self.step.setObjectName("stepLabel")
        self.step.setProperty("role", "title")
        self.banner = QLabel()
        self.banner.setObjectName("lastResultLabel")
        self.banner.setProperty("role", "success")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.message = QLabel()
        self.message.setObjectName("wizardMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()

        self.service_page = ServicePage(list(store.catalogue), language)
        self.details_page = DetailsPage(store.policy, language)
        self.attachments_page = AttachmentsPage(store.policy.intake, language)
        self.summary = QTextBrowser()
        self.summary.setObjectName("summaryView")
        self.stack = QStackedWidget()
        self.stack.setObjectName("wizardStack")
        for page in (self.service_page, self.details_page, self.attachments_page, self.summary):
            self.stack.addWidget(page)

        self.discard_button = QPushButton()
        self.discard_button.setObjectName("discardButton")
        self.back_button = QPushButton()
        self.back_button.setObjectName("backButton")
        self.next_button = QPushButton()
        self.next_button.setObjectName("nextButton")
        self.submit_button = QPushButton()
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setProperty("role", "primary")
        self.next_button.setProperty("role", "primary")
        buttons = QHBoxLayout()
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.step)
        # The pages scroll; the step, the message and the buttons always stay in view.
        layout.addWidget(scrolled(self.stack, "wizardScroll"), 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        for button in (self.discard_button, self.back_button, self.next_button,
                       self.submit_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.submit_button.clicked.connect(self.submit)
        self.discard_button.clicked.connect(self.ask_discard)
        QShortcut(QKeySequence("Alt+N"), self, self.go_next)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            submit_key = QShortcut(QKeySequence(keys), self, self.submit)
            submit_key.setAutoRepeat(False)  # a held key never submits
        QShortcut(QKeySequence("Alt+B"), self, self.go_back)
        self.service_page.chosen.connect(self.go_next)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self._save_draft_async)
        for page in (self.service_page, self.details_page, self.attachments_page):
            page.changed.connect(self._on_change)
        self._retranslate()
        self._show_page(SERVICE)

    # --- navigation ------------------------------------------------------------------------

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    def _show_page(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.back_button.setEnabled(index > SERVICE)
        self.next_button.setVisible(index < CONFIRM)
        self.submit_button.setVisible(index == CONFIRM)
        self._general = []
        self._show_general()
        self._retranslate_step()
        focus = {SERVICE: self.service_page.filter,
                 DETAILS: self.details_page.edits["applicant.id_number"],
                 ATTACHMENTS: self.attachments_page.document,
                 CONFIRM: self.submit_button}[index]
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def go_back(self) -> None:
        if self.page > SERVICE and not self._submitting:
            self._show_page(self.page - 1)
            self._on_change()

    def go_next(self) -> None:
        if self._submitting:
            return
        if self.page == SERVICE:
            service = self.service_page.selected()
            if service is None:
                self.service_page.show_problem(Problem.of("service.required", "service"))
                return
            self.details_page.set_service(service)
            self.attachments_page.set_service(service)
            self._show_page(DETAILS)
        elif self.page == DETAILS:
            problems = [p for p in self._validate()[1] if not p.field.startswith("attachments")]
            self.details_page.clear_problems()
            if problems:
                self._report(problems)
                return
            self._show_page(ATTACHMENTS)
        elif self.page == ATTACHMENTS:
            valid, problems = self._validate()
            if problems:
                self._report(problems)
                return
            self._valid = valid
            self._fill_summary()
            self._show_page(CONFIRM)
        else:
            return  # on the review "next" is not "submit": that takes its own key
        self._on_change()

    def _report(self, problems: list[Problem]) -> None:
        """Show problems on the page they belong to and focus the first invalid field."""
        if any(p.field == "service" for p in problems):
            self._show_page(SERVICE)
            self.service_page.show_problem(next(p for p in problems if p.field == "service"))
            return
        attachment = [p for p in problems if p.field.startswith("attachments")]
        first, rest = self.details_page.show_problems(
            [p for p in problems if not p.field.startswith("attachments")])
        if first is not None or rest:
            if self.page != DETAILS:
                self._show_page(DETAILS)
            self._general = rest
            self._show_general()
            if first is not None:
                self._reveal(first)
            return
        self.attachments_page.show_problems(attachment)

    def _reveal(self, widget: QWidget) -> None:
        scroll = self.details_page.form.findChild(QScrollArea, "detailsScroll")
        if scroll is not None:
            scroll.ensureWidgetVisible(widget)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_general(self) -> None:
        language = self._language()
        self.message.setText("\n".join(p.text(language) for p in self._general))
        self.message.setVisible(bool(self._general))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self.go_next()
            event.accept()
        elif event.key() == Qt.Key.Key_Escape:
            self.ask_discard()
            event.accept()
        else:
            super().keyPressEvent(event)

    # --- the request -----------------------------------------------------------------------

    def request_draft(self) -> RequestDraft:
        service = self.service_page.selected()
        return RequestDraft(
            service=service.code if service else "",
            applicant=self.details_page.person("applicant"),
            beneficiary=self.details_page.beneficiary(),
            relation=self.details_page.relation_code(),
            description=self.details_page.description.toPlainText(),
            fields=self.details_page.extra_values(),
            attachments=self.attachments_page.inputs(),
        )

    def _validate(self) -> tuple[ValidRequest | None, list[Problem]]:
        return validate_request(self.request_draft(), catalogue=self.store.catalogue,
                                policy=self.store.policy)

    def _fill_summary(self) -> None:
        valid = self._valid
        if valid is None:
            return
        timing = compute_timing(self.clock(), self.store.calendar(), self.store.policy.timing)
        presenter = RequestPresenter(self.store.catalogue, self._language(),
                                     self.store.policy.calendar.timezone)
        self.summary.setHtml(presenter.confirm_html(
            service=valid.service, applicant=valid.applicant, relation=valid.relation,
            beneficiary=valid.beneficiary, fields=valid.fields, description=valid.description,
            attachment_names=[a.name for a in valid.attachments], due_date=timing.due_date,
            follow_up_from=timing.follow_up_from))

    def submit(self, confirm_duplicate: bool = False) -> None:
        if self.page != CONFIRM or self._submitting or self.actor is None:
            return
        valid, problems = self._validate()
        if problems or valid is None:
            self._report(problems)
            return
        self._submitting = True
        self.submit_button.setEnabled(False)
        actor, store = self.actor, self.store
        workers.run_task(
            lambda: submit_request(store, actor, valid, confirm_duplicate=confirm_duplicate),
            self._on_submitted, self._on_submit_failed)

    def _on_submitted(self, summary: RequestSummary) -> None:
        self._submitting = False
        self.submit_button.setEnabled(True)
        self._last = summary
        self.drop_draft()
        self.clear()
        self._show_banner()
        self.submitted.emit(summary)
        self.offer_receipt(summary)

    def _on_submit_failed(self, exc: BaseException) -> None:
        self._submitting = False
        self.submit_button.setEnabled(True)
        if not isinstance(exc, TawasulError):
            raise exc
        duplicate = next((p for p in exc.problems if p.code == "request.duplicate"), None)
        if duplicate is not None:
            if dialogs.confirm(self, self.tr("Open request exists"),
                               duplicate.text(self._language())):
                self.submit(confirm_duplicate=True)
            return
        self._general = exc.problems
        self._show_general()

    def offer_receipt(self, summary: RequestSummary) -> None:
        """Show the number and dates with the receipt ready to print, preview or save."""
        if self.actor is None:
            return
        from tawasul_desktop.gui.receipt_dialog import ReceiptDialog  # reportlab: load on first use

        self.receipt_dialog = ReceiptDialog(self.store, self.actor, summary.number,
                                            intro=self._result_text(summary), parent=self)
        self.receipt_dialog.open()

    def _result_text(self, summary: RequestSummary) -> str:
        language = self._language()
        zone = self.store.policy.calendar.timezone
        return fill(
            self.tr("Request number: %1\nExpected answer by: %2\nFollow-up possible from: %3"),
            ltr(summary.number), format_dual(summary.due_date, language),
            format_datetime(summary.follow_up_from, language, zone, hijri=True))

    def _show_banner(self) -> None:
        if self._last is not None:
            self.banner.setText(self.tr("Last request submitted.") + "\n"
                                + self._result_text(self._last))
            self.banner.show()

    # --- drafts ----------------------------------------------------------------------------

    def has_content(self) -> bool:
        return (self.service_page.selected() is not None or self.details_page.has_content()
                or bool(self.attachments_page.files))

    def state(self) -> dict[str, Any]:
        service = self.service_page.selected()
        return {"version": 1, "page": self.page, "service": service.code if service else "",
                **self.details_page.state(), "attachments": self.attachments_page.state()}

    def restore(self, draft: SavedDraft) -> None:
        state = draft.payload
        self._restoring = True
        try:
            self.clear()
            self.draft_id = draft.id
            self.service_page.select(str(state.get("service", "")))
            service = self.service_page.selected()
            self.details_page.set_service(service)
            self.attachments_page.set_service(service)
            self.details_page.restore(state)
            self.attachments_page.restore(draft_attachments(self.store, draft))
            page = int(state.get("page", SERVICE))
            self._show_page(min(max(SERVICE, page), ATTACHMENTS) if service else SERVICE)
        finally:
            self._restoring = False

    def _on_change(self) -> None:
        if self._restoring or self.actor is None:
            return
        if self.has_content():
            if self._last is not None:  # the next intake has begun: the last one's banner goes
                self._last = None
                self.banner.hide()
            self._autosave.start()

    def _save_draft_async(self) -> None:
        if self.actor is None or not self.has_content():
            return
        if self.draft_id is None:
            self.draft_id = uuid.uuid4()
        owner, payload, draft_id = self.actor.username, self.state(), self.draft_id
        store, contents = self.store, self.attachments_page.contents()
        workers.run_task(lambda: save_draft(store, owner, payload, draft_id, contents=contents),
                         lambda saved: self.draft_saved.emit(saved), self._on_draft_failed)

    def _on_draft_failed(self, exc: BaseException) -> None:
        log.warning("draft could not be saved: %s", type(exc).__name__)

    def save_draft_now(self) -> uuid.UUID | None:
        """Save at once (on lock or sign-out); returns the draft id, or None if nothing typed."""
        self._autosave.stop()
        if self.actor is None or not self.has_content():
            return None
        self.draft_id = save_draft(self.store, self.actor.username, self.state(), self.draft_id,
                                   contents=self.attachments_page.contents())
        return self.draft_id

    def drop_draft(self) -> None:
        self._autosave.stop()
        if self.draft_id is not None:
            delete_draft(self.store, self.draft_id)
            self.draft_id = None

    def ask_discard(self) -> None:
        if not self.has_content():
            self.clear()
            return
        if dialogs.confirm(self, self.tr("Discard request"),
                           self.tr("Discard this request and everything typed for it?")):
            self.drop_draft()
            self.clear()

    def clear(self) -> None:
        """A fresh, empty wizard (the draft, if any, stays in the store)."""
        self._autosave.stop()
        was, self._restoring = self._restoring, True
        try:
            self.draft_id = None
            self._valid = None
            self.service_page.clear()
            self.details_page.clear()
            self.attachments_page.set_service(None)
            self.attachments_page.clear()
            self._show_page(SERVICE)
        finally:
            self._restoring = was

    def set_actor(self, actor: Actor | None) -> None:
        if actor is None or (self.actor is not None and actor.username != self.actor.username):
            self._last = None  # the last request is this clerk's, not the next one's
            self.banner.hide()
        self.actor = actor

    # --- language --------------------------------------------------------------------------

    def _retranslate_step(self) -> None:
        titles = [self.tr("Service"), self.tr("Applicant and details"), self.tr("Attachments"),
                  self.tr("Confirm and submit")]
        self.step.setText(fill(self.tr("Step %1 of 4: %2"), self.page + 1, titles[self.page]))

    def _retranslate(self) -> None:
        self.discard_button.setText(self.tr("Discard (Esc)"))
        self.back_button.setText(self.tr("Back (Alt+B)"))
        self.next_button.setText(self.tr("Next (Alt+N)"))
        self.submit_button.setText(self.tr("Submit request (Ctrl+Enter)"))
        self._retranslate_step()
        self._show_general()
        self._show_banner()
        if self.page == CONFIRM:
            self._fill_summary()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

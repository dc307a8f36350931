"""The enquiry page: check digit as typed, not found, details, the 72-hour follow-up rule."""

from __future__ import annotations

import datetime as dt

from gui_helpers import APPLICANT_ID, DESCRIPTION, PDF, sign_in, type_text, utc_now
from PySide6.QtCore import Qt

from tawasul_desktop.domain.intake_types import AttachmentInput, PersonInput, RequestDraft
from tawasul_desktop.domain.numbers import make_number
from tawasul_desktop.domain.validation import validate_request
from tawasul_desktop.storage.requests import submit_request
from tawasul_desktop.storage.users import Actor


def stored_request(store, submitted_at: dt.datetime):
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("Mohammed Ali", APPLICANT_ID, "0501234567", "m@example.com"),
        description=DESCRIPTION,
        fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "id.pdf", PDF),
                     AttachmentInput("personal_photo", "photo.pdf", PDF)],
    )
    valid, problems = validate_request(draft, catalogue=store.catalogue, policy=store.policy)
    assert not problems, problems
    return submit_request(store, Actor("amal", "clerk"), valid, now=submitted_at,
                          submitted_at=submitted_at)


def find(qtbot, page, text: str) -> None:
    page.input.clear()
    type_text(qtbot, page.input, text)
    qtbot.keyClick(page.input, Qt.Key.Key_Return)


def test_mistyped_number_differs_from_not_found(qtbot, window, store):
    summary = stored_request(store, utc_now() - dt.timedelta(hours=1))
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    mistyped = summary.number[:-1] + str((int(summary.number[-1]) + 1) % 10)
    type_text(qtbot, page.input, mistyped)
    assert page.message.isVisible() and "مكتوب خطأ" in page.message.text()  # as typed

    absent = make_number("101", 1, 26, 99_999).display
    find(qtbot, page, absent)
    qtbot.waitUntil(lambda: "لا يوجد طلب" in page.message.text(), timeout=3000)


def test_follow_up_only_after_72_hours(qtbot, window, store):
    submitted = utc_now() - dt.timedelta(hours=10)
    summary = stored_request(store, submitted)
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    # The counter's recent requests are listed.
    assert page.model.rowCount() == 1 and page.model.number_at(0) == summary.number

    find(qtbot, page, summary.number)
    qtbot.waitUntil(lambda: page.view is not None, timeout=3000)
    text = page.details.toPlainText()
    assert summary.number in text and "مقدَّم" in text and "قُدِّم الطلب" in text
    assert not page.follow_button.isEnabled()
    opens = summary.follow_up_from
    assert str(opens.year) in page.hint.text() and f"{opens:%H:%M}" in page.hint.text()

    # From the first working moment 72 hours on, the follow-up can be recorded.
    window.clock = lambda: opens
    find(qtbot, page, summary.number)
    qtbot.waitUntil(lambda: page.follow_button.isEnabled(), timeout=3000)
    type_text(qtbot, page.note, "راجع المواطن")
    qtbot.mouseClick(page.follow_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.view is not None and bool(page.view.follow_ups), timeout=3000)
    assert page.view.follow_ups[0][2] == "راجع المواطن"
    assert "سُجِّلت متابعة" in page.details.toPlainText()


def test_find_by_identity_lists_requests(qtbot, window, store):
    summary = stored_request(store, utc_now() - dt.timedelta(hours=2))
    sign_in(qtbot, window, "amal")
    page = window.enquiry
    find(qtbot, page, APPLICANT_ID)
    qtbot.waitUntil(lambda: page.view is not None, timeout=3000)
    assert page.matches.count() == 1 and summary.number in page.matches.item(0).text()


def test_follow_up_waits_for_the_first_working_moment(qtbot, window, store):
    # Monday 2 Nov 2026 15:00 Riyadh + 72 h = Thursday 15:00, after closing: the follow-up
    # opens on Sunday 8 Nov at 08:00, as the receipt and `tawasul request show` say.
    riyadh = dt.timezone(dt.timedelta(hours=3))
    summary = stored_request(store, dt.datetime(2026, 11, 2, 15, 0, tzinfo=riyadh))
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    window.clock = lambda: dt.datetime(2026, 11, 5, 15, 30, tzinfo=riyadh)  # 72 h passed
    find(qtbot, page, summary.number)
    qtbot.waitUntil(lambda: page.view is not None, timeout=3000)
    assert not page.follow_button.isEnabled()
    assert "08:00" in page.hint.text() and "2026" in page.hint.text()
    assert summary.follow_up_from == dt.datetime(2026, 11, 8, 8, 0, tzinfo=riyadh)

    window.clock = lambda: dt.datetime(2026, 11, 8, 8, 0, tzinfo=riyadh)
    find(qtbot, page, summary.number)
    qtbot.waitUntil(lambda: page.follow_button.isEnabled(), timeout=3000)

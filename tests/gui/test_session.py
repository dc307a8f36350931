"""Sign-in, first run, lockout, idle lock with resume, drafts kept for their owner."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from gui_helpers import PASSWORD, open_window, sign_in, type_text
from PySide6.QtCore import Qt

from tawasul_desktop.gui import workers
from tawasul_desktop.gui.wizard import DETAILS, SERVICE
from tawasul_desktop.storage.drafts import list_drafts
from tawasul_desktop.storage.users import count_admins, find_user


def test_first_run_creates_the_first_admin(qtbot, settings, store, answers):
    window = open_window(qtbot, settings, store)
    assert window.stack.currentWidget() is window.first_admin
    panel = window.first_admin
    type_text(qtbot, panel.username, "admin")
    type_text(qtbot, panel.display_name, "مدير المركز")
    type_text(qtbot, panel.password, PASSWORD)
    type_text(qtbot, panel.repeat, PASSWORD + "x")
    qtbot.keyClick(panel.repeat, Qt.Key.Key_Return)
    assert panel.message.isVisible() and window.actor is None
    panel.repeat.clear()
    type_text(qtbot, panel.repeat, PASSWORD)
    qtbot.keyClick(panel.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor is not None, timeout=5000)
    assert window.actor.role == "admin" and window.stack.currentWidget() is window.tabs
    with store.read() as session:
        assert count_admins(session) == 1
    assert "مدير المركز" in window.status_user.text()
    workers.wait_for_all()


def test_wrong_password_counts_and_locks_with_time(qtbot, window, store):
    assert window.stack.currentWidget() is window.login
    for _ in range(store.policy.security.max_failed_logins):
        sign_in(qtbot, window, "amal", "wrong-password")
        assert window.actor is None
    message = window.login.message.text()
    with store.read() as session:
        until = find_user(session, "amal").locked_until
    assert until is not None
    assert until.astimezone(ZoneInfo("Asia/Riyadh")).strftime("%Y-%m-%d %H:%M") in message
    sign_in(qtbot, window, "amal")  # the right password is refused while locked
    assert window.actor is None


def test_status_bar_names_user_role_centre_and_counter(qtbot, window, settings):
    sign_in(qtbot, window, "amal")
    text = window.status_user.text()
    assert "Amal" in text and settings.centre_code in text and "موظف" in text
    window.action_logout.trigger()
    assert window.actor is None and window.stack.currentWidget() is window.login


def test_idle_lock_resumes_for_same_user_and_keeps_draft_for_owner(qtbot, window, store, answers):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("iqama_renewal")
    wizard.go_next()
    name = wizard.details_page.edits["applicant.name"]
    name.setFocus()
    type_text(qtbot, name, "Rahul Kumar")

    window.idle.set_timeout_ms(30)
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)
    assert window.stack.currentWidget() is window.login
    assert window.login.username.text() == "amal"
    assert [d.payload["applicant"]["name"] for d in list_drafts(store, "amal")] == ["Rahul Kumar"]

    # The same clerk comes back: exactly where the wizard was.
    window.idle.set_timeout_ms(60_000)
    type_text(qtbot, window.login.password, PASSWORD)
    qtbot.keyClick(window.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor is not None, timeout=5000)
    assert wizard.page == DETAILS and name.text() == "Rahul Kumar"
    assert not answers.asked  # no draft offer on resume

    # Locked again, and a colleague signs in: a fresh wizard, the draft stays Amal's.
    window.action_lock.trigger()
    sign_in(qtbot, window, "badr")
    assert window.actor.username == "badr"
    assert wizard.page == SERVICE and name.text() == ""
    assert list_drafts(store, "badr") == []
    assert len(list_drafts(store, "amal")) == 1

    # Amal's next sign-in offers the draft; accepting restores it.
    window.action_logout.trigger()
    answers.replies = [True]
    sign_in(qtbot, window, "amal")
    assert answers.asked
    assert wizard.page == DETAILS and name.text() == "Rahul Kumar"
    assert wizard.service_page.selected().code == "iqama_renewal"


def test_draft_autosaves_after_typing(qtbot, window, store):
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    with qtbot.waitSignal(wizard.draft_saved, timeout=4000):
        type_text(qtbot, wizard.details_page.edits["applicant.name"], "Sara Ahmed")
    workers.wait_for_all()
    drafts = list_drafts(store, "amal")
    assert len(drafts) == 1 and drafts[0].payload["service"] == "passport"
    assert drafts[0].payload["applicant"]["name"] == "Sara Ahmed"


def test_draft_keeps_attachments_after_their_files_are_deleted(qtbot, settings, store, users,
                                                              answers, tmp_path):
    from gui_helpers import write_pdf, write_png

    from tawasul_desktop.gui.wizard import ATTACHMENTS
    from tawasul_desktop.storage.store import Store

    window = open_window(qtbot, settings, store)
    sign_in(qtbot, window, "amal")
    wizard = window.wizard
    wizard.service_page.select("passport")
    wizard.go_next()
    type_text(qtbot, wizard.details_page.edits["applicant.name"], "Sara Ahmed")
    wizard._show_page(ATTACHMENTS)
    pdf, png = write_pdf(tmp_path / "id.pdf"), write_png(tmp_path / "photo.png")
    wizard.attachments_page.add_paths([str(pdf), str(png)])
    attached = [(f.document, f.name, f.content) for f in wizard.attachments_page.files]
    assert len(attached) == 2
    window.action_lock.trigger()  # saves the draft at once
    window.close()
    workers.wait_for_all()
    pdf.unlink()
    png.unlink()
    store.close()

    with Store.open(settings) as reopened:  # a restart: the sweep runs
        second = open_window(qtbot, settings, reopened)
        answers.replies = [True]
        sign_in(qtbot, second, "amal")
        assert answers.asked  # the draft is offered and taken
        restored = second.wizard.attachments_page
        assert [(f.document, f.name, f.content) for f in restored.files] == attached
        assert not restored.error.isVisible()
        assert second.wizard.page == ATTACHMENTS
        second.close()
        workers.wait_for_all()

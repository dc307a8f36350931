"""Render every screen of the counter GUI in Arabic and English to PNG files.

    python tools/screenshots.py [OUTPUT_DIR]      (default: build/screenshots)
    python tools/screenshots.py OUTPUT_DIR --screen 1024x768 [--scale 1.5] [--check FILE]

Runs offscreen against a throw-away store with demo users and one request, so that
reviewers can check Arabic shaping, right-to-left layout and clipping without a display.

With ``--screen`` it runs on a real X server of that size instead (Xvfb with the openbox
window manager, started here on a free display; Debian packages xvfb and openbox), the
window opening as it does for a clerk (maximised), and each shot is the whole screen, so
what does not fit is seen missing. ``--scale`` sets QT_SCALE_FACTOR (150 % = 1.5).
``--check FILE`` also writes, for every screen, each enabled widget that is not wholly on
the screen (or, inside a scroll area, cannot be scrolled into view) to FILE as JSON, and
exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QPoint, QRect  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QComboBox, QTabWidget, QWidget  # noqa: E402

from tawasul_desktop.config import load_settings  # noqa: E402
from tawasul_desktop.domain.identity import make_identity  # noqa: E402
from tawasul_desktop.domain.intake_types import (  # noqa: E402
    AttachmentInput,
    PersonInput,
    RequestDraft,
)
from tawasul_desktop.domain.validation import validate_request  # noqa: E402
from tawasul_desktop.gui import dialogs, workers  # noqa: E402
from tawasul_desktop.gui.app import make_application  # noqa: E402
from tawasul_desktop.gui.i18n import LanguageManager  # noqa: E402
from tawasul_desktop.gui.main_window import MainWindow  # noqa: E402
from tawasul_desktop.gui.wizard import ATTACHMENTS, CONFIRM  # noqa: E402
from tawasul_desktop.storage.demo import _SAMPLE_PDF, generate_demo_data  # noqa: E402
from tawasul_desktop.storage.requests import submit_request  # noqa: E402
from tawasul_desktop.storage.store import Store  # noqa: E402
from tawasul_desktop.storage.users import Actor, add_user  # noqa: E402

PASSWORD = "screenshot-pass"
PDF = _SAMPLE_PDF  # a real one-page PDF: intake opens every PDF with PDFium
DESCRIPTION = ("تقدمت بطلب تجديد الجواز عبر المنصة قبل أسبوعين ولم تتغير حالة الطلب "
               "رغم اكتمال جميع المستندات المطلوبة")


def settle() -> None:
    for _ in range(5):
        workers.wait_for_all()
        QCoreApplication.processEvents()


def demo_store(folder: Path) -> Store:
    settings = load_settings(folder / "absent.toml", db=folder / "store.sqlite3",
                             data_dir=folder / "data")
    store = Store.open(settings)
    with store.write() as session:
        setup = Actor("setup", "admin")
        add_user(session, setup, "admin", "admin", PASSWORD, store.policy.security)
        add_user(session, setup, "amal", "clerk", PASSWORD, store.policy.security, "أمل الحربي")
        add_user(session, setup, "sara", "supervisor", PASSWORD, store.policy.security,
                 "سارة العتيبي")
    generate_demo_data(store, Actor("setup", "admin"), 300, seed=3)  # a queue to look at
    return store


def demo_request(store: Store) -> str:
    draft = RequestDraft(
        service="passport",
        applicant=PersonInput("محمد عبدالله القحطاني", make_identity("1", "23456789"),
                              "0501234567", "mohammed@example.com"),
        description=DESCRIPTION, fields={"passport_action": "renew"},
        attachments=[AttachmentInput("national_id_copy", "هوية.pdf", PDF),
                     AttachmentInput("personal_photo", "صورة.pdf", PDF)])
    valid, problems = validate_request(draft, catalogue=store.catalogue, policy=store.policy)
    assert valid is not None, problems
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    return submit_request(store, Actor("amal", "clerk"), valid, now=when,
                          submitted_at=when).number


def png(folder: Path) -> Path:
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f7f6a"))
    path = folder / "صورة-شخصية.png"
    image.save(str(path), "PNG")
    return path


def fit_problems(window: QWidget) -> list[str]:
    """Every enabled, visible widget of ``window`` that a clerk cannot see whole on the
    screen: cut by the screen's or the window's edge, or (inside a scroll area) not even
    once scrolled to."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QLabel,
        QLineEdit,
        QMenuBar,
        QPlainTextEdit,
        QScrollArea,
        QTabBar,
        QTextEdit,
    )

    kinds = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLabel, QLineEdit,
             QMenuBar, QPlainTextEdit, QTabBar, QTextEdit)
    screen = window.screen().availableGeometry()
    problems = []
    frame = window.frameGeometry()
    if not screen.contains(frame):
        problems.append(f"window {window.objectName()} {_rect(frame)} beyond the screen "
                        f"{_rect(screen)}")
    for widget in window.findChildren(QWidget):
        if (not isinstance(widget, kinds) or not widget.isVisibleTo(window)
                or not widget.isEnabled() or widget.window() is not window):
            continue
        if isinstance(widget, QLabel) and not (widget.text() or widget.pixmap()):
            continue
        if isinstance(widget.parentWidget(), (QComboBox, QAbstractSpinBox, QTabBar)):
            continue  # a part of a control checked as a whole
        area = _scroll_area_of(widget, QScrollArea)
        outer = area
        while outer is not None:  # scroll every area it is in (a page's own, the tab's)
            outer.ensureWidgetVisible(widget, 0, 0)
            QCoreApplication.processEvents()
            outer = _scroll_area_of(outer, QScrollArea)
        whole = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
        seen = QRect(whole)
        parent = widget.parentWidget()
        while parent is not None:
            seen = seen.intersected(QRect(parent.mapToGlobal(QPoint(0, 0)), parent.size()))
            parent = parent.parentWidget() if not parent.isWindow() else None
        seen = seen.intersected(screen)
        name = widget.objectName() or type(widget).__name__
        label = getattr(widget, "text", lambda: "")()
        what = f"{name} «{label}»" if isinstance(label, str) and label else name
        if seen.isEmpty():
            problems.append(f"{what} {_rect(whole)} not on the screen")
        elif area is None and seen != whole and not _elides(widget):
            problems.append(f"{what} {_rect(whole)} cut to {_rect(seen)}")
    return problems


def _elides(widget: QWidget) -> bool:
    """Views and text boxes scroll their own content: cut is fine as long as some shows…
    but only if enough of them shows to use (a quarter of each side)."""
    from PySide6.QtWidgets import QAbstractItemView, QPlainTextEdit, QTextEdit

    if not isinstance(widget, (QAbstractItemView, QPlainTextEdit, QTextEdit)):
        return False
    whole = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    seen = whole.intersected(widget.window().geometry()).intersected(
        widget.screen().availableGeometry())
    return seen.width() * 4 >= whole.width() and seen.height() * 4 >= whole.height()


def _scroll_area_of(widget: QWidget, kind: type) -> QWidget | None:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, kind):
            return parent
        parent = parent.parentWidget()
    return None


def _rect(r: QRect) -> str:
    return f"{r.width()}×{r.height()}+{r.x()}+{r.y()}"


def on_x_server(args: argparse.Namespace) -> int:
    """Run this tool again on a fresh Xvfb of ``args.screen`` with openbox; its exit code."""
    import shutil
    import subprocess
    import time

    for tool in ("Xvfb", "openbox"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: install the Debian packages xvfb and openbox")
    # Xvfb picks a free display itself and names it (-displayfd): no race with other runs.
    read_end, write_end = os.pipe()
    where = [args.display] if args.display else ["-displayfd", str(write_end)]
    server = subprocess.Popen(["Xvfb", *where, "-screen", "0", f"{args.screen}x24",
                               "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    manager = None
    try:
        if args.display:
            os.close(read_end)
            display = args.display
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{display.lstrip(':')}").exists():
                    break
                time.sleep(0.05)
        else:
            with os.fdopen(read_end) as named:
                display = f":{named.readline().strip()}"
            if display == ":":
                sys.exit("Xvfb did not start")
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
                   QT_SCALE_FACTOR=str(args.scale), TAWASUL_SCREENSHOT_CHILD="1")
        manager = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # openbox takes the screen before the first window maps
        command = [sys.executable, __file__, str(args.out), "--screen", args.screen,
                   "--scale", str(args.scale)] + (["--check", str(args.check)] if args.check
                                                 else [])
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        for process in (manager, server):
            if process is not None:
                process.terminate()
                process.wait(10)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="build/screenshots", type=Path)
    parser.add_argument("--screen", help="WIDTHxHEIGHT of a real X screen (Xvfb + openbox)")
    parser.add_argument("--scale", type=float, default=1.0, help="QT_SCALE_FACTOR, e.g. 1.5")
    parser.add_argument("--check", type=Path, help="write widgets off the screen to this JSON")
    parser.add_argument("--display", help="the X display to start, e.g. :91 (default: one "
                        "Xvfb finds free)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.screen and not os.environ.get("TAWASUL_SCREENSHOT_CHILD"):
        sys.exit(on_x_server(args))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    real_screen = bool(args.screen)
    tag = f"-{args.screen}" + (f"@{int(args.scale * 100)}" if args.scale != 1 else "") \
        if real_screen else ""
    found: dict[str, list[str]] = {}
    app = make_application(["screenshots"])
    dialogs.confirm = lambda *a, **k: True  # type: ignore[assignment]
    dialogs.inform = lambda *a: None  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        languages = LanguageManager.for_app(app)
        for language in ("ar", "en"):
            store = demo_store(folder / language)
            number = demo_request(store)
            languages.apply(language)
            window = MainWindow(store, languages)
            if not real_screen:
                window.resize(1100, 760)
            window.show()

            def shot(name: str, w: QWidget = window, lang: str = language) -> None:
                settle()
                if not real_screen:
                    w.grab().save(str(out / f"{lang}-{name}.png"))
                    return
                for _ in range(10):  # the window manager places and paints the window
                    time.sleep(0.05)
                    settle()
                screen = w.screen()
                screen.grabWindow(0).save(str(out / f"{lang}{tag}-{name}.png"))
                if args.check:
                    found[f"{lang}-{name}"] = fit_problems(w)

            empty = Store.open(load_settings(folder / "absent.toml",
                                             db=folder / f"empty-{language}.sqlite3",
                                             data_dir=folder / f"empty-{language}"))
            first = MainWindow(empty, languages)
            if not real_screen:
                first.resize(1100, 760)
            first.show()
            first.start()
            shot("01-first-admin", first)
            first.close()

            window.start()
            shot("02-login")
            window.login.username.setText("amal")
            window.login.password.setText("wrong")
            window.login.submit()
            shot("03-login-error")
            window.login.password.setText(PASSWORD)
            window.login.submit()
            settle()
            wizard = window.wizard
            wizard.service_page.filter.setText("جواز" if language == "ar" else "pass")
            shot("04-service")
            wizard.service_page.filter.clear()
            wizard.go_next()
            details = wizard.details_page
            details.edits["applicant.id_number"].setText("1234567890")
            details.edits["applicant.name"].setText("محمد")
            details.description.setPlainText("الجواز لم يصل")
            wizard.go_next()
            details.relation.setCurrentIndex(details.relation.findData("child"))
            shot("05-details-errors")
            details.relation.setCurrentIndex(0)
            details.edits["applicant.id_number"].setText(make_identity("1", "23456789"))
            details.edits["applicant.name"].setText("محمد عبدالله القحطاني")
            details.edits["applicant.mobile"].setText("0501234567")
            details.edits["applicant.email"].setText("mohammed@example.com")
            details.description.setPlainText(DESCRIPTION)
            action = details.form.findChild(QComboBox, "field_passport_action")
            action.setCurrentIndex(action.findData("renew"))
            wizard.go_next()
            page = wizard.attachments_page
            pdf = folder / "هوية-وطنية.pdf"
            pdf.write_bytes(PDF)
            bad = folder / "notes.txt"
            bad.write_text("plain text")
            page.add_paths([str(pdf)])
            page.add_paths([str(bad)])
            shot("06-attachments")
            page.add_paths([str(png(folder))])
            assert wizard.page == ATTACHMENTS
            wizard.go_next()
            assert wizard.page == CONFIRM
            shot("07-confirm")
            wizard.submit()
            shot("08-submitted")
            for _ in range(100):  # the receipt renders in a worker
                if getattr(getattr(wizard, "receipt_dialog", None), "pdf", None):
                    break
                settle()
            receipt = wizard.receipt_dialog
            receipt.resize(640, 820)
            settle()
            receipt.grab().save(str(out / f"{language}-08b-receipt.png"))
            receipt.close()
            window.tabs.setCurrentWidget(window.enquiry)
            window.enquiry.input.setText(number)
            window.enquiry.find_request()
            shot("09-enquiry")
            window.enquiry.input.setText(number[:-1] + str((int(number[-1]) + 1) % 10))
            shot("10-enquiry-mistyped")
            window.lock()
            shot("11-locked")
            window.logout()
            window.login.username.setText("sara")
            window.login.password.setText(PASSWORD)
            window.login.submit()
            settle()
            if not real_screen:
                window.resize(1280, 800)
            window.tabs.setCurrentWidget(window.supervision)
            shot("12-supervisor-queue")
            if real_screen:  # the decision dialogs, over the window as a clerk sees them
                from tawasul_desktop.gui.supervisor.decision_dialogs import ReasonDialog

                numbers = [r.number for r in window.supervision.selected_rows() if r] or [
                    number.replace("-", "")]
                reason = ReasonDialog("reject", numbers, language, (), window)
                reason.show()
                shot("12b-reject-dialog", reason)
                reason.close()
            inner = window.supervision.findChild(QTabWidget, "supervisorTabs")
            inner.setCurrentIndex(inner.count() - 1)
            settle()
            shot("13-supervisor-dashboard")
            window.close()
            store.close()
            empty.close()
    print(f"screenshots written to {out}")
    if args.check:
        args.check.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        if any(found.values()):
            for page, problems in found.items():
                for problem in problems:
                    print(f"{page}: {problem}")
            sys.exit(1)


if __name__ == "__main__":
    main()

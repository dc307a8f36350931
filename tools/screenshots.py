"""Render every screen of the counter GUI in Arabic and English to PNG files.

    python tools/screenshots.py [OUTPUT_DIR]      (default: build/screenshots)

Runs offscreen against a throw-away store with demo users and one request, so that
reviewers can check Arabic shaping, right-to-left layout and clipping without a display.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QComboBox, QTabWidget  # noqa: E402

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


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = make_application(["screenshots"])
    dialogs.confirm = lambda *a: True  # type: ignore[assignment]
    dialogs.inform = lambda *a: None  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        languages = LanguageManager.for_app(app)
        for language in ("ar", "en"):
            store = demo_store(folder / language)
            number = demo_request(store)
            languages.apply(language)
            window = MainWindow(store, languages)
            window.resize(1100, 760)
            window.show()

            def shot(name: str, w: MainWindow = window, lang: str = language) -> None:
                settle()
                w.grab().save(str(out / f"{lang}-{name}.png"))

            empty = Store.open(load_settings(folder / "absent.toml",
                                             db=folder / f"empty-{language}.sqlite3",
                                             data_dir=folder / f"empty-{language}"))
            first = MainWindow(empty, languages)
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
            window.enquiry.find()
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
            window.resize(1280, 800)
            window.tabs.setCurrentWidget(window.supervision)
            shot("12-supervisor-queue")
            inner = window.supervision.findChild(QTabWidget, "supervisorTabs")
            inner.setCurrentIndex(inner.count() - 1)
            settle()
            shot("13-supervisor-dashboard")
            window.close()
            store.close()
            empty.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()

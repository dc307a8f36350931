"""``tawasul-desktop --self-check``: prove an installation (or a bundle) works, then exit.

Checks, in order, each reported on one line: the configuration is valid; the asset folders
(ui/, resources/, translations) are found; the database opens, migrates (after a backup if
it was older) and answers; a receipt of a demo request renders to a PDF file (fonts, Arabic
shaping, barcodes); the interface builds (Qt platform plugin, Designer forms, Arabic
translation, the whole main window over the store); then every screen of every role
(counter, supervisor, administrator) is shown over a scratch store with demo data, a
receipt is printed to a PDF file and the dashboard draws its charts (gui/walkthrough.py),
so a module or asset the bundle left out fails here and not at a counter. Nothing is
written to the configured database.

Without ``--data-dir`` everything happens in a temporary folder that is removed afterwards.
Exit code 0 when every check passed, 1 otherwise (the failing check says why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tawasul_desktop.receipts import ReceiptData

import contextlib
import datetime as dt
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tawasul_desktop import __version__


class _Report:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed: list[str] = []

    def check(self, name: str, work: Callable[[], str]) -> bool:
        try:
            detail = work()
        except Exception as exc:  # noqa: BLE001 - reported, and the exit code says it
            self.failed.append(name)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self.line(name, "FAILED", f"{type(exc).__name__}: {first}")
            tail = traceback.format_exception(exc)[-3:]
            for text in "".join(tail).rstrip().splitlines():
                self.out.write(f"      {text}\n")
            return False
        self.line(name, "ok", detail)
        return True

    def line(self, name: str, state: str, detail: str) -> None:
        self.out.write(f"  {name:<14} {state:<6} {detail}\n")
        self.out.flush()


def demo_receipt_data() -> ReceiptData:
    """A receipt for a made-up request (nothing is stored)."""
    from tawasul_desktop.domain.hijri import format_date, format_hijri
    from tawasul_desktop.domain.identity import make_identity, mask_identity
    from tawasul_desktop.receipts import ReceiptData

    today = dt.date.today()
    return ReceiptData(
        number="101-01-26-000001-3",
        barcode_value="10101260000013",
        service_name_ar="جواز السفر",
        service_name_en="Passport",
        applicant_name="محمد عبدالله القحطاني (فحص ذاتي)",
        applicant_id_masked=mask_identity(make_identity("1", "23456789")),
        submitted_at=f"{format_date(today, 'ar')} 10:00",
        submitted_at_hijri=format_hijri(today, "ar"),
        due_date=format_date(today, "ar"),
        due_date_hijri=format_hijri(today, "ar"),
        follow_up_from=f"{format_date(today, 'ar')} 10:00",
        follow_up_from_hijri=format_hijri(today, "ar"),
        documents=("صورة الهوية الوطنية", "صورة شخصية"),
        description="طلب تجريبي للفحص الذاتي لبرنامج تواصل ديسك — Self-check demo request 123",
        clerk="self-check",
        centre_name="مركز خدمات الجوازات",
        directorate_name="المديرية العامة للجوازات",
        counter="01",
    )


def run_self_check(out: TextIO, *, data_dir: Path | None = None,
                   config_file: Path | None = None) -> int:
    out.write(f"Tawasul Desk {__version__} self-check (Python {platform.python_version()}, "
              f"{platform.system()} {platform.machine()})\n")
    report = _Report(out)
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="tawasul-self-check-")))
            temporary = True
        else:
            temporary = False
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tawasul-sc-")))
        state: dict[str, object] = {}

        def configuration() -> str:
            from tawasul_desktop.config import load_settings

            db = data_dir / "tawasul.sqlite3" if temporary else None
            settings = load_settings(config_file, data_dir=data_dir, db=db)
            state["settings"] = settings
            where = "present" if settings.config_file.exists() else "absent: defaults"
            machine = (f"machine file {settings.site_config_file}, "
                       if settings.site_config_file else "")
            for warning in settings.warnings:
                out.write(f"      warning: {warning}\n")
            return f"{machine}{settings.config_file} ({where}); centre " \
                   f"{settings.centre_code}, counter {settings.counter}"

        def assets() -> str:
            from tawasul_desktop.assets import resource, resources_dir, ui_dir

            needed = [resource("catalogue", "services.toml"), resource("policy.toml"),
                      resource("texts", "messages.toml"), resource("texts", "receipt.toml"),
                      resource("translations", "tawasul_ar.qm"), ui_dir() / "login.ui"]
            missing = [str(p) for p in needed if not p.is_file()]
            if missing:
                raise FileNotFoundError(", ".join(missing))
            return f"{resources_dir()} and {ui_dir()}"

        def database() -> str:
            from sqlalchemy import func, select

            from tawasul_desktop.storage.engine import current_revision
            from tawasul_desktop.storage.models import Request
            from tawasul_desktop.storage.store import Store

            store = Store.open(state["settings"])  # type: ignore[arg-type]
            stack.callback(store.close)
            state["store"] = store
            with store.read() as session:
                count = session.execute(select(func.count()).select_from(Request)).scalar_one()
            return (f"{store.db_path}, schema {current_revision(store.engine)}, "
                    f"{count} request(s)")

        def receipt() -> str:
            from tawasul_desktop.receipts import find_arabic_font, render_receipt

            settings = state["settings"]
            fmt = settings.receipt_format  # type: ignore[attr-defined]
            font = settings.receipt_font  # type: ignore[attr-defined]
            target = scratch / "self-check-receipt.pdf"
            render_receipt(demo_receipt_data(), target, fmt, font)
            content = target.read_bytes()
            if not content.startswith(b"%PDF") or len(content) < 1000:
                raise ValueError(f"{target} is not a PDF receipt")
            pair = find_arabic_font(font)
            return f"{target.name}, {len(content) // 1024} KB, {fmt}, font {pair.regular.name}"

        def interface() -> str:
            import dataclasses

            from PySide6 import __version__ as pyside_version
            from PySide6.QtCore import qVersion
            from PySide6.QtGui import QGuiApplication

            from tawasul_desktop.gui import workers
            from tawasul_desktop.gui.app import build_window, make_application

            app = make_application(["tawasul-desktop"])
            settings = dataclasses.replace(state["settings"], language="ar")  # type: ignore[type-var]
            window = build_window(app, settings, state["store"])  # type: ignore[arg-type]
            try:
                if window.languages.language != "ar" or window.tabs.tabText(0) == "New request":
                    raise RuntimeError("the Arabic translation did not load")
                pages = window.tabs.count()
            finally:
                window.close()
                workers.wait_for_all(5000)
                window.deleteLater()
            return (f"Qt {qVersion()} (PySide6 {pyside_version}), platform "
                    f"{QGuiApplication.platformName()}, main window with {pages} pages, Arabic")

        def screens() -> str:
            from PySide6.QtWidgets import QApplication

            from tawasul_desktop.gui.walkthrough import walk_every_screen

            app = QApplication.instance()
            assert isinstance(app, QApplication)
            done = walk_every_screen(app, state["settings"], scratch)  # type: ignore[arg-type]
            for line in done:
                out.write(f"      {line}\n")
            return f"{len(done)} steps, every role"

        report.check("configuration", configuration)
        report.check("assets", assets)
        if "settings" in state and report.check("database", database):
            report.check("receipt", receipt)
            if report.check("interface", interface):
                report.check("screens", screens)
    if report.failed:
        out.write(f"self-check FAILED: {', '.join(report.failed)}\n")
        return 1
    out.write("self-check passed\n")
    return 0


def self_check_main(data_dir: Path | None, config_file: Path | None) -> int:
    """Run from ``main``; a windowed build has no console, so the report goes to a file."""
    if sys.stdout is not None:
        return run_self_check(sys.stdout, data_dir=data_dir, config_file=config_file)
    from tawasul_desktop.logs import log_dir

    target = log_dir() / "self-check.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as fh:
        return run_self_check(fh, data_dir=data_dir, config_file=config_file)

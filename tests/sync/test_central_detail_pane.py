"""The supervisor's detail pane over the central PostgreSQL, at a desk that holds none of the
request's files: it lists them, previews and opens them from central, explains one still
uploading, and shows the history with central decisions once."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
import datetime as dt  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QBuffer, Qt  # noqa: E402
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPdfWriter  # noqa: E402
from synchelp import (  # noqa: E402
    CLERK,
    CentralDb,
    submit_many,
    supervisor_store,
    wait_for_desk_feed,
)

from tawasul_desktop.domain.intake_types import Attachment  # noqa: E402
from tawasul_desktop.domain.lifecycle import Action  # noqa: E402
from tawasul_desktop.domain.messages import message  # noqa: E402
from tawasul_desktop.gui import workers  # noqa: E402
from tawasul_desktop.gui.i18n import LanguageManager  # noqa: E402
from tawasul_desktop.gui.supervisor.detail import DetailPane  # noqa: E402
from tawasul_desktop.storage import requests as ops  # noqa: E402
from tawasul_desktop.storage.requests import display_number  # noqa: E402
from tawasul_desktop.storage.supervision import assign_many, decide_many  # noqa: E402
from tawasul_desktop.storage.users import Actor  # noqa: E402

AMAL = Actor("amal", "supervisor", "Amal")
REASON = "صورة الهوية غير واضحة"


class Stop(Exception):
    pass


@pytest.fixture
def arabic(qapp: Any) -> Iterator[None]:
    languages = LanguageManager.for_app(qapp)
    languages.apply("ar")
    yield
    languages.apply("en")  # panes still open re-render, starting previews: let them finish
    workers.wait_for_all()


def png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#0b7a5f"))
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def one_page_pdf() -> bytes:
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    painter = QPainter(writer)
    painter.fillRect(0, 0, 2000, 1000, QColor("#1f4e79"))
    painter.end()
    return bytes(buffer.data().data())


def sync_until_status(desk: Any, number: str, status: str) -> None:
    """One pass once every transaction older than the desk's feed rows has finished (on a
    shared server possibly another test's): the desk then holds ``status``."""
    wait_for_desk_feed(desk)
    desk.sync()
    assert ops.get_request(desk.store, number).status == status


def test_detail_pane_over_central_shows_files_from_central_and_the_history(
        qtbot: Any, arabic: None, desks: Any, central: CentralDb, valid_request: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    photo, pdf = png(160, 120), one_page_pdf()
    valid = dataclasses.replace(valid_request(), attachments=(
        Attachment("national_id_copy", "هوية المراجع.pdf", "application/pdf", pdf),
        Attachment("personal_photo", "صورة شخصية.png", "image/png", photo)))
    counter = desks("101", 1)
    (number,) = submit_many(counter.store, CLERK, [valid])
    counter.sync()
    boss = supervisor_store(central, desks("101", 2).store)  # a desk that holds none of it
    try:
        assert assign_many(boss, AMAL, [(number, None)], "amal").done == [number]
        assert decide_many(boss, AMAL, [(number, "submitted")], Action.RETURN,
                           reason=REASON).done == [number]
        sync_until_status(counter, number, "returned")
        counter.sync()  # its audit, with the decision re-logged as central's, goes up

        pane = DetailPane(boss, lambda: "ar", lambda: dt.datetime.now(dt.UTC))
        qtbot.addWidget(pane)
        pane.resize(900, 760)
        pane.show()
        pane.show_request(number)
        qtbot.waitUntil(lambda: pane.detail is not None, timeout=5000)
        assert display_number(number) in pane.title.text()
        text = pane.text.toPlainText().replace("\u2066", "").replace("\u2069", "")
        history = text[text.index("السجل"):]
        for line in ("قُدِّم الطلب", "أُسند إلى amal", f"أُعيد لمقدم الطلب: {REASON}"):
            assert history.count(line) == 1, (line, history)
        assert history.index("قُدِّم الطلب") < history.index("أُسند إلى amal") \
            < history.index("أُعيد لمقدم الطلب")
        assert "sync.request_changed" not in history and "central" not in history
        assert "قاعدة البيانات المركزية" not in history  # the echo is left out

        assert pane.attachments.count() == 2
        assert "صورة شخصية.png" in pane.attachments.item(1).text()
        pane.attachments.setCurrentRow(1)  # the photo, read from central
        qtbot.waitUntil(lambda: not pane.preview.pixmap().isNull(), timeout=5000)
        assert (pane.preview.pixmap().width(), pane.preview.pixmap().height()) == (160, 120)
        pane.attachments.setCurrentRow(0)  # the PDF: its first page, an A4 portrait
        qtbot.waitUntil(lambda: not pane.preview.pixmap().isNull(), timeout=5000)
        assert pane.preview.pixmap().height() > pane.preview.pixmap().width() > 160

        opened: list[Any] = []
        monkeypatch.setattr(QDesktopServices, "openUrl",
                            lambda url: opened.append(url) or True)
        pane.attachments.setCurrentRow(1)
        qtbot.mouseClick(pane.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(opened), timeout=5000)
        [url] = opened
        assert url.toLocalFile().endswith(".png")
        with open(url.toLocalFile(), "rb") as fh:
            assert fh.read() == photo
        assert not boss.blobs.exists(pane.detail.request.attachments[1].sha256)
    finally:
        # A preview still reading central would hold its lock into the next test's TRUNCATE.
        workers.wait_for_all()
        boss.close()


def test_detail_pane_says_a_file_is_still_on_its_way(
        qtbot: Any, arabic: None, desks: Any, central: CentralDb, valid_request: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Copies for the system viewer are kept by digest for the session: an earlier test may
    # have opened the same form PDF, which would then open without asking central.
    from tawasul_desktop.gui.supervisor import detail

    monkeypatch.setattr(detail, "_view_dir", None)
    def stop_at_first_chunk(point: str, _conn: Any) -> None:
        if point in ("upload.chunk", "upload.before_commit"):  # a chunk, or a batch of files
            raise Stop

    slow = desks("101", 3, fault_hook=stop_at_first_chunk)
    (number,) = submit_many(slow.store, CLERK, [valid_request(photo=png(40, 30))])
    with pytest.raises(Stop):
        slow.engine.run_once()  # the request is up, its files are not
    boss = supervisor_store(central, desks("101", 2).store)
    try:
        pane = DetailPane(boss, lambda: "ar", lambda: dt.datetime.now(dt.UTC))
        qtbot.addWidget(pane)
        pane.show_request(number)
        qtbot.waitUntil(lambda: pane.detail is not None, timeout=5000)
        assert pane.attachments.count() == 2
        waiting, _ = message("attachment.pending_upload", counter=3)
        qtbot.waitUntil(lambda: pane.preview.text() == waiting, timeout=5000)
        # Opening it says the same instead of failing.
        pane.preview.clear()
        qtbot.mouseClick(pane.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: pane.preview.text() == waiting, timeout=5000)
    finally:
        # A preview still reading central would hold its lock into the next test's TRUNCATE.
        workers.wait_for_all()
        boss.close()

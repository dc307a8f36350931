"""The queue's detail pane: every field of one request, its attachments, follow-ups and history.

The request is read in a worker. An attachment is previewed in place (images as they are,
PDFs as their first page, rasterised by PDFium in the worker), or opened with the system's
viewer from a private temporary copy named by its digest (a stored file name is only ever
shown, never used as a path). The copies are removed when the application quits.

What is read, and from where, is the store's queue backend's (storage.supervision.backend_of):
this desk's own store, or over the central PostgreSQL (central.queue) the request, its
attachments and its history from central, a file another counter took from central's blobs
unless this desk holds it already.
"""

from __future__ import annotations

import atexit
import datetime as dt
import html
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.file_checks import PDFIUM_LOCK
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.gui import workers
from tawasul_desktop.present.request import RequestPresenter
from tawasul_desktop.storage.queue import QueueRow
from tawasul_desktop.storage.queue_backend import RequestDetail
from tawasul_desktop.storage.requests import display_number
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import backend_of

PREVIEW_DPI = 60
# At most this many pixels in a preview (8 MB as RGBA), whatever page size a file declares.
PREVIEW_PIXELS = 2_000_000
_SUFFIX = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
_view_dir: Path | None = None


def load_detail(store: Store, number: str) -> RequestDetail:
    """The request with its attachments, follow-ups and history (run in a worker)."""
    return backend_of(store).detail(number)


def preview_image(store: Store, sha256: str, media_type: str,
                  cancelled: threading.Event | None = None) -> QImage | None:
    """The picture to show for an attachment (run in a worker: QImage, never QPixmap).

    Only a PDF's first page is drawn, and never more than PREVIEW_PIXELS whatever size the
    file claims (files from before intake checked them, or from central, are not trusted).
    ``cancelled`` (set when another file or request is chosen) stops before each costly step."""
    cancelled = cancelled or threading.Event()
    content = backend_of(store).read_attachment(sha256)
    if cancelled.is_set():
        return None
    if media_type == "application/pdf":
        return first_page_image(content, PREVIEW_DPI, PREVIEW_PIXELS, cancelled)
    return bounded_image(content, PREVIEW_PIXELS)


def _fit(width: float, height: float, scale: float, budget: int) -> float:
    """``scale``, reduced so that the scaled width x height stays within ``budget`` pixels."""
    if width <= 0 or height <= 0:
        return scale
    scale = min(scale, math.sqrt(budget / (width * height)))
    while math.ceil(width * scale) * math.ceil(height * scale) > budget:  # renderers round up
        scale *= 0.999
    return scale


def first_page_image(pdf: bytes, dpi: float, budget: int,
                     cancelled: threading.Event) -> QImage | None:
    """Page 1 of ``pdf`` at ``dpi``, or smaller to stay within ``budget`` pixels; None if
    PDFium cannot open it or the preview was cancelled."""
    import pypdfium2

    with PDFIUM_LOCK:  # PDFium is not thread-safe
        try:
            document = pypdfium2.PdfDocument(pdf)
        except pypdfium2.PdfiumError:
            return None
        try:
            if len(document) < 1 or cancelled.is_set():
                return None
            page = document[0]
            width, height = page.get_size()
            scale = _fit(width, height, dpi / 72, budget)
            bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=False)
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                           QImage.Format.Format_RGB888 if bitmap.n_channels == 3
                           else QImage.Format.Format_RGBA8888)
            return image.copy()  # detach from PDFium's buffer before it is freed
        except pypdfium2.PdfiumError:
            return None
        finally:
            document.close()


def bounded_image(content: bytes, budget: int) -> QImage | None:
    """A JPEG or PNG decoded at most at ``budget`` pixels (Qt scales while decoding)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(content))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if not size.isValid():
        return None
    scale = _fit(size.width(), size.height(), 1.0, budget)
    if scale < 1.0:
        reader.setScaledSize(QSize(max(1, int(size.width() * scale)),
                                   max(1, int(size.height() * scale))))
    image = reader.read()
    return None if image.isNull() else image


def viewer_copy(store: Store, sha256: str, media_type: str) -> Path:
    """A private temporary copy for the system viewer, named by digest and type only (run in
    a worker: over central it may read the file from the network)."""
    global _view_dir
    if _view_dir is None:
        _view_dir = Path(tempfile.mkdtemp(prefix="tawasul-view-"))
        atexit.register(shutil.rmtree, _view_dir, True)
    target = _view_dir / f"{sha256[:16]}{_SUFFIX.get(media_type, '')}"
    if not target.exists():
        # Written aside and renamed: two workers opening the same file never see half of it.
        fd, tmp = tempfile.mkstemp(dir=_view_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(backend_of(store).read_attachment(sha256))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return target


class DetailPane(QWidget):
    """Shows one request; ``loaded`` is emitted with its RequestDetail once read."""

    loaded = Signal(object)

    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.store, self._language, self.clock = store, language, clock
        self.queue = backend_of(store)
        self.detail: RequestDetail | None = None
        self.number: str | None = None  # the one request shown
        self.numbers: list[str] = []  # every request the pane stands for (one, several, none)
        self._preview_for: str | None = None
        self._preview_cancel = threading.Event()  # the preview being drawn, if any
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setProperty("role", "title")
        layout.addWidget(self.title)
        split = QSplitter(Qt.Orientation.Vertical)
        self.text = QTextBrowser()
        self.text.setObjectName("detailText")
        split.addWidget(self.text)
        files = QWidget()
        files_layout = QVBoxLayout(files)
        files_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.attachments = QListWidget()
        self.attachments.setObjectName("attachmentList")
        self.attachments.setMaximumWidth(240)
        row.addWidget(self.attachments)
        self.preview = QLabel()
        self.preview.setObjectName("attachmentPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)  # a message (e.g. "still uploading") fits a narrow pane
        scroll = QScrollArea()
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        row.addWidget(scroll, 1)
        files_layout.addLayout(row)
        self.open_button = QPushButton()
        self.open_button.setObjectName("openAttachment")
        files_layout.addWidget(self.open_button)
        split.addWidget(files)
        split.setSizes([400, 220])
        layout.addWidget(split)
        self.attachments.currentItemChanged.connect(self._on_attachment)
        self.open_button.clicked.connect(self.open_attachment)
        self._retranslate()
        self.show_request(None)

    # --- loading ---------------------------------------------------------------------------

    def show_request(self, number: str | None) -> None:
        self._preview_cancel.set()  # another request: the previous preview is not wanted
        self.number = number
        self.numbers = [number] if number is not None else []
        if number is None:
            self.detail = None
            self._render()
            return
        store = self.store
        workers.run_task(lambda: load_detail(store, number),
                         lambda d: self._on_loaded(number, d), self._on_failed)

    def show_many(self, rows: list[QueueRow]) -> None:
        """Several requests chosen: name them all, so the pane never suggests one of them is
        the target of a bulk action (or that an earlier one still is)."""
        self.number, self.detail = None, None
        self.numbers = [r.number for r in rows]
        self._render(chosen=rows)

    def reload(self) -> None:
        self.show_request(self.number)

    def _on_loaded(self, number: str, detail: RequestDetail) -> None:
        if number != self.number:
            return  # another request was chosen meanwhile
        self.detail = detail
        self._render()
        self.loaded.emit(detail)

    def _on_failed(self, exc: BaseException) -> None:
        problem = exc.problems[0] if isinstance(exc, TawasulError) else self.queue.problem_of(exc)
        if problem is None:
            raise exc  # a bug: the application's handler logs it and says so
        self.detail = None
        self._render(problem.text(self._language()))

    # --- attachments -----------------------------------------------------------------------

    def _current_attachment(self) -> tuple[str, str] | None:
        item = self.attachments.currentItem()
        chosen: tuple[str, str] | None = (item.data(Qt.ItemDataRole.UserRole)
                                          if item is not None else None)
        return chosen

    def _on_attachment(self, *_args: object) -> None:
        chosen = self._current_attachment()
        self.open_button.setEnabled(chosen is not None)
        self.preview.clear()
        self._preview_cancel.set()
        if chosen is None:
            return
        sha, media = chosen
        self._preview_for = sha
        self._preview_cancel = cancelled = threading.Event()
        self.preview.setText(self.tr("Loading preview…"))
        store = self.store
        workers.run_task(lambda: preview_image(store, sha, media, cancelled),
                         lambda image: self._on_preview(sha, image),
                         lambda exc: self._on_preview_failed(exc, sha))

    def _on_preview(self, sha: str, image: QImage | None) -> None:
        if sha != self._preview_for:
            return
        if image is None:
            self.preview.setText(self.tr("No preview; open it with the system viewer."))
        else:
            self.preview.setPixmap(QPixmap.fromImage(image))

    def _on_preview_failed(self, exc: BaseException, sha: str | None = None) -> None:
        if sha is not None and sha != self._preview_for:
            return  # another file was chosen meanwhile
        problem = exc.problems[0] if isinstance(exc, TawasulError) else self.queue.problem_of(exc)
        if problem is not None:  # e.g. still uploading from the counter, central unreachable
            self.preview.setText(problem.text(self._language()))
        else:
            self.preview.setText(self.tr("The file could not be read."))

    def open_attachment(self) -> None:
        chosen = self._current_attachment()
        if chosen is None:
            return
        store = self.store
        workers.run_task(lambda: viewer_copy(store, *chosen), self._open_copy,
                         self._on_preview_failed)

    # --- showing ---------------------------------------------------------------------------

    def _render(self, problem: str | None = None, chosen: list[QueueRow] | None = None) -> None:
        self.attachments.clear()
        self.preview.clear()
        self.open_button.setEnabled(False)
        detail = self.detail
        presenter = RequestPresenter(self.store.catalogue, self._language(),
                                     self.store.policy.calendar.timezone)
        if chosen:
            self.title.setText(self.tr("%n request(s) chosen", "", len(chosen)))
            self.text.setHtml(presenter.chosen_html(
                (display_number(r.number), r.applicant_name, r.status) for r in chosen))
            return
        if detail is None:
            self.title.setText("")
            hint = problem or self.tr("Choose a request in the queue to see it here.")
            self.text.setHtml(f"<p>{html.escape(hint)}</p>")
            return
        req = detail.request
        self.title.setText(presenter.title(display_number(req.number), req.status))
        self.text.setHtml(presenter.detail_html(req, detail.timeline))
        for a in req.attachments:
            item = QListWidgetItem(presenter.attachment_item(req.service, a.document,
                                                             a.display_name, a.size))
            item.setData(Qt.ItemDataRole.UserRole, (a.sha256, a.media_type))
            self.attachments.addItem(item)
        if self.attachments.count():
            self.attachments.setCurrentRow(0)

    @staticmethod
    def _open_copy(path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))  # False: the system said so

    def _retranslate(self) -> None:
        self.open_button.setText(self.tr("&Open with the system viewer"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self._render()
        super().changeEvent(event)

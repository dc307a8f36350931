"""Wizard page 3: attach the service's documents by file dialog or drag-and-drop.

A checklist ticks each required document as a file is attached for it. Each file is read once,
its type judged by content (the core's sniff_media_type) and its size against the policy;
problems are shown under the list with the core's messages. Images get a thumbnail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.domain.catalogue import Service
from tawasul_desktop.domain.files import display_name, sniff_media_type
from tawasul_desktop.domain.intake_json import NotARegularFile, read_limited
from tawasul_desktop.domain.intake_types import AttachmentInput
from tawasul_desktop.domain.messages import Problem
from tawasul_desktop.domain.policy import IntakePolicy
from tawasul_desktop.storage.blobs import sha256_hex
from tawasul_desktop.storage.drafts import DraftAttachment

THUMBNAIL = QSize(72, 72)


@dataclass
class AttachedFile:
    document: str
    name: str
    path: str
    content: bytes
    media_type: str
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = sha256_hex(self.content)  # once: drafts name the content by it


class AttachmentsPage(QWidget):
    changed = Signal()

    def __init__(self, intake: IntakePolicy, language: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsPage")
        self.setAcceptDrops(True)
        self._intake = intake
        self._language = language
        self._service: Service | None = None
        self.files: list[AttachedFile] = []
        self._problems: list[Problem] = []

        self.heading = QLabel()
        self.heading.setObjectName("attachmentsHeading")
        self.heading.setWordWrap(True)
        self.checklist = QListWidget()
        self.checklist.setObjectName("documentChecklist")
        self.checklist.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.checklist.setMaximumHeight(110)
        self.document_label = QLabel()
        self.document = QComboBox()
        self.document.setObjectName("documentCombo")
        self.document_label.setBuddy(self.document)
        self.add_button = QPushButton()
        self.add_button.setObjectName("addFileButton")
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("removeFileButton")
        self.list = QListWidget()
        self.list.setObjectName("attachmentList")
        self.list.setIconSize(THUMBNAIL)
        self.error = QLabel()
        self.error.setObjectName("attachmentError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.drop_hint = QLabel()
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setProperty("role", "hint")

        row = QHBoxLayout()
        row.addWidget(self.document_label)
        row.addWidget(self.document, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.checklist)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.drop_hint)
        layout.addWidget(self.error)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._retranslate()

    # --- service ---------------------------------------------------------------------------

    def set_service(self, service: Service | None) -> None:
        if service is self._service:
            return
        self._service = service
        codes = {d.code for d in service.documents} if service else set()
        self.files = [f for f in self.files if f.document in codes]
        self._problems = []
        self._rebuild()

    def _rebuild(self) -> None:
        language = self._language()
        documents = self._service.documents if self._service else ()
        current = self.document.currentData()
        self.document.blockSignals(True)
        self.document.clear()
        for doc in documents:
            self.document.addItem(doc.label(language), doc.code)
        self.document.setCurrentIndex(max(0, self.document.findData(current)))
        self.document.blockSignals(False)
        covered = {f.document for f in self.files}
        self.checklist.clear()
        for doc in documents:
            item = QListWidgetItem(doc.label(language))
            item.setData(Qt.ItemDataRole.UserRole, doc.code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if doc.code in covered
                               else Qt.CheckState.Unchecked)
            self.checklist.addItem(item)
        self.list.clear()
        for attached in self.files:
            self.list.addItem(self._item(attached))
        self._show_problems()
        self._update_buttons()

    def _item(self, attached: AttachedFile) -> QListWidgetItem:
        doc = self._service.document(attached.document) if self._service else None
        label = doc.label(self._language()) if doc else attached.document
        size_kb = max(1, round(len(attached.content) / 1024))
        item = QListWidgetItem(f"{label}: {isolate(attached.name)} ({ltr(f'{size_kb} KB')})")
        item.setIcon(self._thumbnail(attached))
        item.setToolTip(attached.path)
        return item

    def _thumbnail(self, attached: AttachedFile) -> QIcon:
        if attached.media_type.startswith("image/"):
            image = QImage.fromData(attached.content)
            if not image.isNull():
                return QIcon(QPixmap.fromImage(image.scaled(
                    THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation)))
        return self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.list.currentRow() >= 0)
        self.add_button.setEnabled(self.document.count() > 0)

    # --- adding and removing ---------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add files"), "", self.tr("Documents (*.pdf *.jpg *.jpeg *.png)"))
        if paths:
            self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> None:
        """Attach files for the chosen document; after each, move on to the next uncovered one."""
        self._problems = []
        for path in paths:
            code = self.document.currentData()
            if not code:
                return
            attached, problem = self._read(path, code)
            if problem is not None:
                self._problems.append(problem)
                continue
            assert attached is not None
            self.files.append(attached)
            self._select_next_uncovered()
        self._rebuild()
        self.list.setCurrentRow(self.list.count() - 1)
        self.changed.emit()

    def _read(self, path: str, code: str) -> tuple[AttachedFile | None, Problem | None]:
        name = display_name(Path(path).name)
        field = f"attachments[{len(self.files)}]"
        try:
            size = Path(path).stat().st_size
            if size > self._intake.max_file_bytes:
                return None, Problem.of("attachment.too_large", field, code, name=name,
                                        max_mb=f"{self._intake.max_file_mb:g}")
            # Never blocks: a FIFO or device chosen or dropped here is refused, not waited on.
            content = read_limited(Path(path), self._intake.max_file_bytes)
        except NotARegularFile:
            return None, Problem.of("attachment.not_a_file", field, code, name=name)
        except OSError:
            return None, Problem.of("attachment.unreadable", field, code, name=name)
        return self._accept(path, name, code, content)

    def _accept(self, path: str, name: str, code: str,
                content: bytes) -> tuple[AttachedFile | None, Problem | None]:
        field = f"attachments[{len(self.files)}]"
        if len(content) > self._intake.max_file_bytes:
            return None, Problem.of("attachment.too_large", field, code, name=name,
                                    max_mb=f"{self._intake.max_file_mb:g}")
        if not content:
            return None, Problem.of("attachment.empty", field, code, name=name)
        media_type = sniff_media_type(content)
        if media_type is None:
            return None, Problem.of("attachment.bad_type", field, code, name=name)
        return AttachedFile(code, name, path, content, media_type), None

    def _select_next_uncovered(self) -> None:
        covered = {f.document for f in self.files}
        for index in range(self.document.count()):
            if self.document.itemData(index) not in covered:
                self.document.setCurrentIndex(index)
                return

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.files):
            del self.files[row]
            self._problems = []
            self._rebuild()
            self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # --- problems from validate_request, state ---------------------------------------------

    def show_problems(self, problems: list[Problem]) -> None:
        self._problems = list(problems)
        self._show_problems()

    def _show_problems(self) -> None:
        language = self._language()
        self.error.setText("\n".join(p.text(language) for p in self._problems))
        self.error.setVisible(bool(self._problems))

    def inputs(self) -> list[AttachmentInput]:
        return [AttachmentInput(f.document, f.name, f.content) for f in self.files]

    def state(self) -> list[dict[str, str]]:
        """The files as a draft keeps them; their contents go to the store by ``sha256``."""
        return [{"document": f.document, "name": f.name, "path": f.path, "sha256": f.sha256}
                for f in self.files]

    def contents(self) -> list[bytes]:
        return [f.content for f in self.files]

    def restore(self, saved: list[DraftAttachment]) -> None:
        """Take back a draft's files: their stored contents, else (a draft saved before
        contents were kept) the original file; a file that has gone is reported, not fatal."""
        self.files, self._problems = [], []
        for entry in saved:
            if entry.content is not None:
                attached, problem = self._accept(entry.path, entry.name or
                                                 display_name(Path(entry.path).name),
                                                 entry.document, entry.content)
            else:
                attached, problem = self._read(entry.path, entry.document)
            if attached is not None:
                self.files.append(attached)
            elif problem is not None:
                self._problems.append(problem)
        self._select_next_uncovered()
        self._rebuild()

    def clear(self) -> None:
        self.files, self._problems = [], []
        self._rebuild()

    # --- language --------------------------------------------------------------------------

    def _retranslate(self) -> None:
        self.heading.setText(self.tr("Attach every document the service needs. Each ticks "
                                     "in the list below when a file is attached for it."))
        self.document_label.setText(self.tr("&Document"))
        self.add_button.setText(self.tr("Add file…"))
        self.remove_button.setText(self.tr("Remove"))
        self.drop_hint.setText(self.tr("You can also drop PDF, JPEG or PNG files here."))
        self._rebuild()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

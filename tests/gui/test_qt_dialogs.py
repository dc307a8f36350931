"""Issue 13 §6: Qt's own file dialog speaks Arabic to an Arabic clerk.

Qt's Arabic catalogue lacks "Look in:", "Files of type:" and "Folder"; the application ships
them (resources/translations/qt_extra_ar.ts). Opened as the application opens it (Qt's own
dialog, as on Linux), every word it shows — labels, buttons, their tooltips, column headings,
the kind of each entry — is Arabic; only file names, paths and patterns are not.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QTreeView

ENGLISH = re.compile(r"[A-Za-z]{2,}")


def shown_words(dialog: QFileDialog) -> list[str]:
    texts = [w.text() for w in dialog.findChildren(QLabel)]
    for button in dialog.findChildren(QAbstractButton):
        texts += [button.text(), button.toolTip()]
    for view in dialog.findChildren(QTreeView):
        model, root = view.model(), view.rootIndex()
        texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "")
                  for c in range(model.columnCount(root))]
        # Column 0 holds the names; column 1 the sizes, which Qt writes in the operating
        # system's locale (CLDR data, "9 bytes" on an English system), not from a catalogue.
        for r in range(model.rowCount(root)):
            texts += [str(model.index(r, c, root).data() or "")
                      for c in range(2, model.columnCount(root))]
    return [t for t in texts if t]


@pytest.mark.parametrize("mode", [QFileDialog.AcceptMode.AcceptOpen,
                                  QFileDialog.AcceptMode.AcceptSave])
def test_the_file_dialog_has_no_english_in_arabic(qtbot, window, tmp_path, mode):
    (tmp_path / "مجلد").mkdir()
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4\n")
    dialog = QFileDialog(window, "ملف", str(tmp_path), "PDF (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    dialog.setAcceptMode(mode)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    view = next(v for v in dialog.findChildren(QTreeView) if v.isVisible())
    qtbot.waitUntil(lambda: view.model().rowCount(view.rootIndex()) >= 2, timeout=5000)
    english = [t for t in shown_words(dialog) if ENGLISH.search(t.replace("PDF", ""))]
    assert english == []

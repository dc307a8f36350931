"""Issue 13 §2: a request number placed in any sentence reads left to right.

Rendered, not read as a string: each sentence is laid out by Qt (QTextLayout, the engine
every label and message box uses) in the direction of its language, and the number's
characters must stand left to right on the line. Covered: every message code of the
catalogue, every translated GUI string that takes arguments (both languages), and real
screens (the accept confirmation, the mistyped-number message, the duplicate prompt).
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gui_helpers import sign_in, type_text
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from supervisor_helpers import add_supervisors, open_workspace, submitted

from tawasul_desktop.domain import messages
from tawasul_desktop.domain.bidi import fill, isolate, ltr, wrap
from tawasul_desktop.domain.messages import known_codes, message
from tawasul_desktop.domain.numbers import make_number

ROOT = Path(__file__).resolve().parents[2]
NUMBER = make_number("101", 9, 2026, 5097).display  # 101-09-26-005097-5
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def reads_left_to_right(text: str, fragment: str, rtl: bool) -> bool:
    """Whether ``fragment``, where it first stands in ``text``, is drawn left to right."""
    line_text = next(line for line in text.split("\n") if fragment in line)
    layout = QTextLayout(line_text, QFont())
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.RightToLeft if rtl
                            else Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(1_000_000)
    layout.endLayout()
    start = line_text.index(fragment)
    # The cursor between each two characters of the fragment: rightwards, one after another.
    xs = [line.cursorToX(start + k)[0] for k in range(1, len(fragment))]
    return all(a < b for a, b in zip(xs, xs[1:], strict=False))


def test_the_check_sees_a_reversed_number(qapp):
    """The measure itself: a bare number after Arabic is reversed, an isolated one is not."""
    assert not reads_left_to_right(f"قبول الطلب {NUMBER}؟", NUMBER, rtl=True)
    assert reads_left_to_right(f"قبول الطلب {ltr(NUMBER)}؟", NUMBER, rtl=True)


def test_wrap_chooses_the_isolate():
    assert wrap(NUMBER) == ltr(NUMBER) and wrap(7) == ltr(7)
    assert wrap("هوية.pdf") == isolate("هوية.pdf")
    assert wrap("/home/amal/مستندات/هوية.pdf").startswith("\u2066")  # a path: left to right
    assert wrap(ltr(NUMBER)) == ltr(NUMBER) and wrap("") == ""
    assert fill("%1 و%2", "%2", 5) == f"{ltr('%2')} و{ltr(5)}"  # one pass


@pytest.mark.parametrize("code", sorted(known_codes()))
def test_every_message_reads_a_number_left_to_right(qapp, code):
    texts = messages._catalogue()[code]
    names = set(_PLACEHOLDER.findall(texts["ar"] + texts["en"]))
    if not names:
        return
    ar, en = message(code, **dict.fromkeys(names, NUMBER))
    assert NUMBER in ar and NUMBER in en, code
    assert reads_left_to_right(ar, NUMBER, rtl=True), (code, ar)
    assert reads_left_to_right(en, NUMBER, rtl=False), (code, en)


def _ts_strings(language: str) -> list[tuple[str, list[str]]]:
    tree = ET.parse(ROOT / "resources" / "translations" / f"tawasul_{language}.ts")
    found = []
    for msg in tree.iter("message"):
        source = msg.findtext("source") or ""
        if not re.search(r"%[1-9]", source):
            continue
        translation = msg.find("translation")
        forms: list[str] = []
        if translation is not None:
            forms = [f.text or "" for f in translation.iter("numerusform")]
            if not forms and translation.text:
                forms = [translation.text]
        found.append((source, [f for f in forms if f] or [source]))
    return found


def test_there_are_gui_strings_with_arguments():
    assert len(_ts_strings("ar")) >= 20


@pytest.mark.parametrize(("source", "forms"), _ts_strings("ar"), ids=lambda v: str(v)[:40])
def test_every_gui_string_with_arguments_reads_a_number_left_to_right(qapp, source, forms):
    count = len(set(re.findall(r"%[1-9]", source)))
    for text, rtl in [(f, True) for f in forms] + [(source, False)]:
        shown = fill(text.replace("%n", "3"), *[NUMBER] * count)
        assert reads_left_to_right(shown, NUMBER, rtl), (source, shown)


def test_gui_code_fills_arguments_through_the_helper():
    """No sentence in the GUI is filled by hand (``.replace("%1", …)``) or isolated inline:
    both go through domain.bidi, so the check above covers what the screens show."""
    offenders = []
    for path in sorted((ROOT / "tawasul_desktop" / "gui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "replace" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and re.fullmatch(r"%[1-9]", str(node.args[0].value))):
                offenders.append(f"{path.name}:{node.lineno}")
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and re.search("[\u2066-\u2069]", node.value)):
                offenders.append(f"{path.name}:{node.lineno} (inline isolate)")
    assert offenders == []


def test_the_accept_confirmation_reads_the_number(qtbot, window, store, answers):
    add_supervisors(store)
    number = submitted(store)
    workspace = open_workspace(qtbot, window)
    workspace.select_rows([0])
    answers.replies = [False]
    qtbot.mouseClick(workspace.accept_button, Qt.MouseButton.LeftButton)
    shown = make_number_display(number)
    assert reads_left_to_right(answers.asked[-1], shown, rtl=True), answers.asked[-1]


def test_the_mistyped_number_message_reads_the_number(qtbot, window, store):
    number = submitted(store)
    sign_in(qtbot, window, "amal")
    window.tabs.setCurrentWidget(window.enquiry)
    page = window.enquiry
    shown = make_number_display(number)
    mistyped = shown[:-1] + str((int(shown[-1]) + 1) % 10)
    type_text(qtbot, page.input, mistyped)
    assert "مكتوب خطأ" in page.message.text()
    assert reads_left_to_right(page.message.text(), mistyped, rtl=True), page.message.text()


def make_number_display(digits: str) -> str:
    from tawasul_desktop.storage.requests import display_number

    return display_number(digits)

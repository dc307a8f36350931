"""Small modal questions and notices, in one place so that tests can answer them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, text: str, details: str = "") -> bool:
    """Yes or No, No by default; ``details`` (e.g. every request a bulk action changes)
    goes behind "Show Details…" so a long list never pushes the buttons off the screen."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    if details:
        box.setDetailedText(details)
    return box.exec() == QMessageBox.StandardButton.Yes


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def ask(parent: QWidget | None, title: str, text: str, choices: Sequence[tuple[str, str]],
        default: str, escape: str) -> str:
    """One of several answers, as the key of ``choices`` ((key, button label) pairs).

    ``default`` is what Enter gives and ``escape`` what Esc or closing gives: both must be
    safe (they never destroy work); a destructive choice takes a deliberate click or its
    mnemonic.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    buttons = {}
    for key, label in choices:
        role = (QMessageBox.ButtonRole.AcceptRole if key == default
                else QMessageBox.ButtonRole.RejectRole if key == escape
                else QMessageBox.ButtonRole.DestructiveRole)
        buttons[key] = box.addButton(label, role)
        buttons[key].setObjectName(f"answer_{key}")
    box.setDefaultButton(buttons[default])
    box.setEscapeButton(buttons[escape])
    box.exec()
    clicked = box.clickedButton()
    return next((key for key, button in buttons.items() if button is clicked), escape)

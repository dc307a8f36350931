"""Words for the audit actions shown in a request's history (enquiry page, supervisor pane)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def action_label(action: str) -> str:
    """The history line for an audit action, in the current language; unknown ones as coded."""
    # Spelled out in full each time: lupdate only recognises literal translate() calls.
    labels = {
        "request.submit": QCoreApplication.translate("HistoryLabels", "Request submitted"),
        "request.follow_up": QCoreApplication.translate("HistoryLabels", "Follow-up recorded"),
        "request.start_review": QCoreApplication.translate("HistoryLabels", "Review started"),
        "request.accept": QCoreApplication.translate("HistoryLabels", "Accepted"),
        "request.reject": QCoreApplication.translate("HistoryLabels", "Rejected"),
        "request.return": QCoreApplication.translate("HistoryLabels", "Returned to the applicant"),
        "request.answer": QCoreApplication.translate("HistoryLabels", "Applicant answered"),
        "request.close": QCoreApplication.translate("HistoryLabels", "Closed"),
        "request.withdraw": QCoreApplication.translate("HistoryLabels", "Withdrawn"),
        "request.due_moved": QCoreApplication.translate(
            "HistoryLabels", "Due date moved by a closure day"
        ),
        # A counter taking central's state for the request (its decision or a closure).
        "sync.request_changed": QCoreApplication.translate(
            "HistoryLabels", "Updated from the central database"
        ),
    }
    return labels.get(action, action)

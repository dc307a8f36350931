"""The supervisor dashboard: today's intake, deadlines, SLA compliance, workload, charts.

The figures are counted by storage.reports.dashboard_figures in a worker; the page only
draws them (QtCharts bar and line charts, small tables). A refresh while one is running is
ignored rather than queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tawasul_desktop.domain.bidi import fill, ltr
from tawasul_desktop.domain.lifecycle import OPEN_STATES, Status, status_name
from tawasul_desktop.domain.messages import TawasulError
from tawasul_desktop.gui import dialogs, workers
from tawasul_desktop.storage.queue import QueueRow
from tawasul_desktop.storage.reports import DashboardFigures, Sla, dashboard_figures
from tawasul_desktop.storage.requests import display_number
from tawasul_desktop.storage.store import Store
from tawasul_desktop.storage.supervision import backend_of
from tawasul_desktop.storage.users import Actor

_OPEN = tuple(s.value for s in Status if s in OPEN_STATES)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _table(name: str, columns: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _short_label(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_axis(maximum: float, most_ticks: int = 6) -> tuple[int, int]:
    """(top, ticks) for a count axis from 0: steps of 1, 2 or 5 × 10ⁿ, so the ticks read
    0, 5000, 10000… and never 11922, 23845…"""
    top = max(1.0, float(maximum))
    step = 1
    while top / step > most_ticks - 1:
        for factor in (2, 5 / 2, 2):  # 1 → 2 → 5 → 10 → 20 …
            step = round(step * factor)
            if top / step <= most_ticks - 1:
                break
    intervals = -(-int(top) // step)  # ceiling
    return step * intervals, intervals + 1


def week_labels(count: int, most: int = 6) -> list[int]:
    """Which of ``count`` weeks get a date under the line: every one if they fit, else every
    second or third, always the last."""
    if count <= 0:
        return []
    every = max(1, -(-count // most))
    shown = list(range(count - 1, -1, -every))[::-1]
    return shown


def _chart_view(name: str) -> QChartView:
    view = QChartView()
    view.setObjectName(name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(340)  # room for a label per bar (eight services)
    # QtCharts lays axis labels out wrongly right-to-left (every label elided to "…");
    # charts read left to right anyway, and their Arabic text is still shaped by Qt.
    view.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    return view


class DashboardPage(QWidget):
    refreshed = Signal(object)  # DashboardFigures

    def __init__(self, store: Store, language: Callable[[], str],
                 clock: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self.store, self._language, self.clock = store, language, clock
        self.queue = backend_of(store)
        self.actor: Actor | None = None
        self.figures: DashboardFigures | None = None
        self.loading = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("refreshDashboard")
        self.refresh_button.clicked.connect(self.refresh)
        self.updated = QLabel()
        self.updated.setObjectName("dashboardUpdated")
        self.updated.setProperty("role", "hint")
        top.addWidget(self.refresh_button)
        top.addWidget(self.updated, 1)
        layout.addLayout(top)

        self.tiles: dict[str, QLabel] = {}
        tiles = QHBoxLayout()
        for name in ("intakeToday", "overdueTotal", "dueSoonTotal", "slaOverall",
                     "followUpRate"):
            tile = QLabel()
            tile.setObjectName(name)
            tile.setProperty("role", "success")
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setTextFormat(Qt.TextFormat.RichText)
            self.tiles[name] = tile
            tiles.addWidget(tile)
        layout.addLayout(tiles)

        grid = QGridLayout()
        self.status_chart = _chart_view("statusChart")
        self.service_chart = _chart_view("serviceChart")
        self.sla_chart = _chart_view("slaWeekChart")
        self.sla_table = _table("slaServiceTable", 4)
        self.workload_table = _table("workloadTable", 3)
        self.overdue_table = _table("overdueList", 4)
        self.soon_table = _table("dueSoonList", 4)
        self.headings = [QLabel() for _ in range(4)]
        grid.addWidget(self.status_chart, 0, 0)
        grid.addWidget(self.service_chart, 0, 1)
        grid.addWidget(self.sla_chart, 0, 2)
        for column, (heading, table) in enumerate(zip(
                self.headings, (self.sla_table, self.workload_table, self.overdue_table,
                                self.soon_table), strict=True)):
            box = QVBoxLayout()
            box.addWidget(heading)
            box.addWidget(table)
            grid.addLayout(box, 1 + column // 2, column % 2 * 2, 1, 1 if column % 2 else 2)
        layout.addLayout(grid, 1)
        self._retranslate()

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.figures = None

    # --- refreshing ------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.loading or self.actor is None:
            return
        self.loading = True
        self.refresh_button.setEnabled(False)
        self.updated.setText(self.tr("Refreshing…"))
        store, actor, now = self.store, self.actor, self.clock()
        workers.run_task(lambda: dashboard_figures(store, actor, now), self._on_figures,
                         self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        problem = exc.problems[0] if isinstance(exc, TawasulError) else self.queue.problem_of(exc)
        if problem is None:
            raise exc  # a bug: the application's handler logs it and says so
        dialogs.warn(self, self.tr("Dashboard"), problem.text(self._language()))

    def _on_figures(self, figures: DashboardFigures) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        self.figures = figures
        self._retranslate()  # the headings name the period; they draw the figures too
        self.refreshed.emit(figures)

    # --- showing ---------------------------------------------------------------------------

    def _service_name(self, code: str) -> str:
        service = self.store.catalogue.get(code)
        return service.name(self._language()) if service else code

    def _show(self) -> None:
        f = self.figures
        if f is None:
            return
        zone = self.store.policy.calendar.timezone
        self.updated.setText(fill(self.tr("Updated %1"),
                                  f.now.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")))
        total = f.sla_total()

        def tile(name: str, title: str, value: str) -> None:
            self.tiles[name].setText(f"<b style='font-size:15pt'>{value}</b><br>{title}")

        tile("intakeToday", self.tr("Submitted today"), str(sum(f.intake_today.values())))
        tile("overdueTotal", self.tr("Overdue"), str(f.overdue_total))
        tile("dueSoonTotal", self.tr("Due within 2 working days"), str(f.due_soon_total))
        tile("slaOverall", self.tr("Decided within 7 working days"), _percent(total.rate))
        tile("followUpRate", self.tr("Requests with a follow-up"), _percent(f.follow_up_rate))
        self._status_chart(f)
        self._service_chart(f)
        self._sla_chart(f)
        self._sla_table(f)
        self._workload(f)
        self._rows(self.overdue_table, f.overdue, f)
        self._rows(self.soon_table, f.due_soon, f)

    def _bar_chart(self, view: QChartView, title: str, labels: list[str],
                   values: list[int]) -> None:
        chart = QChart()
        chart.setTitle(title)
        chart.legend().hide()
        bars = QBarSet(title)
        # Horizontal bars: service and status names are long and need a whole line each.
        bars.append([float(v) for v in reversed(values)])
        series = QHorizontalBarSeries()
        series.append(bars)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        # Long service names would be cut at the chart's edge: shorten them visibly instead.
        names.append([_short_label(t) for t in reversed(labels)])  # the largest on top
        names.setTruncateLabels(False)  # QtCharts elides them to "…" even with room to spare
        small = QFont(view.font())  # Arabic line height is tall: at full size every other
        small.setPointSizeF(small.pointSizeF() * 0.8)  # label is hidden as overlapping
        names.setLabelsFont(small)
        counts = QValueAxis()
        top, ticks = nice_axis(max(values or [1]))
        counts.setRange(0, top)
        counts.setTickCount(ticks)
        counts.setLabelFormat("%d")
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(counts, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(names)
        series.attachAxis(counts)
        old = view.chart()
        view.setChart(chart)
        if old is not None:
            old.deleteLater()

    def _status_chart(self, f: DashboardFigures) -> None:
        counts = f.by_status()
        statuses = [s for s in Status if counts.get(s.value)]
        self._bar_chart(self.status_chart, self.tr("Requests by status"),
                        [status_name(s, self._language()) for s in statuses],
                        [counts[s.value] for s in statuses])

    def _service_chart(self, f: DashboardFigures) -> None:
        counts = f.by_service(_OPEN)
        codes = sorted(counts, key=lambda c: -counts[c])
        self._bar_chart(self.service_chart, self.tr("Open requests by service"),
                        [self._service_name(c) for c in codes], [counts[c] for c in codes])

    def _sla_chart(self, f: DashboardFigures) -> None:
        chart = QChart()
        chart.setTitle(self.tr("Decided within 7 working days, by week (%)"))
        chart.legend().hide()
        series = QLineSeries()
        labels = []
        for i, (week, sla) in enumerate(f.sla_by_week):
            labels.append(week.strftime("%m-%d"))
            if sla.rate is not None:
                series.append(QPointF(i, sla.rate * 100))
        chart.addSeries(series)
        # Twelve dates do not fit under the line: every second or third week is labelled
        # (the last always), and the title gives the whole span.
        axis_x = QCategoryAxis()
        axis_x.setRange(0, max(1, len(labels) - 1))
        axis_x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for i in week_labels(len(labels)):
            axis_x.append(labels[i], i)
        axis_x.setTruncateLabels(False)  # "11-29", not "1…"
        if labels:  # the span goes into the title, which QtCharts does not elide
            # Isolated left to right, or the bidi algorithm turns 11-22 into 22-11.
            # A paragraph of its own, left to right: after an Arabic title on the same
            # paragraph the chart's text item put the later date first.
            chart.setTitle(f"{chart.title()}<div dir='ltr' align='center'>"
                           f"{ltr(f'{labels[0]} – {labels[-1]}')}</div>")
        axis_y = QValueAxis()
        axis_y.setRange(0, 100)
        axis_y.setLabelFormat("%d")
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        old = self.sla_chart.chart()
        self.sla_chart.setChart(chart)
        if old is not None:
            old.deleteLater()

    def _fill(self, table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.setItem(r, c, QTableWidgetItem(value))

    def _sla_table(self, f: DashboardFigures) -> None:
        def line(name: str, sla: Sla) -> list[str]:
            return [name, _percent(sla.rate), str(sla.met), str(sla.missed)]

        rows = [line(self._service_name(code), sla)
                for code, sla in sorted(f.sla_by_service.items(),
                                        key=lambda kv: self._service_name(kv[0]))]
        rows.append(line(self.tr("All services"), f.sla_total()))
        self._fill(self.sla_table, rows)

    def _workload(self, f: DashboardFigures) -> None:
        self._fill(self.workload_table, [
            [w.assignee or self.tr("Nobody"), str(w.running), str(w.returned)]
            for w in f.workload])

    def _rows(self, table: QTableWidget, rows: list[QueueRow], f: DashboardFigures) -> None:
        def left(row: QueueRow) -> str:
            _state, days = f.deadlines.get(row.number, (None, 0))
            return str(days)

        self._fill(table, [[display_number(r.number), self._service_name(r.service),
                            r.due_date.isoformat(), left(r)] for r in rows])

    def _retranslate(self) -> None:
        self.refresh_button.setText(self.tr("&Refresh"))
        titles = (self.tr("SLA by service (since %1)"), self.tr("Open requests per supervisor"),
                  self.tr("Overdue (oldest first)"), self.tr("Due within 2 working days"))
        start = self.figures.period_start.isoformat() if self.figures else "—"
        for heading, title in zip(self.headings, titles, strict=True):
            heading.setText(fill(title, start))
            heading.setProperty("role", "title")
        self.sla_table.setHorizontalHeaderLabels(
            [self.tr("Service"), self.tr("In time"), self.tr("Met"), self.tr("Missed")])
        self.workload_table.setHorizontalHeaderLabels(
            [self.tr("Supervisor"), self.tr("Waiting for a decision"), self.tr("Returned")])
        for table in (self.overdue_table, self.soon_table):
            table.setHorizontalHeaderLabels([self.tr("Number"), self.tr("Service"),
                                             self.tr("Due"), self.tr("Working days left")])
        self._show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

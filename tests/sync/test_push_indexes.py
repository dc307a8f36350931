"""The indexes a push keeps up (issue 16, item 5): central c0014 drops requests_centre_status,
which no supervisor statement needs, and builds it again on a downgrade."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import event
from synchelp import CentralDb, create_central_db, drop_central_db, supervisor_role

from tawasul_desktop.central import admin
from tawasul_desktop.central.queue import open_central_store
from tawasul_desktop.domain.catalogue import SERVICE_CODES
from tawasul_desktop.storage.queue import (
    PRESETS,
    UNASSIGNED,
    PagePlan,
    QueueFilter,
    QueueQuery,
    QueueSort,
    QueueWindow,
    SortKey,
    preset_filter,
)
from tawasul_desktop.storage.reports import dashboard_figures
from tawasul_desktop.storage.users import Actor

DROPPED = "requests_centre_status"
DEFINITION = "CREATE INDEX requests_centre_status ON requests (centre, status, received_at)"
# Indexes that look alike but serve statements of their own: kept.
KEPT = ("requests_queue_number", "requests_queue_status", "requests_status_service",
        "requests_assignee_status")
AMAL = Actor("amal", "supervisor", "Amal")


def request_indexes(db: CentralDb) -> dict[str, str]:
    with db.admin() as conn:
        return dict(conn.execute("SELECT indexname, indexdef FROM pg_indexes "
                                 "WHERE tablename = 'requests'").fetchall())


@pytest.fixture
def c0013_central() -> Any:
    db = create_central_db(revision="c0013")
    try:
        yield db
    finally:
        drop_central_db(db)


def test_upgrade_drops_the_centre_status_index_and_downgrade_builds_it_again(
        c0013_central: CentralDb) -> None:
    db = c0013_central
    before = request_indexes(db)
    assert DROPPED in before
    assert admin.upgrade_central(db.target()) == ("c0013", admin.central_head())
    after = request_indexes(db)
    assert DROPPED not in after
    assert after == {k: v for k, v in before.items() if k != DROPPED}  # the rest kept
    assert set(KEPT) <= set(after)

    engine = admin._engine(db.target())
    try:
        command.downgrade(admin._config(engine, role_prefix=db.prefix), "c0013")
    finally:
        engine.dispose()
    assert request_indexes(db) == before


# ~80,000 requests over four centres, as varied as the queue's filters: statuses, services,
# counters, assignees, due dates around today, names for the trigram search.
FILL = """
INSERT INTO requests (id, number, centre, counter, service, status, applicant_name,
    applicant_id, applicant_id_kind, applicant_mobile, beneficiary_name, beneficiary_id,
    beneficiary_id_kind, relation, search_names, description, submitted_at, effective_day,
    due_date, created_by, updated_at, assignee, follow_up_count, decided_at)
SELECT gen_random_uuid(), c.code || '-' || (1 + g %% 4) || '-26-' || lpad(g::text, 7, '0'),
       c.code, 1 + g %% 4, (%(services)s::text[])[1 + g %% 8],
       (ARRAY['submitted', 'under_review', 'returned', 'accepted', 'rejected', 'closed',
              'withdrawn', 'submitted', 'under_review', 'accepted'])[1 + (g / 7) %% 10],
       n.name, lpad((1000000000 + g)::text, 10, '0'), 'national_id', '0551234567',
       n.name, lpad((1000000000 + g)::text, 10, '0'), 'national_id', 'self',
       n.name || ' ' || n.name, 'وصف الطلب ' || g,
       now() - (g %% 120) * interval '1 day' - (g %% 1440) * interval '1 minute',
       (now() - (g %% 120) * interval '1 day')::date,
       (now() - (g %% 120) * interval '1 day')::date + 10 + g %% 5,
       'clerk', now(),
       CASE WHEN g %% 5 = 0 THEN NULL WHEN g %% 7 = 0 THEN 'amal' ELSE 'sup' || (g %% 7) END,
       g %% 4,
       CASE WHEN (g / 7) %% 10 IN (3, 4, 5, 9) THEN now() - (g %% 100) * interval '1 day' END
FROM generate_series(1, %(per_centre)s) g
CROSS JOIN (VALUES ('101'), ('102'), ('103'), ('104')) AS c(code)
CROSS JOIN LATERAL (SELECT (ARRAY['أحمد محمد القحطاني', 'سارة علي الزهراني',
                                  'خالد عبدالله العتيبي', 'منى سعد الغامدي',
                                  'فهد ناصر الدوسري'])[1 + (g + length(c.code)) %% 5]
                           || ' ' || g %% 97 AS name) n
"""


def supervisor_statements(central: CentralDb, tmp_path: Any) -> list[tuple[str, Any]]:
    """Every statement the queue (counts, pages, jumps, exports' streams, presets, filters,
    sorts) and the dashboard send through a supervisor's login, as sent."""
    from tawasul_desktop.config import load_settings

    settings = load_settings(config_file=tmp_path / "none.toml", db=tmp_path / "s.sqlite3",
                             data_dir=tmp_path / "data")
    store = open_central_store(settings, target=central.target(supervisor_role(central,
                                                                              "amal")))
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "requests" in statement and statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", keep)
    today = dt.date.today()
    filters = [QueueFilter(), *(preset_filter(p, AMAL) for p in PRESETS),
               *(QueueFilter(statuses=(s,)) for s in ("submitted", "returned", "accepted")),
               QueueFilter(statuses=("rejected", "accepted")), QueueFilter(service="passport"),
               QueueFilter(counter=2), QueueFilter(assignee="sup3"),
               QueueFilter(assignee=UNASSIGNED), QueueFilter(since=today - dt.timedelta(days=3)),
               QueueFilter(since=today - dt.timedelta(days=60), until=today),
               QueueFilter(text="سارة"), QueueFilter(text="1000000042"),
               QueueFilter(text="101-3-26-0000042"),
               QueueFilter(statuses=("submitted",), service="final_exit", counter=1)]
    try:
        for flt in filters:
            for key in SortKey:
                for descending in (False, True):
                    query = QueueQuery(store, AMAL, flt, QueueSort(key, descending))
                    total = query.count()
                    window = QueueWindow(query, total, page_size=100, max_pages=3)
                    for page in sorted({0, 1, window.page_count // 2, window.page_count - 1}):
                        if 0 <= page < window.page_count:
                            window.load(page)
                    query.page(PagePlan(offset=total // 2, limit=100))
                    if flt == filters[0] and key in (SortKey.DUE, SortKey.NUMBER) \
                            and not descending:
                        sum(1 for _ in query.stream())
        dashboard_figures(store, AMAL)
    finally:
        store.close()
    return list({s: (s, p) for s, p in sent}.values())  # each statement once


def plans(conn: psycopg.Connection[Any], role: str, statements: list[tuple[str, Any]],
          with_index: bool) -> list[tuple[float, str]]:
    """Each statement's plan (total cost, text) as the supervisor's login plans it, with or
    without the index (made or dropped in a transaction that is rolled back)."""
    out = []
    with conn.transaction(force_rollback=True):
        if with_index:
            # (no ANALYZE: its sample is random; a plain column index needs no statistics)
            conn.execute(DEFINITION.replace("INDEX", "INDEX IF NOT EXISTS", 1))
        else:
            conn.execute(f"DROP INDEX IF EXISTS {DROPPED}")
        conn.execute("SET LOCAL timezone = 'UTC'")
        conn.execute(f'SET LOCAL ROLE "{role}"')
        for statement, parameters in statements:
            row = conn.execute("EXPLAIN (FORMAT JSON) " + statement, parameters).fetchone()
            assert row is not None
            text = "\n".join(r[0] for r in conn.execute("EXPLAIN " + statement,
                                                        parameters).fetchall())
            out.append((float(row[0][0]["Plan"]["Total Cost"]), text))
    return out


def test_no_supervisor_statement_plans_worse_without_the_index(central: CentralDb,
                                                               tmp_path: Any) -> None:
    per_centre = 20_000
    with central.admin() as conn:
        conn.execute(FILL, {"services": list(SERVICE_CODES), "per_centre": per_centre})
        conn.execute("VACUUM ANALYZE requests")
    statements = supervisor_statements(central, tmp_path)
    assert len(statements) > 100
    role = central.scalar("SELECT role_name FROM counters WHERE kind = 'supervisor' "
                          "AND centre = '101'")
    with central.admin() as conn:
        now = plans(conn, role, statements, with_index=False)
        before = plans(conn, role, statements, with_index=True)
    assert not any(DROPPED in plan for _, plan in now)
    # 1%: the planner's own fuzz between paths it counts as equal
    worse = [(cost, old, statement, old_plan, plan)
             for (statement, _), (cost, plan), (old, old_plan)
             in zip(statements, now, before, strict=True) if cost > old * 1.01]
    assert not worse, worse[:3]
    used = sum(DROPPED in plan for _, plan in before)
    print(f"{len(statements)} statements; the index was in {used} plans, each as good without")

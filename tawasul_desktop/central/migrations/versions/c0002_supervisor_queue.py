"""supervisor queue on central: request assignee, keyset-paging indexes, assignee grant

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-29 09:00:00.000000

The queue (storage/queue.py) reads central ``requests`` with the same SQL as a desk's store.
Row-level security adds ``centre = tawasul_centre()`` to every supervisor's query, so each
index of the desk's migration 0004 is led here by ``centre``: a page is then one index range
of one centre, walked by (sort key, number). A supervisor's role may set ``assignee`` (and
nothing more than before) within its own centre: the existing ``requests_update`` policy
keys on the role and is kept; counters are not given the column.
"""

from tawasul_desktop.central.migrations.script_helpers import role_prefix, run_sql

revision = 'c0002'
down_revision = 'c0001'
branch_labels = None
depends_on = None

_INDEXES = (
    ("requests_queue_submitted", "centre, submitted_at, number"),
    ("requests_queue_due", "centre, due_date, number"),
    ("requests_queue_service", "centre, service, number"),
    ("requests_queue_status", "centre, status, number"),
    ("requests_queue_counter", "centre, counter, number"),
    ("requests_queue_applicant", "centre, applicant_name, number"),
    ("requests_queue_number", "centre, number"),
    ("requests_queue_assignee", "centre, coalesce(assignee, ''), number"),
    ("requests_assignee_status", "centre, assignee, status"),
    ("requests_status_service", "centre, status, service"),
    ("requests_applicant_id", "applicant_id"),
)


def upgrade() -> None:
    supervisor = f'"{role_prefix()}_supervisor"'
    run_sql("ALTER TABLE requests ADD COLUMN assignee varchar(32)")
    for name, columns in _INDEXES:
        run_sql(f"CREATE INDEX {name} ON requests ({columns})")
    run_sql(f"GRANT UPDATE (assignee) ON requests TO {supervisor}")


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")

"""central: the intake no longer keeps up an index no query needs (requests_centre_status)

Revision ID: c0014
Revises: c0013
Create Date: 2026-12-04 10:00:00.000000

Every request a desk pushes is written into the heap and into each of the ``requests``
indexes; their upkeep is most of a push's server time (issue 16, item 5). c0001's
``requests_centre_status`` (centre, status, received_at) serves nothing of its own: no query
orders or filters by ``received_at``, and (centre, status) leads c0002's
``requests_queue_status`` (centre, status, number) and ``requests_status_service`` (centre,
status, service) as well. Through a supervisor's login (row security adds the centre) every
statement of the queue (counts, pages, jumps, streams, presets, filters, sorts) and of the
dashboard plans at the same cost without it, on 80,000 requests over four centres
(tests/sync/test_push_indexes.py: about a thousand statements; none chose it).

Nothing a desk reads or writes changes: ``serves_desks_from`` stays as it was. The
downgrade builds the index again.
"""

from tawasul_desktop.central.migrations.script_helpers import run_sql

revision = 'c0014'
down_revision = 'c0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("DROP INDEX requests_centre_status")


def downgrade() -> None:
    run_sql("CREATE INDEX requests_centre_status ON requests (centre, status, received_at)")

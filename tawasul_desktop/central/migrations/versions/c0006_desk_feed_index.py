"""central feed read per desk: an index led by the desk's own centre and counter

Revision ID: c0006
Revises: c0005
Create Date: 2026-12-03 13:30:00.000000

A counter's pull filters the change feed by centre and counter (row security) and walks it in
(xid, id) order; with only the (xid, id) index an idle desk read every row written since its
cursor, whatever centre wrote it.

The pull (sync.central.pull_changes) reads three ranges of the new index: rows for every
centre (centre and counter null), for its centre (counter null) and for its counter. A row
naming a counter but no centre would be admitted by row security yet lie in none of them, so
the table now refuses one.

The (xid, id) index goes: nothing reads the feed across desks any more, and while it stayed
the planner took it for a part whose rows it guessed few (the rows for every centre) and read
the rest of the whole feed behind the cursor on every batch, making a catch-up quadratic.
"""

from tawasul_desktop.central.migrations.script_helpers import run_sql

revision = 'c0006'
down_revision = 'c0005'
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX changes_desk_feed ON changes (centre, counter, xid, id);
DROP INDEX changes_feed;
ALTER TABLE changes ADD CONSTRAINT changes_counter_has_centre
    CHECK (centre IS NOT NULL OR counter IS NULL);
"""


def upgrade() -> None:
    run_sql(UPGRADE)


def downgrade() -> None:
    raise NotImplementedError("the central schema is never downgraded; restore a backup instead")

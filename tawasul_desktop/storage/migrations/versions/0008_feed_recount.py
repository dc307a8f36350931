"""sync: count the feed rows a desk received; read the feed once more in the xid8 order

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00.000000

Written by hand. Desks before this sorted central's feed by the transaction id's text, so a
pull across a power of ten of the id could skip changes for good (issue 11, item 1). The
cursor is put back to the start, so every desk reads its feed once more in the right order
(applying a change twice is harmless) and receives what it missed; ``pull_count`` counts
what it receives from then on, so `tawasul sync status` can compare it with what central
says the desk should have received.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sync_state', sa.Column('pull_count', sa.Integer(), nullable=False,
                                          server_default='0'))
    op.execute("UPDATE sync_state SET pull_xid = '0', pull_id = 0, pull_count = 0")


def downgrade() -> None:
    with op.batch_alter_table('sync_state') as batch:
        batch.drop_column('pull_count')

"""audit log: a keyed hash (HMAC with the desk's own key, kept outside the database) per entry

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00.000000

Written by hand. Entries written before this revision keep a NULL ``mac``: they are checked
by the plain hash chain only, and ``tawasul audit verify`` says so (see storage/audit.py).
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('mac', sa.String(64), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP COLUMN mac")

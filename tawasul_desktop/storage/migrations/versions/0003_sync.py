"""sync: outbox of operations waiting to go up, and the sync state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00.000000
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('op_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('schema_version', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('settled_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
        sa.UniqueConstraint('op_id', name=op.f('uq_outbox_op_id')),
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_outbox_state_seq', ['state', 'seq'], unique=False)

    sync_state = op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Uuid(), nullable=False),
        sa.Column('pull_xid', sa.String(length=24), nullable=False),
        sa.Column('pull_id', sa.Integer(), nullable=False),
        sa.Column('audit_sent_seq', sa.Integer(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('clock_skew_seconds', sa.Float(), nullable=True),
        sa.Column('catalogue_version', sa.Integer(), nullable=True),
        sa.Column('catalogue', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state')),
    )
    # One row from the start; store_id names this database's audit chain centrally.
    op.bulk_insert(sync_state, [{'id': 1, 'store_id': uuid.uuid4(), 'pull_xid': '0', 'pull_id': 0,
                                 'audit_sent_seq': 0}])


def downgrade() -> None:
    # Pending operations are never discarded, not even by a downgrade.
    left = op.get_bind().execute(sa.text("SELECT count(*) FROM outbox")).scalar_one()
    if left:
        raise RuntimeError(f"{left} operation(s) still wait in the outbox; sync before downgrading")
    op.drop_table('sync_state')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_seq')
        batch_op.drop_index(batch_op.f('ix_outbox_request_id'))
    op.drop_table('outbox')

"""supervisor queue: request assignee, saved queue filters, indexes for keyset paging

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00.000000

Written by hand. The queue pages by (sort key, number), so each sortable column gets an
index on (column, number); an unassigned request sorts as the empty name, hence the
expression index on coalesce(assignee, '') (SQLite 3.9+ and PostgreSQL both have them).
(status, service) lets the dashboard count by both from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_QUEUE_INDEXES = (
    ('ix_queue_submitted', ['submitted_at', 'number']),
    ('ix_queue_due', ['due_date', 'number']),
    ('ix_queue_service', ['service', 'number']),
    ('ix_queue_status', ['status', 'number']),
    ('ix_queue_counter', ['counter', 'number']),
    ('ix_queue_applicant', ['applicant_name', 'number']),
)


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(length=32), nullable=True))
    # Outside the batch: on SQLite a batch with an expression index would copy the table.
    op.create_index('ix_requests_assignee_status', 'requests', ['assignee', 'status'])
    op.create_index('ix_requests_status_service', 'requests', ['status', 'service'])
    for name, columns in _QUEUE_INDEXES:
        op.create_index(name, 'requests', columns)
    op.create_index('ix_queue_assignee', 'requests', [sa.text("coalesce(assignee, '')"), 'number'])

    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('owner', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
    )
    op.create_index(op.f('ix_saved_filters_owner'), 'saved_filters', ['owner'])


def downgrade() -> None:
    op.drop_index(op.f('ix_saved_filters_owner'), table_name='saved_filters')
    op.drop_table('saved_filters')
    op.drop_index('ix_queue_assignee', table_name='requests')
    for name, _columns in reversed(_QUEUE_INDEXES):
        op.drop_index(name, table_name='requests')
    op.drop_index('ix_requests_status_service', table_name='requests')
    op.drop_index('ix_requests_assignee_status', table_name='requests')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('assignee')

"""os accounts: which operating-system account the `tawasul` command may act as which user

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00.000000

Written by hand. The command used to take its user from $LOGNAME and made an unknown name an
administrator; an administrator now maps each OS account to a registered user.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'os_accounts',
        sa.Column('account', sa.String(length=256), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('mapped_by', sa.String(length=64), nullable=False),
        sa.Column('mapped_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_os_accounts_user_id_users')),
        sa.PrimaryKeyConstraint('account', name=op.f('pk_os_accounts')),
    )
    op.create_index(op.f('ix_os_accounts_user_id'), 'os_accounts', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_os_accounts_user_id'), table_name='os_accounts')
    op.drop_table('os_accounts')

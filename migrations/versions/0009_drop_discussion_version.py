"""feedback: drop the discussion version of sections and strategies (the comment threads are
no longer cached)

Revision ID: 0009_drop_discussion_version
Revises: 0008_comment_flags_index
Create Date: 2026-11-29 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_drop_discussion_version'
down_revision = '0008_comment_flags_index'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('strategy', 'section'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('discussion_version')


def downgrade():
    for table in ('section', 'strategy'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column('discussion_version', sa.Integer(), server_default='0', nullable=False)
            )

"""feedback: a discussion version per section and strategy, for the cached comment threads

Revision ID: 0006_discussion_version
Revises: 0005_data_version
Create Date: 2026-11-27 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_discussion_version'
down_revision = '0005_data_version'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('section', 'strategy'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column('discussion_version', sa.Integer(), server_default='0', nullable=False)
            )


def downgrade():
    for table in ('strategy', 'section'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('discussion_version')

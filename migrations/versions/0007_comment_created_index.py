"""feedback: find a consultation's comments by time ("what changed since your last visit")

Revision ID: 0007_comment_created_index
Revises: 0006_discussion_version
Create Date: 2026-11-27 22:30:00

"""
from alembic import op


revision = '0007_comment_created_index'
down_revision = '0006_discussion_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_comment_consultation_created', 'comment', ['consultation_id', 'created_at']
    )


def downgrade():
    op.drop_index('ix_comment_consultation_created', table_name='comment')

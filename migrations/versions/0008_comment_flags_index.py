"""moderation: find a consultation's flagged comments without reading all of them

Revision ID: 0008_comment_flags_index
Revises: 0007_comment_created_index
Create Date: 2026-11-27 22:40:00

"""
from alembic import op


revision = '0008_comment_flags_index'
down_revision = '0007_comment_created_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comment_consultation_flags', 'comment', ['consultation_id', 'flag_count'])


def downgrade():
    op.drop_index('ix_comment_consultation_flags', table_name='comment')

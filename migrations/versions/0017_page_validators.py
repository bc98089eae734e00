"""page validators: indexes so a public page's ETag and Last-Modified are index look-ups

Revision ID: 0017_page_validators
Revises: 0016_public
Create Date: 2026-11-30 00:00:00

A public page answers a conditional request with the latest change to the consultation's
comments, moderation decisions, responses and published versions. Without these indexes each
of those maxima read every comment of the consultation (about 30 ms at 50,000 comments).
"""
from alembic import op

revision = '0017_page_validators'
down_revision = '0016_public'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_comment_consultation_updated', 'comment', ['consultation_id', 'updated_at']),
    ('ix_comment_consultation_moderated', 'comment', ['consultation_id', 'moderated_at']),
    ('ix_comment_response_consultation_decided', 'comment_response',
     ['consultation_id', 'decided_at']),
    ('ix_content_version_published_at', 'content_version', ['published_at']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""notifications: the kind that tells participants invited into a draft that it is published

Revision ID: 0013_ux
Revises: 0012_documents
Create Date: 2026-11-29 18:10:00

"""
from alembic import op

revision = '0013_ux'
down_revision = '0012_documents'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'invitation', 'comment_approved', 'comment_rejected', 'comment_hidden', 'reply',
    'window_opening_soon', 'window_closing_tomorrow', 'fgd_reminder',
    'export_ready', 'export_failed',
)
NEW_KINDS = OLD_KINDS + ('consultation_published',)


def _kind_check(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _set_kinds(kinds):
    for table in ('notification', 'notification_preference'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notificationkind'), type_='check')
            batch_op.create_check_constraint('notificationkind', _kind_check(kinds))


def upgrade():
    _set_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind = 'consultation_published'")
    op.execute("DELETE FROM notification_preference WHERE kind = 'consultation_published'")
    _set_kinds(OLD_KINDS)

"""jobs: exports made by the task worker (state, progress, the kept file), and the
notification kinds that say an export is ready or failed

Revision ID: 0011_jobs
Revises: 0010_fgd
Create Date: 2026-11-29 17:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011_jobs'
down_revision = '0010_fgd'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'invitation', 'comment_approved', 'comment_rejected', 'comment_hidden', 'reply',
    'window_opening_soon', 'window_closing_tomorrow', 'fgd_reminder',
)
NEW_KINDS = OLD_KINDS + ('export_ready', 'export_failed')
JOB_STATES = ('queued', 'running', 'done', 'failed', 'cancelled', 'expired')


def _kind_check(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _set_kinds(kinds):
    for table in ('notification', 'notification_preference'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notificationkind'), type_='check')
            batch_op.create_check_constraint('notificationkind', _kind_check(kinds))


def upgrade():
    op.create_table('export_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('state', sa.Enum(*JOB_STATES, name='jobstate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('download_name', sa.String(length=200), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_export_job_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_export_job_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job'))
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index('ix_export_job_consultation_id_created_at', ['consultation_id', 'created_at'], unique=False)
        batch_op.create_index('ix_export_job_state', ['state'], unique=False)
    _set_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind IN ('export_ready', 'export_failed')")
    op.execute(
        "DELETE FROM notification_preference WHERE kind IN ('export_ready', 'export_failed')"
    )
    _set_kinds(OLD_KINDS)
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index('ix_export_job_state')
        batch_op.drop_index('ix_export_job_consultation_id_created_at')
    op.drop_table('export_job')

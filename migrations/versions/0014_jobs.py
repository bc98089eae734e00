"""jobs: official documents made by the worker like exports (the job's kind, its stage and
the worker that runs it), and the DOCX of an issued berita acara kept beside its PDF

Revision ID: 0014_jobs
Revises: 0013_ux
Create Date: 2026-11-29 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_jobs'
down_revision = '0013_ux'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=30), server_default='export', nullable=False)
        )
        batch_op.add_column(
            sa.Column('stage', sa.String(length=30), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('worker', sa.String(length=120), server_default='', nullable=False)
        )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('docx', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_column('docx')
    # Document jobs have no meaning before this revision: their rows go (their files stay
    # in EXPORT_FOLDER until removed by hand; exports keep theirs).
    op.execute("DELETE FROM export_job WHERE kind <> 'export'")
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('stage')
        batch_op.drop_column('kind')

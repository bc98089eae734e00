"""bilingual data: optional English names of stakeholder groups, and English names,
descriptions and scale labels of rating criteria (blank: the Indonesian one is shown)

Revision ID: 0015_bilingual
Revises: 0014_jobs
Create Date: 2026-11-29 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_bilingual'
down_revision = '0014_jobs'
branch_labels = None
depends_on = None

# The defaults Rembuk creates, given their English names (as the code now does for new ones).
GROUPS_EN = {
    'KADIN': 'KADIN (Chamber of Commerce)',
    'Pelaku industri': 'Industry',
    'Akademisi': 'Academia',
    'Instansi pemerintah': 'Government agencies',
    'Asosiasi': 'Associations',
    'Masyarakat': 'Public',
    'Lainnya': 'Other',
}
CRITERIA_EN = {'Relevansi': 'Relevance', 'Prioritas': 'Priority', 'Kelayakan': 'Feasibility'}
SCALE = 'Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi'
SCALE_EN = 'Very low\nLow\nMedium\nHigh\nVery high'


def upgrade():
    with op.batch_alter_table('stakeholder_group', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('name_en', sa.String(length=120), nullable=False, server_default='')
        )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('label_en', sa.String(length=120), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('description_en', sa.Text(), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('scale_labels_en', sa.Text(), nullable=False, server_default='')
        )
    group = sa.table('stakeholder_group', sa.column('name'), sa.column('name_en'))
    for name, english in GROUPS_EN.items():
        op.execute(group.update().where(group.c.name == name).values(name_en=english))
    criterion = sa.table(
        'criterion', sa.column('label'), sa.column('label_en'),
        sa.column('scale_labels'), sa.column('scale_labels_en'),
    )
    for label, english in CRITERIA_EN.items():
        op.execute(criterion.update().where(criterion.c.label == label).values(label_en=english))
    op.execute(
        criterion.update().where(criterion.c.scale_labels == SCALE).values(scale_labels_en=SCALE_EN)
    )


def downgrade():
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_column('scale_labels_en')
        batch_op.drop_column('description_en')
        batch_op.drop_column('label_en')
    with op.batch_alter_table('stakeholder_group', schema=None) as batch_op:
        batch_op.drop_column('name_en')

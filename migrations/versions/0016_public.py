"""public consultations: visibility, public members, city, duplicate-text key

Revision ID: 0016_public
Revises: 0015_bilingual
Create Date: 2026-11-29 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_public'
down_revision = '0015_bilingual'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'visibility',
            sa.Enum('invited', 'read', 'input', name='visibility', native_enum=False,
                    length=20, create_constraint=True),
            server_default='invited', nullable=False,
        ))
        batch_op.add_column(sa.Column(
            'public_author_names', sa.Boolean(), server_default=sa.false(), nullable=False
        ))
        batch_op.add_column(sa.Column(
            'public_premoderation', sa.Boolean(), server_default=sa.true(), nullable=False
        ))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'is_public', sa.Boolean(), server_default=sa.false(), nullable=False
        ))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'city', sa.String(length=120), server_default='', nullable=False
        ))
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_key', sa.String(length=64), nullable=True))
        batch_op.create_index(
            'ix_comment_consultation_text_key', ['consultation_id', 'text_key'], unique=False
        )


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_consultation_text_key')
        batch_op.drop_column('text_key')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('city')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('is_public')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consultation_visibility'), type_='check')
        batch_op.drop_column('public_premoderation')
        batch_op.drop_column('public_author_names')
        batch_op.drop_column('visibility')

"""response matrix: dispositions of comments, grouped responses

Revision ID: 0003_dispositions
Revises: 0001
Create Date: 2026-11-28 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_dispositions'
down_revision = '0001'
branch_labels = None
depends_on = None

DISPOSITIONS = ('accepted', 'partly_accepted', 'noted', 'not_accepted', 'out_of_scope')


def _disposition():
    return sa.Enum(*DISPOSITIONS, name='disposition', native_enum=False,
                   create_constraint=True, length=20)


def upgrade():
    op.create_table('response_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('disposition', _disposition(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('revision_ref', sa.String(length=300), nullable=False),
    sa.Column('content_version_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_response_group_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['content_version_id'], ['content_version.id'], name=op.f('fk_response_group_content_version_id_content_version')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_response_group_decided_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_group'))
    )
    with op.batch_alter_table('response_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_group_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('comment_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('response_group_id', sa.Integer(), nullable=True),
    sa.Column('disposition', _disposition(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('revision_ref', sa.String(length=300), nullable=False),
    sa.Column('content_version_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_response_comment_id_comment')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_comment_response_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['content_version_id'], ['content_version.id'], name=op.f('fk_comment_response_content_version_id_content_version')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_comment_response_decided_by_id_user')),
    sa.ForeignKeyConstraint(['response_group_id'], ['response_group.id'], name=op.f('fk_comment_response_response_group_id_response_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_response')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_comment_response_comment_id'))
    )
    with op.batch_alter_table('comment_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_response_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_response_response_group_id'), ['response_group_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_response_response_group_id'))
        batch_op.drop_index(batch_op.f('ix_comment_response_consultation_id'))
    op.drop_table('comment_response')
    with op.batch_alter_table('response_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_group_consultation_id'))
    op.drop_table('response_group')

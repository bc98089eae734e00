"""documents: letterhead and paper per consultation, signatories, issued (frozen) documents

Revision ID: 0012_documents
Revises: 0011_jobs
Create Date: 2026-11-29 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_documents'
down_revision = '0011_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('short_name', sa.String(length=80), nullable=False),
        sa.Column('institution', sa.String(length=200), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=False),
        sa.Column('place', sa.String(length=100), nullable=False),
        sa.Column('paper', sa.String(length=4), nullable=False),
        sa.Column('logo_png', sa.LargeBinary(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_document_settings_consultation_id_consultation'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_settings')),
        sa.UniqueConstraint('consultation_id', name=op.f('uq_document_settings_consultation_id')),
    )
    op.create_table(
        'signatory',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('position', sa.String(length=200), nullable=False),
        sa.Column('rank', sa.String(length=120), nullable=False),
        sa.Column('nip', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_signatory_consultation_id_consultation'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signatory')),
    )
    op.create_index(op.f('ix_signatory_consultation_id'), 'signatory', ['consultation_id'])
    op.create_table(
        'issued_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=120), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_issued_document_consultation_id_consultation'),
        ),
        sa.ForeignKeyConstraint(
            ['issued_by_id'], ['user.id'], name=op.f('fk_issued_document_issued_by_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
        sa.UniqueConstraint(
            'consultation_id', 'kind', 'subject_id', 'version',
            name=op.f('uq_issued_document_consultation_id_kind_subject_id_version'),
        ),
    )
    op.create_index(
        op.f('ix_issued_document_consultation_id'), 'issued_document', ['consultation_id']
    )


def downgrade():
    op.drop_index(op.f('ix_issued_document_consultation_id'), table_name='issued_document')
    op.drop_table('issued_document')
    op.drop_index(op.f('ix_signatory_consultation_id'), table_name='signatory')
    op.drop_table('signatory')
    op.drop_table('document_settings')

"""privacy: the versioned privacy notice and its acceptances, erasure requests, retention

Revision ID: 0009_privacy
Revises: 0009_drop_discussion_version
Create Date: 2026-11-29 16:50:00

The first version of the notice is published here, so that no account is ever made without
one; later versions are published by an administrator on /privacy/notices.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0009_privacy'
down_revision = '0009_drop_discussion_version'
branch_labels = None
depends_on = None

NOTICE_ID = """\
**Pengendali data pribadi.** Dinas yang menyelenggarakan konsultasi adalah pengendali data
pribadi Anda menurut Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi.

**Data yang kami kumpulkan.** Nama, alamat email, organisasi, jabatan dan kelompok pemangku
kepentingan Anda; komentar, usulan rumusan, penilaian dan lampiran yang Anda kirim, beserta
riwayat perubahannya; pemberitahuan dan email yang kami kirim kepada Anda; waktu masuk dan
alamat IP pada catatan audit keamanan.

**Tujuan.** Menyelenggarakan konsultasi publik atas rencana pembangunan, menanggapi masukan
Anda, menyusun laporan konsultasi, dan menjaga keamanan layanan.

**Siapa yang melihat apa.** Peserta lain yang diundang melihat nama, organisasi, kelompok dan
komentar Anda yang terbit (kecuali konsultasi yang komentarnya hanya untuk penyelenggara).
Penyelenggara dan administrator melihat semua data di atas, termasuk email Anda. Laporan dan
ekspor dapat memuat nama dan kelompok Anda; ekspor anonim hanya memuat kelompok.

**Berapa lama disimpan.** Selama konsultasi berjalan dan selama masa retensi yang ditetapkan
penyelenggara setelah konsultasi diarsipkan. Setelah itu identitas Anda dihapus dan masukan
Anda tetap tercatat atas nama "Peserta dihapus" beserta kelompok Anda.

**Hak Anda.** Anda dapat mengunduh seluruh data Anda dan meminta penghapusan akun dari halaman
Akun saya. Masukan Anda tetap menjadi bagian dari catatan konsultasi, tanpa identitas Anda.

**Kontak.** Hubungi penyelenggara konsultasi Anda atau pejabat pelindungan data pribadi dinas.
"""

NOTICE_EN = """\
**Controller.** The department running the consultation is the controller of your personal
data under Law No. 27 of 2022 on Personal Data Protection.

**What we collect.** Your name, email address, organisation, position and stakeholder group;
the comments, proposed wording, ratings and attachments you send, with their history of
changes; the notifications and mails we send you; sign-in times and IP addresses in the
security audit trail.

**Why.** To run a public consultation on a development plan, to answer your input, to write
the consultation report, and to keep the service secure.

**Who sees what.** Other invited participants see your name, organisation, group and your
published comments (unless the consultation shows comments to organisers only). Organisers and
administrators see all of the above, including your email. Reports and exports may contain your
name and group; anonymised exports only your group.

**How long it is kept.** While the consultation runs and for the retention period its
organisers set after it is archived. After that your identity is removed and your input stays
on record as "Deleted participant" with your group.

**Your rights.** You can download all your data and ask for your account to be erased on your
My account page. Your input stays part of the consultation's record, without your identity.

**Contact.** Contact the organisers of your consultation or the department's data protection
officer.
"""


def upgrade():
    notice = op.create_table(
        'privacy_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['published_by_id'], ['user.id'],
            name=op.f('fk_privacy_notice_published_by_id_user'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notice')),
        sa.UniqueConstraint('version', name=op.f('uq_privacy_notice_version')),
    )
    op.create_table(
        'notice_acceptance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=False),
        sa.Column('context', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_notice_acceptance_user_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_acceptance')),
    )
    op.create_index(
        op.f('ix_notice_acceptance_user_id'), 'notice_acceptance', ['user_id'], unique=False
    )
    op.create_table(
        'erasure_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'pending', 'confirmed', 'cancelled',
                name='erasurestatus', native_enum=False, length=20, create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['user.id'], name=op.f('fk_erasure_request_decided_by_id_user')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_erasure_request_user_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_request')),
    )
    op.create_index(
        'ix_erasure_request_status_user', 'erasure_request', ['status', 'user_id'], unique=False
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=True))
    # Consultations archived before this revision: their last change is when that happened.
    op.execute(
        "UPDATE consultation SET archived_at = updated_at WHERE state = 'archived'"
    )
    op.bulk_insert(
        notice,
        [
            {
                'version': 1,
                'body_id': NOTICE_ID,
                'body_en': NOTICE_EN,
                'note': '',
                'published_at': _now(),
            }
        ],
    )


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('notice_version')
    op.drop_index('ix_erasure_request_status_user', table_name='erasure_request')
    op.drop_table('erasure_request')
    op.drop_index(op.f('ix_notice_acceptance_user_id'), table_name='notice_acceptance')
    op.drop_table('notice_acceptance')
    op.drop_table('privacy_notice')

"""fgd: sessions with an agenda, RSVPs, attendance, speaking turns, outcomes; the FGD phase

The consultation's single FGD date and venue become its first session (data migration);
ratings and comments may carry the new phase "fgd" (given in the room).

Downgrade puts the earliest session back as the consultation's date and venue; ratings
given in the room cannot be expressed without the phase and are removed, comments lose it.

Revision ID: 0010_fgd
Revises: 0009_privacy
Create Date: 2026-11-29 16:50:00

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0010_fgd'
down_revision = '0009_privacy'
branch_labels = None
depends_on = None

OLD_PHASES = ('pre', 'post')
NEW_PHASES = ('pre', 'fgd', 'post')
# A migrated FGD had only a start: give it the length of a morning's meeting.
MIGRATED_LENGTH = timedelta(hours=3)


def _phase_check(values):
    return 'phase IN (' + ', '.join(f"'{v}'" for v in values) + ')'


def _set_phases(values):
    for table, nullable in (('comment', True), ('rating', False)):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_phase'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_phase'), _phase_check(values))


def _create_tables():
    op.create_table('fgd_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('rsvp_open', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('current_position', sa.Integer(), nullable=True),
    sa.Column('voting_open', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('results_visible', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('step_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('vote_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_fgd_session_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_session'))
    )
    op.create_index(op.f('ix_fgd_session_consultation_id'), 'fgd_session', ['consultation_id'])

    op.create_table('fgd_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('strategy_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('ends_at', sa.DateTime(), nullable=True),
    sa.Column('moderator', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('minutes_updated_at', sa.DateTime(), nullable=True),
    sa.Column('minutes_updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['minutes_updated_by_id'], ['user.id'], name=op.f('fk_fgd_agenda_item_minutes_updated_by_id_user')),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_fgd_agenda_item_section_id_section')),
    sa.ForeignKeyConstraint(['session_id'], ['fgd_session.id'], name=op.f('fk_fgd_agenda_item_session_id_fgd_session')),
    sa.ForeignKeyConstraint(['strategy_id'], ['strategy.id'], name=op.f('fk_fgd_agenda_item_strategy_id_strategy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_agenda_item'))
    )
    op.create_index(op.f('ix_fgd_agenda_item_session_id'), 'fgd_agenda_item', ['session_id'])

    op.create_table('fgd_rsvp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('attending', 'declined', 'delegate', name='rsvpanswer', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('delegate_name', sa.String(length=200), nullable=False),
    sa.Column('delegate_position', sa.String(length=200), nullable=False),
    sa.Column('delegate_user_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delegate_user_id'], ['user.id'], name=op.f('fk_fgd_rsvp_delegate_user_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['fgd_session.id'], name=op.f('fk_fgd_rsvp_session_id_fgd_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_fgd_rsvp_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_rsvp')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_fgd_rsvp_session_id_user_id'))
    )

    op.create_table('fgd_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('method', sa.Enum('search', 'qr', 'walk_in', name='checkinmethod', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(), nullable=False),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['user.id'], name=op.f('fk_fgd_attendee_checked_in_by_id_user')),
    sa.ForeignKeyConstraint(['group_id'], ['stakeholder_group.id'], name=op.f('fk_fgd_attendee_group_id_stakeholder_group')),
    sa.ForeignKeyConstraint(['session_id'], ['fgd_session.id'], name=op.f('fk_fgd_attendee_session_id_fgd_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_fgd_attendee_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_attendee')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_fgd_attendee_session_id_user_id'))
    )
    op.create_index(op.f('ix_fgd_attendee_session_id'), 'fgd_attendee', ['session_id'])

    op.create_table('fgd_speaking_turn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('attendee_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['fgd_agenda_item.id'], name=op.f('fk_fgd_speaking_turn_agenda_item_id_fgd_agenda_item')),
    sa.ForeignKeyConstraint(['attendee_id'], ['fgd_attendee.id'], name=op.f('fk_fgd_speaking_turn_attendee_id_fgd_attendee')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_fgd_speaking_turn_comment_id_comment')),
    sa.ForeignKeyConstraint(['group_id'], ['stakeholder_group.id'], name=op.f('fk_fgd_speaking_turn_group_id_stakeholder_group')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_fgd_speaking_turn_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['fgd_session.id'], name=op.f('fk_fgd_speaking_turn_session_id_fgd_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_speaking_turn'))
    )
    op.create_index('ix_fgd_speaking_turn_session_created', 'fgd_speaking_turn', ['session_id', 'created_at'])

    op.create_table('fgd_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('agreement', 'action', name='outcomekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['fgd_agenda_item.id'], name=op.f('fk_fgd_outcome_agenda_item_id_fgd_agenda_item')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_fgd_outcome_created_by_id_user')),
    sa.ForeignKeyConstraint(['session_id'], ['fgd_session.id'], name=op.f('fk_fgd_outcome_session_id_fgd_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fgd_outcome'))
    )
    op.create_index(op.f('ix_fgd_outcome_session_id'), 'fgd_outcome', ['session_id'])


def upgrade():
    _create_tables()
    bind = op.get_bind()
    consultation = sa.table(
        'consultation',
        sa.column('id', sa.Integer()),
        sa.column('fgd_at', sa.DateTime()),
        sa.column('fgd_venue', sa.String()),
        sa.column('created_at', sa.DateTime()),
    )
    session = sa.table(
        'fgd_session',
        *(sa.column(name) for name in ('consultation_id', 'title', 'venue', 'meeting_url')),
        *(sa.column(name, sa.DateTime()) for name in (
            'starts_at', 'ends_at', 'created_at', 'updated_at')),
    )
    rows = bind.execute(
        sa.select(consultation.c.id, consultation.c.fgd_at, consultation.c.fgd_venue,
                  consultation.c.created_at)
        .where(consultation.c.fgd_at.is_not(None))
        .order_by(consultation.c.id)
    ).all()
    if rows:
        op.bulk_insert(session, [
            {
                'consultation_id': row.id, 'title': 'FGD', 'venue': row.fgd_venue or '',
                'meeting_url': '', 'starts_at': row.fgd_at,
                'ends_at': row.fgd_at + MIGRATED_LENGTH,
                'created_at': row.created_at, 'updated_at': row.created_at,
            }
            for row in rows
        ])
    with op.batch_alter_table('consultation') as batch_op:
        batch_op.drop_column('fgd_venue')
        batch_op.drop_column('fgd_at')
    _set_phases(NEW_PHASES)


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM rating_change WHERE rating_id IN "
                         "(SELECT id FROM rating WHERE phase = 'fgd')"))
    bind.execute(sa.text("DELETE FROM rating WHERE phase = 'fgd'"))
    bind.execute(sa.text("UPDATE comment SET phase = NULL WHERE phase = 'fgd'"))
    _set_phases(OLD_PHASES)
    with op.batch_alter_table('consultation') as batch_op:
        batch_op.add_column(sa.Column('fgd_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('fgd_venue', sa.String(length=300), server_default='', nullable=False)
        )
    # The earliest session of each consultation becomes its FGD date and venue again.
    first = sa.text(
        "SELECT s.consultation_id, s.starts_at, s.venue FROM fgd_session s "
        "WHERE s.id = (SELECT s2.id FROM fgd_session s2 "
        "WHERE s2.consultation_id = s.consultation_id ORDER BY s2.starts_at, s2.id LIMIT 1)"
    )
    for consultation_id, starts_at, venue in bind.execute(first).all():
        bind.execute(
            sa.text("UPDATE consultation SET fgd_at = :at, fgd_venue = :venue WHERE id = :id"),
            {'at': starts_at, 'venue': venue, 'id': consultation_id},
        )
    for table in ('fgd_outcome', 'fgd_speaking_turn', 'fgd_attendee', 'fgd_rsvp',
                  'fgd_agenda_item', 'fgd_session'):
        op.drop_table(table)

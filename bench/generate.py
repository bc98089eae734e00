"""Generate a large consultation for benchmarks, fast (bulk inserts, no ORM objects).

Base size: 20 chapters, 400 strategies, 5,000 participants, 50,000 comments, 250,000
ratings; --scale multiplies participants, comments and ratings (the plan stays 400
strategies, as a real plan does). One strategy (the first) gets 500 comments, so the strategy
page benchmark has a heavy page to render. Of the other top-level comments 2% await approval
and 1% are flagged, so the moderation queue holds about 1,200 comments at base size.

    python -m bench.generate --database-url sqlite:///bench/bench.sqlite --scale 1
"""

import argparse
import random
import time
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from werkzeug.security import generate_password_hash

from consult.auth.models import Role, StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, CommentType, Rating
from consult.moderation.models import Flag, ModerationReason
from consult.plans.models import (
    Chapter,
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)
from consult.privacy.models import PrivacyNotice
from consult.timeutil import utcnow

CHAPTERS = 20
SECTIONS_PER_CHAPTER = 2
STRATEGIES_PER_SECTION = 10
BASE_PARTICIPANTS = 5_000
BASE_COMMENTS = 50_000
BASE_RATINGS = 250_000
HEAVY_STRATEGY_COMMENTS = 500
PENDING_EVERY = 50  # 2% of top-level comments await approval
FLAGGED_EVERY = 100  # 1% are flagged once
BATCH = 5_000
BENCH_PASSWORD = "bench-password-2042"  # noqa: S105 - a throwaway benchmark account
GROUPS = ["KADIN", "Pelaku industri", "Akademisi", "Instansi pemerintah", "Asosiasi"]
PARAGRAPH = (
    "Strategi ini mendorong pertumbuhan industri dua digit pada tahun 2035 dengan memperkuat "
    "rantai pasok lokal, substitusi impor bahan baku dan peningkatan ekspor produk industri."
)


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def generate(scale: float = 1.0, seed: int = 2042) -> dict:
    """Create one large published consultation; return ids the benchmarks need."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = utcnow()
    participants = int(BASE_PARTICIPANTS * scale)
    comment_total = int(BASE_COMMENTS * scale)
    rating_total = int(BASE_RATINGS * scale)

    _bulk(StakeholderGroup, [{"name": name, "position": i} for i, name in enumerate(GROUPS)])
    group_ids = list(db.session.scalars(select(StakeholderGroup.id).order_by(StakeholderGroup.id)))
    password_hash = generate_password_hash(BENCH_PASSWORD)
    organiser = User(
        email="bench-organiser@example.org",
        name="Bench Organiser",
        role=Role.ORGANISER,
        password_hash=password_hash,
    )
    db.session.add(organiser)
    db.session.flush()
    consultation = Consultation(
        title="RPIK benchmark",
        state=ConsultationState.PUBLISHED,
        created_by_id=organiser.id,
        pre_opens_at=now - timedelta(days=1),
        pre_closes_at=now + timedelta(days=30),
        post_opens_at=now + timedelta(days=31),
        post_closes_at=now + timedelta(days=60),
    )
    db.session.add(consultation)
    db.session.flush()
    cid = consultation.id
    _bulk(
        Criterion,
        [
            {
                "consultation_id": cid,
                "key": key,
                "label": label,
                "position": i,
                "scale_max": 5,
                "scale_labels": "Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi",
                "description": "",
            }
            for i, (key, label) in enumerate(
                [
                    ("relevance", "Relevansi"),
                    ("priority", "Prioritas"),
                    ("feasibility", "Kelayakan"),
                ]
            )
        ],
    )
    criterion_ids = list(
        db.session.scalars(select(Criterion.id).where(Criterion.consultation_id == cid))
    )

    _bulk(
        Chapter,
        [
            {
                "consultation_id": cid,
                "position": c,
                "code": str(c + 1),
                "title": f"Bab {c + 1}",
                "body": PARAGRAPH,
            }
            for c in range(CHAPTERS)
        ],
    )
    chapter_ids = list(
        db.session.scalars(
            select(Chapter.id).where(Chapter.consultation_id == cid).order_by(Chapter.id)
        )
    )
    _bulk(
        Section,
        [
            {
                "chapter_id": chapter_id,
                "position": s,
                "code": f"{c + 1}.{s + 1}",
                "title": f"Bagian {c + 1}.{s + 1}",
                "body": PARAGRAPH + "\n\n" + PARAGRAPH,
                "version": 1,
            }
            for c, chapter_id in enumerate(chapter_ids)
            for s in range(SECTIONS_PER_CHAPTER)
        ],
    )
    section_ids = list(
        db.session.scalars(
            select(Section.id).where(Section.chapter_id.in_(chapter_ids)).order_by(Section.id)
        )
    )
    _bulk(
        Strategy,
        [
            {
                "section_id": section_id,
                "position": t,
                "code": f"S{si + 1}.{t + 1}",
                "title": f"Strategi {si + 1}.{t + 1}",
                "description": PARAGRAPH + "\n\n" + PARAGRAPH,
                "targets": "Pertumbuhan 10% per tahun",
                "time_horizon": "2022-2042",
                "version": 1,
            }
            for si, section_id in enumerate(section_ids)
            for t in range(STRATEGIES_PER_SECTION)
        ],
    )
    strategy_rows = db.session.execute(
        select(Strategy.id, Strategy.section_id)
        .where(Strategy.section_id.in_(section_ids))
        .order_by(Strategy.id)
    ).all()
    strategy_ids = [row.id for row in strategy_rows]
    section_of = {row.id: row.section_id for row in strategy_rows}

    first_user = db.session.scalar(select(User.id).order_by(User.id.desc())) + 1
    _bulk(
        User,
        [
            {
                "email": f"peserta{i}@example.org",
                "name": f"Peserta {i}",
                "organisation": f"Organisasi {i % 700}",
                "position": "Anggota",
                "role": Role.PARTICIPANT,
                "group_id": group_ids[i % len(group_ids)],
                "password_hash": password_hash,
                "is_active_account": True,
                "session_token": f"bench-token-{i}",
                "failed_logins": 0,
                "created_at": now,
            }
            for i in range(participants)
        ],
    )
    user_ids = list(
        db.session.scalars(select(User.id).where(User.id >= first_user).order_by(User.id))
    )
    group_of = {uid: group_ids[i % len(group_ids)] for i, uid in enumerate(user_ids)}
    _bulk(
        Membership,
        [
            {
                "consultation_id": cid,
                "user_id": organiser.id,
                "role": MemberRole.ORGANISER,
                "invited_at": now,
                "suspended_reason": "",
            }
        ]
        + [
            {
                "consultation_id": cid,
                "user_id": uid,
                "role": MemberRole.PARTICIPANT,
                "invited_at": now,
                "suspended_reason": "",
            }
            for uid in user_ids
        ],
    )

    types = list(CommentType)
    heavy = strategy_ids[0]
    top_level = []
    for i in range(int(comment_total * 0.8)):
        strategy_id = heavy if i < HEAVY_STRATEGY_COMMENTS else rng.choice(strategy_ids)
        author = user_ids[i % len(user_ids)]
        # A moderation queue as a busy consultation has one: some comments await approval,
        # some were flagged (none on the heavy strategy, whose page shows all 500).
        queued = i >= HEAVY_STRATEGY_COMMENTS and i % PENDING_EVERY == 0
        flagged = i >= HEAVY_STRATEGY_COMMENTS and i % FLAGGED_EVERY == 1
        top_level.append(
            {
                "consultation_id": cid,
                "strategy_id": strategy_id,
                "section_id": None,
                "author_id": author,
                "group_id": group_of[author],
                "type": rng.choice(types),
                "body": f"Masukan nomor {i}. " + PARAGRAPH,
                "proposed_wording": "",
                "reference": "",
                "status": CommentStatus.PENDING if queued else CommentStatus.PUBLISHED,
                "phase": Phase.PRE,
                "source": "online",
                "revision": 1,
                "target_version": 1,
                "created_at": now - timedelta(seconds=i),
                "updated_at": now - timedelta(seconds=i),
                "moderation_reason": "",
                "flag_count": 1 if flagged else 0,
                "paragraph_index": rng.choice([None, 0, 1]),
            }
        )
    _bulk(Comment, top_level)
    flagged_ids = db.session.scalars(
        select(Comment.id).where(Comment.consultation_id == cid, Comment.flag_count > 0)
    )
    _bulk(
        Flag,
        [
            {
                "comment_id": comment_id,
                "user_id": user_ids[(n * 11 + 3) % len(user_ids)],
                "reason": ModerationReason.OFF_TOPIC,
                "note": "",
                "created_at": now,
            }
            for n, comment_id in enumerate(flagged_ids)
        ],
    )
    parents = db.session.execute(
        select(Comment.id, Comment.strategy_id).where(Comment.consultation_id == cid)
    ).all()
    replies = []
    for i in range(comment_total - len(top_level)):
        parent = rng.choice(parents)
        author = user_ids[(i * 7) % len(user_ids)]
        replies.append(
            {
                "consultation_id": cid,
                "strategy_id": parent.strategy_id,
                "section_id": None,
                "parent_id": parent.id,
                "author_id": author,
                "group_id": group_of[author],
                "type": CommentType.OTHER,
                "body": f"Tanggapan nomor {i}.",
                "proposed_wording": "",
                "reference": "",
                "status": CommentStatus.PUBLISHED,
                "phase": Phase.PRE,
                "source": "online",
                "revision": 1,
                "target_version": 1,
                "created_at": now,
                "updated_at": now,
                "moderation_reason": "",
                "flag_count": 0,
            }
        )
    _bulk(Comment, replies)

    # Distinct (strategy, criterion, phase) per rater: k -> (k*47 + user*13) mod combos is
    # injective in k because 47 is coprime with the number of combinations.
    combos = [
        (s, c, p) for s in strategy_ids for c in criterion_ids for p in (Phase.PRE, Phase.POST)
    ]
    ratings = []
    for i in range(rating_total):
        user_index = i % len(user_ids)
        k = i // len(user_ids)
        strategy_id, criterion_id, phase = combos[(k * 47 + user_index * 13) % len(combos)]
        value = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, None])
        ratings.append(
            {
                "consultation_id": cid,
                "strategy_id": strategy_id,
                "criterion_id": criterion_id,
                "user_id": user_ids[user_index],
                "group_id": group_of[user_ids[user_index]],
                "phase": phase,
                "value": value,
                "source": "online",
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(ratings) >= BATCH:
            _bulk(Rating, ratings)
            ratings.clear()
    _bulk(Rating, ratings)
    # Everyone has accepted the current privacy notice, or every page would send them to it.
    notice = db.session.scalar(select(func.max(PrivacyNotice.version)))
    db.session.execute(update(User).values(notice_version=notice))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load; the benchmark starts at once,
        # and without statistics the planner picks the wrong indexes.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    # The reply form on the heavy strategy's page answers its first comment.
    reply_to = db.session.scalar(
        select(Comment.id)
        .where(Comment.strategy_id == heavy, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
    )
    return {
        "consultation_id": cid,
        "heavy_strategy_id": heavy,
        "reply_to_comment_id": reply_to,
        "heavy_section_id": section_of[heavy],
        "organiser_email": organiser.email,
        "participant_email": "peserta0@example.org",
        "password": BENCH_PASSWORD,
        "participants": participants,
        "comments": comment_total,
        "ratings": rating_total,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    from bench.common import bench_app, fresh_schema

    app = bench_app(args.database_url)
    with app.app_context():
        fresh_schema()
        print(generate(args.scale))


if __name__ == "__main__":
    main()

"""Imports every model so Alembic and create_app see the whole schema."""

from consult.audit import AuditEvent  # noqa: F401
from consult.auth.models import Invitation, StakeholderGroup, User  # noqa: F401
from consult.documents.models import DocumentSettings, IssuedDocument, Signatory  # noqa: F401
from consult.feedback.models import (  # noqa: F401
    Attachment,
    Comment,
    CommentRevision,
    Rating,
    RatingChange,
)
from consult.fgd.models import (  # noqa: F401
    AgendaItem,
    Attendee,
    FgdSession,
    Outcome,
    Rsvp,
    SpeakingTurn,
)
from consult.mail import OutboxMail  # noqa: F401
from consult.moderation.models import Flag, ReminderLog  # noqa: F401
from consult.notifications import Notification, NotificationPreference  # noqa: F401
from consult.plans.models import (  # noqa: F401
    Chapter,
    Consultation,
    ConsultationDocument,
    ContentVersion,
    Criterion,
    Membership,
    Section,
    Strategy,
)
from consult.privacy.models import (  # noqa: F401
    ErasureRequest,
    NoticeAcceptance,
    PrivacyNotice,
)
from consult.reports.models import CommentResponse, ExportJob, ResponseGroup  # noqa: F401

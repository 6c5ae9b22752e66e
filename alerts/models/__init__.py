"""The alerts app's models, by what they hold: the working copy (alert.py) and what
belongs to it (content.py), the workflow's records (workflow.py), and what the public
sees (publication.py)."""

from .alert import Alert, Level, slug_taken
from .content import Citation, Recommendation, StageEvidence, StageRating
from .publication import (
    CountrySpan,
    Publication,
    PublicationAsset,
    PublicationDiff,
    PublishedCountry,
    PublishedDetermination,
    Supersession,
)
from .workflow import (
    Approval,
    AuditHead,
    ChangeKind,
    ImmutableError,
    ImmutableModel,
    ImmutableQuerySet,
    RedactedVersion,
    Redaction,
    RedactionReview,
    Submission,
    Withdrawal,
    WithdrawalReview,
    WorkflowEvent,
)

__all__ = [
    "Alert",
    "Approval",
    "AuditHead",
    "ChangeKind",
    "Citation",
    "CountrySpan",
    "ImmutableError",
    "ImmutableModel",
    "ImmutableQuerySet",
    "Level",
    "Publication",
    "PublicationAsset",
    "PublicationDiff",
    "PublishedCountry",
    "PublishedDetermination",
    "RedactedVersion",
    "Redaction",
    "RedactionReview",
    "Recommendation",
    "StageEvidence",
    "StageRating",
    "Submission",
    "Supersession",
    "Withdrawal",
    "WithdrawalReview",
    "WorkflowEvent",
    "slug_taken",
]

"""The alliances app's models, one module per concept; this package is the app's public surface for models.

Django finds the models through this module, and other apps import them from here (`from alliances.models import
Strategy`), so every model and shared name is re-exported below.
"""

from alliances.models.alliance import Alliance, AllianceMembership, AlliancePartner
from alliances.models.cycle import PHASE_ORDER, EvaluationCycle, FederalState, FundingRound, Phase, current_cycle
from alliances.models.deadlines import (
    Countdown,
    CountdownLevel,
    SubmissionReminder,
    countdown_at,
    due_reminder_hours,
)
from alliances.models.questions import (
    FaqDigest,
    FaqEntry,
    Question,
    QuestionComment,
    QuestionQuerySet,
    QuestionStatus,
    QuestionTopic,
    question_attachment_path,
)
from alliances.models.strategy import (
    SECTION_FIELDS,
    STRATEGY_SECTIONS,
    BudgetCategory,
    BudgetLine,
    DeadlineExtension,
    DocumentDownload,
    DocumentKind,
    Reopening,
    Strategy,
    StrategyDocument,
    StrategyQuerySet,
    StrategyStatus,
    Submission,
    budget_table,
    strategy_document_path,
)

__all__ = [
    "Countdown",
    "CountdownLevel",
    "SubmissionReminder",
    "countdown_at",
    "due_reminder_hours",
    "PHASE_ORDER",
    "SECTION_FIELDS",
    "STRATEGY_SECTIONS",
    "Alliance",
    "AllianceMembership",
    "AlliancePartner",
    "BudgetCategory",
    "BudgetLine",
    "DeadlineExtension",
    "DocumentDownload",
    "DocumentKind",
    "EvaluationCycle",
    "FaqDigest",
    "FaqEntry",
    "FederalState",
    "FundingRound",
    "Phase",
    "Question",
    "QuestionComment",
    "QuestionQuerySet",
    "QuestionStatus",
    "QuestionTopic",
    "Reopening",
    "Strategy",
    "StrategyDocument",
    "StrategyQuerySet",
    "StrategyStatus",
    "Submission",
    "budget_table",
    "current_cycle",
    "question_attachment_path",
    "strategy_document_path",
]

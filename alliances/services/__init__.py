"""Business writes of the alliances stage, one module per concept; this package is the app's public surface.

Other apps and the views call `alliances.services.<name>`, so the public names of every module are re-exported here.
Each write is a keyword-only function that runs in one transaction and names its side effects.
"""

from alliances.selectors import cycle_alliances, faq_search
from alliances.services.alliance_import import ALLIANCE_CSV_COLUMNS, AllianceImportReport, import_alliances
from alliances.services.cycle import (
    CYCLE_DATE_FIELDS,
    CYCLE_DEADLINE_FIELDS,
    CYCLE_NAME_MAX_LENGTH,
    CYCLE_SETTING_FIELDS,
    MAX_CYCLE_BUDGET,
    CycleConflict,
    CycleDeadlineWarning,
    cycle_settings_version,
    derived_phase,
    update_cycle_settings,
)
from alliances.services.document_text import index_document_text
from alliances.services.faq import IdentityWarning, alliance_names_in, publish_to_faq, send_faq_digest, send_faq_digests
from alliances.services.figures import bump_figures_version
from alliances.services.questions import (
    ANSWER_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    QuestionConflict,
    add_question_comment,
    answer_question,
    ask_question,
    record_attachment_check,
    report_barrier,
)
from alliances.services.reminders import send_due_submission_reminders
from alliances.services.strategy import (
    StrategyConflict,
    StrategyLocked,
    SubmissionRefused,
    add_strategy_document,
    record_document_check,
    record_document_download,
    remove_strategy_document,
    save_strategy_draft,
)
from alliances.services.submission import extend_deadline, reopen_submission, snapshot_fingerprint, submit_strategy

__all__ = [
    "send_due_submission_reminders",
    "bump_figures_version",
    "ALLIANCE_CSV_COLUMNS",
    "ANSWER_MAX_LENGTH",
    "COMMENT_MAX_LENGTH",
    "CYCLE_DATE_FIELDS",
    "CYCLE_DEADLINE_FIELDS",
    "CYCLE_NAME_MAX_LENGTH",
    "CYCLE_SETTING_FIELDS",
    "MAX_CYCLE_BUDGET",
    "QUESTION_MAX_LENGTH",
    "AllianceImportReport",
    "CycleConflict",
    "CycleDeadlineWarning",
    "IdentityWarning",
    "QuestionConflict",
    "StrategyConflict",
    "StrategyLocked",
    "SubmissionRefused",
    "add_question_comment",
    "add_strategy_document",
    "alliance_names_in",
    "answer_question",
    "ask_question",
    "report_barrier",
    "cycle_alliances",
    "cycle_settings_version",
    "derived_phase",
    "extend_deadline",
    "faq_search",
    "import_alliances",
    "index_document_text",
    "publish_to_faq",
    "record_attachment_check",
    "record_document_check",
    "record_document_download",
    "remove_strategy_document",
    "reopen_submission",
    "save_strategy_draft",
    "send_faq_digest",
    "send_faq_digests",
    "snapshot_fingerprint",
    "submit_strategy",
    "update_cycle_settings",
]

"""Forms of the alliances stage, one module per concept; this package is the app's public surface for forms.

Later stages import the shared fields from here (`from alliances.forms import AmountField, ReasonForm`).
"""

from alliances.forms.cycle import CycleSettingsForm
from alliances.forms.fields import AmountField, budget_field_name
from alliances.forms.questions import (
    AnswerForm,
    BarrierReportForm,
    CommentForm,
    FaqPublishForm,
    FaqSearchForm,
    QuestionForm,
    QueueFilterForm,
)
from alliances.forms.strategy import DeadlineExtensionForm, DocumentUploadForm, ReasonForm, ReopenForm, StrategyForm
from alliances.forms.widgets import CountedTextarea

__all__ = [
    "BarrierReportForm",
    "AmountField",
    "AnswerForm",
    "CommentForm",
    "CountedTextarea",
    "CycleSettingsForm",
    "DeadlineExtensionForm",
    "DocumentUploadForm",
    "FaqPublishForm",
    "FaqSearchForm",
    "QuestionForm",
    "QueueFilterForm",
    "ReasonForm",
    "ReopenForm",
    "StrategyForm",
    "budget_field_name",
]

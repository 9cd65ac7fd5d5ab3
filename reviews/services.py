"""Business operations of the review stage. Each runs in one transaction and names its side effects."""

import csv
import difflib
import io
import string
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import STRATEGY_SECTIONS, Strategy, StrategyStatus, Submission
from portal.models import NotificationKind, Role, User
from portal.notifications import send_notification
from reviews.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    DEFAULT_SCALE_LABELS,
    Assignment,
    AssignmentStatus,
    ConflictType,
    Criterion,
    ExpertProfile,
    PanelVotum,
    Recommendation,
    ReminderKind,
    Review,
    ReviewPolicy,
    ReviewReminder,
    ReviewStatus,
    RubricVersion,
    Score,
)


class ReviewConflict(Exception):
    """Someone saved the review (another tab) since the form was loaded."""

    def __init__(self, current):
        super().__init__("stale review version")
        self.current = current


class ReviewLocked(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AssignmentRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- Rubric -------------------------------------------------------------------------------------------------


def policy_for(cycle):
    policy, _created = ReviewPolicy.objects.get_or_create(cycle=cycle)
    return policy


def current_rubric(cycle):
    return cycle.rubric_versions.order_by("-number").first()


def rubric_is_locked(rubric):
    """A rubric is locked once any review written against it has been submitted."""
    return rubric.reviews.filter(status=ReviewStatus.SUBMITTED).exists()


CRITERIA_CSV_COLUMNS = ["code", "title_de", "title_en", "weight", "guiding_questions_de"]


def parse_criteria_csv(csv_text):
    """Returns criterion dicts, or raises ValidationError naming each bad line."""
    reader = csv.DictReader(io.StringIO(csv_text))
    missing = [column for column in CRITERIA_CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("Zeile 1: Es fehlen die Spalten %(columns)s.") % {"columns": ", ".join(missing)})
    errors, rows, seen = [], [], set()
    for position, row in enumerate(reader):
        line = reader.line_num
        code = (row.get("code") or "").strip().lower()
        title = (row.get("title_de") or "").strip()
        if not code or code in seen:
            errors.append(_("Zeile %(line)s: Kürzel fehlt oder ist doppelt.") % {"line": line})
        seen.add(code)
        if not title:
            errors.append(_("Zeile %(line)s: Der Titel fehlt.") % {"line": line})
        try:
            weight = int((row.get("weight") or "").strip())
            if weight <= 0:
                raise ValueError
        except ValueError:
            errors.append(_("Zeile %(line)s: Das Gewicht muss eine positive ganze Zahl sein.") % {"line": line})
            weight = 0
        rows.append(
            {
                "position": position,
                "code": code,
                "title": title,
                "title_en": (row.get("title_en") or "").strip(),
                "guiding_questions": (row.get("guiding_questions_de") or "").strip(),
                "weight": weight,
            }
        )
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("Die Datei enthält keine Kriterien."))
    return rows


@transaction.atomic
def replace_rubric(*, cycle, criteria, user=None):
    """Sets the cycle's criteria.

    While no review against the current rubric is submitted, the rubric is edited in place;
    afterwards the change makes a new rubric version, and existing reviews keep theirs.
    Side effects: creates or replaces Criterion rows (kept in history), may create a RubricVersion.
    """
    rubric = current_rubric(cycle)
    if rubric is None or rubric_is_locked(rubric):
        number = rubric.number + 1 if rubric else 1
        rubric = RubricVersion.objects.create(cycle=cycle, number=number, created_by=user)
    elif rubric.reviews.exists():
        # Drafts follow the edited rubric; their scores for removed criteria go.
        Score.objects.filter(review__rubric=rubric).exclude(
            criterion__code__in=[item["code"] for item in criteria]
        ).delete()
    existing = {criterion.code: criterion for criterion in rubric.criteria.all()}
    for item in criteria:
        criterion = existing.pop(item["code"], None) or Criterion(rubric=rubric, code=item["code"])
        for name in ("position", "title", "title_en", "guiding_questions", "weight"):
            setattr(criterion, name, item[name])
        for name in ("scale_min", "scale_max", "justification_required", "allows_not_applicable"):
            if name in item:
                setattr(criterion, name, item[name])
        if not criterion.scale_labels:
            criterion.scale_labels = {key: str(label) for key, label in DEFAULT_SCALE_LABELS.items()}
        criterion._history_user = user
        criterion.save()
    for criterion in existing.values():
        criterion._history_user = user
        criterion.delete()
    return rubric


# --- Conflicts of interest and assignments ------------------------------------------------------------------


def _email_domain(email):
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


def _same_organisation(first, second):
    """Equal names, or one contained in the other when the shorter is specific enough ("TU" is not)."""
    if not first or not second:
        return False
    shorter, longer = sorted((first, second), key=len)
    return shorter == longer or (len(shorter) >= 8 and shorter in longer)


def conflict_flags(*, expert, strategy, profile=None, partners=None, alliance_state_ids=None):
    """Likely conflicts of interest between an expert and an alliance, each as a German reason."""
    alliance = strategy.alliance
    profile = profile if profile is not None else ExpertProfile.objects.filter(user=expert).first()
    partners = partners if partners is not None else list(alliance.partners.all())
    state_ids = alliance_state_ids if alliance_state_ids is not None else {s.pk for s in alliance.states.all()}
    flags = []
    affiliation = (profile.affiliation if profile else "").strip().lower()
    domains = {_email_domain(expert.email)} | (
        {profile.email_domain.lower()} if profile and profile.email_domain else set()
    )
    for partner in partners:
        name = partner.name.strip().lower()
        if _same_organisation(affiliation, name):
            flags.append(_("Organisation „%(org)s“ ist Bündnispartner.") % {"org": partner.name})
        elif partner.email_domain and partner.email_domain.lower() in domains:
            flags.append(
                _("E-Mail-Domain %(domain)s gehört zum Bündnispartner „%(org)s“.")
                % {"domain": partner.email_domain, "org": partner.name}
            )
    if profile and profile.federal_state_id and profile.federal_state_id in state_ids:
        flags.append(_("Gleiches Bundesland: %(state)s.") % {"state": profile.federal_state.name})
    if profile:
        targets = [alliance.name.lower(), alliance.acronym.lower()] + [p.name.lower() for p in partners]
        for tie in profile.ties():
            if any(_same_organisation(tie.lower(), target) for target in targets):
                flags.append(_("Erklärte Verbindung: %(tie)s.") % {"tie": tie})
    return flags


def _next_pseudonym(strategy):
    taken = set(Assignment.objects.filter(strategy=strategy).values_list("pseudonym", flat=True))
    for letter in string.ascii_uppercase:
        if letter not in taken:
            return letter
    raise AssignmentRefused(_("Für diese Strategie sind keine weiteren Kennungen frei."))


def _active_load(expert, cycle):
    return Assignment.objects.filter(
        expert=expert, strategy__cycle=cycle, status__in=ACTIVE_ASSIGNMENT_STATUSES
    ).count()


def _assign(*, strategy, expert, user, override_reason, policy):
    # Locking the expert serialises assignments to them, so two runs cannot both pass the load cap.
    expert = User.objects.select_for_update().get(pk=expert.pk)
    if expert.role != Role.EXPERT or not expert.is_active:
        raise AssignmentRefused(_("%(who)s ist nicht als Gutachter/in registriert.") % {"who": expert})
    if strategy.status != StrategyStatus.SUBMITTED:
        raise AssignmentRefused(
            _("Die Strategie von %(alliance)s ist noch nicht eingereicht.") % {"alliance": strategy.alliance.name}
        )
    existing = Assignment.objects.filter(strategy=strategy, expert=expert).first()
    if existing and existing.status in ACTIVE_ASSIGNMENT_STATUSES:
        raise AssignmentRefused(_("%(who)s ist dieser Strategie bereits zugewiesen.") % {"who": expert})
    if existing and existing.status == AssignmentStatus.CONFLICTED:
        raise AssignmentRefused(
            _("%(who)s hat sich für %(alliance)s für befangen erklärt.")
            % {"who": expert, "alliance": strategy.alliance.name}
        )
    if _active_load(expert, strategy.cycle) >= policy.load_cap:
        raise AssignmentRefused(
            _("%(who)s hat bereits die Höchstzahl von %(cap)s Strategien.") % {"who": expert, "cap": policy.load_cap}
        )
    flags = conflict_flags(expert=expert, strategy=strategy)
    override_reason = (override_reason or "").strip()
    if flags and not override_reason:
        raise AssignmentRefused(
            _("Hinweis auf Befangenheit (%(flags)s) – eine Zuweisung ist nur mit schriftlicher Begründung möglich.")
            % {"flags": " ".join(flags)}
        )
    if existing:
        assignment = existing
        assignment.status = AssignmentStatus.AWAITING_DECLARATION
        assignment.assigned_by, assignment.assigned_at = user, timezone.now()
        assignment.conflict_flags, assignment.override_reason = flags, override_reason if flags else ""
    else:
        assignment = Assignment(
            strategy=strategy,
            expert=expert,
            assigned_by=user,
            conflict_flags=flags,
            override_reason=override_reason if flags else "",
            pseudonym=_next_pseudonym(strategy),
        )
    assignment._history_user = user
    if flags:
        assignment._change_reason = _("Zuweisung trotz Hinweis: %(reason)s") % {"reason": override_reason}
    assignment.save()
    send_notification(
        recipients=[expert],
        kind=NotificationKind.ASSIGNMENT,
        subject=_("Neue Begutachtung: %(alliance)s") % {"alliance": strategy.alliance.name},
        template="reviews/email/assigned",
        context={"assignment": assignment, "strategy": strategy},
        cause=assignment,
        cause_url=reverse("reviews:assignment", args=[assignment.pk]),
    )
    return assignment


@transaction.atomic
def assign_expert(*, strategy, expert, user, override_reason=""):
    """Assigns one expert to a submitted strategy.

    Side effects: creates the Assignment (history keeps a conflict override and its reason)
    and e-mails the expert. Raises AssignmentRefused (not an expert, not submitted, load cap,
    already assigned, flagged conflict without justification).
    """
    strategy = Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)
    return _assign(
        strategy=strategy, expert=expert, user=user, override_reason=override_reason, policy=policy_for(strategy.cycle)
    )


@transaction.atomic
def assign_many(*, pairs, user):
    """Applies a previewed set of assignments as one unit: all or nothing.

    `pairs` are (strategy, expert, override_reason). Side effects as assign_expert, per pair.
    """
    created = []
    for strategy, expert, override_reason in pairs:
        locked = Strategy.objects.select_for_update().select_related("cycle", "alliance").get(pk=strategy.pk)
        created.append(
            _assign(
                strategy=locked,
                expert=expert,
                user=user,
                override_reason=override_reason,
                policy=policy_for(locked.cycle),
            )
        )
    return created


@transaction.atomic
def withdraw_assignment(*, assignment, user, reason):
    """Side effects: ends an assignment (frees the slot), kept in history with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte begründen Sie, warum die Zuweisung zurückgezogen wird."))
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.reviews.filter(status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(_("Ein abgegebenes Gutachten kann nicht zurückgezogen werden."))
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment._history_user = user
    assignment._change_reason = reason
    assignment.save()
    return assignment


@transaction.atomic
def declare_conflict(*, assignment, user, has_conflict, conflict_type="", explanation="", now=None):
    """Records the expert's conflict-of-interest declaration.

    No conflict clears the assignment, so the strategy's documents become visible to the expert.
    A conflict ends the assignment, frees the slot and e-mails the programme office.
    """
    now = now or timezone.now()
    assignment = Assignment.objects.select_for_update().select_related("strategy__alliance").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.AWAITING_DECLARATION:
        raise ValidationError(_("Die Erklärung wurde bereits abgegeben."))
    assignment.declared_at = now
    assignment.last_activity_at = now
    assignment._history_user = user
    if has_conflict:
        if conflict_type not in ConflictType.values:
            raise ValidationError(_("Bitte wählen Sie die Art des Interessenkonflikts."))
        if not (explanation or "").strip():
            raise ValidationError(_("Bitte erläutern Sie den Interessenkonflikt kurz."))
        assignment.status = AssignmentStatus.CONFLICTED
        assignment.conflict_type = conflict_type
        assignment.conflict_explanation = explanation.strip()
        assignment.save()
        send_notification(
            recipients=list(User.objects.filter(role=Role.PROGRAMME_OFFICE, is_active=True)),
            kind=NotificationKind.CONFLICT_DECLARED,
            subject=_("Befangenheit erklärt: %(alliance)s") % {"alliance": assignment.strategy.alliance.name},
            template="reviews/email/conflict_declared",
            context={"assignment": assignment},
            cause=assignment,
            cause_url=reverse("reviews:office_assignments", args=[assignment.strategy.cycle.slug]),
        )
    else:
        assignment.status = AssignmentStatus.CLEARED
        assignment.save()
    return assignment


# --- Reviews ------------------------------------------------------------------------------------------------


def latest_submission(strategy):
    return strategy.submissions.order_by("-number").first()


NEW_DRAFT_VERSION = 0
"""The version the form carries for a draft that is not stored yet; the save services accept it for creating it."""


def _new_draft(assignment, submission):
    """An unsaved draft of `submission` and its unsaved scores, with the values a new draft starts from: the texts
    of the expert's last submitted review and, when that used the current rubric, its scores. Reads only."""
    previous = assignment.reviews.filter(status=ReviewStatus.SUBMITTED).order_by("-submitted_at").first()
    rubric = current_rubric(assignment.strategy.cycle)
    review = Review(
        assignment=assignment,
        submission=submission,
        rubric=rubric,
        strengths=previous.strengths if previous else "",
        weaknesses=previous.weaknesses if previous else "",
        proposed_conditions=previous.proposed_conditions if previous else "",
        confidential_note=previous.confidential_note if previous else "",
    )
    scores = []
    if previous and rubric is not None and previous.rubric_id == rubric.pk:
        scores = [
            Score(
                criterion_id=s.criterion_id,
                value=s.value,
                not_applicable=s.not_applicable,
                justification=s.justification,
            )
            for s in previous.scores.all()
        ]
    return review, scores


class ReviewReading:
    """What the expert's pages show of their review, read without writing anything.

    `review` is the review of the latest snapshot; or the draft written against an older snapshot (`older_draft`
    is True; it moves to `submission` on its first save); or an unsaved draft (`is_new`, version
    NEW_DRAFT_VERSION) with the values open_review would give it. `submission` is the latest snapshot.
    """

    def __init__(self, *, review, submission, older_draft=False, new_scores=None):
        self.review = review
        self.submission = submission
        self.older_draft = older_draft
        self._new_scores = new_scores

    @property
    def is_new(self):
        return self.review.pk is None

    @property
    def scores(self):
        """The review's scores; for an unsaved draft the carried-over (unsaved) ones."""
        if self.is_new:
            return list(self._new_scores or [])
        return list(self.review.scores.all())


def review_for_reading(*, assignment):
    """The expert's review as the assignment page and the review form show it, for GET: a pure query.

    No side effects: nothing is created and no draft is moved; the save services do that on the first POST
    (see open_review). Raises ReviewLocked before the conflict-of-interest declaration.
    """
    if assignment.status != AssignmentStatus.CLEARED:
        raise ReviewLocked(_("Bitte erklären Sie zuerst, ob ein Interessenkonflikt besteht."))
    submission = latest_submission(assignment.strategy)
    review = assignment.reviews.filter(submission=submission).first()
    if review:
        return ReviewReading(review=review, submission=submission)
    draft = assignment.reviews.filter(status=ReviewStatus.DRAFT).first()
    if draft:
        return ReviewReading(review=draft, submission=submission, older_draft=True)
    review, scores = _new_draft(assignment, submission)
    review.version = NEW_DRAFT_VERSION
    return ReviewReading(review=review, submission=submission, new_scores=scores)


def _open_review(*, assignment, user):
    """open_review inside the caller's transaction; returns (review, whether it was created now)."""
    assignment = Assignment.objects.select_for_update().select_related("strategy__cycle").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.CLEARED:
        raise ReviewLocked(_("Bitte erklären Sie zuerst, ob ein Interessenkonflikt besteht."))
    submission = latest_submission(assignment.strategy)
    review = assignment.reviews.filter(submission=submission).first()
    if review:
        return review, False
    draft = assignment.reviews.filter(status=ReviewStatus.DRAFT).first()
    if draft:
        draft.submission = submission
        draft._history_user = user
        draft.save()
        return draft, False
    review, scores = _new_draft(assignment, submission)
    review.save()
    for score in scores:
        score.review = review
    Score.objects.bulk_create(scores)
    return review, True


@transaction.atomic
def open_review(*, assignment, user):
    """Returns the expert's review of the latest snapshot, creating a draft if there is none.

    A draft written against an older snapshot moves to the latest one; submitted reviews stay pinned.
    Side effects: may create the draft (with the texts and scores of the expert's last submitted review) or
    move it; holds the assignment row lock. Pages read with review_for_reading instead; the save services
    call this on the first POST.
    """
    review, _created = _open_review(assignment=assignment, user=user)
    return review


def _ensure_before_review_deadline(review, now):
    deadline = review.assignment.strategy.cycle.review_deadline
    if now > deadline:
        raise ReviewLocked(
            _("Die Frist für Gutachten ist am %(date)s abgelaufen.")
            % {"date": date_format(timezone.localtime(deadline), "DATETIME_FORMAT")}
        )


def _check_target(review, assignment):
    if (review is None) == (assignment is None):
        raise TypeError("Pass either review or assignment.")


@transaction.atomic
def save_review_draft(*, user, scores, fields, expected_version, review=None, assignment=None, now=None):
    """Saves scores and texts of a draft review.

    Give `review` (a stored draft), or `assignment` for the expert's review of the latest snapshot: then the
    draft is first created or moved to that snapshot as open_review does, under the assignment row lock and in
    this transaction; a draft created now expects NEW_DRAFT_VERSION, so of two tabs that both started from the
    unsaved draft only the first save passes.
    `scores` maps criterion id to (value or None, not_applicable, justification).
    Side effects: may create or move the draft; updates the review and its scores (kept in history). Raises
    ReviewConflict on a stale version and ReviewLocked when the review is submitted, the declaration is missing
    or the deadline has passed; nothing is stored then.
    """
    _check_target(review, assignment)
    now = now or timezone.now()
    created = False
    if assignment is not None:
        review, created = _open_review(assignment=assignment, user=user)
    review = Review.objects.select_for_update().select_related("assignment__strategy__cycle").get(pk=review.pk)
    if (NEW_DRAFT_VERSION if created else review.version) != expected_version:
        raise ReviewConflict(review)
    if review.status != ReviewStatus.DRAFT:
        raise ReviewLocked(_("Das Gutachten ist abgegeben und kann nicht mehr geändert werden."))
    _ensure_before_review_deadline(review, now)
    criteria = {criterion.pk: criterion for criterion in review.rubric.criteria.all()}
    existing = {score.criterion_id: score for score in review.scores.all()}
    for criterion_id, (value, not_applicable, justification) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        if value is not None and not (criterion.scale_min <= value <= criterion.scale_max):
            raise ValidationError(
                _("%(criterion)s: Die Punktzahl muss zwischen %(min)s und %(max)s liegen.")
                % {"criterion": criterion.title, "min": criterion.scale_min, "max": criterion.scale_max}
            )
        if not_applicable and not criterion.allows_not_applicable:
            raise ValidationError(
                _("%(criterion)s: „nicht anwendbar“ ist hier nicht zulässig.") % {"criterion": criterion.title}
            )
        score = existing.get(criterion_id) or Score(review=review, criterion=criterion)
        score.value = None if not_applicable else value
        score.not_applicable = bool(not_applicable)
        score.justification = (justification or "").strip()
        score._history_user = user
        score.save()
    for name in ("recommendation", "strengths", "weaknesses", "proposed_conditions", "confidential_note"):
        if name in fields:
            setattr(review, name, (fields[name] or "").strip())
    review.version += 1
    review.updated_at = now
    review._history_user = user
    review.save()
    Assignment.objects.filter(pk=review.assignment_id).update(last_activity_at=now)
    return review


def review_problems(review):
    """What keeps a review from being submitted, in German."""
    problems = []
    scores = {score.criterion_id: score for score in review.scores.all()}
    for criterion in review.rubric.criteria.all():
        score = scores.get(criterion.pk)
        if score is None or (score.value is None and not score.not_applicable):
            problems.append(_("%(criterion)s: Bitte vergeben Sie Punkte.") % {"criterion": criterion.title})
        elif criterion.justification_required and not score.justification:
            problems.append(_("%(criterion)s: Bitte begründen Sie die Bewertung.") % {"criterion": criterion.title})
    if not review.recommendation:
        problems.append(_("Bitte geben Sie eine Empfehlung ab."))
    if review.recommendation == Recommendation.FUND_WITH_CONDITIONS and not review.proposed_conditions:
        problems.append(_("Bitte nennen Sie die vorgeschlagenen Auflagen."))
    return problems


@transaction.atomic
def submit_review(*, review, user, now=None):
    """Submits a complete review before the review deadline, which locks it.

    Side effects: sets the review submitted (kept in history). Raises ValidationError listing what is
    missing, or ReviewLocked after the deadline.
    """
    now = now or timezone.now()
    review = (
        Review.objects.select_for_update().select_related("assignment__strategy__cycle", "rubric").get(pk=review.pk)
    )
    if review.status != ReviewStatus.DRAFT:
        raise ReviewLocked(_("Das Gutachten ist bereits abgegeben."))
    _ensure_before_review_deadline(review, now)
    problems = review_problems(review)
    if problems:
        raise ValidationError(problems)
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = now
    review.version += 1
    review._history_user = user
    review.save()
    Assignment.objects.filter(pk=review.assignment_id).update(last_activity_at=now)
    return review


@transaction.atomic
def save_and_submit_review(*, user, scores, fields, expected_version, review=None, assignment=None, now=None):
    """Saves the expert's last input and submits the review, as one unit: either both happen or neither.

    `review` or `assignment` as for save_review_draft (with `assignment` the draft is created or moved first).
    Side effects: as save_review_draft, then submit_review. Raises ReviewConflict, ReviewLocked or
    ValidationError (listing what is missing); nothing is stored then.
    """
    review = save_review_draft(
        review=review,
        assignment=assignment,
        user=user,
        scores=scores,
        fields=fields,
        expected_version=expected_version,
        now=now,
    )
    return submit_review(review=review, user=user, now=now)


@transaction.atomic
def reopen_review(*, review, user, reason):
    """Sets a submitted review back to draft, with the reason kept in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Bitte begründen Sie die Wiederöffnung."))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Nur ein abgegebenes Gutachten kann wieder geöffnet werden."))
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.version += 1
    review._history_user = user
    review._change_reason = _("Wieder geöffnet: %(reason)s") % {"reason": reason}
    review.save()
    return review


def submitted_reviews_by_criterion(*, strategy, submission):
    """The submitted reviews of a snapshot and criterion rows with one score per review, for side-by-side reading."""
    if submission is None:
        return [], []
    reviews = list(
        Review.objects.filter(assignment__strategy=strategy, submission=submission, status=ReviewStatus.SUBMITTED)
        .select_related("assignment__expert", "rubric")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .order_by("assignment__pseudonym")
    )
    criteria = list(reviews[0].rubric.criteria.all()) if reviews else []
    by_review = [{score.criterion_id: score for score in review.scores.all()} for review in reviews]
    rows = [
        {"criterion": criterion, "scores": [scores.get(criterion.pk) for scores in by_review]} for criterion in criteria
    ]
    return reviews, rows


def may_see_other_reviews(*, assignment):
    """An expert sees the others' reviews only after submitting a counting review of the latest snapshot."""
    submission = latest_submission(assignment.strategy)
    return Review.objects.counting().filter(assignment=assignment, submission=submission).exists()


def reviews_complete(strategy):
    """Every active assignment has submitted a review of the latest snapshot."""
    active = strategy.assignments.active()
    if strategy.latest_submission is None or not active.exists():
        return False
    return not active.outstanding().exists()


@transaction.atomic
def save_votum(*, strategy, user, recommendation, proposed_amount, conditions, summary, expected_version=None):
    """Writes the panel's Votum once the reviews of a strategy are complete.

    Side effects: creates or updates the PanelVotum (kept in history). Raises ValidationError.
    """
    if not reviews_complete(strategy):
        raise ValidationError(_("Das Votum kann erst geschrieben werden, wenn alle Gutachten abgegeben sind."))
    if proposed_amount is None or proposed_amount < Decimal("0"):
        raise ValidationError(_("Der vorgeschlagene Betrag darf nicht negativ sein."))
    if not (summary or "").strip():
        raise ValidationError(_("Bitte fassen Sie das Votum zusammen."))
    votum = PanelVotum.objects.select_for_update().filter(strategy=strategy).first()
    if votum and expected_version is not None and votum.version != expected_version:
        raise ReviewConflict(votum)
    votum = votum or PanelVotum(strategy=strategy, version=0)
    votum.recommendation = recommendation
    votum.proposed_amount = proposed_amount
    votum.conditions = (conditions or "").strip()
    votum.summary = summary.strip()
    votum.written_by = user
    votum.updated_at = timezone.now()
    votum.version += 1
    votum._history_user = user
    votum.save()
    return votum


# --- Reminders ----------------------------------------------------------------------------------------------


def experts_with_outstanding_reviews(cycle):
    """Experts and their count of active assignments whose review is not done (Assignment.is_done)."""
    outstanding = {}
    for assignment in Assignment.objects.filter(strategy__cycle=cycle).outstanding().select_related("expert"):
        outstanding[assignment.expert] = outstanding.get(assignment.expert, 0) + 1
    return outstanding


def _remind(cycle, expert, count, kind, user=None):
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(cycle=cycle, expert=expert, kind=kind, outstanding=count, sent_by=user)
    except IntegrityError:
        return False
    send_notification(
        recipients=[expert],
        kind=NotificationKind.REVIEW_REMINDER,
        subject=ngettext("Erinnerung: %(count)s Gutachten offen", "Erinnerung: %(count)s Gutachten offen", count)
        % {"count": count},
        template="reviews/email/reminder",
        context={"cycle": cycle, "count": count, "expert": expert},
        cause=cycle,
        cause_url=reverse("reviews:my_assignments"),
    )
    return True


@transaction.atomic
def send_due_reminders(*, cycle, now=None):
    """Sends the 7-day and 2-day reminders that are due; each at most once per expert and cycle.

    Side effects: records ReviewReminder rows and e-mails experts with outstanding reviews.
    """
    now = now or timezone.now()
    left = cycle.review_deadline - now
    if left.total_seconds() < 0:
        return 0
    kinds = []
    if left.days < 7:
        kinds.append(ReminderKind.SEVEN_DAYS)
    if left.days < 2:
        kinds.append(ReminderKind.TWO_DAYS)
    sent = 0
    for expert, count in experts_with_outstanding_reviews(cycle).items():
        for kind in kinds:
            sent += _remind(cycle, expert, count, kind)
    return sent


@transaction.atomic
def send_manual_reminder(*, cycle, user):
    """E-mails every expert with outstanding reviews now. Side effects: ReviewReminder rows, e-mails."""
    sent = 0
    for expert, count in experts_with_outstanding_reviews(cycle).items():
        sent += _remind(cycle, expert, count, ReminderKind.MANUAL, user=user)
    return sent


# --- Resubmissions ------------------------------------------------------------------------------------------


def notify_experts_of_resubmission(*, submission):
    """Tells the experts of a strategy that it was resubmitted and what changed."""
    if submission.number < 2:
        return
    strategy = submission.strategy
    experts = [
        a.expert for a in strategy.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES).select_related("expert")
    ]
    send_notification(
        recipients=experts,
        kind=NotificationKind.RESUBMISSION,
        subject=_("Geänderte Fassung: %(alliance)s") % {"alliance": strategy.alliance.name},
        template="reviews/email/resubmitted",
        context={"submission": submission, "strategy": strategy},
        cause=submission,
        cause_url=reverse("reviews:my_assignments"),
    )


def resubmission_changes(*, assignment, current):
    """What changed in the strategy since the snapshot this assignment's review was first written against.

    Returns (earlier submission or None, [{"label", "diff": [(kind, line)], "added", "removed"}]) with kind
    one of "added", "removed", "context", "skip"; empty when the review started on `current`. Reads the
    review history, since a draft moves to the newest snapshot when it is first saved again. No side effects.
    """
    if current is None:
        return None, []
    pinned_ids = set(Review.history.filter(assignment_id=assignment.pk).values_list("submission_id", flat=True))
    earlier = (
        Submission.objects.filter(strategy_id=assignment.strategy_id, pk__in=pinned_ids, number__lt=current.number)
        .order_by("-number")
        .first()
    )
    if earlier is None:
        return None, []
    changes = []
    for name, label, _limit in STRATEGY_SECTIONS:
        before = (earlier.sections.get(name) or "").splitlines()
        after = (current.sections.get(name) or "").splitlines()
        if before == after:
            continue
        lines, added, removed = [], 0, 0
        for line in difflib.unified_diff(before, after, lineterm="", n=1):
            if line.startswith(("---", "+++")):
                continue
            if line.startswith("@@"):
                lines.append(("skip", "…"))
            elif line.startswith("+"):
                lines.append(("added", line[1:]))
                added += 1
            elif line.startswith("-"):
                lines.append(("removed", line[1:]))
                removed += 1
            else:
                lines.append(("context", line[1:]))
        changes.append({"name": name, "label": label, "diff": lines, "added": added, "removed": removed})
    if earlier.budget != current.budget:
        changes.append(
            {
                "name": "budget",
                "label": _("Finanzplan"),
                "diff": [],
                "added": 0,
                "removed": 0,
                "budget_before": earlier.budget_total,
                "budget_after": current.budget_total,
            }
        )
    return earlier, changes


def submitted_strategies(cycle):
    return Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED).select_related("alliance")


# --- Review policy ------------------------------------------------------------------------------------------

MAX_EXPERTS_PER_STRATEGY = 20
MAX_LOAD_CAP = 100
POLICY_FIELDS = ["experts_per_strategy", "load_cap", "disagreement_threshold"]


def _policy_field_label(name):
    return ReviewPolicy._meta.get_field(name).verbose_name


def _validate_policy(values):
    """German messages per field for values that cannot be stored; an empty dict when all is well."""
    errors = {}
    k, cap, threshold = values["experts_per_strategy"], values["load_cap"], values["disagreement_threshold"]
    if k is None:
        errors["experts_per_strategy"] = [_("Bitte geben Sie an, wie viele Gutachten je Strategie nötig sind.")]
    elif not 1 <= k <= MAX_EXPERTS_PER_STRATEGY:
        errors["experts_per_strategy"] = [
            _("Je Strategie sind mindestens 1 und höchstens %(limit)s Gutachten möglich.")
            % {"limit": MAX_EXPERTS_PER_STRATEGY}
        ]
    if cap is None:
        errors["load_cap"] = [_("Bitte geben Sie die Höchstzahl an Strategien je Gutachter/in an.")]
    elif not 1 <= cap <= MAX_LOAD_CAP:
        errors["load_cap"] = [
            _("Die Höchstzahl je Gutachter/in muss zwischen 1 und %(limit)s liegen.") % {"limit": MAX_LOAD_CAP}
        ]
    if threshold is None or not threshold.is_finite():
        errors["disagreement_threshold"] = [_("Bitte geben Sie die Schwelle als Zahl zwischen 0 und 100 an.")]
    elif not Decimal("0") <= threshold <= Decimal("100"):
        errors["disagreement_threshold"] = [_("Die Schwelle muss zwischen 0 und 100 Punkten liegen.")]
    elif threshold.as_tuple().exponent < -2:
        errors["disagreement_threshold"] = [_("Bitte höchstens zwei Nachkommastellen angeben.")]
    return errors


def policy_warnings(policy):
    """German hints about a policy that can be stored but will be hard to meet in its cycle."""
    warnings = []
    experts = User.objects.filter(role=Role.EXPERT, is_active=True).count()
    if policy.experts_per_strategy > experts:
        warnings.append(
            ngettext(
                "Es gibt nur %(count)s aktive Gutachter/in; %(k)s Gutachten je Strategie lassen sich so nicht besetzen.",  # noqa: E501 - one msgid
                "Es gibt nur %(count)s aktive Gutachter/innen; %(k)s Gutachten je Strategie lassen sich so nicht "
                "besetzen.",
                experts,
            )
            % {"count": experts, "k": policy.experts_per_strategy}
        )
    strategies = submitted_strategies(policy.cycle).count()
    needed, capacity = strategies * policy.experts_per_strategy, experts * policy.load_cap
    if needed > capacity:
        warnings.append(
            _(
                "Für %(strategies)s eingereichte Strategien sind %(needed)s Gutachten nötig, die aktiven "
                "Gutachter/innen können bei dieser Höchstzahl aber nur %(capacity)s übernehmen."
            )
            % {"strategies": strategies, "needed": needed, "capacity": capacity}
        )
    over_cap = (
        Assignment.objects.filter(strategy__cycle=policy.cycle, status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .values("expert")
        .annotate(load=Count("pk"))
        .filter(load__gt=policy.load_cap)
        .count()
    )
    if over_cap:
        warnings.append(
            ngettext(
                "%(count)s Gutachter/in hat schon mehr Zuweisungen als die neue Höchstzahl; bestehende Zuweisungen "
                "bleiben, neue sind für sie nicht mehr möglich.",
                "%(count)s Gutachter/innen haben schon mehr Zuweisungen als die neue Höchstzahl; bestehende "
                "Zuweisungen bleiben, neue sind für sie nicht mehr möglich.",
                over_cap,
            )
            % {"count": over_cap}
        )
    return warnings


def _locked_policy(cycle):
    """The cycle's policy, locked; an unsaved one with the defaults when there is none yet."""
    policy = ReviewPolicy.objects.select_for_update().filter(cycle=cycle).first()
    return policy if policy is not None else ReviewPolicy(cycle=cycle)


@transaction.atomic
def update_review_policy(*, cycle, user, experts_per_strategy, load_cap, disagreement_threshold, reason=""):
    """The programme office sets how many reviews each strategy needs, each expert's load cap and the
    disagreement threshold (spread of the weighted scores on 0–100) of a cycle.

    Side effects: creates the cycle's ReviewPolicy on first save, or updates it, recorded in its history with
    the user and a change reason (plus `reason`, when given); nothing is stored when nothing changed. The
    balancer, the assignments and the score statistics read the stored values from then on.
    Returns (policy, names of the changed settings, German warnings such as too few experts for k).
    Raises ValidationError (a message per field) for values that cannot be stored.
    """
    values = {
        "experts_per_strategy": experts_per_strategy,
        "load_cap": load_cap,
        "disagreement_threshold": disagreement_threshold,
    }
    errors = _validate_policy(values)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            policy, changed = _save_policy(cycle=cycle, user=user, values=values, reason=reason)
    except IntegrityError:
        # Another first save created the policy in the meantime: apply the values to that one.
        policy, changed = _save_policy(cycle=cycle, user=user, values=values, reason=reason)
    return policy, changed, policy_warnings(policy)


def _save_policy(*, cycle, user, values, reason):
    policy = _locked_policy(cycle)
    created = policy.pk is None
    changed = [name for name in POLICY_FIELDS if created or getattr(policy, name) != values[name]]
    if changed:
        for name in POLICY_FIELDS:
            setattr(policy, name, values[name])
        change_reason = (
            _("Begutachtungsregeln angelegt")
            if created
            else _("Begutachtungsregeln geändert: %(fields)s")
            % {"fields": ", ".join(str(_policy_field_label(name)) for name in changed)}
        )
        reason = (reason or "").strip()
        if reason:
            change_reason = f"{change_reason} – {reason}"
        policy._history_user = user
        policy._change_reason = change_reason
        policy.save()
    return policy, changed

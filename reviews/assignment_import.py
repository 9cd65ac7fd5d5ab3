"""CSV import of expert assignments: parsed and checked into a preview, then applied as one unit.

Columns: alliance (slug), expert (e-mail), override_reason (optional; required for flagged pairs).
Cells are only ever compared as plain text, so formula-like content (=, +, -, @) is never evaluated.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from alliances.models import Alliance, Strategy, StrategyStatus
from portal.models import Role, User
from reviews import services, validators
from reviews.balancer import refreshed_pairs
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, ExpertProfile, ReviewPolicy


@dataclass(frozen=True)
class ImportRow:
    line: int
    strategy: Strategy
    expert: User
    flags: tuple[str, ...]
    override_reason: str


@dataclass
class AssignmentImportPreview:
    cycle: object
    rows: list[ImportRow] = field(default_factory=list)

    def pairs(self):
        return [(row.strategy, row.expert, row.override_reason) for row in self.rows]


def _shown(value):
    # Echoed cell text stays short; templates escape it.
    return value if len(value) <= 80 else value[:77] + "…"


def _decode(csv_text):
    if isinstance(csv_text, bytes):
        validators.validate_assignment_csv_size(len(csv_text))
        try:
            text = csv_text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(validators.NOT_UTF8) from error
    else:
        validators.validate_assignment_csv_size(len(csv_text.encode("utf-8")))
        text = csv_text.removeprefix("\ufeff")
    validators.validate_utf8_text(text)
    return text


def _read_records(text):
    """(line, cells) per non-empty record; the header first. Raises ValidationError."""
    first_line = text.split("\n", 1)[0]
    # German Excel writes semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, previous_end = [], 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            records.append((start, [cell.strip() for cell in cells]))
            validators.validate_assignment_row_count(len(records) - 1)
    except csv.Error as error:
        raise ValidationError(validators.not_csv(reader.line_num)) from error
    return records


def parse_assignment_csv(*, cycle, csv_text):
    """Checks an assignment CSV (bytes, or already decoded text) against the cycle; no side effects.

    Returns an AssignmentImportPreview, or raises ValidationError with one German message per bad line,
    each naming the line. Loads everything in a fixed number of queries.
    """
    records = _read_records(_decode(csv_text))
    if not records:
        raise ValidationError(validators.FILE_EMPTY)
    header_line, header = records[0]
    names = validators.assignment_csv_columns(header_line, header)
    body = records[1:]
    if not body:
        raise ValidationError(validators.NO_ASSIGNMENTS)

    values = [dict(zip(names, cells, strict=False)) for _line, cells in body]
    slugs = {row.get("alliance", "") for row in values}
    emails = {row.get("expert", "").lower() for row in values}
    alliances = {alliance.slug: alliance for alliance in Alliance.objects.filter(slug__in=slugs)}
    strategies = {
        strategy.alliance.slug: strategy
        for strategy in Strategy.objects.filter(cycle=cycle, alliance__slug__in=slugs)
        .select_related("alliance")
        .prefetch_related("alliance__partners", "alliance__states")
    }
    experts = {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .select_related("expert_profile__federal_state")
    }
    statuses, load = {}, {}
    for strategy_id, expert_id, status in Assignment.objects.filter(strategy__cycle=cycle).values_list(
        "strategy_id", "expert_id", "status"
    ):
        statuses[strategy_id, expert_id] = status
        if status in ACTIVE_ASSIGNMENT_STATUSES:
            load[expert_id] = load.get(expert_id, 0) + 1
    policy = ReviewPolicy.objects.filter(cycle=cycle).first() or ReviewPolicy(cycle=cycle)

    errors, rows, first_seen = [], [], {}
    for (line, cells), row in zip(body, values, strict=True):
        error, parsed = _check_row(
            line=line,
            cells=cells,
            row=row,
            names=names,
            alliances=alliances,
            strategies=strategies,
            experts=experts,
            statuses=statuses,
            load=load,
            cap=policy.load_cap,
            first_seen=first_seen,
        )
        if error:
            errors.append(error)
        else:
            rows.append(parsed)
    if errors:
        raise ValidationError(errors)
    return AssignmentImportPreview(cycle=cycle, rows=rows)


def _check_row(*, line, cells, row, names, alliances, strategies, experts, statuses, load, cap, first_seen):
    """(error message, None) or (None, ImportRow); counts an accepted row into `load` and `first_seen`."""

    def fail(problem, **params):
        return validators.on_line(line, problem, **params), None

    if len(cells) != len(names):
        return fail(validators.WRONG_FIELD_COUNT, expected=len(names), found=len(cells))
    slug, email = row["alliance"], row["expert"]
    reason = row.get("override_reason", "")
    alliance = alliances.get(slug)
    if alliance is None:
        return fail(validators.UNKNOWN_ALLIANCE, slug=_shown(slug))
    strategy = strategies.get(slug)
    if strategy is None or strategy.status != StrategyStatus.SUBMITTED:
        return fail(validators.NOT_SUBMITTED_IN_CYCLE, alliance=alliance.name)
    expert = experts.get(email.lower())
    if expert is None or not expert.is_active or expert.role != Role.EXPERT:
        return fail(validators.EMAIL_NOT_AN_EXPERT, email=_shown(email))
    pair = (strategy.pk, expert.pk)
    if pair in first_seen:
        return fail(validators.SAME_ASSIGNMENT_TWICE, first=first_seen[pair])
    status = statuses.get(pair)
    if status in ACTIVE_ASSIGNMENT_STATUSES:
        return fail(validators.ALREADY_ASSIGNED_TO, who=expert, alliance=alliance.name)
    if status == AssignmentStatus.CONFLICTED:
        return fail(validators.DECLARED_CONFLICT, who=expert, alliance=alliance.name)
    # Prefetched partners and states, and a blank profile for experts without one, so conflict_flags runs
    # no query.
    flags = services.conflict_flags(
        expert=expert,
        strategy=strategy,
        profile=getattr(expert, "expert_profile", None) or ExpertProfile(),
        partners=list(strategy.alliance.partners.all()),
        alliance_state_ids={state.pk for state in strategy.alliance.states.all()},
    )
    if flags and not reason:
        return fail(validators.OVERRIDE_REASON_COLUMN_MISSING, flags=" ".join(flags))
    if load.get(expert.pk, 0) + 1 > cap:
        return fail(validators.OVER_LOAD_CAP, who=expert, cap=cap)
    load[expert.pk] = load.get(expert.pk, 0) + 1
    first_seen[pair] = line
    return None, ImportRow(
        line=line, strategy=strategy, expert=expert, flags=tuple(flags), override_reason=reason if flags else ""
    )


@transaction.atomic
def apply_assignment_import(*, preview, user):
    """Creates the previewed assignments in one transaction: all or nothing.

    Side effects: per row as services.assign_expert (Assignment with history, overrides with their reason,
    e-mail to the expert after commit). Raises services.AssignmentRefused, and then nothing is created.
    Returns the created assignments.
    """
    return services.assign_many(pairs=refreshed_pairs(preview.pairs()), user=user)

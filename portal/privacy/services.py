"""Writes of data protection: the daily retention run, legal holds, and the pseudonymisation of an account.

The stages' own parts (their handlers, which users a hold covers, which accounts a funding file binds) are
registered in `portal.privacy.retention` from their `AppConfig.ready()`; nothing here imports a stage.
"""

import logging

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.html import escape

from portal.locks import exclusive
from portal.models import LegalHold, RetentionRule, RetentionRun, Role, User
from portal.privacy import registry
from portal.privacy.registry import DataKind, Erasure
from portal.privacy.retention import DEFAULT_BATCH_SIZE, Holds, bound_user_querysets, handlers

logger = logging.getLogger(__name__)

PSEUDONYM_EMAIL_DOMAIN = "anonymisiert.invalid"


def active_holds(*, now=None):
    """The holds in force at `now` (set by then, not lifted by then)."""
    now = now or timezone.now()
    return LegalHold.objects.filter(set_at__lte=now).filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=now))


def holds_at(now) -> Holds:
    rows = list(active_holds(now=now).values_list("cycle_id", "alliance_id"))
    return Holds(
        cycle_ids=frozenset(cycle for cycle, _alliance in rows if cycle),
        alliance_ids=frozenset(alliance for _cycle, alliance in rows if alliance),
    )


RETENTION_RUN_LOCK = "portal.privacy.retention-run"


def apply_retention(*, now=None, batch_size=DEFAULT_BATCH_SIZE) -> RetentionRun | None:
    """Applies the retention schedule as of `now` (default: the current time): every rule's registered handlers
    delete or anonymise what is due, in batches, and skip what an active legal hold covers.

    Side effects: deletes and anonymises rows in every stage (each batch its own transaction, so that a long run
    neither holds locks for long nor loses its work on a late failure); writes one `RetentionRun` with the count
    per category, never content. Idempotent: a second run with the same `now` changes nothing and counts zeros.
    One run at a time (a PostgreSQL advisory lock, `portal.locks`): while another run holds it, this one changes
    nothing, logs that it was skipped and returns None.
    """
    now = now or timezone.now()
    with exclusive(RETENTION_RUN_LOCK) as acquired:
        if not acquired:
            logger.warning("retention run as of %s skipped: another run is still going", now.isoformat())
            return None
        return _run_retention(now=now, batch_size=batch_size)


def _run_retention(*, now, batch_size):
    holds = holds_at(now)
    run = RetentionRun.objects.create(as_of=now, active_holds=len(holds.cycle_ids) + len(holds.alliance_ids), counts={})
    counts = {}
    for rule in RetentionRule.objects.order_by("code"):
        counts[rule.code] = 0
        for handler in handlers(rule.code):
            done = handler.apply(rule=rule, now=now, holds=holds, batch_size=batch_size)
            counts[rule.code] += done
            if done:
                logger.info("retention %s: %s rows of %s", rule.code, done, handler.name)
        run.counts = counts
        run.save(update_fields=["counts"])
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    return run


# --- Legal holds ------------------------------------------------------------------------------------------------


def set_legal_hold(*, user, reason, cycle_id=None, alliance_id=None, now=None) -> LegalHold:
    """Puts a legal hold on one cycle or one alliance (by id).

    Side effects: writes the hold and its history record; from then on the retention run keeps everything under it.
    """
    if (cycle_id is None) == (alliance_id is None):
        raise ValueError("A legal hold covers exactly one cycle or one alliance.")
    with transaction.atomic():
        hold = LegalHold(cycle_id=cycle_id, alliance_id=alliance_id, reason=reason, set_by=user)
        if now is not None:
            hold.set_at = now
        hold._history_user = user
        hold.save()
        return hold


def lift_legal_hold(*, hold, user, now=None) -> LegalHold:
    """Lifts a legal hold; lifting a lifted hold changes nothing.

    Side effects: records who lifted it and when (with a history record); the next retention run deletes and
    anonymises what was due under it.
    """
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is None:
            hold.lifted_by = user
            hold.lifted_at = now or timezone.now()
            hold._history_user = user
            hold.save()
        return hold


# --- Pseudonymising an account ----------------------------------------------------------------------------------

ROLE_PSEUDONYMS = {
    Role.EXPERT: "ehemalige/r Gutachter/in {number}",
    Role.ALLIANCE_MANAGER: "ehemalige/r Bündnismanager/in {number}",
    Role.PROGRAMME_OFFICE: "ehemalige/r Mitarbeiter/in des Projektträgers {number}",
    Role.MINISTRY: "ehemalige/r Mitarbeiter/in des Ministeriums {number}",
    Role.ADMIN: "ehemalige/r Administrator/in {number}",
}
FORMER_ACCOUNT = "ehemaliges Konto {number}"


def pseudonym_for(user, *, by_role=True) -> str:
    """The name an account takes when it is pseudonymised: by role ("ehemalige/r Gutachter/in 7") while its
    records stay in a funding file, otherwise "ehemaliges Konto 7". The number is the account's id: it reveals
    nothing and keeps two former experts apart. Stored in German, the language of the file."""
    template = ROLE_PSEUDONYMS.get(user.role, FORMER_ACCOUNT) if by_role else FORMER_ACCOUNT
    return template.format(number=user.pk)


def pseudonym_email(user) -> str:
    return f"konto-{user.pk}@{PSEUDONYM_EMAIL_DOMAIN}"


def bound_to_funding_file(user) -> bool:
    """Whether a funding file keeps records of `user` (submitted, reviewed, decided …), as the stages declare."""
    return bound_user_ids().filter(pk=user.pk).exists()


def bound_user_ids():
    """The ids of every user bound to a funding file, as one queryset (the stages' subqueries ORed)."""
    query = Q(pk__in=[])
    for ids in bound_user_querysets():
        query |= Q(pk__in=ids)
    return User.objects.filter(query).values("pk")


def _erased_value(model_field, personal_field, *, name, email):
    """The value a field takes under its erasure; `models.NOT_PROVIDED` when it stays as it is."""
    if personal_field.erasure == Erasure.KEEP or personal_field.kind == DataKind.USER_REFERENCE:
        return models.NOT_PROVIDED
    if personal_field.erasure == Erasure.PSEUDONYM:
        if personal_field.kind == DataKind.EMAIL:
            return email
        if personal_field.kind in (DataKind.NAME, DataKind.FREE_TEXT):
            return name
    if model_field.null:
        return None
    if isinstance(model_field, models.JSONField):
        return model_field.get_default()
    return ""


def erase_rows_of(*, user, name, email) -> dict[str, int]:
    """Applies every declaration's field erasures to the rows about `user` (registry subjects), apart from the
    account row itself. Returns rows changed or deleted per model label. Runs inside the caller's transaction."""
    changed = {}
    for label, declaration in registry.declarations().items():
        if label == User._meta.label or not declaration.subjects:
            continue
        model = declaration.model_class
        rows = model._default_manager.filter(pk__in=declaration.rows_of(user).values("pk"))
        if declaration.erase_rows:
            count = declaration.erase_rows(rows)
        elif declaration.deletes_rows:
            _deleted, by_model = rows.delete()
            count = by_model.get(label, 0)
        else:
            values = {}
            for item in declaration.fields:
                value = _erased_value(model._meta.get_field(item.name), item, name=name, email=email)
                if value is not models.NOT_PROVIDED:
                    values[item.name] = value
            if not values:
                continue
            keys = list(rows.values_list("pk", flat=True))
            count = model._default_manager.filter(pk__in=keys).update(**values) if keys else 0
            if keys and declaration.after_erasure:
                declaration.after_erasure(keys)
        if count:
            changed[label] = count
    return changed


def replace_mentions(*, former, name, email) -> dict[str, int]:
    """Replaces the person's former name and address (`former`, also HTML-escaped) by the pseudonym and its address
    in every declared mention field of every row. Returns rows changed per model label."""
    replacements = []
    for text in former:
        new = email if "@" in text else name
        replacements += [(text, new)] + ([(escape(text), escape(new))] if escape(text) != text else [])
    changed = {}
    for label, declaration in registry.declarations().items():
        if not declaration.mentions or not replacements:
            continue
        manager = declaration.model_class._default_manager
        mentioning = Q(pk__in=[])
        for field_name in declaration.mentions:
            for old, _new in replacements:
                mentioning |= Q(**{f"{field_name}__contains": old})
        keys = list(manager.filter(mentioning).values_list("pk", flat=True))
        if not keys:
            continue
        values = {}
        for field_name in declaration.mentions:
            expression = F(field_name)
            for old, new in replacements:
                expression = Replace(expression, Value(old), Value(new))
            values[field_name] = expression
        changed[label] = manager.filter(pk__in=keys).update(**values)
    return changed


def pseudonymise_account(*, user, now=None, by_role=None) -> dict[str, int]:
    """Pseudonymises an account: its name becomes the pseudonym, its e-mail an address that reaches no one, the
    password unusable, the account inactive; every row the registry ties to the person is erased as declared
    (blanked, pseudonymised, deleted or kept under its legal basis), the history included. Records the funding
    file keeps stay, bound to the pseudonym. `by_role` (default: whether a funding file binds the account) picks
    the pseudonym's form. Used by the retention of inactive accounts and by the erasure of an account.

    Side effects: rewrites the account and its history; deletes its e-mail addresses, second factors, external
    sign-ins, sessions and notification settings; blanks and pseudonymises its rows in every stage; rewrites the
    admin log's label of the account; replaces its former name and address where messages to others mention them
    (`replace_mentions`). One transaction. Returns rows changed per model label.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if by_role is None:
            by_role = bound_to_funding_file(user)
        name = pseudonym_for(user, by_role=by_role)
        email = pseudonym_email(user)
        session_keys = _session_keys_of(user)
        former = [text for text in (user.full_name, user.email) if text]
        user.full_name = name
        user.email = email
        user.set_unusable_password()
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.anonymised_at = now
        user._change_reason = "pseudonymisiert"
        user.save()
        changed = erase_rows_of(user=user, name=name, email=email)
        for label, count in replace_mentions(former=former, name=name, email=email).items():
            changed[label] = changed.get(label, 0) + count
        if session_keys:
            changed["sessions.Session"] = Session.objects.filter(session_key__in=session_keys).delete()[0]
        logged = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).update(object_repr=name)
        if logged:
            changed["admin.LogEntry"] = logged
        changed[User._meta.label] = 1
        return changed


def _session_keys_of(user):
    from allauth.usersessions.models import UserSession

    return list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))

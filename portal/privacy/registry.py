"""The registry of personal data: which fields of which models hold data about a person, what for, how long and
how each is erased. One declaration per model, filled by each stage's `privacy.register()` from its
`AppConfig.ready()`; the portal never imports a stage.

Read by the retention run (`portal.privacy.services`), the account pseudonymisation, and later by the personal
data export ("Meine Daten"), the erasure queue and the record of processing activities (Art. 30 DSGVO).
A test (tests/portal/privacy/test_registry.py) walks every installed model and fails for a field that looks
personal unless it is declared here or allowed with a reason (`register_not_personal`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DataKind(models.TextChoices):
    """What a personal field holds."""

    NAME = "name", _("Name")
    EMAIL = "email", _("E-Mail-Adresse")
    PHONE = "phone", _("Telefonnummer")
    FREE_TEXT = "free_text", _("Freitext über eine Person")
    IP_ADDRESS = "ip_address", _("IP-Adresse")
    USER_AGENT = "user_agent", _("Browserkennung")
    USER_REFERENCE = "user_reference", _("Verweis auf ein Benutzerkonto")
    IDENTIFIER = "identifier", _("Anmeldekennung oder Sitzungsdaten")


class Erasure(models.TextChoices):
    """How a field is erased when its person's data is erased (account erasure, anonymisation of an account)."""

    BLANK = "blank", _("wird geleert")
    PSEUDONYM = "pseudonym", _("wird durch ein Pseudonym ersetzt")
    DELETE_ROW = "delete_row", _("der Datensatz wird gelöscht")
    KEEP = "keep", _("bleibt aufgrund einer Rechtsgrundlage erhalten")


@dataclass(frozen=True)
class PersonalField:
    """One personal field of a model."""

    name: str
    kind: str  # DataKind
    erasure: str  # Erasure
    # For KEEP: why the field outlives an erasure (German, shown to the person and in the record).
    legal_basis: str = ""
    # The retention category of this field when it differs from its model's (a review's confidential note).
    retention: str = ""


@dataclass(frozen=True)
class PersonalData:
    """The declaration of one model that holds personal data.

    `subjects` are ORM lookups from the model to the person a row is about (e.g. "assignment__expert" for a
    review): erasure applies each field's erasure to `rows_of(user)`, export reads them. Other people a row names
    (who answered a question, who confirmed a decision) are only USER_REFERENCE fields: `referencing(user)` finds
    those rows, and erasing such a person changes nothing in them but their account, which the reference then
    shows as the pseudonym. A model without subjects holds personal data that no lookup ties to one person
    (Django's sessions); only its retention category removes it.
    `retention` is the `RetentionRule.code` of the category that limits its storage (a field may name its own).
    A user reference erased as PSEUDONYM stays and points to the pseudonymised account.
    """

    model: str  # "app_label.ModelName"
    purpose: str  # German, for the record of processing activities
    retention: str
    fields: tuple[PersonalField, ...]
    subjects: tuple[str, ...] = ()
    # Called with the primary keys of rows whose fields were erased (e.g. to refresh their search entries).
    after_erasure: Callable[[list[int]], None] | None = None
    derived_from: str = ""  # for a historical model: the declaration it mirrors
    # Lookups of fields that are not personal but make an exported row readable (its alliance, status, dates, the
    # text a person wrote); checked not to look personal. A historical model gets its date and type of change.
    export_fields: tuple[str, ...] = ()
    # Text fields that may name anyone (a message to the programme office naming an expert): an erasure replaces
    # the person's former name and address in them, in every row, not only in the rows about the person.
    mentions: tuple[str, ...] = ()
    # Erases the person's rows (`rows_of(user)`) in place of the field-wise erasure, for rows that are a copy of
    # the person's data as a whole (a rendered personal data export); returns the rows it removed.
    erase_rows: Callable[[models.QuerySet], int] | None = None

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def field(self, name):
        return next((item for item in self.fields if item.name == name), None)

    @property
    def deletes_rows(self):
        return any(item.erasure == Erasure.DELETE_ROW for item in self.fields)

    def subject_q(self, user):
        """Q selecting the rows that are `user`'s data (nothing when the model has no subject lookup)."""
        query = Q(pk__in=[])
        for lookup in self.subjects:
            query |= Q(**{lookup: user.pk})
        return query

    def rows_of(self, user):
        """The rows of this model that are about `user`."""
        return self.model_class._default_manager.filter(self.subject_q(user)).distinct()

    def references_q(self, user):
        """Q selecting the rows whose user-reference fields name `user` (about them or not)."""
        query = Q(pk__in=[])
        for item in self.fields:
            if item.kind == DataKind.USER_REFERENCE:
                query |= Q(**{item.name: user.pk})
        return query

    def referencing(self, user):
        return self.model_class._default_manager.filter(self.references_q(user)).distinct()

    def retention_of(self, field_name):
        item = self.field(field_name)
        return (item.retention if item else "") or self.retention


@dataclass(frozen=True)
class NotPersonal:
    """A field that looks personal by its name or type but is not, with the reason."""

    model: str
    field: str
    reason: str


@dataclass
class _Registry:
    declarations: dict[str, PersonalData] = field(default_factory=dict)
    not_personal: dict[tuple[str, str], NotPersonal] = field(default_factory=dict)


_registry = _Registry()


def _check(declaration):
    model = apps.get_model(declaration.model)
    names = {item.name for item in declaration.fields}
    for item in declaration.fields:
        model._meta.get_field(item.name)  # raises FieldDoesNotExist for a typo
        if item.kind not in DataKind.values or item.erasure not in Erasure.values:
            raise ValueError(f"{declaration.model}.{item.name}: unknown kind or erasure")
        if item.erasure == Erasure.KEEP and not item.legal_basis:
            raise ValueError(f"{declaration.model}.{item.name}: a kept field names its legal basis")
    mixed = any(item.erasure != Erasure.DELETE_ROW for item in declaration.fields)
    if declaration.deletes_rows and mixed and declaration.erase_rows is None:
        raise ValueError(f"{declaration.model}: a row is deleted as a whole; declare every field DELETE_ROW")
    if len(names) != len(declaration.fields):
        raise ValueError(f"{declaration.model}: a field is declared twice")
    for name in declaration.mentions:
        model._meta.get_field(name)  # raises FieldDoesNotExist for a typo
    for lookup in declaration.export_fields:
        if lookup in names:
            raise ValueError(f"{declaration.model}.{lookup}: an export field is not a personal field")
        field_at(model, lookup)  # raises FieldDoesNotExist for a typo


def field_at(model, lookup):
    """The model field a lookup ("assignment__strategy__alliance__name") ends at."""
    *path, last = lookup.split("__")
    for name in path:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(last)


def register(declaration: PersonalData, *, with_history: bool = True) -> None:
    """Declares the personal fields of one model (once per model; a second declaration replaces the first, so
    that a repeated `ready()` stays harmless). With `with_history`, the model's django-simple-history table is
    declared too: the same fields, plus who made each change (`history_user`), under the same purpose and
    retention: an erasure that left the history alone would erase nothing."""
    _check(declaration)
    _registry.declarations[declaration.model] = declaration
    model = apps.get_model(declaration.model)
    history = getattr(model._meta, "simple_history_manager_attribute", None)
    if with_history and history:
        historical = getattr(model, history).model
        own = {item.name for item in declaration.fields}
        mirrored = tuple(
            item for item in declaration.fields if item.name in {f.name for f in historical._meta.concrete_fields}
        )
        extra = () if "history_user" in own else (_HISTORY_USER,)
        subjects = declaration.subjects
        if declaration.model == settings.AUTH_USER_MODEL:
            subjects = ("id",)
        derived = PersonalData(
            model=historical._meta.label,
            purpose=declaration.purpose,
            retention=declaration.retention,
            fields=mirrored + extra,
            subjects=tuple(s for s in subjects if s.split("__")[0] in {f.name for f in historical._meta.fields}),
            derived_from=declaration.model,
            export_fields=("history_date", "history_type"),
        )
        _check(derived)
        _registry.declarations[derived.model] = derived


_HISTORY_USER = PersonalField(
    "history_user",
    DataKind.USER_REFERENCE,
    Erasure.KEEP,
    legal_basis=_(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 3 BDSG: Nachvollziehbarkeit des Verwaltungshandelns; "
        "der Verweis zeigt nach einer Löschung auf das Pseudonym"
    ),
)


def register_not_personal(model: str, field_name: str, reason: str) -> None:
    """Allows a field that looks personal (by name or type) but is not, with the reason (e.g. an alliance's name);
    the same field of the model's history table is allowed with it."""
    model_class = apps.get_model(model)
    model_class._meta.get_field(field_name)
    _registry.not_personal[(model, field_name)] = NotPersonal(model, field_name, reason)
    history = getattr(model_class._meta, "simple_history_manager_attribute", None)
    if history:
        historical = getattr(model_class, history).model
        if field_name in {f.name for f in historical._meta.concrete_fields}:
            label = historical._meta.label
            _registry.not_personal[(label, field_name)] = NotPersonal(label, field_name, reason)


def declarations() -> dict[str, PersonalData]:
    """Every declaration by model label ("reviews.Review"), historical models included."""
    return dict(_registry.declarations)


def declaration_for(model) -> PersonalData | None:
    label = model if isinstance(model, str) else model._meta.label
    return _registry.declarations.get(label)


def not_personal() -> dict[tuple[str, str], NotPersonal]:
    return dict(_registry.not_personal)


def declarations_in(category: str) -> list[PersonalData]:
    """The declarations with a field whose storage the retention category `category` limits."""
    return [
        item
        for item in _registry.declarations.values()
        if item.retention == category or any(f.retention == category for f in item.fields)
    ]


def personal_export_fields() -> list[str]:
    """The "app_label.Model.lookup" of every export field that ends at a field that looks personal and is not
    allowed (`register_not_personal`): an export must not carry someone else's name or address as context."""
    found = []
    for label, declaration in _registry.declarations.items():
        for lookup in declaration.export_fields:
            target = field_at(declaration.model_class, lookup)
            if looks_personal(target) and (target.model._meta.label, target.name) not in _registry.not_personal:
                found.append(f"{label}.{lookup}")
    return found


# --- The completeness check ------------------------------------------------------------------------------------

PERSONAL_NAME_PARTS = ("email", "mail", "phone", "telefon", "user_agent", "useragent")
PERSONAL_NAME_WORDS = {"name", "ip", "address", "agent", "mail", "email", "phone", "telefon"}


def looks_personal(model_field) -> bool:
    """Whether a concrete field looks as if it held personal data, by its type or its name."""
    if isinstance(model_field, models.EmailField | models.GenericIPAddressField):
        return True
    related = model_field.related_model if model_field.is_relation else None
    if related is not None:
        # Unresolved in isolated test apps: then still the "app_label.Model" string.
        label = related if isinstance(related, str) else related._meta.label
        if label.lower() == settings.AUTH_USER_MODEL.lower():
            return True
    name = model_field.name.lower()
    if any(part in name for part in PERSONAL_NAME_PARTS):
        return True
    return bool(PERSONAL_NAME_WORDS & set(name.split("_")))


def unlisted_personal_fields(model_classes: Iterable | None = None) -> list[str]:
    """The "app_label.Model.field" of every concrete field that looks personal but is neither declared nor allowed.

    Walks `model_classes` (default: every installed model, auto-created ones included).
    """
    found = []
    candidates = apps.get_models(include_auto_created=True) if model_classes is None else model_classes
    for model in candidates:
        label = model._meta.label
        declaration = _registry.declarations.get(label)
        declared = {item.name for item in declaration.fields} if declaration else set()
        for model_field in model._meta.concrete_fields:
            if not looks_personal(model_field):
                continue
            if model_field.name in declared or (label, model_field.name) in _registry.not_personal:
                continue
            found.append(f"{label}.{model_field.name}")
    return sorted(found)

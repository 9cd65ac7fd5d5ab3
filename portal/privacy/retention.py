"""What the stages register for the retention run, and the batch helpers their handlers use.

The portal sits below every stage: it owns the schedule (`RetentionRule`), the holds and the run, while each
stage registers, from its `AppConfig.ready()`, the handlers that delete or anonymise its own due data, and which
users a hold on a cycle or an alliance covers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db import transaction
from django.db.models import Q

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class Holds:
    """The active legal holds of a run, as ids of the cycles and alliances they cover."""

    cycle_ids: frozenset[int] = frozenset()
    alliance_ids: frozenset[int] = frozenset()

    def __bool__(self):
        return bool(self.cycle_ids or self.alliance_ids)

    def q(self, *, cycle: str | None = None, alliance: str | None = None) -> Q:
        """Q matching rows under a hold, given the lookups from the row to its cycle id and alliance id
        (e.g. cycle="document__strategy__cycle_id"). Exclude it from a due queryset."""
        query = Q(pk__in=[])
        if cycle and self.cycle_ids:
            query |= Q(**{f"{cycle}__in": sorted(self.cycle_ids)})
        if alliance and self.alliance_ids:
            query |= Q(**{f"{alliance}__in": sorted(self.alliance_ids)})
        return query

    def held_user_ids(self) -> frozenset[int]:
        """Every user whose data one of the holds keeps, as the stages define it (worked out once per run)."""
        return self._held_user_ids

    @cached_property
    def _held_user_ids(self):
        if not self:
            return frozenset()
        ids = set()
        for resolve in _registry.held_users:
            ids.update(resolve(self))
        return frozenset(ids)


@dataclass(frozen=True)
class RetentionHandler:
    """Deletes or anonymises the due data of one retention category in one stage.

    `apply(*, rule, now, holds, batch_size)` returns how many rows it deleted or anonymised; it skips what the
    holds cover, changes nothing on a second call with the same `now`, and works in batches
    (`delete_in_batches`, `update_in_batches`), each batch its own transaction.
    """

    category: str  # RetentionRule.code
    name: str  # what it handles, e.g. "alliances.DocumentDownload" (for logs and tests)
    apply: Callable[..., int]


@dataclass
class _Registry:
    handlers: list[RetentionHandler] = field(default_factory=list)
    held_users: list[Callable[[Holds], object]] = field(default_factory=list)
    bound_users: list[Callable[[], object]] = field(default_factory=list)


_registry = _Registry()


def register_handler(handler: RetentionHandler) -> None:
    """Adds a stage's handler for a category (a second registration under the same name replaces the first)."""
    _registry.handlers[:] = [item for item in _registry.handlers if item.name != handler.name]
    _registry.handlers.append(handler)


def handlers(category: str | None = None) -> list[RetentionHandler]:
    return [item for item in _registry.handlers if category is None or item.category == category]


def register_held_users(resolve: Callable[[Holds], object]) -> None:
    """`resolve(holds)` returns user ids (an iterable or a `values_list` queryset) whose data the holds keep:
    e.g. the managers of a held alliance, the experts assigned within a held cycle."""
    if resolve not in _registry.held_users:
        _registry.held_users.append(resolve)


def register_bound_users(resolve: Callable[[], object]) -> None:
    """`resolve()` returns a queryset of user ids bound to a funding file (who submitted, reviewed, decided):
    such accounts are pseudonymised, their records kept under the funding file's legal basis."""
    if resolve not in _registry.bound_users:
        _registry.bound_users.append(resolve)


def bound_user_querysets() -> list:
    return [resolve() for resolve in _registry.bound_users]


def _in_batches(queryset, act, batch_size):
    """Runs `act(keys)` on the primary keys of `queryset` in batches, each its own transaction, until the queryset
    is exhausted; returns the sum of what `act` counted."""
    total = 0
    while True:
        with transaction.atomic():
            keys = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not keys:
                return total
            total += act(keys)
        if len(keys) < batch_size:
            return total


def delete_in_batches(queryset, *, batch_size: int = DEFAULT_BATCH_SIZE, before=None) -> int:
    """Deletes the rows of `queryset` (the due rows, holds already excluded) in batches of primary keys, each
    batch its own transaction. `before(keys)` runs inside each batch's transaction ahead of the delete (e.g. to
    remove the rows' files once it commits). Returns how many rows of the queryset's model were deleted."""
    model = queryset.model

    def delete(keys):
        if before is not None:
            before(keys)
        _deleted, by_model = model._default_manager.filter(pk__in=keys).delete()
        return by_model.get(model._meta.label, 0)

    return _in_batches(queryset, delete, batch_size)


def update_in_batches(queryset, *, values: dict, batch_size: int = DEFAULT_BATCH_SIZE, after=None) -> int:
    """Sets `values` on the rows of `queryset` in batches, each its own transaction. The queryset must exclude
    rows that already hold those values, so that it shrinks and a second run finds nothing. `after(keys)` runs
    inside each batch's transaction (e.g. to blank the history or the search entries of those rows)."""
    model = queryset.model

    def update(keys):
        updated = model._default_manager.filter(pk__in=keys).update(**values)
        if after is not None:
            after(keys)
        return updated

    return _in_batches(queryset, update, batch_size)

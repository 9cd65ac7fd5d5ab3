"""Truncating stored client addresses once the sign-in throttle no longer needs them.

The throttle (allauth's rate limits, `ACCOUNT_RATE_LIMITS`) counts failures per address in the cache, never in
the database. The addresses the database keeps (the sign-in audit log, allauth's list of a person's sessions) serve
the security analysis afterwards: for that the network is enough. Once a row is older than the throttle's longest
window its address is cut to its network (IPv4 /24, IPv6 /48), which keeps the rough origin but no longer names a
connection. Every model that stores an address registers where it keeps it and since when (`register_address`);
a test holds this list to the registry's `DataKind.IP_ADDRESS` fields.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta

from allauth.core.internal.ratelimit import parse_rates
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.privacy.retention import DEFAULT_BATCH_SIZE

logger = logging.getLogger(__name__)

IPV4_PREFIX = 24
IPV6_PREFIX = 48

# The text of an address that already is its own network: IPv4 ending in .0, IPv6 with at most three groups
# before a final "::" (PostgreSQL and Python both compress the longest run of zero groups).
TRUNCATED = r"^([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.0|([0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){0,2})?::)$"


@dataclass(frozen=True)
class StoredAddress:
    """One field that stores a client address, and the field that says when the address was recorded."""

    model: str  # "app_label.ModelName"
    field: str
    recorded_at: str

    @property
    def model_class(self):
        return apps.get_model(self.model)


_addresses: dict[tuple[str, str], StoredAddress] = {}


def register_address(stored: StoredAddress) -> None:
    """Declares a stored address for truncation (from `AppConfig.ready()`; a repeated call replaces the first)."""
    model = apps.get_model(stored.model)
    model._meta.get_field(stored.field)
    model._meta.get_field(stored.recorded_at)
    _addresses[(stored.model, stored.field)] = stored


def stored_addresses() -> list[StoredAddress]:
    return list(_addresses.values())


def throttle_window() -> timedelta:
    """The longest window any sign-in throttle counts in (`ACCOUNT_RATE_LIMITS`; today LOGIN_LOCKOUT_MINUTES):
    until it has passed, a lock and its exact address may still be looked at; afterwards nothing needs it."""
    durations = [rate.duration for spec in settings.ACCOUNT_RATE_LIMITS.values() for rate in parse_rates(spec)]
    return timedelta(seconds=max(durations, default=0))


def truncate_address(address: str) -> str:
    """The network of `address` as an address: 203.0.113.77 -> 203.0.113.0, 2001:db8:1:2::5 -> 2001:db8:1::.
    An IPv4 address mapped into IPv6 becomes its truncated IPv4 address; text that is no address stays as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)


def _truncate(stored, *, cutoff, batch_size):
    """Truncates the addresses of one field recorded before `cutoff`, in batches by primary key (so that a row
    that cannot change is passed once, not again), each batch its own transaction. Returns how many rows changed."""
    model = stored.model_class
    due = (
        model._default_manager.filter(**{f"{stored.recorded_at}__lt": cutoff, f"{stored.field}__isnull": False})
        .exclude(**{f"{stored.field}__regex": TRUNCATED})
        .order_by("pk")
    )
    changed, last = 0, None
    while True:
        with transaction.atomic():
            page = due if last is None else due.filter(pk__gt=last)
            rows = list(page.values_list("pk", stored.field)[:batch_size])
            if not rows:
                return changed
            last = rows[-1][0]
            updates = [
                model(pk=pk, **{stored.field: truncate_address(address)})
                for pk, address in rows
                if truncate_address(address) != address
            ]
            if updates:
                changed += model._default_manager.bulk_update(updates, [stored.field])
        if len(rows) < batch_size:
            return changed


def truncate_client_addresses(*, now=None, batch_size=DEFAULT_BATCH_SIZE) -> dict[str, int]:
    """Truncates every registered stored address recorded more than the throttle's window before `now`.

    Side effects: rewrites the address fields of those rows (IPv4 to /24, IPv6 to /48), in batches, each its own
    transaction. Idempotent: a truncated address is its own network, so a second run changes nothing. Returns the
    changed rows per "app_label.Model.field".
    """
    now = now or timezone.now()
    cutoff = now - throttle_window()
    counts = {}
    for stored in stored_addresses():
        counts[f"{stored.model}.{stored.field}"] = done = _truncate(stored, cutoff=cutoff, batch_size=batch_size)
        if done:
            logger.info("truncated %s addresses of %s.%s", done, stored.model, stored.field)
    return counts

"""Change history of a model with django-simple-history, read the same way by every page that shows one."""


def change_history(instance, *, limit, fields=None, exclude=(), display=None):
    """The latest `limit` history records of `instance`, newest first, each with what changed from the one before.

    Returns [{"record", "created", "changes": [{"field", "label", "old", "new"}]}]. `fields` limits the compared
    fields (default: all but `exclude`); `display(field_name, value)` formats values (default: str).
    Reads only; one query.
    """
    display = display or (lambda _name, value: "" if value is None else str(value))
    model = instance._meta.model
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for record, previous in zip(records[:limit], [*records[1:], None], strict=False):
        delta = (
            record.diff_against(previous, included_fields=fields, excluded_fields=list(exclude) or None)
            if previous is not None
            else None
        )
        changes = [
            {
                "field": change.field,
                "label": model._meta.get_field(change.field).verbose_name,
                "old": display(change.field, change.old),
                "new": display(change.field, change.new),
            }
            for change in (delta.changes if delta else ())
        ]
        entries.append({"record": record, "created": record.history_type == "+", "changes": changes})
    return entries

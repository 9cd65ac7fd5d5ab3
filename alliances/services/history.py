"""Saving a row with who changed it and why, the two facts its change history (django-simple-history) keeps."""


def save_with_history(obj, user, reason=None):
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    obj.save()

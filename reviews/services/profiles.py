"""The programme office's record of an expert: affiliation, region, expertise and declared ties."""

from django.db import transaction

from reviews.models import ExpertProfile

PROFILE_FIELDS = ["affiliation", "email_domain", "federal_state", "expertise_keywords", "declared_ties"]


@transaction.atomic
def save_expert_profile(*, expert, user, values):
    """Creates or updates the expert's profile from `values` (a dict of PROFILE_FIELDS).

    Side effects: writes the ExpertProfile, kept in history with `user`. The conflict hints and the balancer
    read it from then on.
    """
    profile = ExpertProfile.objects.select_for_update().filter(user=expert).first() or ExpertProfile(user=expert)
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name])
    profile._history_user = user
    profile.save()
    return profile

"""The declaration page shows what an expert needs to judge a conflict of interest: partners, region, lead."""

import pytest
from django.urls import reverse

from alliances.models import AlliancePartner
from portal.models import Role
from reviews import services
from tests.factories import AllianceFactory, ExpertProfileFactory, UserFactory, submitted_strategy

pytestmark = pytest.mark.django_db


def test_the_declaration_names_the_partners_the_region_and_the_lead_institution(client, cycle, rubric):
    alliance = AllianceFactory(
        name="Gesunde Lausitz", region="Lausitz", states=["BB"], postal_recipient="BTU Cottbus-Senftenberg"
    )
    for name in ("Hochschule Zittau/Görlitz", "Carl-Thiem-Klinikum"):
        AlliancePartner.objects.create(alliance=alliance, name=name)
    strategy, _submission = submitted_strategy(cycle, alliance)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    assignment = services.assign_expert(strategy=strategy, expert=ExpertProfileFactory().user, user=office)
    client.force_login(assignment.expert)

    shown = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    # After a refused declaration (no choice made) the facts are still there.
    refused = client.post(reverse("reviews:declare", args=[assignment.pk]), {})

    assert refused.status_code == 422
    for page in (shown, refused.content.decode()):
        assert "Hochschule Zittau/Görlitz" in page
        assert "Carl-Thiem-Klinikum" in page
        assert "Lausitz (Brandenburg)" in page
        assert "BTU Cottbus-Senftenberg" in page

"""The registry of personal data is complete: every field of every installed model (third-party and history
tables included) that looks personal by its name or type is declared, or allowed with a reason."""

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test.utils import isolate_apps

from portal.privacy import categories
from portal.privacy.registry import (
    DataKind,
    Erasure,
    PersonalData,
    PersonalField,
    declaration_for,
    declarations,
    looks_personal,
    not_personal,
    personal_export_fields,
    register,
    unlisted_personal_fields,
)


def test_every_installed_field_that_looks_personal_is_declared_or_allowed_with_a_reason():
    assert unlisted_personal_fields() == [], "declare these in the stage's privacy.py, or allow them with a reason"


def test_the_check_covers_third_party_and_history_tables():
    checked = {model._meta.label for model in apps.get_models(include_auto_created=True)}
    for label in (
        "account.EmailAddress",
        "usersessions.UserSession",
        "sessions.Session",
        "mfa.Authenticator",
        "admin.LogEntry",
        "portal.HistoricalUser",
        "reviews.HistoricalReview",
        "portal.User_groups",
    ):
        assert label in checked
        assert declaration_for(label) is not None, label


@isolate_apps("tests.portal.privacy")
def test_a_model_with_an_unlisted_email_and_name_is_reported():
    class Contact(models.Model):
        email = models.CharField(max_length=200)
        name = models.CharField(max_length=200)
        topic = models.CharField(max_length=200)

        class Meta:
            app_label = "privacy_test"

        def __str__(self):
            return self.topic

    assert unlisted_personal_fields([Contact]) == ["privacy_test.Contact.email", "privacy_test.Contact.name"]


@isolate_apps("tests.portal.privacy")
def test_types_and_name_parts_that_look_personal():
    class Visit(models.Model):
        contact = models.EmailField()
        seen_from = models.GenericIPAddressField()
        telefon_nummer = models.CharField(max_length=40)
        user_agent = models.CharField(max_length=200)
        client_ip = models.CharField(max_length=40)
        postal_address = models.TextField()
        visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
        recipient_count = models.IntegerField()
        description = models.TextField()

        class Meta:
            app_label = "privacy_test"

        def __str__(self):
            return self.description

    assert unlisted_personal_fields([Visit]) == [
        f"privacy_test.Visit.{name}"
        for name in sorted(
            ["contact", "seen_from", "telefon_nummer", "user_agent", "client_ip", "postal_address", "visitor"]
        )
    ]
    assert not looks_personal(Visit._meta.get_field("recipient_count"))
    assert not looks_personal(Visit._meta.get_field("description"))


def test_every_allowed_field_gives_a_reason():
    assert not_personal()
    assert all(str(entry.reason).strip() for entry in not_personal().values())


def test_every_declaration_names_a_shipped_category_and_a_purpose():
    for label, declaration in declarations().items():
        assert str(declaration.purpose).strip(), label
        assert declaration.retention in categories.ALL, label
        for item in declaration.fields:
            assert declaration.retention_of(item.name) in categories.ALL, (label, item.name)
            if item.erasure == Erasure.KEEP:
                assert str(item.legal_basis).strip(), (label, item.name)


def test_a_history_table_mirrors_its_model_and_records_who_changed_it():
    review = declaration_for("reviews.Review")
    history = declaration_for("reviews.HistoricalReview")
    assert history.derived_from == "reviews.Review"
    assert {item.name for item in history.fields} == {"confidential_note", "history_user"}
    assert history.subjects == review.subjects
    assert declaration_for("portal.HistoricalUser").subjects == ("id",)


def test_a_declaration_must_name_real_fields_and_whole_row_deletion():
    with pytest.raises(Exception, match="no field"):
        register(
            PersonalData(
                model="portal.AccountEvent",
                purpose="x",
                retention=categories.SIGN_IN_EVENTS,
                fields=(PersonalField("mobile", DataKind.PHONE, Erasure.BLANK),),
            )
        )
    with pytest.raises(ValueError, match="DELETE_ROW"):
        register(
            PersonalData(
                model="portal.AccountEvent",
                purpose="x",
                retention=categories.SIGN_IN_EVENTS,
                fields=(
                    PersonalField("user", DataKind.USER_REFERENCE, Erasure.DELETE_ROW),
                    PersonalField("client_address", DataKind.IP_ADDRESS, Erasure.BLANK),
                ),
            )
        )
    assert declaration_for("portal.AccountEvent").deletes_rows


def test_no_export_field_carries_a_field_that_looks_personal():
    assert personal_export_fields() == []


def test_an_export_field_must_exist_and_must_not_repeat_a_personal_field():
    with pytest.raises(FieldDoesNotExist):
        register(
            PersonalData(
                model="portal.AccountEvent", purpose="x", retention="sign_in_events", fields=(), export_fields=("nope",)
            )
        )
    with pytest.raises(ValueError, match="not a personal field"):
        register(
            PersonalData(
                model="portal.AccountEvent",
                purpose="x",
                retention="sign_in_events",
                fields=(PersonalField("user", DataKind.USER_REFERENCE, Erasure.DELETE_ROW),),
                export_fields=("user",),
            )
        )

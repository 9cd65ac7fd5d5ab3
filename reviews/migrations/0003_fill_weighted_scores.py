from django.db import migrations


def fill(apps, schema_editor):
    from reviews.scoring import refresh_score_summaries, store_weighted_scores

    alias = schema_editor.connection.alias
    Review = apps.get_model("reviews", "Review")
    Strategy = apps.get_model("alliances", "Strategy")
    store_weighted_scores(Review.objects.using(alias).all())
    # The summary's definition is the counting rule of reviews.aggregates, which lives on the current models;
    # the table was created by the previous migration, so its shape is the one this refresh writes.
    refresh_score_summaries(strategy_ids=Strategy.objects.using(alias).values_list("pk", flat=True), using=alias)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_stored_weighted_score")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

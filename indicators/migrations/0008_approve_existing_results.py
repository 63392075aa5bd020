"""KPI results saved before approval existed stay published, and say so."""

from django.db import migrations


# The audit history's reasons hold 100 characters.
REASON = "Approved when approval was introduced: published before it existed"


def approve_existing(apps, schema_editor) -> None:
    """Every KPI result saved before approval existed stays published (the field's
    default made it approved); its history gets one entry saying so."""
    from django.utils import timezone

    result_model = apps.get_model("indicators", "IndicatorResult")
    history_model = apps.get_model("indicators", "HistoricalIndicatorResult")
    now = timezone.now()
    names = [
        field.attname
        for field in result_model._meta.concrete_fields
        if field.attname != "id"
    ]
    rows = result_model.objects.all().order_by("pk")
    rows.update(status="approved", reviewed_at=now)
    history_model.objects.bulk_create(
        (
            history_model(
                id=row.pk,
                **{name: getattr(row, name) for name in names},
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
                history_user_id=None,
            )
            for row in rows.iterator()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    # Apart from the schema change: PostgreSQL cannot build the new fields'
    # deferred indexes in a transaction that has written rows.
    dependencies = [("indicators", "0007_result_approval")]

    operations = [
        migrations.RunPython(approve_existing, migrations.RunPython.noop, elidable=True)
    ]

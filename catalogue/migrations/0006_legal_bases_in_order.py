"""Legal bases written before their place was stored get one: the order they were created in,
which is the order they were given."""

from itertools import groupby

from django.db import migrations


def number_bases(apps, schema_editor):
    LegalBasis = apps.get_model("catalogue", "LegalBasis")
    unordered = LegalBasis.objects.filter(sort_order__isnull=True).values("power_id")
    bases = LegalBasis.objects.filter(power_id__in=unordered).order_by("power_id", "pk")
    changed = []
    for _power, rows in groupby(bases.iterator(), key=lambda basis: basis.power_id):
        for position, basis in enumerate(rows):
            if basis.sort_order != position:
                basis.sort_order = position
                changed.append(basis)
    LegalBasis.objects.bulk_update(changed, ["sort_order"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0005_flowchart_is_an_addition")]

    operations = [migrations.RunPython(number_bases, migrations.RunPython.noop)]

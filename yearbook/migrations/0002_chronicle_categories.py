"""The chronicle categories the library uses (editors may add more)."""

from django.db import migrations

CATEGORIES = [
    ("党建", "dangjian"),
    ("业务", "yewu"),
    ("活动", "huodong"),
    ("荣誉", "rongyu"),
    ("培训", "peixun"),
    ("其他", "qita"),
]


def add_categories(apps, schema_editor):
    ChronicleCategory = apps.get_model("yearbook", "ChronicleCategory")
    for order, (name, slug) in enumerate(CATEGORIES):
        ChronicleCategory.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("yearbook", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]

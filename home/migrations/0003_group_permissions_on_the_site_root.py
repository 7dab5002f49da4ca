"""Give the editorial groups their page permissions on the site's home page, not the tree root.

On the tree root, editors and reviewers started in the admin at Wagtail's
"Root" page (an English name) and could add new site roots. The root page gets
a Chinese name too, for the administrators who still see it.
"""

from django.db import migrations

GROUPS = ["编辑", "审核人"]


def move_permissions(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.get(depth=1)
    Page.objects.filter(pk=root.pk, title="Root").update(title="全部站点", draft_title="全部站点")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    for permission in GroupPagePermission.objects.filter(page=root, group__name__in=GROUPS):
        GroupPagePermission.objects.get_or_create(
            group=permission.group, page_id=site.root_page_id, permission=permission.permission
        )
        permission.delete()


class Migration(migrations.Migration):
    dependencies = [("home", "0002_site_root_and_editorial_roles")]
    operations = [migrations.RunPython(move_permissions, migrations.RunPython.noop)]

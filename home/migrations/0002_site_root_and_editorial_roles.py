"""Replace Wagtail's English welcome page with our home page, and set up the
editorial roles: the groups 编辑 (editors) and 审核人 (reviewers) and the
moderation workflow 审核.

Wagtail's own initial data creates the groups "Editors" and "Moderators" and the
workflow "Moderators approval"; they are renamed here (not duplicated) so the
admin shows editors no English names.
"""

from django.db import migrations

EDITORS = "编辑"
REVIEWERS = "审核人"
WORKFLOW = "审核"
TASK = "馆长审核"

# Model permissions by group: (app_label, model, codenames)
EDITOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "admin", ["access_admin"]),
    ("wagtailimages", "image", ["add_image", "change_image", "choose_image"]),
    ("wagtaildocs", "document", ["add_document", "change_document", "choose_document"]),
    ("news", "category", ["view_category"]),
    ("yearbook", "chroniclecategory", ["view_chroniclecategory"]),
]
REVIEWER_MODEL_PERMISSIONS = EDITOR_MODEL_PERMISSIONS + [
    ("wagtailimages", "image", ["delete_image"]),
    ("wagtaildocs", "document", ["delete_document"]),
    ("news", "category", ["add_category", "change_category", "delete_category"]),
    (
        "yearbook",
        "chroniclecategory",
        ["add_chroniclecategory", "change_chroniclecategory", "delete_chroniclecategory"],
    ),
    ("home", "librarysettings", ["change_librarysettings"]),
]
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
REVIEWER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def get_permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    # On a fresh database Django creates permissions only after all migrations,
    # so create the ones we assign now; Django then finds them in place.
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": codename.replace("_", " ")},
    )
    return permission


def rename_or_create_group(apps, old_name, new_name):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=new_name).first()
    if group is None:
        group = Group.objects.filter(name=old_name).first() or Group(name=new_name)
        group.name = new_name
        group.save()
    return group


def set_up(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    ContentType = apps.get_model("contenttypes", "ContentType")
    HomePage = apps.get_model("home", "HomePage")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    root = Page.objects.get(depth=1)

    # 1. The site root: our HomePage instead of Wagtail's welcome page.
    if not HomePage.objects.exists():
        Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
        content_type, _ = ContentType.objects.get_or_create(app_label="home", model="homepage")
        taken = set(Page.objects.filter(depth=2).values_list("path", flat=True))
        index = 1
        while f"{root.path}{index:04d}" in taken:
            index += 1
        home = HomePage.objects.create(
            title="首页",
            draft_title="首页",
            slug="home",
            content_type=content_type,
            path=f"{root.path}{index:04d}",
            depth=2,
            numchild=0,
            url_path="/home/",
            locale_id=Locale.objects.order_by("pk").values_list("pk", flat=True).first(),
            live=True,
        )
        root.numchild = Page.objects.filter(depth=2).count()
        root.save(update_fields=["numchild"])
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost", port=80, root_page_id=home.pk, is_default_site=True, site_name="图书馆"
            )
        else:
            site.root_page_id = home.pk
            site.site_name = site.site_name or "图书馆"
            site.save()

    # 2. Groups and their permissions.
    editors = rename_or_create_group(apps, "Editors", EDITORS)
    reviewers = rename_or_create_group(apps, "Moderators", REVIEWERS)
    for group, model_permissions, page_permissions in (
        (editors, EDITOR_MODEL_PERMISSIONS, EDITOR_PAGE_PERMISSIONS),
        (reviewers, REVIEWER_MODEL_PERMISSIONS, REVIEWER_PAGE_PERMISSIONS),
    ):
        for app_label, model, codenames in model_permissions:
            for codename in codenames:
                group.permissions.add(get_permission(apps, app_label, model, codename))
        # Wagtail's defaults may have granted more on the root; grant exactly these.
        GroupPagePermission.objects.filter(group=group).delete()
        for codename in page_permissions:
            GroupPagePermission.objects.create(
                group=group, page=root, permission=get_permission(apps, "wagtailcore", "page", codename)
            )

    # 3. The moderation workflow 审核: one approval step by the reviewers, for every page.
    WorkflowPage.objects.filter(page=root).delete()
    # Wagtail's default workflow and task ("Moderators approval") are reused under our names.
    workflow = (
        Workflow.objects.filter(name=WORKFLOW).first()
        or Workflow.objects.filter(name="Moderators approval").first()
        or Workflow(name=WORKFLOW)
    )
    workflow.name, workflow.active = WORKFLOW, True
    workflow.save()
    WorkflowTask.objects.filter(workflow=workflow).delete()
    task_content_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = (
        GroupApprovalTask.objects.filter(name=TASK).first()
        or GroupApprovalTask.objects.filter(name="Moderators approval").first()
        or GroupApprovalTask(name=TASK, content_type=task_content_type)
    )
    task.name, task.active = TASK, True
    task.save()
    task.groups.set([reviewers])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=root)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("news", "0001_initial"),
        ("yearbook", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(set_up, migrations.RunPython.noop)]

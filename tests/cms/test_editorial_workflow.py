"""An editor writes and submits a news item; a reviewer approves it; it goes live.

Everything goes through the real admin views with Django's test client, as the
library's staff use them in a browser.
"""

from urllib.parse import unquote

from django.contrib.messages import get_messages
from django.test import Client
from wagtail.fields import StreamField
from wagtail.models import Page, Site, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, rich_text, streamfield

from news.models import NewsIndexPage, NewsPage
from tests.factories import NewsPageFactory, UserFactory


def admin_form_data(client, url, model, **fields):
    """The page form at `url` as the admin renders it, with `fields` filled in.

    StreamFields are drawn by scripts in a browser, so they start empty here.
    """
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    for field in model._meta.get_fields():
        if isinstance(field, StreamField) and f"{field.name}-count" not in data:
            data[f"{field.name}-count"] = "0"
    for name, value in fields.items():
        data[name] = value
    return data


def create_form_data(client, parent, **fields):
    return admin_form_data(client, f"/admin/pages/add/news/newspage/{parent.pk}/", NewsPage, **fields)


def edit_form_data(client, page, **fields):
    return admin_form_data(client, f"/admin/pages/{page.pk}/edit/", page.specific_class, **fields)


def body(text):
    return nested_form_data({"body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))])})


def test_editor_drafts_submits_and_reviewer_approves(editor_client, reviewer_client, news_index):
    data = create_form_data(
        editor_client,
        news_index,
        title="乾县图书馆举行世界读书日户外阅读推广活动",
        slug="",  # what the admin sends for a Chinese title: the browser cannot slugify it
        date="2020-04-23",
        tags="阅读推广, 世界读书日",
        digest="4月23日,我馆在乾县第一人民广场举行户外阅读推广活动。",
    )
    data.update(body("活动中,各科室展出了地方文献书籍宣传、盲文书籍宣传等主题服务。"))

    # 1. Save a draft.
    response = editor_client.post(f"/admin/pages/add/news/newspage/{news_index.pk}/", data)
    assert response.status_code == 302, [str(m) for m in get_messages(response.wsgi_request)]
    page = NewsPage.objects.get()
    assert not page.live
    assert page.slug == "2020-04-23"
    assert sorted(page.tags.names()) == ["世界读书日", "阅读推广"]
    assert "各科室展出了地方文献书籍宣传" in page.get_latest_revision().as_object().body[0].value.source

    # 2. Submit it for review (审核).
    edit_url = f"/admin/pages/{page.pk}/edit/"
    data = edit_form_data(editor_client, page, **{"action-submit": "1"})
    data.update(body("活动中,各科室展出了地方文献书籍宣传、盲文书籍宣传等主题服务。"))
    response = editor_client.post(edit_url, data)
    assert response.status_code == 302
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "审核"
    page.refresh_from_db()
    assert not page.live

    # 3. The reviewer approves; the page is live and served at its date-based URL.
    task_state = state.current_task_state
    response = reviewer_client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": "同意发布"}
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert unquote(page.url) == "/工作动态/2020-04-23/"
    assert Client().get(page.url).status_code == 200


def test_editor_cannot_publish_directly(editor_client, news_index):
    data = create_form_data(editor_client, news_index, title="通知", slug="", date="2020-05-01")
    data["action-publish"] = "1"
    editor_client.post(f"/admin/pages/add/news/newspage/{news_index.pk}/", data)
    # Without publish permission the action falls back to saving a draft.
    assert not NewsPage.objects.get().live


def test_chinese_title_publishes_in_one_click(reviewer_client, news_index):
    data = create_form_data(
        reviewer_client, news_index, title="我馆与兴平市图书馆开通馆际互借服务", slug="", date="2020-12-10"
    )
    data["action-publish"] = "1"
    response = reviewer_client.post(f"/admin/pages/add/news/newspage/{news_index.pk}/", data)
    assert response.status_code == 302, [str(m) for m in get_messages(response.wsgi_request)]
    page = NewsPage.objects.get()
    assert page.live
    assert page.slug == "2020-12-10"


def test_two_items_on_the_same_day_get_distinct_slugs(reviewer_client, news_index):
    for title in ("上午的活动", "下午的活动"):
        data = create_form_data(reviewer_client, news_index, title=title, slug="", date="2020-12-27")
        data["action-publish"] = "1"
        assert reviewer_client.post(f"/admin/pages/add/news/newspage/{news_index.pk}/", data).status_code == 302
    assert sorted(NewsPage.objects.values_list("slug", flat=True)) == ["2020-12-27", "2020-12-27-2"]


def test_slug_stays_when_the_date_is_edited(news_index):
    page = NewsPageFactory(parent=news_index, title="少儿故事会", date="2020-12-27")
    page.date = "2020-12-28"
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.slug == "2020-12-27"


def test_chinese_column_title_gets_readable_slug(reviewer_client, home_page):
    data = admin_form_data(
        reviewer_client,
        f"/admin/pages/add/news/newsindexpage/{home_page.pk}/",
        NewsIndexPage,
        **{"title": "通知公告", "slug": "", "action-publish": "1"},
    )
    assert reviewer_client.post(f"/admin/pages/add/news/newsindexpage/{home_page.pk}/", data).status_code == 302
    assert unquote(Page.objects.get(title="通知公告").url) == "/通知公告/"


def test_editor_cannot_open_site_settings(editor_client, reviewer_client, home_page):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/librarysettings/{site.pk}/"
    # The admin's own scripts get a plain 403 ...
    assert editor_client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    # ... and a browser is sent back to the dashboard with a message, never the form.
    response = editor_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "library_name" not in response.content.decode()
    assert (
        "抱歉" in " ".join(str(m) for m in get_messages(response.wsgi_request)) or "权限" in response.content.decode()
    )
    # The reviewer (馆长) may edit them.
    response = reviewer_client.get(url)
    assert response.status_code == 200
    assert 'name="library_name"' in response.content.decode()


def test_editor_cannot_manage_categories_but_reviewer_can(editor_client, reviewer_client):
    assert editor_client.get("/admin/snippets/news/category/add/").status_code in (302, 403)
    assert reviewer_client.get("/admin/snippets/news/category/add/").status_code == 200


def test_user_without_group_cannot_enter_admin(home_page):
    client = Client()
    client.force_login(UserFactory(username="reader"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_revisions_and_preview_work_for_every_page_type(reviewer_client, news_index, yearbook):
    from tests.factories import AnnualReportPageFactory, ChronicleEntryPageFactory

    report = AnnualReportPageFactory(parent=yearbook, year=2020)
    entry = ChronicleEntryPageFactory(parent=report, sequence_number=1, title="年初疫情防控")
    news = NewsPageFactory(parent=news_index)
    for page in (Page.objects.get(pk=news_index.get_parent().pk).specific, news_index, news, yearbook, report, entry):
        page.save_revision(user=None)
        revisions_url = f"/admin/pages/{page.pk}/history/"
        assert reviewer_client.get(revisions_url).status_code == 200
        data = edit_form_data(reviewer_client, page)
        preview = reviewer_client.post(f"/admin/pages/{page.pk}/edit/preview/", data)
        assert preview.json()["is_valid"], page
        shown = reviewer_client.get(f"/admin/pages/{page.pk}/edit/preview/")
        assert shown.status_code == 200
        assert page.title in shown.content.decode()


def test_login_page_has_no_english(client, home_page):
    html = client.get("/admin/login/").content.decode()
    assert "密码" in html
    assert ">Password<" not in html and "Password:" not in html


def test_editors_start_at_their_site_not_at_the_tree_root(editor_client, home_page):
    response = editor_client.get("/admin/pages/", follow=True)
    html = response.content.decode()
    assert "Root" not in html
    # Editors may not add a new site root next to the home page.
    root = Page.get_first_root_node()
    assert editor_client.get(f"/admin/pages/{root.pk}/add_subpage/").status_code in (302, 403)

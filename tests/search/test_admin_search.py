"""Wagtail's admin search finds Chinese text: the page explorer, as editors use it."""

from io import StringIO

from django.core.management import call_command

from tests.search.conftest import SEED


def test_editor_finds_the_2020_report_by_a_word_in_its_body(
    editor_client, home_page, django_capture_on_commit_callbacks
):
    # Imported as drafts: editors find their drafts too. Wagtail indexes pages once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_legacy", str(SEED), "--verbosity", "0", stdout=StringIO(), stderr=StringIO())
    response = editor_client.get("/admin/pages/search/", {"q": "总分馆"})
    assert response.status_code == 200
    found = [page.title for page in response.context["pages"]]
    assert "2020年乾县图书馆工作年报" in found
    # A name only the report's text holds, in traditional characters, and a partial word.
    for query in ["宋瞾靜", "阳洪", '"阳洪镇上旦村"']:
        response = editor_client.get("/admin/pages/search/", {"q": query})
        assert "2020年乾县图书馆工作年报" in [page.title for page in response.context["pages"]], query


def test_a_query_with_nothing_to_search_for_is_answered(editor_client, home_page):
    response = editor_client.get("/admin/pages/search/", {"q": "！？"})
    assert response.status_code == 200


def test_wagtail_page_apis_search_chinese_across_page_types(
    api_client, indexed_tree, django_capture_on_commit_callbacks
):
    from wagtail.models import Page

    with django_capture_on_commit_callbacks(execute=True):
        for page in Page.objects.live().specific():
            page.save()  # Wagtail indexes pages once the transaction commits
    for url in ["/api/v2/pages/", "/api/v3/pages/"]:
        response = api_client.get(url, {"search": "阅读推广"})
        assert response.status_code == 200, (url, response.content)
        titles = [item.get("title") or item.get("meta", {}).get("title") for item in response.json()["items"]]
        assert "世界读书日户外阅读推广活动" in titles, url

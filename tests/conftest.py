"""Shared fixtures: the site tree the data migration made, users in the editorial groups."""

import pytest
from django.core.cache import cache
from django.test import Client
from wagtail.models import Site

from home.models import HomePage
from tests.factories import NewsIndexPageFactory, UserFactory, YearbookIndexPageFactory

EDITORS = "编辑"
REVIEWERS = "审核人"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache.

    Wagtail caches the sites' root paths, and our API caches responses; with Redis
    as the cache (CI) these would outlive a test's rolled-back database.
    """
    cache.clear()
    yield


@pytest.fixture
def home_page(db):
    """The home page created by the data migration (the default site's root)."""
    return HomePage.objects.get(pk=Site.objects.get(is_default_site=True).root_page_id)


@pytest.fixture
def news_index(home_page):
    return NewsIndexPageFactory(parent=home_page, title="工作动态")


@pytest.fixture
def yearbook(home_page):
    return YearbookIndexPageFactory(parent=home_page, title="年报")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=[EDITORS])


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", groups=[REVIEWERS])


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(reviewer):
    client = Client()
    client.force_login(reviewer)
    return client

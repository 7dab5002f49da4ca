"""Fixtures for reader search: published content, indexed the way the outbox task does it."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from search import indexing
from search.models import PendingIndexUpdate
from tests.api.conftest import api_client, publish, second_site, site_tree  # noqa: F401
from yearbook.models import AnnualReportPage


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    """Queued index work runs in this process, also where CI configures a broker.

    The path through a real worker on the broker is tested in tests/cms/test_celery_worker.py.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True


SEED = Path(__file__).resolve().parents[2] / "legacy" / "seeds" / "qianxian-2020-annual-report.txt"


def run_pending():
    """Do the index work the outbox holds, as the queued task would once the transaction commits."""
    return indexing.update_pages(PendingIndexUpdate.objects.values_list("page_id", flat=True))


@pytest.fixture
def seed_report(home_page):
    """The 2020 annual report imported from the old site and published, with its chronicle; indexed."""
    call_command("import_legacy", str(SEED), "--publish", "--verbosity", "0", stdout=StringIO(), stderr=StringIO())
    run_pending()
    return AnnualReportPage.objects.get(year=2020)


@pytest.fixture
def indexed_tree(site_tree):  # noqa: F811
    """tests/api's small published site, indexed."""
    run_pending()
    return site_tree

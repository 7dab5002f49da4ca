from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self):
        # Connects the receivers that keep the search index current.
        from search import signals  # noqa: F401
        from search.admin_search import add_search_terms_to_pages

        add_search_terms_to_pages()

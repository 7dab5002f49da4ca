from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Library CMS")

    def ready(self):
        # Connects the receivers that start a new content version when content changes.
        from cms import signals  # noqa: F401

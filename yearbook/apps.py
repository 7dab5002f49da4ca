from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YearbookConfig(AppConfig):
    name = "yearbook"
    verbose_name = _("Yearbook")

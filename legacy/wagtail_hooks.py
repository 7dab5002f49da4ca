"""Admin: a read-only list of imported old-site pages and where each went."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from legacy.models import LegacySource


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Records are written by the import only; people may look, not change."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.has_perm("wagtailadmin.access_admin")


class LegacySourceViewSet(ModelViewSet):
    model = LegacySource
    icon = "download"
    menu_label = _("Imported old pages")
    add_to_settings_menu = True
    list_display = ["source", "page", "old_path", "updated_at"]
    search_fields = ["source", "old_path"]
    inspect_view_enabled = True
    form_fields = ["source"]  # required by ModelViewSet; the policy allows no add or edit


register_permission_policy(LegacySource, ReadOnlyPermissionPolicy(LegacySource))
legacy_source_viewset = LegacySourceViewSet("legacy_sources")


@hooks.register("register_admin_viewset")
def register_legacy_source_viewset():
    return legacy_source_viewset

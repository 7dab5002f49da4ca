"""Admin forms of the project that differ from Wagtail's."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm


class LoginForm(WagtailLoginForm):
    """Wagtail's login form with a translatable label on the password field.

    Wagtail declares the field without a label, so Django shows its English name.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")

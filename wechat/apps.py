from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "wechat"
    verbose_name = _("WeChat")

    def ready(self):
        # Connects the publish receiver, and records publish results WeChat pushes.
        from wechat import events, signals  # noqa: F401
        from wechat.sync import handle_publish_event

        events.register_handler(events.PUBLISH_JOB_FINISH, handle_publish_event)

"""The WeChat callback, included under /wechat/ by cms/urls.py."""

from django.urls import path

from wechat import views

app_name = "wechat"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
]

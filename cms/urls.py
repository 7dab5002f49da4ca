"""URL configuration: health probes, API, admin, documents, the WeChat callback, and Wagtail's page serving."""

from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import health
from cms.api import api
from cms.api_v2 import api_v2_router

urlpatterns = [
    # Probes: outside /api/ (no rate limit or response cache) and before the page catch-all.
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("api/v3/", api.urls),
    path("api/v2/", api_v2_router.urls),
    path(settings.WAGTAILADMIN_PATH, include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # WeChat's servers push events (publish results) here: the account's server URL.
    path("wechat/", include("wechat.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

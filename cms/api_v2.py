"""Wagtail's stable API v2 at /api/v2/ (pages, images, documents), for front ends that speak it."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

api_v2_router = WagtailAPIRouter("wagtailapi_v2")
api_v2_router.register_endpoint("pages", PagesAPIViewSet)
api_v2_router.register_endpoint("images", ImagesAPIViewSet)
api_v2_router.register_endpoint("documents", DocumentsAPIViewSet)

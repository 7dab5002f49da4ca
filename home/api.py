"""Navigation and site settings in the API (filled by the headless-API work)."""

from ninja import Router

router = Router(tags=["navigation"])

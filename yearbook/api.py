"""Annual reports and the chronicle in the API (filled by the headless-API work)."""

from ninja import Router

reports_router = Router(tags=["reports"])
chronicle_router = Router(tags=["chronicle"])

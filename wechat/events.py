"""Dispatch of the events WeChat pushes to the callback view.

The view calls `handle_event` with each verified, parsed message. Handlers must be
fast (WeChat waits at most five seconds for the answer): they record what they
need and queue the real work. Which handlers exist is decided by the code that
registers them (the sync state's signal wiring), not here.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

PUBLISH_JOB_FINISH = "PUBLISHJOBFINISH"

Handler = Callable[[dict], None]

_handlers: dict[str, list[Handler]] = {}


def register_handler(event_name: str, func: Handler) -> None:
    """Call `func(event)` for every pushed event named `event_name` (e.g. PUBLISH_JOB_FINISH)."""
    handlers = _handlers.setdefault(event_name, [])
    if func not in handlers:  # a module imported twice must not act twice
        handlers.append(func)


def handle_event(event: dict) -> None:
    """Hand a parsed push message to the handlers registered for its event.

    Messages that are not events, and events nobody handles, are logged and
    dropped: WeChat must still get its "success", or it pushes them again.
    A handler's exception propagates, so that WeChat's retry gets another chance.
    """
    name = event.get("Event") if event.get("MsgType") == "event" else None
    handlers = _handlers.get(name, []) if isinstance(name, str) else []
    if not handlers:
        logger.info("WeChat push not handled: MsgType=%r Event=%r", event.get("MsgType"), event.get("Event"))
        return
    for handler in handlers:
        handler(event)

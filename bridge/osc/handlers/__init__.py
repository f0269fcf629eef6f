"""One module per OSC namespace; each declares its routes in ``ROUTES``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.osc.protocol import Outgoing
from bridge.osc.request import Request

if TYPE_CHECKING:
    from bridge.osc.server import Server

Handler = Callable[["Server", Request], list[Outgoing]]


def all_routes() -> dict[str, Handler]:
    from bridge.osc.handlers import clip, op, system

    routes: dict[str, Handler] = {}
    for module in (system, clip, op):
        routes.update(module.ROUTES)
    return routes

"""``/lb/ping``, ``/lb/status``, ``/lb/models``: is the server there, what does it hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.osc.protocol import PREFIX, VERSION, LoadingError, Outgoing
from bridge.osc.request import Request

if TYPE_CHECKING:
    from bridge.osc.handlers import Handler
    from bridge.osc.server import Server


def ping(server: Server, req: Request) -> list[Outgoing]:
    req.expect(0)
    return [req.reply("pong", VERSION)]


def status(server: Server, req: Request) -> list[Outgoing]:
    req.expect(0)
    s = server.status()
    return [
        req.reply(
            "status",
            s["device"],
            s["models_loaded"],
            s["queue_depth"],
            s["in_flight"],
            s["served"],
            s["restarts"],
            s["internal_errors"],
        )
    ]


def models(server: Server, req: Request) -> list[Outgoing]:
    req.expect(0)
    if not server.ready:
        raise LoadingError(
            "the server is starting: TensorFlow and the models are loading; ask again shortly"
        )
    rows = server.model_rows()
    out = [
        req.reply("model", r["name"], r["role"], r["bars"], int(r["loaded"]), int(r["available"]))
        for r in rows
    ]
    return [*out, req.reply("models/end", len(rows))]


ROUTES: dict[str, Handler] = {
    f"{PREFIX}/ping": ping,
    f"{PREFIX}/status": status,
    f"{PREFIX}/models": models,
}

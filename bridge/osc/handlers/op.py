"""``/lb/op/<operation>``: model work, queued to the model's worker.

A handler only parses and checks the request and hands it to a worker; the
receive loop never waits on a model. Arguments after port and id, in order
(trailing ones optional; a seed of -1 means "draw one"):

- sample      model [count temperature bars seed]
- variations  model [count similarity temperature seed]      clip slot 0
- interpolate model [steps temperature seed method]          slots 0, 1
- blend       model x y [temperature seed]                   slots 0..3
- grid        model [cols rows temperature seed]             slots 0..3
- humanize    model [temperature seed]                       slot 0
- multitrack  model [count similarity temperature seed]      slots 0..n-1
- cancel      target_id
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.osc.protocol import PREFIX, Outgoing, ProtocolError
from bridge.osc.request import Request
from bridge.osc.workers import Job

if TYPE_CHECKING:
    from bridge.osc.handlers import Handler
    from bridge.osc.server import Server


def _seed(req: Request, i: int) -> int | None:
    seed = req.get_int(i, "seed", -1)
    return None if seed < 0 else seed


def _submit(
    server: Server, req: Request, op: str, params: dict[str, Any], clips: int | None
) -> list[Outgoing]:
    model = server.resolve_model(req.get_str(0, "model"))
    tracks: list[Track] = server.uploads.take(req.key, clips) if clips != 0 else []
    job = Job(req=req, model=model, op=op, params=params, tracks=tracks)
    position = server.submit(job)
    return [req.reply("accepted", op, model, position)]


def sample(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 5, "model [count temperature bars seed]")
    params = {
        "n": req.get_int(1, "count", 1),
        "temperature": req.get_float(2, "temperature", 1.0),
        "bars": req.get_int(3, "bars", 0) or None,
        "seed": _seed(req, 4),
    }
    return _submit(server, req, "sample", params, 0)


def variations(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 5, "model [count similarity temperature seed]")
    params = {
        "n": req.get_int(1, "count", 4),
        "similarity": req.get_float(2, "similarity", 0.8),
        "temperature": req.get_float(3, "temperature", 0.5),
        "seed": _seed(req, 4),
    }
    return _submit(server, req, "variations", params, 1)


def interpolate(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 5, "model [steps temperature seed method]")
    params = {
        "steps": req.get_int(1, "steps", 5),
        "temperature": req.get_float(2, "temperature", 0.5),
        "seed": _seed(req, 3),
        "method": req.get_str(4, "method", "slerp"),
    }
    return _submit(server, req, "interpolate", params, 2)


def blend(server: Server, req: Request) -> list[Outgoing]:
    req.expect(3, 5, "model x y [temperature seed]")
    params = {
        "x": req.get_float(1, "x"),
        "y": req.get_float(2, "y"),
        "temperature": req.get_float(3, "temperature", 0.5),
        "seed": _seed(req, 4),
    }
    return _submit(server, req, "blend", params, 4)


def grid(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 5, "model [cols rows temperature seed]")
    params = {
        "cols": req.get_int(1, "cols", 5),
        "rows": req.get_int(2, "rows", 5),
        "temperature": req.get_float(3, "temperature", 0.5),
        "seed": _seed(req, 4),
    }
    return _submit(server, req, "blend_grid", params, 4)


def humanize(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 3, "model [temperature seed]")
    params = {"temperature": req.get_float(1, "temperature", 0.3), "seed": _seed(req, 2)}
    return _submit(server, req, "humanize", params, 1)


def multitrack(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 5, "model [count similarity temperature seed]")
    params = {
        "n": req.get_int(1, "count", 4),
        "similarity": req.get_float(2, "similarity", 0.8),
        "temperature": req.get_float(3, "temperature", 0.5),
        "seed": _seed(req, 4),
    }
    return _submit(server, req, "multitrack", params, None)


def cancel(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 1, "target_id")
    target = req.args[0]
    if isinstance(target, bool) or not isinstance(target, int | str):
        raise ProtocolError(f"{req.address}: target_id must be an int or a string, got {target!r}")
    state = server.cancel(req.host, req.port, str(target))
    return [req.reply("cancel", target, state)]


ROUTES: dict[str, Handler] = {
    f"{PREFIX}/op/sample": sample,
    f"{PREFIX}/op/variations": variations,
    f"{PREFIX}/op/interpolate": interpolate,
    f"{PREFIX}/op/blend": blend,
    f"{PREFIX}/op/grid": grid,
    f"{PREFIX}/op/humanize": humanize,
    f"{PREFIX}/op/multitrack": multitrack,
    f"{PREFIX}/op/cancel": cancel,
}

"""``/lb/op/<operation>``: model work, queued to the model's worker.

One handler serves every operation of the table in :mod:`bridge.ops`: the
arguments after port and id are ``model`` and then the operation's
parameters in the table's order (trailing ones optional). It checks each
argument's type and range, takes the request's clips and hands the job to
the model's worker; the receive loop never waits on a model. A request
refused here gets one ``/lb/error`` and nothing else; one that is queued
gets ``/lb/accepted`` first. ``/lb/op/cancel target_id`` cancels one.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from bridge.clips import Track
from bridge.ops import OPERATIONS, Operation, ParamTypeError
from bridge.osc.protocol import PREFIX, Outgoing, ProtocolError
from bridge.osc.request import Request, id_key, request_id
from bridge.osc.workers import Job

if TYPE_CHECKING:
    from bridge.osc.handlers import Handler
    from bridge.osc.server import Server


def parse_params(op: Operation, req: Request) -> dict[str, Any]:
    """The engine parameters of ``req`` (after its model), checked against the table."""
    req.expect(1 + len(op.required), 1 + len(op.params), op.usage())
    values = {p.name: req.args[1 + i] for i, p in enumerate(op.params) if 1 + i < len(req.args)}
    try:
        options = op.options(values)
    except ParamTypeError as exc:
        raise ProtocolError(f"{req.address}: {exc}; usage: {op.usage()}") from None
    return {p.key: getattr(options, p.key) for p in op.params}


def operation(op: Operation, server: Server, req: Request) -> list[Outgoing]:
    params = parse_params(op, req)
    given = req.get_str(0, "model")
    # While the server starts, the models are resolved once the profile is loaded.
    model = server.resolve_model(given) if server.ready else given
    if server.ready:
        params = server.resolve_params(op, params)
        server.engine.check(op.name, model)  # a model of the wrong kind: refused, not accepted
    if "stream" in params:  # a client's streams are its own
        params["stream"] = f"{req.host}:{req.port}:{params['stream']}"
    most = op.clips[1]
    per_input = int(params.get("tracks") or 1)  # scenes: each input this many slots
    if op.clips == (0, 0):
        tracks: list[Track] = []
    else:  # a fixed number of slots, or (multitrack, endless) every slot sent
        fixed = most * per_input if most is not None and most == op.clips[0] else None
        tracks = server.uploads.take(req.key, fixed)
    op.check_clips(len(tracks) // per_input)
    job = Job(req=req, model=model, op=op.name, params=params, tracks=tracks)
    position = server.submit(job)
    accepted = req.reply("accepted", op.name, job.model, position)
    if not server.ready and server.startup_error is None:
        return [accepted, req.reply("progress", 0.0, "loading")]
    return [accepted]


def cancel(server: Server, req: Request) -> list[Outgoing]:
    req.expect(1, 1, "target_id")
    target, problem = request_id(req.args[0])  # the target is an id like any other
    if problem is not None:
        raise ProtocolError(f"{req.address}: target_id: {problem}")
    state = server.cancel(req.host, req.port, id_key(target))
    return [req.reply("cancel", target, state)]


ROUTES: dict[str, Handler] = {
    **{f"{PREFIX}/op/{name}": functools.partial(operation, op) for name, op in OPERATIONS.items()},
    f"{PREFIX}/op/cancel": cancel,
}

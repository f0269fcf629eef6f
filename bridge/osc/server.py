"""The OSC server: a UDP receive loop, routing, replies, and the model workers.

:meth:`Server.handle` turns one datagram into replies with no sockets
involved (tests call it directly); :meth:`Server.start` adds the transport,
a thread that reads the socket and never waits on a model.
"""

from __future__ import annotations

import collections
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pythonosc.osc_packet import OscPacket, ParseError

from bridge.engine import Engine, Role
from bridge.engine.checkpoint import checkpoint_present
from bridge.errors import BridgeError, UnknownModelError
from bridge.ops import Operation, get_operation
from bridge.osc.handlers import Handler, all_routes
from bridge.osc.protocol import PREFIX, BusyError, Outgoing, ProtocolError
from bridge.osc.request import Request, reply_port, request_id
from bridge.osc.uploads import Uploads
from bridge.osc.workers import Job, ModelWorker
from bridge.profile import Profile
from bridge.threads import Supervised

log = logging.getLogger("latent_bridge.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9000


class _NowReady(Exception):
    """The server finished starting while a request was being parked."""


@dataclass
class Stats:
    served: int = 0
    errors: collections.deque[tuple[float, str, str]] = field(
        default_factory=lambda: collections.deque(maxlen=20)
    )
    latencies: collections.deque[tuple[str, float]] = field(
        default_factory=lambda: collections.deque(maxlen=200)
    )
    dropped_packets: int = 0
    internal_errors: int = 0  # bugs met (handlers, workers, the receive loop); each logged


class Server:
    """Hosts a profile's models behind the protocol of docs/protocol.md."""

    def __init__(
        self,
        engine: Engine,
        profile: Profile,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        max_queue: int = 16,
        max_batch: int = 8,
        starting: bool = False,
    ) -> None:
        self.engine = engine
        self.profile = profile
        self.host = host
        self.port = port
        self.max_queue = max_queue
        # Requests for one model run together, at most this many (1: one at a time).
        self.max_batch = max_batch
        self.routes: dict[str, Handler] = all_routes()
        self.uploads = Uploads()
        self.stats = Stats()
        self._workers: dict[str, ModelWorker] = {}
        self._lock = threading.Lock()
        self._unreleased: list[Job] = []  # queued by the datagram being handled
        self._sock: socket.socket | None = None
        self._thread: Supervised | None = None
        self._stop = threading.Event()
        # ``starting``: TensorFlow and the profile load in the background; ping
        # and status answer at once, operations wait (parked) until :meth:`loaded`.
        self._ready = threading.Event()
        self._parked: list[Job] = []
        self.startup_error: BridgeError | None = None
        if not starting:
            self.loaded(profile)

    # -- starting -----------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def park(self, job: Job) -> int:
        """Keep an operation that arrived while starting; returns its position."""
        with self._lock:
            if self._ready.is_set():  # loaded meanwhile: straight to its model
                raise _NowReady
            if len(self._parked) >= self.max_queue:
                raise BusyError(
                    f"{len(self._parked)} requests are waiting for the server to start; "
                    "try again shortly"
                )
            self._parked.append(job)
            return len(self._parked) - 1

    def loaded(self, profile: Profile) -> None:
        """The profile is loaded: serve it, and send the parked operations to their models."""
        for name, ckpt in profile.checkpoints.items():
            self.engine.set_checkpoint(name, ckpt)
        # The profile's groove model plays the new hits of drum variations.
        self.engine.groove = profile.roles.get("groove")
        with self._lock:
            self.profile = profile
            self._ready.set()
            parked, self._parked = self._parked, []
        for job in parked:
            try:
                self._resolve(job)
                self.worker(job.model).submit(job)
            except BridgeError as exc:
                self.stats.errors.append((time.time(), job.req.id, exc.code))
                self.send([job.req.error(exc.code, exc.message)])
            job.released.set()

    def failed_to_start(self, error: BridgeError) -> None:
        """Loading failed: every parked operation gets the error; the server stops serving."""
        self.startup_error = error
        with self._lock:
            parked, self._parked = self._parked, []
        for job in parked:
            self.send([job.req.error(error.code, error.message)])

    # -- model bookkeeping ------------------------------------------------------
    def resolve_model(self, name: str) -> str:
        """A model name, or a role (drums, melody, groove, multitrack, trio) of the profile."""
        if name in self.profile.roles:
            return self.profile.roles[name]
        if name in {r.value for r in Role}:
            raise UnknownModelError(
                f"no model serves the role {name!r}; start the server with "
                f"--model {name}=NAME --checkpoint NAME=PATH"
            )
        if name not in self.profile.models():
            self.engine.registry.get(name)  # UnknownModelError for a name nobody knows
            raise UnknownModelError(f"model {name!r} is not served here (no checkpoint given)")
        return name

    def resolve_params(self, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with every model parameter of ``op`` resolved (a role to its model)."""
        out = dict(params)
        for p in op.params:
            if p.model and isinstance(out.get(p.key), str):
                out[p.key] = self.resolve_model(out[p.key])
        return out

    def _resolve(self, job: Job) -> None:
        """A job that waited for the start: its models, now that the profile is here."""
        job.model = self.resolve_model(job.model)
        job.params = self.resolve_params(get_operation(job.op), job.params)

    def worker(self, model: str) -> ModelWorker:
        with self._lock:
            w = self._workers.get(model)
            if w is None:
                w = self._workers[model] = ModelWorker(
                    model,
                    self.engine,
                    self.send,
                    max_queue=self.max_queue,
                    max_batch=self.max_batch,
                    on_done=self._done,
                )
            return w

    def submit(self, job: Job) -> int:
        """Queue ``job`` for its model (parked while the server starts); its position."""
        self._unreleased.append(job)
        if not self._ready.is_set():
            try:
                return self.park(job)
            except _NowReady:
                self._resolve(job)
        return self.worker(job.model).submit(job)

    def _release(self) -> None:
        jobs, self._unreleased = self._unreleased, []
        for job in jobs:
            job.released.set()

    def cancel(self, host: str, port: int, request_id: str) -> str:
        with self._lock:
            workers = list(self._workers.values())
            for job in self._parked:
                if job.req.key == (host, port, request_id):
                    self._parked.remove(job)
                    job.cancelled = True
                    self.send([job.req.error("cancelled", "cancelled before it ran")])
                    return "cancelled"
        for w in workers:
            state = w.cancel(host, port, request_id)
            if state != "unknown":
                return state
        return "unknown"

    def _done(self, job: Job, seconds: float, error: str | None) -> None:
        self.stats.served += 1
        self.stats.latencies.append((job.op, seconds))
        if error:
            self.stats.errors.append((time.time(), job.req.id, error))
        if error == "internal":
            self.stats.internal_errors += 1
        log.info("%s %s id=%s %.3fs %s", job.model, job.op, job.req.id, seconds, error or "ok")

    def status(self) -> dict[str, Any]:
        with self._lock:
            workers = list(self._workers.values())
            parked = len(self._parked)
        return {
            "device": self.engine.device if self._ready.is_set() else "loading",
            "models_loaded": sum(self.engine.is_loaded(m) for m in self.profile.models()),
            "queue_depth": parked + sum(w.depth for w in workers),
            "in_flight": sum(w.in_flight for w in workers),
            "served": self.stats.served,
            "restarts": self.restarts(),
            "internal_errors": self.stats.internal_errors,
        }

    def restarts(self) -> int:
        """How often a serving thread (the receive loop, a model worker) crashed and restarted."""
        with self._lock:
            workers = list(self._workers.values())
        own = self._thread.restarts if self._thread is not None else 0
        return own + sum(w.restarts for w in workers)

    def model_rows(self) -> list[dict[str, Any]]:
        roles = {model: role for role, model in self.profile.roles.items()}
        rows = []
        for name in self.profile.models():
            spec = self.engine.registry.get(name)
            rows.append(
                {
                    "name": name,
                    "role": roles.get(name, spec.role.value),
                    "bars": spec.bars,
                    "loaded": self.engine.is_loaded(name),
                    "prior": self.engine.prior_status(name),
                    "available": self.engine.is_loaded(name)
                    or (
                        name in self.profile.checkpoints
                        and checkpoint_present(self.profile.checkpoints[name])
                    ),
                }
            )
        return rows

    # -- datagrams -----------------------------------------------------------------
    def handle(
        self, dgram: bytes, addr: tuple[str, int], *, release: bool = True
    ) -> list[Outgoing]:
        """All replies to one datagram. Never raises.

        Jobs it queues may send their own messages once released: at once, or
        with ``release=False`` when the caller has sent the replies.
        """
        try:
            return self._handle(dgram, addr)
        except Exception:  # a bug outside any one request's handler
            log.exception("datagram from %s could not be handled", addr)
            self.stats.internal_errors += 1
            return []
        finally:
            if release:
                self._release()

    def _handle(self, dgram: bytes, addr: tuple[str, int]) -> list[Outgoing]:
        try:
            messages = OscPacket(dgram).messages
        except (ParseError, ValueError, IndexError, TypeError, OverflowError) as exc:
            self.stats.dropped_packets += 1
            log.warning("unparseable packet from %s: %s", addr, exc)
            return []
        out: list[Outgoing] = []
        # Time tags are ignored: a bundle runs now, never sleeps the loop.
        for timed in messages:
            out += self._handle_message(timed.message.address, list(timed.message.params), addr)
        return out

    def _handle_message(
        self, address: str, args: list[Any], addr: tuple[str, int]
    ) -> list[Outgoing]:
        port = reply_port(args)
        if port is None or len(args) < 2:
            # Without a reply port there is no one to tell.
            self.stats.dropped_packets += 1
            log.warning("%s from %s: no reply port and request id; dropped", address, addr)
            return []
        rid, id_problem = request_id(args[1])
        req = Request(address, addr[0], port, str(rid), tuple(args[2:]), raw_id=rid)
        handler = self.routes.get(address)
        is_clip = address.startswith(f"{PREFIX}/clip/")
        if is_clip and self.uploads.failed(req.key):
            return []  # the transfer was refused once already; one error is enough
        try:
            if id_problem is not None:
                raise ProtocolError(id_problem)
            if handler is None:
                raise ProtocolError(f"unknown address {address}; see docs/protocol.md")
            return handler(self, req)
        except BridgeError as exc:
            code = "unknown_address" if handler is None else exc.code
            self.stats.errors.append((time.time(), req.id, code))
            if is_clip:
                self.uploads.fail(req.key, exc.message)
            return [req.error(code, exc.message)]
        except Exception as exc:  # never let one request take the server down
            log.exception("handler for %s failed", address)
            self.stats.errors.append((time.time(), req.id, "internal"))
            self.stats.internal_errors += 1
            return [req.error("internal", f"internal error: {exc!r}")]

    # -- transport --------------------------------------------------------------------
    def send(self, messages: list[Outgoing]) -> None:
        sock = self._sock
        if sock is None:
            return
        for m in messages:
            try:
                sock.sendto(m.dgram(), (m.host, m.port))
            except OSError as exc:  # a client that went away must not stop the others
                log.warning("cannot reply to %s:%s: %s", m.host, m.port, exc)
            except Exception:  # a bug in one reply must not stop the others either
                log.exception("cannot build %s for %s:%s", m.address, m.host, m.port)
                self.stats.internal_errors += 1

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.bind((self.host, self.port))
        sock.settimeout(0.2)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._stop.clear()
        self._thread = Supervised("osc-receive", self._serve, log, stopping=self._stop.is_set)
        self._thread.start()
        log.info("listening on %s:%s", self.host, self.port)

    def _serve(self) -> None:
        while not self._stop.is_set():
            sock = self._sock
            if sock is None:
                return
            try:
                dgram, addr = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            try:
                replies = self.handle(dgram, addr, release=False)
                self.send(replies)
            finally:
                self._release()  # the request's "accepted" is out: its job may now reply

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            workers = list(self._workers.values())
        for w in workers:
            w.stop()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

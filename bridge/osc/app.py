"""``latent-bridge serve``: a profile, the server, a live view and a log file."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from bridge.errors import BridgeError
from bridge.osc.server import DEFAULT_HOST, DEFAULT_PORT, Server
from bridge.profile import Profile, load_profile
from bridge.terminal import native_stderr_into

if TYPE_CHECKING:
    from bridge.watch import WatchConfig

log = logging.getLogger("latent_bridge.server")

# The longest a graph's warm-up waits for the model's requests to finish.
WARM_UP_PATIENCE = 30.0


@dataclass(frozen=True)
class ServeConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    device: str = "auto"
    profile: Path | None = None
    roles: dict[str, str] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)
    max_queue: int = 16
    batch_size: int = 8
    refine_steps: int | None = None
    log_file: Path = Path("latent-bridge-server.log")
    live: bool = True
    preload: bool = False
    # --watch: a folder watcher beside the server, on the profile's models.
    watch_dir: Path | None = None
    watch_out: Path | None = None
    watch_op: str = "variations"
    watch_role: str | None = None  # default: groove for humanize, else drums
    watch_count: int | None = None


def watch_config(config: ServeConfig, profile: Profile) -> WatchConfig | None:
    """The folder watcher that ``serve --watch`` runs, on the profile's model for a role."""
    if config.watch_dir is None:
        return None
    from bridge.watch import WatchConfig

    role = config.watch_role or ("groove" if config.watch_op == "humanize" else "drums")
    model = profile.roles.get(role)
    if model is None:
        raise BridgeError(
            f"--watch needs a {role} model in the profile (give --model {role}=NAME), "
            "or choose another with --watch-role"
        )
    out = config.watch_out or config.watch_dir.with_name(config.watch_dir.name + "-generated")
    ckpt = profile.checkpoints.get(model)
    return WatchConfig(
        in_dir=config.watch_dir,
        out_dir=out,
        op=config.watch_op,
        model=model,
        checkpoint=Path(ckpt) if ckpt else None,
        params={
            **({"count": config.watch_count} if config.watch_count is not None else {}),
            # Blends from the folder sit in the middle of their four corners.
            **({"x": 0.5, "y": 0.5} if config.watch_op == "blend" else {}),
        },
    )


def profile_of(config: ServeConfig) -> Profile:
    """The profile ``config`` names: its TOML file, overridden by its flags."""
    return load_profile(config.profile, config.roles, config.checkpoints)


def _view(server: Server) -> Group:
    status = server.status()
    head = Table.grid(padding=(0, 2))
    head.add_row(
        f"[b]Latent Bridge[/b] on {server.host}:{server.port}",
        f"device: {status['device']}",
        f"queue: {status['queue_depth']}",
        f"in flight: {status['in_flight']}",
        f"served: {status['served']}",
    )
    models = Table(
        "model", "role", "bars", "loaded", "checkpoint", "latent prior", title="models", expand=True
    )
    for row in server.model_rows():
        models.add_row(
            row["name"],
            row["role"],
            str(row["bars"]),
            "yes" if row["loaded"] else "no",
            "yes" if row["available"] else "missing",
            (row["prior"] or "-").split(" (")[0],
        )
    lat = Table("operation", "count", "p50 ms", "p95 ms", title="recent latencies", expand=True)
    by_op: dict[str, list[float]] = {}
    for op, secs in list(server.stats.latencies):
        by_op.setdefault(op, []).append(secs * 1000)
    for op, values in sorted(by_op.items()):
        values.sort()
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        lat.add_row(op, str(len(values)), f"{statistics.median(values):.0f}", f"{p95:.0f}")
    errors = Table("time", "request", "error", title="recent errors", expand=True)
    for when, rid, code in list(server.stats.errors)[-5:]:
        errors.add_row(time.strftime("%H:%M:%S", time.localtime(when)), rid, code)
    return Group(head, models, lat, errors)


def serve(config: ServeConfig, stop: threading.Event | None = None) -> int:
    """Run the server until Ctrl-C (or ``stop`` is set).

    TensorFlow's native log lines go to the log file, not the terminal.
    """
    with native_stderr_into(config.log_file):
        return _serve(config, stop)


def _serve(config: ServeConfig, stop: threading.Event | None) -> int:
    from bridge.engine import Engine

    handler = logging.FileHandler(config.log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    # Every line logged goes to the file: the server's own and the watcher's
    # (from INFO), and other libraries' warnings, such as python-osc's about a
    # malformed packet. With a handler on the root logger, a module-level
    # logging.warning() never installs one of its own on the terminal, which
    # would print every later line there (a packet must not change the view).
    root = logging.getLogger()
    root.addHandler(handler)
    for logger in (log, logging.getLogger("bridge.watch")):
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
    previous_hook = threading.excepthook
    threading.excepthook = _log_thread_crash  # the last resort: into the log file, not only stderr
    console = Console()
    engine = Engine(
        device=config.device, batch_size=config.batch_size, refine_steps=config.refine_steps
    )
    engine.after_load = lambda name, loaded: _warm_up(
        name, loaded, engine.pipeline.coalescer(loaded)
    )
    # Listen first: ping and status answer at once, while TensorFlow and the
    # models load on a thread of their own; operations wait for them.
    server = Server(
        engine,
        Profile(),
        host=config.host,
        port=config.port,
        max_queue=config.max_queue,
        starting=True,
    )
    server.start()
    console.print(
        f"listening on {server.host}:{server.port} (log: {config.log_file}); loading models ..."
    )
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]warning:[/] listening on {config.host}, not only this computer")
    loader = threading.Thread(
        target=_load, args=(config, engine, server, console), name="loader", daemon=True
    )
    loader.start()
    watcher: Any = None
    stop = stop or threading.Event()

    def tick() -> bool:
        """One look at the loader: True to go on serving."""
        nonlocal watcher
        if server.startup_error is not None:
            return False
        if server.ready and watcher is None and config.watch_dir is not None:
            watcher = _start_watcher(config, server, engine, console)
        return True

    try:
        if config.live and console.is_terminal:
            with Live(_view(server), console=console, refresh_per_second=4) as live:
                while not stop.wait(0.25) and tick():
                    live.update(_view(server))
        else:
            while not stop.wait(0.25) and tick():
                pass
        if server.startup_error is not None:
            raise server.startup_error
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.stop()
        server.stop()
        engine.close()
        threading.excepthook = previous_hook
        root.removeHandler(handler)
        handler.close()
    return 0


def _load(config: ServeConfig, engine: Any, server: Server, console: Console) -> None:
    """The slow part of starting: the profile, TensorFlow and the device, the models."""
    try:
        profile = profile_of(config)
        device = engine.device  # imports TensorFlow
        for name in profile.models():
            engine.registry.get(name)  # an unknown name fails now, not on first request
        watch_config(config, profile)  # a watcher that cannot work fails now too
        if config.preload:
            for name in profile.models():
                console.print(f"loading {name} ...")
                engine.model(name)
        server.loaded(profile)
    except BridgeError as exc:
        log.error("cannot start: %s", exc.message)
        server.failed_to_start(exc)
        return
    except Exception as exc:  # a bug: say so, and stop rather than serve half a profile
        log.exception("cannot start")
        server.failed_to_start(BridgeError(f"cannot start: {exc!r}"))
        return
    console.print(f"device: {device}")
    if profile.models():
        roles = ", ".join(f"{role} = {name}" for role, name in sorted(profile.roles.items()))
        console.print(f"models: {roles or ', '.join(profile.models())}")
    else:
        console.print(
            "no models configured: ping and status work, operations answer with an error. "
            "Give --model ROLE=NAME --checkpoint NAME=PATH or --profile FILE.toml"
        )
    log.info("ready: %s on %s", ", ".join(profile.models()) or "no models", device)


def _warm_up(name: str, loaded: Any, group: Any = None) -> None:
    """Run once every graph of a model just loaded that a merged request may
    use, on a thread of its own, so that the first busy moment does not pay
    for it. Each graph waits until no request runs in the model's ``group``
    (the request that loaded it goes first), at most
    :data:`WARM_UP_PATIENCE` seconds. A failure here is only logged: the
    model's requests say what is wrong."""

    def idle() -> None:
        deadline = time.monotonic() + WARM_UP_PATIENCE
        while group is not None and group.busy and time.monotonic() < deadline:
            time.sleep(0.05)

    def run() -> None:
        try:
            loaded.warm_up(idle)
        except Exception as exc:  # never stop a server that is serving
            log.warning("warming up %s failed: %r", name, exc)
        else:
            log.info("warmed up %s", name)

    threading.Thread(target=run, name=f"warm-{name}", daemon=True).start()


def _start_watcher(config: ServeConfig, server: Server, engine: Any, console: Console) -> Any:
    from bridge.watch import Watcher

    watching = watch_config(config, server.profile)
    assert watching is not None
    watcher = Watcher(watching, engine)
    watcher.start()
    console.print(
        f"watching {watching.in_dir} -> {watching.out_dir} ({watching.op} with {watching.model})"
    )
    return watcher


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    """A thread that no supervisor watches died: say so in the log, with the traceback."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
    log.critical("%s died", name, exc_info=exc_info)

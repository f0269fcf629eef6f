"""``latent-bridge models [list | info NAME | fetch NAME...]``: the zoo from a terminal.

``models`` alone is ``models list``. Each action parses its options into a
:class:`ZooOptions` and calls a plain function; only the registered-configs
table at the end of ``models list`` (and ``info`` of a name the zoo does not
list) loads TensorFlow.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.cli.argtypes import non_negative_int, positive_float
from bridge.errors import UnknownModelError
from bridge.zoo.fetch import ENV_BASE_URL, FetchResult, fetch_model
from bridge.zoo.local import (
    BUNDLED,
    ENV_CACHE_DIR,
    FETCHED,
    NOT_TRAINED,
    PARTIAL,
    bundled_config,
    cache_dir,
    model_state,
    read_index,
)
from bridge.zoo.manifest import Manifest, ZooEntry, load_manifest

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table

__all__ = [
    "ZooOptions",
    "add_models_parser",
    "fetch_models",
    "list_models",
    "models_command",
    "show_info",
    "show_zoo",
    "zoo_table",
]

_STATE_STYLE = {FETCHED: "green", BUNDLED: "green", PARTIAL: "yellow", NOT_TRAINED: "dim"}


@dataclass(frozen=True)
class ZooOptions:
    """Where the zoo's manifest and cache are, and where downloads come from."""

    manifest: Path | None = None
    cache: Path | None = None
    base_url: str | None = None

    def load(self) -> Manifest:
        return load_manifest(self.manifest)

    @property
    def cache_path(self) -> Path:
        return cache_dir(self.cache)


def _size_text(entry: ZooEntry) -> str:
    if entry.is_bundled:
        return ""
    if entry.size is not None:
        return _human(entry.size)
    return entry.size_note.split(" (")[0] if entry.size_note else "unknown"


def _human(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def zoo_table(manifest: Manifest, cache: Path) -> Table:
    """Every zoo model with its config, role, size and whether it is here."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Model zoo")
    table.add_column("name (config, where it differs)", no_wrap=True)
    table.add_column("role")
    table.add_column("size", justify="right")
    table.add_column("state")
    entries = list(manifest)
    for i, entry in enumerate(entries):
        state = model_state(entry, cache)
        text = state.state
        if state.state == PARTIAL:
            text = f"{PARTIAL} ({_human(state.partial_bytes)})"
        config = entry.config or (bundled_config(entry) if entry.is_bundled else None)
        name = Text(entry.name)
        if config != entry.name:
            name.append(f"\n  {config or 'config to be decided'}", style="dim")
        last_of_kind = i + 1 < len(entries) and entries[i + 1].kind != entry.kind
        table.add_row(
            name,
            entry.role,
            _size_text(entry),
            Text(text, style=_STATE_STYLE.get(state.state, "")),
            end_section=last_of_kind,
        )
    return table


def list_models(console: Console | None = None) -> None:
    """Print every registered model (name, role, bars, description) as a table."""
    from rich.console import Console
    from rich.table import Table

    from bridge.engine import REGISTRY

    table = Table(title="Registered models")
    table.add_column("name", no_wrap=True)
    table.add_column("role")
    table.add_column("bars", justify="right")
    table.add_column("description")
    for spec in REGISTRY:
        table.add_row(spec.name, spec.role.value, str(spec.bars), spec.description)
    (console or Console()).print(table)


def show_zoo(options: ZooOptions, console: Console, *, configs: bool = True) -> None:
    """Print the zoo table, then (unless ``configs`` is off) every registered config."""
    manifest = options.load()
    cache = options.cache_path
    console.print(zoo_table(manifest, cache))
    console.print(
        f"downloads go to {cache} (--dir or ${ENV_CACHE_DIR} to change); "
        "get one with: latent-bridge models fetch NAME",
        highlight=False,
        soft_wrap=True,
    )
    if configs:
        list_models(console)


def show_info(name: str, options: ZooOptions, console: Console) -> None:
    """Print everything known about ``name``: a zoo model, else a registered config."""
    from rich.table import Table

    manifest = options.load()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    if name not in manifest:
        _config_info(name, manifest, grid)
        console.print(grid)
        return
    entry = manifest.get(name)
    cache = options.cache_path
    state = model_state(entry, cache)
    grid.add_row("name", entry.name)
    grid.add_row("kind", "bundled with Latent Bridge" if entry.is_bundled else "official Magenta")
    config = bundled_config(entry) if entry.is_bundled else entry.config
    grid.add_row("config", config or "to be decided")
    grid.add_row("role", entry.role)
    if entry.description:
        grid.add_row("description", entry.description)
    grid.add_row("state", state.state)
    grid.add_row("path", str(state.path))
    if entry.is_bundled:
        for item in ("run.json", "README.md"):
            found = (state.path / item).is_file()
            grid.add_row(item, str(state.path / item) if found else "missing")
    else:
        recorded = _recorded_files(cache, entry.name)
        sizes = [recorded.get(f.name, {}).get("size") for f in entry.files]
        if entry.size is not None:
            size = _human(entry.size)
        elif all(isinstance(n, int) for n in sizes):
            size = f"{_human(sum(n for n in sizes if isinstance(n, int)))} as downloaded"
        else:
            size = "unknown"
        grid.add_row("size", f"{size}, {entry.size_note}" if entry.size_note else size)
        record = read_index(cache).get(entry.name)
        fetched_at = record.get("fetched_at") if isinstance(record, dict) else None
        if state.present and isinstance(fetched_at, str):
            grid.add_row("fetched at", fetched_at)
        base = options.base_url or os.environ.get(ENV_BASE_URL) or manifest.base_url
        for zf in entry.files:
            seen = recorded.get(zf.name, {})
            grid.add_row("file", zf.name)
            grid.add_row("  url", zf.url(base))
            size_text = _human(zf.size) if zf.size is not None else None
            if size_text is None and isinstance(seen.get("size"), int):
                size_text = f"{seen['size']} bytes (as downloaded)"
            grid.add_row("  size", size_text or "unknown")
            grid.add_row("  sha256", _sha_text(zf.sha256, seen.get("sha256")))
    if state.present and state.path.is_dir():
        from bridge.engine.prior import describe_prior

        grid.add_row("latent prior", describe_prior(state.path))
        if entry.role == "groove":
            from bridge.engine.dynamics import describe_dynamics

            grid.add_row("dynamics", describe_dynamics(state.path))
    if state.present and config:
        # An operation the model can run: a groove model plays a beat, it
        # does not sample one (a hits-reading one cannot).
        op = "humanize BEAT.mid" if entry.role == "groove" else "sample"
        grid.add_row(
            "use",
            f"latent-bridge generate {op} --model {config} --checkpoint {state.path} --out DIR",
        )
    elif not entry.is_bundled:
        grid.add_row("get it", f"latent-bridge models fetch {entry.name}")
    console.print(grid)


def _sha_text(published: str | None, recorded: object) -> str:
    if published:
        return f"{published} (checked at download)"
    if isinstance(recorded, str) and recorded:
        return f"not published; {recorded} as downloaded"
    return "not published (recorded at download)"


def _recorded_files(cache: Path, name: str) -> dict[str, dict[str, Any]]:
    record = read_index(cache).get(name)
    files = record.get("files") if isinstance(record, dict) else None
    out: dict[str, dict[str, Any]] = {}
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            out[f["name"]] = f
    return out


def _config_info(name: str, manifest: Manifest, grid: Table) -> None:
    from bridge.engine import REGISTRY

    if name not in REGISTRY:
        raise UnknownModelError(
            f"no model {name!r}: the zoo lists {', '.join(manifest.names())}, and it is "
            "no registered config either (see: latent-bridge models list)"
        )
    spec = REGISTRY.get(name)
    grid.add_row("name", spec.name)
    grid.add_row("kind", "registered config (no checkpoint in the zoo)")
    grid.add_row("role", spec.role.value)
    grid.add_row("bars", str(spec.bars))
    if spec.description:
        grid.add_row("description", spec.description)
    using = [e.name for e in manifest if e.config == name]
    grid.add_row("zoo models", ", ".join(using) if using else "none")


def fetch_models(
    names: Sequence[str],
    options: ZooOptions,
    console: Console,
    *,
    force: bool = False,
    retries: int = 3,
    timeout: float = 30.0,
    quiet: bool = False,
) -> list[FetchResult]:
    """Fetch each model in turn with a progress bar; stops at the first that fails."""
    manifest = options.load()
    results: list[FetchResult] = []
    for name in names:
        bars = _Bars(console, quiet=quiet)
        try:
            result = fetch_model(
                name,
                manifest=manifest,
                cache=options.cache,
                base_url=options.base_url,
                force=force,
                retries=retries,
                timeout=timeout,
                on_progress=bars.update,
                on_message=bars.message,
            )
        finally:
            bars.close()
        results.append(result)
        if not quiet:
            _report(result, console)
    return results


class _Bars:
    """A rich progress bar per downloaded file, started at the first byte (so a
    model fetched before prints no empty bar); ``quiet`` shows nothing."""

    def __init__(self, console: Console, *, quiet: bool) -> None:
        self.console = console
        self.quiet = quiet
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def update(self, file: str, done: int, total: int | None) -> None:
        if self.quiet:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._progress.start()
        if file not in self._tasks:
            self._tasks[file] = self._progress.add_task(file, total=total, completed=done)
        else:
            self._progress.update(self._tasks[file], completed=done, total=total)

    def message(self, text: str) -> None:
        if not self.quiet:  # printed above the bars while they run
            self.console.print(text, highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _report(result: FetchResult, console: Console) -> None:
    if result.already:
        console.print(
            f"{result.name}: already fetched, in {result.path}", highlight=False, soft_wrap=True
        )
        return
    for f in result.files:
        check = "matches the manifest" if f.verified else "recorded (no published checksum)"
        console.print(
            f"{f.name}: {_human(f.size)}, sha256 {f.sha256} {check}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"{result.name}: fetched into {result.path}", highlight=False, soft_wrap=True)
    console.print(
        f"use it with: --model {result.config} --checkpoint {result.path}",
        highlight=False,
        soft_wrap=True,
    )


# --- argument parsing -------------------------------------------------------------


def _zoo_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help=f"where fetched models live (default: ${ENV_CACHE_DIR}, "
        "else ~/.cache/latent-bridge/models)",
    )
    common.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="the zoo's manifest (default: models/manifest.toml)",
    )
    return common


def add_models_parser(sub: Any) -> None:
    """Add ``models`` and its actions to the ``latent-bridge`` subcommands."""
    common = [_zoo_options()]
    p = sub.add_parser(
        "models",
        help="the model zoo: list, describe and download models",
        description="Known models: official Magenta MusicVAE checkpoints (downloaded with "
        "`models fetch`) and the ones bundled with Latent Bridge, then every registered "
        "config. Without an action: list.",
    )
    actions = p.add_subparsers(dest="models_action", metavar="ACTION")

    lp = actions.add_parser(
        "list", parents=common, help="every zoo model and whether it is here (the default)"
    )
    lp.add_argument(
        "--zoo-only", action="store_true", help="leave out the table of registered configs"
    )

    ip = actions.add_parser("info", parents=common, help="one model in full")
    ip.add_argument("name", metavar="NAME", help="a zoo model or a registered config")
    ip.add_argument("--base-url", metavar="URL", help=f"download address (or ${ENV_BASE_URL})")

    fp = actions.add_parser(
        "fetch",
        parents=common,
        help="download official checkpoints (resumable, checked, unpacked)",
        description="Download each model into the cache: resumes a partial download, checks "
        "the size and sha256 where the manifest gives them (a file that fails is removed), "
        "unpacks safely, and records the sha256 in the cache's index.json. A model already "
        "fetched is left as it is (--force downloads it again).",
    )
    fp.add_argument("names", nargs="+", metavar="NAME", help="zoo model(s) to fetch")
    fp.add_argument(
        "--base-url",
        metavar="URL",
        help=f"download from this address instead of the manifest's (or ${ENV_BASE_URL})",
    )
    fp.add_argument("--force", action="store_true", help="download again even if fetched")
    fp.add_argument(
        "--retries",
        type=non_negative_int,
        default=3,
        metavar="N",
        help="tries after a failed one, each resuming (default: 3)",
    )
    fp.add_argument(
        "--timeout",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="network timeout (default: 30)",
    )
    fp.add_argument("--quiet", action="store_true", help="no progress bar or report")
    p.set_defaults(handler=models_command)


def models_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    options = ZooOptions(
        manifest=getattr(args, "manifest", None),
        cache=getattr(args, "dir", None),
        base_url=getattr(args, "base_url", None),
    )
    action = getattr(args, "models_action", None) or "list"
    if action == "info":
        show_info(args.name, options, console)
    elif action == "fetch":
        fetch_models(
            args.names,
            options,
            console,
            force=args.force,
            retries=args.retries,
            timeout=args.timeout,
            quiet=args.quiet,
        )
    else:
        show_zoo(options, console, configs=not getattr(args, "zoo_only", False))
    return 0

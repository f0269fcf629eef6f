"""``latent-bridge endless``: music that never stops, from the bundled models.

Three outputs, one conductor behind each (:mod:`bridge.endless`): N bars into
one MIDI file (``--bars N --out FILE.mid``), rolling files into a folder
until Ctrl-C (``--folder DIR``; run again, it continues), or a MIDI port in
real time (``--midi-port NAME``).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.cli.argtypes import positive_int
from bridge.cli.options import model_engine, model_ref
from bridge.errors import InvalidRequestError
from bridge.limits import DRAWN_SEEDS, MAX_STREAM_BAR
from bridge.profile import DEFAULT_MODELS, existing_checkpoint

if TYPE_CHECKING:
    from bridge.clips import Clip
    from bridge.endless import Bar, Conductor, StreamStatus

__all__ = ["EndlessConfig", "add_endless_parser", "endless", "endless_config_from_args"]


@dataclass(frozen=True)
class EndlessConfig:
    """One ``endless`` run: where it goes, and the stream's settings."""

    out: Path | None = None  # one file of ``bars`` bars
    folder: Path | None = None  # rolling files
    midi_port: str | None = None  # real time
    live: bool = False  # into Live through AbletonOSC
    tracks: Mapping[str, int] = field(default_factory=dict)  # part -> Live track, from 1
    half_bars: int = 4
    bars: int | None = None
    seed: int | None = None
    qpm: float = 120.0
    pace: float = 0.5
    density: float = 0.6
    key: str | None = None
    parts: tuple[str, ...] = ("drums", "bass", "lead")
    clips: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)  # part -> MIDI files
    drums_model: str = DEFAULT_MODELS["drums"]
    melody_model: str = DEFAULT_MODELS["melody"]
    band_model: str | None = None  # every part from one band model instead
    start: int = 0
    bars_per_file: int = 16
    ahead: int = 8
    midi_clock: bool = False
    device: str = "auto"
    quiet: bool = False

    def check(self) -> None:
        outputs = [x for x in (self.out, self.folder, self.midi_port) if x is not None]
        if len(outputs) != 1:
            raise InvalidRequestError(
                "give one output: --out FILE.mid, --folder DIR or --midi-port NAME"
            )
        if self.out is not None and self.bars is None:
            raise InvalidRequestError("--out writes --bars N bars; give --bars")
        if self.folder is not None and self.bars is not None:
            raise InvalidRequestError(
                "--folder runs until stopped; --bars goes with --out, --midi-port or --live"
            )
        if not 0 <= self.start <= MAX_STREAM_BAR:
            raise InvalidRequestError(
                f"--start is a bar number from 0 to {MAX_STREAM_BAR}, got {self.start}"
            )
        if not 20 <= self.qpm <= 999:
            raise InvalidRequestError(f"--qpm must be 20 to 999, got {self.qpm:g}")


def _user_clips(config: EndlessConfig, conductor_parts: Sequence[Any]) -> dict[str, list[Clip]]:
    """The clips of ``--clip PART=FILE``: a drum part's first drum track, a
    pitched part's first other track, of each file."""
    from bridge.convert import read_midi

    found: dict[str, list[Clip]] = {}
    drums = {p.name: p.drums for p in conductor_parts}
    for part, paths in config.clips.items():
        if part not in drums:
            raise InvalidRequestError(
                f"--clip {part}=...: {part} is not one of --parts {','.join(config.parts)}"
            )
        for path in paths:
            tracks = [t for t in read_midi(path) if t.is_drum == drums[part]]
            if not tracks:
                kind = "drum" if drums[part] else "non-drum"
                raise InvalidRequestError(f"{path} has no {kind} track for the {part} part")
            found.setdefault(part, []).append(tracks[0].clip)
    return found


def endless(config: EndlessConfig, echo: Callable[[str], None] = print) -> int:
    """Run one ``endless`` output to its end (or Ctrl-C); returns the seed."""
    config.check()
    from bridge.endless import Conductor, Settings, StreamStatus, make_parts, parse_key

    key = parse_key(config.key) if config.key else None
    seed = config.seed if config.seed is not None else secrets.randbelow(DRAWN_SEEDS)
    settings = Settings(seed=seed, pace=config.pace, density=config.density, key=key)
    if config.band_model:
        band_name, band_ckpt = model_ref(config.band_model, None)
        drums_name, drums_ckpt = melody_name, melody_ckpt = band_name, band_ckpt
        parts = make_parts(config.parts, band_name, band_name, band_name)
    else:
        drums_name, drums_ckpt = model_ref(config.drums_model, None)
        melody_name, melody_ckpt = model_ref(config.melody_model, None)
        parts = make_parts(config.parts, drums_name, melody_name)
    if config.folder is not None and config.folder.exists() and not config.folder.is_dir():
        raise InvalidRequestError(f"{config.folder} is not a folder")
    models = {}
    for p in parts:
        ckpt = drums_ckpt if p.drums else melody_ckpt
        models[p.model] = existing_checkpoint(Path(ckpt) if ckpt else None)
    engine = model_engine(models, device=config.device, batch_size=8, refine_steps=None)
    try:
        if not config.quiet:
            echo(f"device: {engine.device}")
        clips = _user_clips(config, parts)
        conductor = Conductor(engine, parts, settings, clips, qpm=config.qpm)
        if not config.quiet:
            names = ", ".join(f"{p.name} ({p.model})" for p in parts)
            echo(f"endless: seed {seed}, key {conductor.key}, {config.qpm:g} bpm, parts {names}")
        status = StreamStatus(str(conductor.key), tuple(p.name for p in parts))
        if config.out is not None:
            _to_file(config, conductor, status, echo)
        elif config.folder is not None:
            _to_folder(config, conductor, status, seed, echo)
        elif config.live:
            _to_live(config, conductor, status, echo)
        else:
            _to_port(config, conductor, status, echo)
    finally:
        engine.close()
    return seed


@contextlib.contextmanager
def _view(config: EndlessConfig, status: StreamStatus) -> Iterator[Callable[[], None]]:
    """A refresh function: a rich live view on a terminal, a line every 4 bars elsewhere."""
    if config.quiet:
        yield lambda: None
        return
    if not sys.stdout.isatty():
        yield status.printer(print)
        return
    from rich.live import Live

    with Live(status.table(), refresh_per_second=4, transient=False) as live:
        yield lambda: live.update(status.table())


def _to_file(
    config: EndlessConfig, conductor: Conductor, status: StreamStatus, echo: Callable[[str], None]
) -> None:
    from bridge.endless import render

    assert config.out is not None and config.bars is not None
    config.out.parent.mkdir(parents=True, exist_ok=True)
    with _view(config, status) as refresh:

        def on_bar(bar: Bar) -> None:
            status.played(bar, False, 0)
            refresh()

        written = render(
            conductor, config.bars, config.out, qpm=config.qpm, start=config.start, on_bar=on_bar
        ).path
    if not config.quiet:
        taken = f" ({config.out.name} is there already)" if written != config.out else ""
        echo(f"wrote {written}: bars {config.start + 1}-{config.start + config.bars}{taken}")


def _to_folder(
    config: EndlessConfig,
    conductor: Conductor,
    status: StreamStatus,
    seed: int,
    echo: Callable[[str], None],
) -> None:
    from bridge.endless import roll

    assert config.folder is not None
    stream = {
        "seed": seed,
        "pace": config.pace,
        "density": config.density,
        "key": str(conductor.key),
        "parts": list(config.parts),
        "models": [config.band_model]
        if config.band_model
        else [config.drums_model, config.melody_model],
        "clips": {k: [str(p) for p in v] for k, v in sorted(config.clips.items())},
        "bars_per_file": config.bars_per_file,
    }
    stop = threading.Event()
    with _view(config, status) as refresh:

        def on_file(path: Path, bars: list[Bar]) -> None:
            status.files.append(path.name)
            status.played(bars[-1], False, 0)
            refresh()

        try:
            state = roll(
                conductor,
                config.folder,
                stream,
                qpm=config.qpm,
                bars_per_file=config.bars_per_file,
                stop=stop,
                on_file=on_file,
            )
        except KeyboardInterrupt:
            stop.set()
            state = None
    if not config.quiet:
        where = f"; it continues at bar {state.next_bar + 1}" if state else ""
        echo(f"stopped: {len(status.files)} file(s) written to {config.folder}{where}")


def open_midi_port(name: str) -> Any:
    """The output port ``name``: an existing one, else a new virtual port of that name."""
    import mido

    try:
        names = mido.get_output_names()
    except Exception as exc:  # no MIDI system (no ALSA sequencer, no CoreMIDI)
        raise InvalidRequestError(f"no MIDI ports on this machine: {exc}") from None
    match = [n for n in names if n == name or n.startswith(f"{name}:")]
    try:
        if match:
            return mido.open_output(match[0])
        return mido.open_output(name, virtual=True)
    except Exception as exc:
        have = ", ".join(names) or "none"
        raise InvalidRequestError(
            f"cannot open MIDI port {name!r} ({exc}); ports here: {have}"
        ) from None


def _to_port(
    config: EndlessConfig, conductor: Conductor, status: StreamStatus, echo: Callable[[str], None]
) -> None:
    from bridge.endless import Player, Stream, channels_for

    assert config.midi_port is not None
    port = open_midi_port(config.midi_port)
    stream = Stream(conductor.bars(config.start), ahead=config.ahead).start()
    stop = threading.Event()
    try:
        with _view(config, status) as refresh:

            def on_bar(bar: Bar, late: bool) -> None:
                status.played(bar, late, stream.buffered())
                refresh()

            player = Player(
                stream,
                port,
                qpm=config.qpm,
                channels=channels_for(
                    [p.name for p in conductor.parts], [p.drums for p in conductor.parts]
                ),
                programs=[p.program for p in conductor.parts],
                midi_clock=config.midi_clock,
                on_bar=on_bar,
            )
            try:
                report = player.play(config.bars, stop)
            except KeyboardInterrupt:
                stop.set()
                report = None
    finally:
        stream.stop()
        port.close()
    if not config.quiet and report is not None:
        echo(
            f"played {report.bars} bar(s) to {config.midi_port}; "
            f"{len(report.repeated)} late bar(s) played again"
        )


def _to_live(
    config: EndlessConfig, conductor: Conductor, status: StreamStatus, echo: Callable[[str], None]
) -> None:
    from bridge.live.endless import part_tracks, stream_into_live
    from bridge.live.session import LiveConnection

    halves = None if config.bars is None else -(-config.bars // config.half_bars)
    stop = threading.Event()
    with LiveConnection().open() as liveset:
        tracks = part_tracks(liveset, [p.name for p in conductor.parts], config.tracks)
        conductor.qpm = liveset.tempo()  # Live plays the bars at its own tempo
        if not config.quiet:
            where = ", ".join(f"{p} on track {t + 1}" for p, t in tracks.items())
            echo(f"into Live: {where}")
        with _view(config, status) as refresh:

            def on_half(bar: Bar, late: bool) -> None:
                status.played(bar, late, config.half_bars)
                refresh()

            try:
                report = stream_into_live(
                    liveset,
                    conductor,
                    tracks,
                    half_bars=config.half_bars,
                    start=config.start,
                    stop=stop,
                    halves=halves,
                    on_half=on_half,
                )
            except KeyboardInterrupt:
                stop.set()
                return
    if not config.quiet:
        echo(
            f"wrote {report.bars_written} bars into scene {report.scene + 1}; "
            f"{len(report.late)} half(s) played again for want of the next bars"
        )


def add_endless_parser(sub: Any) -> None:
    from bridge.endless.conductor import PART_KINDS

    p = sub.add_parser(
        "endless",
        help="music that never stops: drums, bass and lead walking the models' latent spaces",
        description="An endless stream: drums walk a blend space (corners: your beats or the "
        "model's samples), pitched parts move along chained latent interpolations, in phrases "
        "that repeat with variation, sections that change, parts that enter and drop out, one "
        "key. The same --seed makes the same stream. See docs/endless.md.",
        epilog="examples: latent-bridge endless --bars 64 --out endless.mid --seed 7  |  "
        "latent-bridge endless --folder radio/  |  "
        "latent-bridge endless --midi-port 'Latent Bridge'",
    )
    out = p.add_argument_group("output (one of)")
    out.add_argument(
        "--out", type=Path, metavar="FILE.mid", help="write --bars bars to one MIDI file"
    )
    out.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="rolling files until Ctrl-C; run again to continue",
    )
    out.add_argument(
        "--midi-port",
        metavar="NAME",
        help="play to a MIDI port (made virtual if none has that name)",
    )
    out.add_argument(
        "--live",
        action="store_true",
        help="into looping clips in Live through AbletonOSC (see docs/endless.md)",
    )
    s = p.add_argument_group("the stream")
    s.add_argument(
        "--bars", type=positive_int, metavar="N", help="how many bars (--out, --midi-port, --live)"
    )
    s.add_argument(
        "--seed", type=int, metavar="S", help="the stream's seed (default: drawn, and shown)"
    )
    s.add_argument("--qpm", type=float, default=120.0, help="tempo in bpm (default: 120)")
    s.add_argument(
        "--pace", type=float, default=0.5, help="how fast the music moves, 0-1 (default: 0.5)"
    )
    s.add_argument("--density", type=float, default=0.6, help="how full it is, 0-1 (default: 0.6)")
    s.add_argument(
        "--key", help="key of the pitched parts: C, F#m, Bb minor (default: your clips' or drawn)"
    )
    s.add_argument(
        "--parts",
        default="drums,bass,lead",
        help=f"parts, comma-separated, of {', '.join(PART_KINDS)} (default: drums,bass,lead)",
    )
    s.add_argument(
        "--clip",
        action="append",
        default=[],
        metavar="PART=FILE.mid",
        help="your clip for a part (drums: a blend corner, up to 4; pitched: a keyframe); "
        "repeatable",
    )
    s.add_argument("--start", type=int, default=0, metavar="BAR", help="start at this bar (from 0)")
    m = p.add_argument_group("models and running")
    m.add_argument(
        "--drums-model", default=DEFAULT_MODELS["drums"], metavar="NAME", help="default: lb-drums"
    )
    m.add_argument(
        "--melody-model",
        default=DEFAULT_MODELS["melody"],
        metavar="NAME",
        help="default: lb-melody",
    )
    m.add_argument(
        "--band-model",
        metavar="NAME",
        help="every part from one band model (lb-multitrack, or a band you trained: a run "
        "folder), its parts moving together in one latent, instead of --drums-model and "
        "--melody-model",
    )
    m.add_argument(
        "--track",
        action="append",
        default=[],
        metavar="PART=N",
        help="--live: the Live track (from 1) of a part (default: the track named like it)",
    )
    m.add_argument(
        "--half-bars",
        type=positive_int,
        default=4,
        metavar="N",
        help="--live: bars written at a time; each clip loops twice that (default: 4)",
    )
    m.add_argument(
        "--bars-per-file", type=positive_int, default=16, metavar="N", help="--folder (default: 16)"
    )
    m.add_argument(
        "--ahead",
        type=positive_int,
        default=8,
        metavar="N",
        help="bars made ahead of play (default: 8)",
    )
    m.add_argument(
        "--midi-clock", action="store_true", help="send MIDI clock, start and stop with the notes"
    )
    m.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    m.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(handler=_run)


def endless_config_from_args(args: argparse.Namespace) -> EndlessConfig:
    clips: dict[str, list[Path]] = {}
    for item in args.clip:
        part, sep, path = item.partition("=")
        if not sep or not part or not path:
            raise InvalidRequestError(f"--clip looks like PART=FILE.mid, got {item!r}")
        clips.setdefault(part.strip(), []).append(Path(path))
    tracks: dict[str, int] = {}
    for item in args.track:
        part, sep, number = item.partition("=")
        if not sep or not number.strip().isdigit() or int(number) < 1:
            raise InvalidRequestError(f"--track looks like PART=N (N from 1), got {item!r}")
        tracks[part.strip()] = int(number)
    return EndlessConfig(
        out=args.out,
        folder=args.folder,
        midi_port=args.midi_port,
        live=args.live,
        tracks=tracks,
        half_bars=args.half_bars,
        bars=args.bars,
        seed=args.seed,
        qpm=args.qpm,
        pace=args.pace,
        density=args.density,
        key=args.key,
        parts=tuple(x.strip() for x in args.parts.split(",") if x.strip()),
        clips={k: tuple(v) for k, v in clips.items()},
        drums_model=args.drums_model,
        melody_model=args.melody_model,
        band_model=args.band_model,
        start=args.start,
        bars_per_file=args.bars_per_file,
        ahead=args.ahead,
        midi_clock=args.midi_clock,
        device=args.device,
        quiet=args.quiet,
    )


def _run(args: argparse.Namespace) -> int:
    endless(endless_config_from_args(args))
    return 0

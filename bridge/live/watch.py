"""``latent-bridge live watch``: follow the clip selected in Live, run operations on a key.

Each turn shows what is selected in Live's Session View and offers the
operations; the one chosen runs on the clip selected at that moment (so a
musician clicks a clip in Live, then presses a key here). The engine stays
loaded between turns, so only the first operation waits for a model to load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bridge.errors import BridgeError
from bridge.live.liveset import LiveSet
from bridge.live.operations import LiveRequest, run_live
from bridge.live.transport import LiveError, LiveTimeoutError

if TYPE_CHECKING:
    from bridge.engine import Engine
    from bridge.live.session import LiveConnection, ModelSetup
    from bridge.profile import Profile

__all__ = ["MENU", "selection_text", "watch_live", "watch_loop"]

MENU = {
    "v": "variations",
    "h": "humanize",
    "i": "interpolate",
    "b": "blend",
    "m": "multitrack",
}
_PROMPT = "[v]ariations [h]umanize [i]nterpolate [b]lend [m]ultitrack, Enter: refresh, [q]uit > "


def selection_text(live: LiveSet) -> Text:
    """One line on the selected slot: its track, its clip, how many notes."""
    ref = live.selected_clip()
    text = Text(f"{ref}", style="bold")
    try:
        info = live.clip_info(ref)
    except LiveTimeoutError:
        raise
    except LiveError as exc:
        text.append(f"  {exc.message}", style="yellow")
        return text
    notes = len(live.read_notes(ref, info.length, info.loop_start))
    name = info.name or "(unnamed)"
    text.append(f"  '{info.track_name}'  {name}  {info.length:g} beats  {notes} notes")
    return text


def _ask_numbers(ask: Callable[[str], str], prompt: str, count: int) -> tuple[int, ...] | None:
    parts = ask(prompt).replace(",", " ").split()
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        return None
    return numbers if len(numbers) == count and all(n >= 1 for n in numbers) else None


def watch_loop(
    live: LiveSet,
    engine: Engine,
    profile: Profile,
    base: LiveRequest,
    *,
    console: Console,
    ask: Callable[[str], str],
) -> int:
    """Turns until ``q`` (or end of input); returns how many operations ran."""
    ran = 0

    def echo(line: str) -> None:
        console.print(Text(line))

    while True:
        try:
            console.print(Panel(selection_text(live), title="selected in Live", expand=False))
        except LiveTimeoutError:
            raise
        except LiveError as exc:
            console.print(Text(f"selection: {exc.message}", style="yellow"))
        try:
            key = ask(_PROMPT).strip().lower()
        except EOFError:
            return ran
        if key in ("q", "quit", "exit"):
            return ran
        if not key:
            continue
        op = MENU.get(key[0])
        if op is None:
            console.print(Text(f"no operation on {key!r}", style="yellow"))
            continue
        request = replace(base, op=op, track=None, clip=None, to_clip=None, corners=())
        if op == "interpolate":
            to = _ask_numbers(ask, "interpolate to the clip in slot (on the same track) > ", 1)
            if to is None:
                console.print(Text("give one slot number, from 1", style="yellow"))
                continue
            request = replace(request, to_clip=to[0])
        elif op == "blend":
            corners = _ask_numbers(ask, "corner slots TL TR BL BR > ", 4)
            if corners is None:
                console.print(Text("give four slot numbers, from 1", style="yellow"))
                continue
            point = _ask_numbers(ask, "point x y in percent (0..100) > ", 2)
            if point is None or max(point) > 100:
                console.print(Text("give two numbers 0..100", style="yellow"))
                continue
            where = {"x": point[0] / 100, "y": point[1] / 100}
            request = replace(request, corners=corners, params={**request.params, **where})
        try:
            result = run_live(request, live, engine, profile, echo)
        except LiveTimeoutError:
            raise
        except BridgeError as exc:  # the loop goes on: a bad clip is not the end
            console.print(Text(f"error: {exc.message}", style="bold red"))
            continue
        ran += 1
        console.print(
            Text(f"{op}: {len(result.written)} clip(s) written, seed {result.seed}", style="green")
        )


def watch_live(
    base: LiveRequest,
    connection: LiveConnection,
    setup: ModelSetup | Callable[[], ModelSetup],
    *,
    console: Console | None = None,
    ask: Callable[[str], str] | None = None,
) -> int:
    """Connect to Live, load nothing until asked, and run :func:`watch_loop` until ``q``."""
    from bridge.live.session import ModelSetup

    console = console or Console()
    with connection.open() as live:
        live.num_tracks()  # is anyone there? before TensorFlow loads
        if not isinstance(setup, ModelSetup):
            setup = setup()
        engine = setup.engine()
        try:
            console.print(f"device: {engine.device}; AbletonOSC at {live.osc.where}")
            try:
                return watch_loop(
                    live, engine, setup.profile, base, console=console, ask=ask or input
                )
            except KeyboardInterrupt:
                return 0
        finally:
            engine.close()

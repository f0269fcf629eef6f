"""Endless generation: a conductor that plans and makes bars without end, and
its outputs (a MIDI file, rolling files, a MIDI port in real time).

The Max for Live device and the AbletonOSC mode reach it through the server.
"""

from bridge.endless.conductor import (
    BAR_BEATS,
    DEFAULT_PARTS,
    PART_KINDS,
    Bar,
    Conductor,
    Part,
    assign_parts,
    make_parts,
)
from bridge.endless.display import StreamStatus
from bridge.endless.key import Key, best_shift, estimate_key, parse_key
from bridge.endless.output import RollingState, join_bars, render, roll
from bridge.endless.plan import Phrase, Plan, Section, Settings
from bridge.endless.stream import (
    Player,
    PlayReport,
    Stream,
    SystemClock,
    bar_messages,
    channels_for,
)

__all__ = [
    "BAR_BEATS",
    "DEFAULT_PARTS",
    "PART_KINDS",
    "Bar",
    "Conductor",
    "Key",
    "Part",
    "Phrase",
    "Plan",
    "PlayReport",
    "Player",
    "RollingState",
    "Section",
    "Settings",
    "Stream",
    "StreamStatus",
    "SystemClock",
    "assign_parts",
    "bar_messages",
    "best_shift",
    "channels_for",
    "estimate_key",
    "join_bars",
    "make_parts",
    "parse_key",
    "render",
    "roll",
]

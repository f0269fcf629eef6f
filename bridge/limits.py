"""The ranges of operation parameters and seeds.

The engine checks them on every call and the operation table
(:mod:`bridge.ops`) checks them where requests are parsed, so both read them
from here. It imports nothing of the package.
"""

from __future__ import annotations

import operator

MAX_COUNT = 64  # outputs of one request; interpolation steps
MAX_GRID = 16  # columns or rows of a blend grid
MAX_BARS = 64  # longest sample
MAX_CLIP_BARS = 256  # longest input clip
MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 5.0
MIN_QPM, MAX_QPM = 20.0, 400.0  # tempi a request may give and a MIDI file written here may have

# Steps that fit an input clip's latent to the clip (Engine, --refine-steps),
# by default for models whose window decodes in at most this many steps.
REFINE_STEPS = 10
REFINE_MAX_DEFAULT_LENGTH = 64
MAX_REFINE_STEPS = 500

# Seeds a request may give: any non-negative int32, so that every OSC stack
# can carry one as a plain ``i``.
MAX_SEED = 2**31 - 1
# Seeds the server draws when none is given. A Live parameter (the devices'
# Seed box) holds a 32-bit float, exact for whole numbers below 2^24, so a
# drawn seed can always be typed back in and repeats the result exactly.
DRAWN_SEEDS = 2**24


def check_seed(seed: object) -> int:
    """``seed`` as an int if it is a whole number in 0..MAX_SEED, else ValueError."""
    try:
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        value = None
    if isinstance(seed, bool) or value is None or not 0 <= value <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return value


# The longest endless stream: a million bars, 23 days at 120 bpm (its plan is
# made from the start, so a far bar costs time: a few seconds at the end).
MAX_STREAM_BAR = 1_000_000

# Requests decoded together on one model run at most this many times the
# model's batch size of rows at once (bridge.engine.coalesce).
MERGED_BATCHES = 8

"""AbletonOSC mode: the engine on clips in Live, without Max for Live.

AbletonOSC is a free remote script that exposes Live's clips over OSC in every
edition of Live 11 and 12. ``transport`` speaks its UDP protocol, ``liveset``
reads and writes clips with it, ``operations`` runs one engine operation from
clips to new clips, ``session`` connects to Live and loads the models, and
``watch`` follows the selected clip from a terminal. The ``latent-bridge live``
subcommand is ``bridge.cli.live``.
"""

from bridge.live.liveset import ClipInfo, LiveSet, SlotRef
from bridge.live.operations import LIVE_OPERATIONS, LiveRequest, LiveResult, run_live
from bridge.live.transport import AbletonOSC, LiveError, LiveTimeoutError

__all__ = [
    "LIVE_OPERATIONS",
    "AbletonOSC",
    "ClipInfo",
    "LiveError",
    "LiveRequest",
    "LiveResult",
    "LiveSet",
    "LiveTimeoutError",
    "SlotRef",
    "run_live",
]

"""AbletonOSC mode: the engine on clips in Live, without Max for Live.

AbletonOSC is a free remote script that exposes Live's clips over OSC in every
edition of Live 11 and 12. ``transport`` speaks its UDP protocol, ``liveset``
reads and writes clips with it, ``operations`` runs one engine operation from
clips to new clips, ``watch`` follows the selected clip from a terminal, and
``command`` is the ``latent-bridge live`` subcommand.
"""

from bridge.live.liveset import ClipInfo, LiveSet, SlotRef
from bridge.live.operations import LIVE_OPERATIONS, LiveRequest, LiveResult, Models, run_live
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
    "Models",
    "SlotRef",
    "run_live",
]

"""The OSC server that Max for Live devices and other OSC tools talk to."""

from bridge.osc.server import DEFAULT_HOST, DEFAULT_PORT, Server
from bridge.profile import Profile

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Profile", "Server"]

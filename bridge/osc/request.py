"""One parsed OSC request and typed access to its arguments."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bridge.osc.protocol import PREFIX, Outgoing, ProtocolError

MAX_ERROR_CHARS = 1000
MAX_ID_CHARS = 256
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def whole(value: object) -> int | None:
    """``value`` as an int if it is one, or a whole float (Max sends some ints as floats)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def reply_port(args: list[Any]) -> int | None:
    """The reply port a request names (its first argument), or None if it names none."""
    port = whole(args[0]) if args else None
    return port if port is not None and 0 < port < 65536 else None


def id_key(value: int | str) -> str:
    """A request id as a key that keeps its type: 7 and "7" differ."""
    return f"{'s' if isinstance(value, str) else 'i'}:{value}"


def request_id(value: object) -> tuple[int | str, str | None]:
    """The id to echo, and what is wrong with it (None: a valid id).

    A valid id is an int32 (a whole float too, echoed as an int) or a string
    of at most MAX_ID_CHARS characters.
    Anything else is still echoed, as it came where OSC can carry it back
    (an int64 as ``h``, a string) or as its text, with an error.
    """
    if isinstance(value, str):
        if len(value) > MAX_ID_CHARS:
            return value, f"request id must be at most {MAX_ID_CHARS} characters"
        return value, None
    number = whole(value)
    if number is not None:  # an int, or a whole float (echoed as an int)
        if INT32_MIN <= number <= INT32_MAX:
            return number, None
        return number, f"request id must be an int32 or a string, got {number}"
    return repr(value), f"request id must be an int32 or a string, got {value!r}"


@dataclass(frozen=True)
class Request:
    """``address reply_port request_id args...`` from ``host``."""

    address: str
    host: str
    port: int
    id: str
    args: tuple[Any, ...]
    # The id as it came (an int, or a string such as "007"); None: from ``id``.
    raw_id: int | str | None = None

    @property
    def key(self) -> tuple[str, int, str]:
        """Who asked, and which request: the int 7 and the string "7" are two requests."""
        return (self.host, self.port, id_key(self.id_arg))

    def reply(self, method: str, *args: Any) -> Outgoing:
        """``/lb/<method> id args...`` back to the requester."""
        return Outgoing(self.host, self.port, f"{PREFIX}/{method}", (self.id_arg, *args))

    @property
    def id_arg(self) -> int | str:
        # Echo the id as it came: an int stays an int for Max's [route], and
        # a string stays a string, even one made of digits like "007".
        if self.raw_id is not None:
            return self.raw_id
        return int(self.id) if self.id.lstrip("-").isdigit() else self.id

    def error(self, code: str, message: str) -> Outgoing:
        # Messages may quote request values; a huge one must not push the
        # reply past one UDP datagram (it would never arrive).
        if len(message) > MAX_ERROR_CHARS:
            message = message[: MAX_ERROR_CHARS - 3] + "..."
        return self.reply("error", code, message)

    # -- typed arguments ------------------------------------------------------
    def expect(self, low: int, high: int | None = None, usage: str = "") -> None:
        high = low if high is None else high
        n = len(self.args)
        if not low <= n <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise ProtocolError(
                f"{self.address} takes {want} argument(s) after port and id, got {n}"
                + (f"; usage: {usage}" if usage else "")
            )

    def _arg(self, i: int, name: str) -> Any:
        if i >= len(self.args):
            raise ProtocolError(f"{self.address}: missing argument {name}")
        return self.args[i]

    def get_int(
        self,
        i: int,
        name: str,
        default: int | None = None,
        *,
        low: int = INT32_MIN,
        high: int = INT32_MAX,
    ) -> int:
        """An int argument (a whole float too) in ``low..high``, else ``bad_request``."""
        if default is not None and i >= len(self.args):
            return default
        raw = self._arg(i, name)
        v = whole(raw)
        if v is None:
            raise ProtocolError(f"{self.address}: {name} must be an int, got {raw!r}")
        if not low <= v <= high:
            raise ProtocolError(f"{self.address}: {name} must be {low}..{high}, got {v}")
        return v

    def get_float(self, i: int, name: str, default: float | None = None) -> float:
        if default is not None and i >= len(self.args):
            return default
        v = self._arg(i, name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ProtocolError(f"{self.address}: {name} must be a finite number, got {v!r}")
        return float(v)

    def get_str(self, i: int, name: str, default: str | None = None) -> str:
        if default is not None and i >= len(self.args):
            return default
        v = self._arg(i, name)
        if not isinstance(v, str):
            raise ProtocolError(f"{self.address}: {name} must be a string, got {v!r}")
        return v

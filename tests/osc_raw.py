"""An OSC 1.0 encoder of its own, for every type tag, written from the spec.

The server parses with python-osc; tests that build packets with python-osc's
builder could only send what that builder can make. This one writes any tag
the OSC 1.0 spec and its common extensions define, so a test can send an
``h`` request id, an ``S`` symbol or a ``c`` char exactly as liblo or Max would.
"""

from __future__ import annotations

import struct
from typing import Any

# Every tag python-osc's parser knows or skips: i h f d s S b T F N I c r m t.
TAGS = "ihfdsSbTFNIcrmt"


def pad(raw: bytes) -> bytes:
    return raw + b"\0" * (-len(raw) % 4)


def string(text: str) -> bytes:
    return pad(text.encode("utf-8") + b"\0")


def arg(tag: str, value: Any) -> bytes:
    """The data of one argument of type ``tag`` (nothing for T, F, N, I)."""
    if tag == "i":
        return struct.pack(">i", value)
    if tag == "h":
        return struct.pack(">q", value)
    if tag == "f":
        return struct.pack(">f", value)
    if tag == "d":
        return struct.pack(">d", value)
    if tag in "sS":
        return string(str(value))
    if tag == "b":
        data = bytes(value)
        return struct.pack(">i", len(data)) + pad(data)
    if tag == "c":
        return struct.pack(">i", ord(value) if isinstance(value, str) else int(value))
    if tag == "r":
        return struct.pack(">I", value)
    if tag == "m":
        return bytes(value)[:4].ljust(4, b"\0")
    if tag == "t":
        return struct.pack(">Q", value)
    if tag in "TFNI":
        return b""
    raise ValueError(f"no such OSC tag {tag!r}")


def message(address: str, *args: tuple[str, Any]) -> bytes:
    """``address`` with ``(tag, value)`` arguments."""
    tags = "," + "".join(t for t, _ in args)
    return string(address) + string(tags) + b"".join(arg(t, v) for t, v in args)


def sample_value(tag: str) -> Any:
    """A plain value of each kind, for a tag in a place that wants something else."""
    return {
        "i": 3,
        "h": 2**40,
        "f": 0.5,
        "d": 0.25,
        "s": "x",
        "S": "sym",
        "b": b"\x01\x02",
        "c": "a",
        "r": 0xFF0000FF,
        "m": b"\x00\x90\x3c\x40",
        "t": 1 << 32,
    }.get(tag)

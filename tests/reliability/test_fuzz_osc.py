"""Fuzzing the OSC server: malformed and ill-typed packets, with hypothesis.

The bulk drives :meth:`Server.handle` directly (no sockets): raw bytes,
mutated valid packets, and well-formed requests that break the contract of
docs/protocol.md (wrong argument count, a wrong type, a value out of range,
an unknown address), alone or in bundles. The oracle is the protocol, not
the server: every well-formed request with a reply port and an id that is
invalid must get ``/lb/error`` with that id and a documented code (never
``internal``, which means a handler crashed), and the server must still
answer ``/lb/ping`` afterwards. A socket part sends the same kinds of
packets to the real server on 127.0.0.1.

Smoke size: 600 packets; ``--full``: 10,000 (5,000 garbage, 5,000 invalid).
"""

from __future__ import annotations

import itertools
import math
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message import OscMessage, ParseError
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.clips import Note, Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.client import OscClient, RemoteError
from bridge.osc.protocol import Outgoing, build, note_args
from tests import osc_raw
from tests.factories import Collector, rock_beat

pytestmark = pytest.mark.reliability

CLIENT = ("127.0.0.1", 50000)
PORT = 50001
HEALTH_PORT = 50002  # the checks that every model still answers come from another client
DRUMS, GROOVE = "lb-drums_2bar_tiny", "lb-groove_2bar_tiny"
# docs/protocol.md, "Errors": every code a request may get.
CODES = {
    "unknown_address",
    "bad_request",
    "bad_chunks",
    "too_large",
    "invalid_note",
    "invalid_clip",
    "unsupported_clip",
    "unknown_model",
    "invalid_request",
    "checkpoint",
    "busy",
    "cancelled",
    "shutting_down",
    "loading",
}
# "internal" is documented too, but means a bug: no fuzz input may get it.
SMOKE, FULL = 300, 5000  # examples per test: two tests, so 600 / 10,000 packets

# Per address: the types of required and optional arguments after port and id
# (i int, f number, s string, x int or string), from docs/protocol.md.
SIGNATURES: dict[str, tuple[str, str]] = {
    "/lb/ping": ("", ""),
    "/lb/status": ("", ""),
    "/lb/models": ("", ""),
    "/lb/clip/begin": ("ifiii", "iis"),
    "/lb/clip/end": ("ii", ""),
    "/lb/op/sample": ("s", "ifii"),
    "/lb/op/variations": ("s", "iffi"),
    "/lb/op/interpolate": ("s", "ifis"),
    "/lb/op/blend": ("sff", "fi"),
    "/lb/op/grid": ("s", "iifi"),
    "/lb/op/humanize": ("s", "fi"),
    "/lb/op/multitrack": ("s", "iffi"),
    "/lb/op/cancel": ("x", ""),
}
# Well-typed values outside the documented ranges: (address, position, value).
HOSTILE_MODELS = [
    "../../etc/passwd",
    "/etc/passwd",
    "drums/../groove",
    "lb-drums_2bar_tiny/../../x",
    "melody",
    "lb-mel_2bar_tiny",
    "",
    "x" * 2000,
]
OUT_OF_RANGE: list[tuple[str, int, Any]] = [
    ("/lb/clip/begin", 0, -1),
    ("/lb/clip/begin", 0, 8),
    ("/lb/clip/begin", 1, 0.0),
    ("/lb/clip/begin", 1, -4.0),
    ("/lb/clip/begin", 2, 0),
    ("/lb/clip/begin", 3, 5),
    ("/lb/clip/begin", 4, -1),
    ("/lb/clip/begin", 4, 8193),
    ("/lb/clip/begin", 6, 128),
    ("/lb/clip/end", 0, 3),  # no begin for this id
    ("/lb/op/sample", 1, 0),
    ("/lb/op/sample", 1, 65),
    ("/lb/op/sample", 2, 0.0),
    ("/lb/op/sample", 2, 5.5),
    ("/lb/op/sample", 2, -1.0),
    ("/lb/op/variations", 1, 0),
    ("/lb/op/variations", 2, 1.5),
    ("/lb/op/interpolate", 1, 1),
    ("/lb/op/interpolate", 4, "cubic"),
    ("/lb/op/blend", 1, -0.5),
    ("/lb/op/blend", 2, 1.5),
    ("/lb/op/grid", 1, 1),
    ("/lb/op/grid", 2, 17),
    ("/lb/op/humanize", 1, 9.0),
    ("/lb/op/multitrack", 1, 100),
] + [(op, 0, m) for m in HOSTILE_MODELS for op in ("/lb/op/sample", "/lb/op/humanize")]

# A valid argument list per address, for changing one value out of range.
VALID: dict[str, list[Any]] = {
    "/lb/clip/begin": [0, 8.0, 4, 4, 1, 1, 0, "beat"],
    "/lb/clip/end": [0, 1],
    "/lb/op/sample": ["drums", 2, 1.0, 0, 1],
    "/lb/op/variations": ["drums", 2, 0.8, 0.5, 1],
    "/lb/op/interpolate": ["drums", 3, 0.5, 1, "slerp"],
    "/lb/op/blend": ["drums", 0.5, 0.5, 0.5, 1],
    "/lb/op/grid": ["drums", 3, 3, 0.5, 1],
    "/lb/op/humanize": ["groove", 0.3, 1],
    "/lb/op/multitrack": ["drums", 2, 0.8, 0.5, 1],
}
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def fuzz_server(
    engine: Engine, tiny_checkpoints: dict[str, str]
) -> Iterator[tuple[Server, Collector]]:
    profile = Profile(
        roles={"drums": DRUMS, "groove": GROOVE},
        checkpoints={m: tiny_checkpoints[m] for m in (DRUMS, GROOVE)},
    )
    srv = Server(engine, profile, max_queue=4)
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    yield srv, collect
    srv.stop()


# --- encoding any OSC argument, ill-typed ones included -------------------------


def encode(address: str, args: list[Any]) -> bytes:
    b = OscMessageBuilder(address)
    for a in args:
        if a is None:
            b.add_arg(None, "N")
        elif isinstance(a, bool):
            b.add_arg(a, "T" if a else "F")
        elif isinstance(a, int):
            b.add_arg(a, "i" if -(2**31) <= a < 2**31 else "h")
        elif isinstance(a, float):
            b.add_arg(a, "f" if math.isnan(a) or abs(a) < 3e38 else "d")
        elif isinstance(a, bytes):
            b.add_arg(a, "b")
        else:
            b.add_arg(str(a), "s")
    return bytes(b.build().dgram)


def bundle(dgrams: list[bytes], timetag: float) -> bytes:
    bb = OscBundleBuilder(timetag)
    for d in dgrams:
        bb.add_content(OscMessage(d))
    return bytes(bb.build().dgram)


# --- strategies ------------------------------------------------------------------

ints = st.integers(-(2**40), 2**40)
floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
# What an OSC string can hold: UTF-8 text ending at its first NUL (so no NUL,
# and no lone surrogate, which UTF-8 cannot encode).
osc_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
texts = st.text(osc_chars, max_size=24)


def valid_value(kind: str) -> st.SearchStrategy[Any]:
    return {
        "i": ints,
        "f": st.one_of(floats, ints),
        "s": texts,
        "x": st.one_of(ints, texts),
    }[kind]


def wrong_value(kind: str) -> st.SearchStrategy[Any]:
    other = st.one_of(st.binary(min_size=1, max_size=16), st.none(), st.booleans())
    if kind == "i":
        fractional = st.floats(width=32).filter(lambda v: not float(v).is_integer())
        return st.one_of(texts, fractional, other)
    if kind == "f":
        return st.one_of(texts, st.sampled_from([math.nan, math.inf, -math.inf]), other)
    if kind == "s":
        return st.one_of(ints, floats, other)
    return other  # "x": an id is an int or a string


@st.composite
def invalid_request(draw: st.DrawFn) -> tuple[str, list[Any], str]:
    """A request with port and id that docs/protocol.md says must be refused."""
    mode = draw(st.sampled_from(["count", "type", "range", "address", "notes"]))
    if mode == "address":
        address = draw(st.sampled_from(["/lb", "/lb/op", "/lb/ping/x", "/lb/op/sample/"]))
        address = draw(st.one_of(st.just(address), st.text(osc_chars, min_size=1, max_size=30)))
        if not address.startswith("/"):
            address = "/" + address
        if address in SIGNATURES or address == "/lb/clip/notes":
            address += "/x"
        return address, draw(st.lists(valid_value("x"), max_size=4)), mode
    if mode == "notes":
        # No begin was sent for this id, or the values are not groups of 8.
        head = [draw(st.integers(0, 7)), draw(st.integers(0, 3))]
        values = draw(st.lists(st.one_of(floats, ints, texts), max_size=40))
        return "/lb/clip/notes", head + values, mode
    if mode == "range":
        address, pos, value = draw(st.sampled_from(OUT_OF_RANGE))
        args = list(VALID[address][: max(pos + 1, len(SIGNATURES[address][0]))])
        args[pos] = value
        return address, args, mode
    address = draw(st.sampled_from(sorted(SIGNATURES)))
    req, opt = SIGNATURES[address]
    kinds = req + opt
    if mode == "count":
        n = draw(
            st.one_of(st.integers(0, len(req) - 1), st.integers(len(kinds) + 1, len(kinds) + 4))
            if req
            else st.integers(len(kinds) + 1, len(kinds) + 4)
        )
        return address, [draw(valid_value("x")) for _ in range(n)], mode
    if not kinds:  # ping, status, models take nothing: any argument is wrong
        return address, [draw(valid_value("x"))], mode
    n = draw(st.integers(len(req), len(kinds)))
    args = [draw(valid_value(k)) for k in kinds[:n]]
    pos = draw(st.integers(0, n - 1))
    args[pos] = draw(wrong_value(kinds[pos]))
    return address, args, mode


@st.composite
def garbage(draw: st.DrawFn) -> bytes:
    """Bytes that are not a well-formed request: random, cut, flipped or port-less."""
    kind = draw(st.sampled_from(["random", "cut", "flip", "noport", "osclike"]))
    valid = build("/lb/op/sample", [PORT, 1, "drums", 2, 1.0, 0, 3])
    if kind == "random":
        return draw(st.binary(max_size=200))
    if kind == "cut":
        return valid[: draw(st.integers(0, len(valid) - 1))]
    if kind == "flip":
        raw = bytearray(valid)
        for _ in range(draw(st.integers(1, 6))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    if kind == "noport":
        first = draw(st.one_of(st.integers(-(2**31), 0), st.integers(65536, 2**31 - 1), texts))
        return encode("/lb/ping", [first, *draw(st.lists(valid_value("x"), max_size=3))])
    tags = draw(st.text(alphabet=",ifsSbhdTFNIc[]mrct", max_size=10))
    body = draw(st.binary(max_size=64))
    return build("/lb/ping", []).split(b",")[0] + tags.encode() + b"\0" * (4 - len(tags) % 4) + body


# --- checks ------------------------------------------------------------------------


def settled(srv: Server, collect: Collector, rid: Any, sync: list[Outgoing]) -> list[Outgoing]:
    """Every reply to ``rid``: the immediate ones and, if it was queued, the worker's."""
    mine = [m for m in sync if m.args and m.args[0] == rid]
    if any(m.address == "/lb/accepted" for m in mine):
        mine = collect.wait_for(rid, ("error", "done"), timeout=60)
    return mine


def assert_alive(srv: Server) -> None:
    (pong,) = srv.handle(build("/lb/ping", [PORT, "alive"]), CLIENT)
    assert pong.address == "/lb/pong" and pong.args == ("alive", "1")


def fuzz_settings(full: bool) -> Any:
    return settings(
        max_examples=FULL if full else SMOKE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not full,
    )


def test_invalid_requests_all_get_an_error(
    fuzz_server: tuple[Server, Collector], full: bool
) -> None:
    srv, collect = fuzz_server
    seen: dict[str, int] = {}
    codes: dict[str, int] = {}

    @fuzz_settings(full)
    @given(invalid_request(), st.booleans(), st.booleans())
    def run(case: tuple[str, list[Any], str], string_id: bool, in_bundle: bool) -> None:
        address, args, mode = case
        n = next(_ids)
        rid: int | str = f"fuzz-{n}" if string_id else n
        dgram = encode(address, [PORT, rid, *args])
        if in_bundle:
            dgram = bundle([dgram], time.time() + 3600)  # a time tag far ahead: never waited on
        sync = srv.handle(dgram, CLIENT)
        assert all((m.host, m.port) == (CLIENT[0], PORT) for m in sync)
        mine = settled(srv, collect, rid, sync)
        errors = [m for m in mine if m.address == "/lb/error"]
        assert errors, f"{address} {args!r} ({mode}) got no error: {[m.address for m in mine]}"
        code, message = errors[0].args[1], errors[0].args[2]
        assert code in CODES, f"{address} {args!r}: {code}: {message}"
        assert isinstance(message, str) and message
        assert not any(m.address == "/lb/done" for m in mine)
        seen[mode] = seen.get(mode, 0) + 1
        codes[code] = codes.get(code, 0) + 1

    run()
    assert_alive(srv)
    assert sum(seen.values()) >= (SMOKE if not full else FULL) // 2
    assert set(seen) == {"count", "type", "range", "address", "notes"}, seen
    print(f"invalid requests by kind {seen}; error codes {codes}")


def test_garbage_is_dropped_and_the_server_keeps_serving(
    fuzz_server: tuple[Server, Collector], full: bool
) -> None:
    srv, _ = fuzz_server
    count = 0

    @fuzz_settings(full)
    @given(garbage())
    def run(dgram: bytes) -> None:
        nonlocal count
        replies = srv.handle(dgram, CLIENT)  # never raises
        for m in replies:  # whatever parsed as a request is answered, to its sender only
            assert m.host == CLIENT[0] and 0 < m.port < 65536
            assert m.address != "/lb/error" or m.args[1] in CODES, m.args
        count += 1

    run()
    assert_alive(srv)
    assert count >= (SMOKE if not full else FULL) // 2


def test_hostile_clips_and_ids_get_errors_not_crashes(
    fuzz_server: tuple[Server, Collector],
) -> None:
    """Fully uploaded but hostile clips: an op on them is refused, never run into the ground."""
    srv, collect = fuzz_server

    def upload(rid: int, length: float, notes: list[Note]) -> list[Outgoing]:
        out = srv.handle(
            build("/lb/clip/begin", [PORT, rid, 0, length, 4, 4, len(notes), 1]), CLIENT
        )
        for p in range(0, len(notes), 16):
            out += srv.handle(
                build("/lb/clip/notes", [PORT, rid, 0, p // 16, *note_args(notes[p : p + 16])]),
                CLIENT,
            )
        parts = -(-len(notes) // 16)
        return out + srv.handle(build("/lb/clip/end", [PORT, rid, 0, parts]), CLIENT)

    cases = {
        "a clip a million beats long": (1e6, [Note(36, 0, 0.25)]),
        "a note far past the clip end": (8.0, [Note(36, 0, 0.25), Note(38, 7.9, 5000.0)]),
        "8192 notes on one step": (8.0, [Note(36 + i % 10, 0, 0.25) for i in range(8192)]),
        "no notes at all": (8.0, []),
        "pitches no drum kit has": (8.0, [Note(p, 0, 0.25) for p in (0, 1, 127)]),
    }
    for what, (length, notes) in cases.items():
        rid = next(_ids)
        sync = upload(rid, length, notes)
        if not any(m.address == "/lb/error" for m in sync):
            sync += srv.handle(
                build("/lb/op/variations", [PORT, rid, "drums", 2, 0.8, 0.5, 1]), CLIENT
            )
        mine = settled(srv, collect, rid, sync)
        names = [m.address for m in mine]
        errors = [m for m in mine if m.address == "/lb/error"]
        # Either refused with a documented code, or (a valid, odd clip) answered in full.
        assert (errors and errors[0].args[1] in CODES) or "/lb/done" in names, (what, names)
    assert_alive(srv)


def test_socket_smoke(engine: Engine, tiny_checkpoints: dict[str, str], full: bool) -> None:
    """The real server on 127.0.0.1 takes garbage and ill-typed packets and answers ping."""
    profile = Profile(roles={"drums": DRUMS}, checkpoints={DRUMS: tiny_checkpoints[DRUMS]})
    srv = Server(engine, profile, host="127.0.0.1", port=0)
    srv.start()
    try:
        with (
            OscClient(port=srv.port, timeout=10) as c,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw,
        ):
            junk = [
                b"",
                b"\0",
                b"#bundle\0",
                b"/lb/ping\0\0\0\0,ii\0" + b"\xff" * 3,
                b"\xff" * 9000,
            ]
            junk += [build("/lb/ping", []), build("/lb/ping", ["x", 1])]
            for i in range(200 if full else 40):
                for d in junk:
                    raw.sendto(d, ("127.0.0.1", srv.port))
                c.sock.sendto(
                    encode("/lb/op/sample", [c.reply_port, 10_000 + i, None, b"x"]),
                    (
                        "127.0.0.1",
                        srv.port,
                    ),
                )
            # Every ill-typed request was answered with an error, in order of sending.
            for i in range(200 if full else 40):
                with pytest.raises(RemoteError) as err:
                    c.wait(10_000 + i, ())
                assert err.value.code == "bad_request"
            # A long hostile model name still gets an error that fits one datagram.
            with pytest.raises(RemoteError) as err:
                c.operation("sample", "../" * 21_600, 1)
            assert err.value.code == "unknown_model"
            assert c.call("ping").replies[0].args[1] == "1"
            out = c.operation("variations", "drums", 1, 0.8, 0.5, 3, tracks=[beat()])
            assert len(out.outputs) == 1
    finally:
        srv.stop()
    assert srv.stats.dropped_packets > 0


def beat() -> Track:
    return rock_beat(hats=False)


# --- every type tag in every argument position ---------------------------------------

NOTE = [36, 0.0, 0.25, 100.0, 0, 1.0, 0.0, 64.0]
# A valid request per address (after port and id), to change one argument of.
SWEEP_BASE: dict[str, list[Any]] = {
    "/lb/ping": [],
    "/lb/status": [],
    "/lb/models": [],
    "/lb/clip/begin": [0, 8.0, 4, 4, 1, 1, 0, "beat"],
    "/lb/clip/notes": [0, 0, *NOTE],
    "/lb/clip/end": [0, 1],
    "/lb/op/sample": ["drums", 1, 1.0, 0, 1],
    "/lb/op/variations": ["drums", 1, 0.8, 0.5, 1],
    "/lb/op/interpolate": ["drums", 2, 0.5, 1, "slerp"],
    "/lb/op/blend": ["drums", 0.5, 0.5, 0.5, 1],
    "/lb/op/grid": ["drums", 2, 2, 0.5, 1],
    "/lb/op/humanize": ["groove", 0.3, 1],
    "/lb/op/multitrack": ["drums", 1, 0.8, 0.5, 1],
    "/lb/op/cancel": [12345],
}
CLIPS_FOR = {"variations": 1, "interpolate": 2, "blend": 4, "grid": 4, "humanize": 1}


def tagged(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("T" if value else "F", None)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("f", value)
    return ("s", value)


def decoded_head(dgram: bytes) -> tuple[int | None, Any, bool]:
    """The reply port, the id and whether it is valid, as docs/protocol.md defines
    them, on the arguments as python-osc (the server's parser) decodes them."""
    try:
        params = OscMessage(dgram).params
    except (ParseError, ValueError, IndexError, TypeError, OverflowError):  # not OSC: dropped
        return None, None, False
    first = params[0] if params else None
    port = None
    number = not isinstance(first, bool) and isinstance(first, int | float)
    if number and float(first).is_integer() and 0 < first < 65536:
        port = int(first)
    if port is None or len(params) < 2:
        return None, None, False
    rid = params[1]
    if isinstance(rid, str):
        return port, rid, len(rid) <= 256
    whole = not isinstance(rid, bool) and isinstance(rid, int | float) and float(rid).is_integer()
    if whole:
        return port, int(rid), -(2**31) <= rid < 2**31
    return port, rid, False


def upload_for(srv: Server, rid: int, op: str, port: int = PORT) -> list[Outgoing]:
    out: list[Outgoing] = []
    track = beat()
    for slot in range(CLIPS_FOR.get(op, 0)):
        head = [port, rid, slot, 8.0, 4, 4, len(track.clip.notes), 1, 0, "beat"]
        out += srv.handle(build("/lb/clip/begin", head), CLIENT)
        out += srv.handle(
            build("/lb/clip/notes", [port, rid, slot, 0, *note_args(track.clip.notes)]), CLIENT
        )
        out += srv.handle(build("/lb/clip/end", [port, rid, slot, 1]), CLIENT)
    return out


# Clip transfers refused once (port, id): their later parts may go unanswered.
REFUSED: set[tuple[int, Any]] = set()


def send_checked(
    srv: Server, collect: Collector, address: str, args: list[tuple[str, Any]], upload_id: int
) -> list[Outgoing]:
    """Send one request built by our own codec; check the server answered as documented."""
    op = address.removeprefix("/lb/op/")
    if address.startswith("/lb/op/"):
        upload_for(srv, upload_id, op)
    dgram = osc_raw.message(address, *args)
    port, rid, id_ok = decoded_head(dgram)
    sync = srv.handle(dgram, CLIENT)
    if port is None:
        assert sync == [], f"{address} {args}: no reply port, yet {sync}"
        return []
    assert all((m.host, m.port) == (CLIENT[0], port) for m in sync), (address, args)
    # A transfer refused earlier is answered once; so is one whose id the
    # decoder took from another argument's bytes (an id this run never chose).
    if (
        address.startswith("/lb/clip/")
        and not sync
        and ((port, rid) in REFUSED or rid != upload_id)
    ):
        return sync
    if not id_ok:
        if address.startswith("/lb/clip/"):
            REFUSED.add((port, rid))
        assert [m.address for m in sync] == ["/lb/error"], (address, args, sync)
        assert sync[0].args[1] in ("bad_request", "unknown_address")
        return sync
    mine = [m for m in sync if m.args and m.args[0] == rid]
    if address.startswith("/lb/clip/"):
        if any(m.address == "/lb/error" for m in mine):
            REFUSED.add((port, rid))
        if not mine and (address != "/lb/clip/end" or (port, rid) in REFUSED):
            return (
                sync  # begin and notes are answered only when they fail; a refused transfer, once
            )
    assert mine, f"{address} {args}: no reply to request {rid}"
    for m in mine:
        if m.address == "/lb/error":
            assert m.args[1] in CODES, f"{address} {args}: {m.args}"
    return sync


def settle_all(collect: Collector, accepted: list[int]) -> None:
    for rid in accepted:
        final = collect.wait_for(rid, ("done", "error"), timeout=120)
        errors = [m for m in final if m.address == "/lb/error"]
        assert not errors or errors[0].args[1] in CODES, errors[0].args
    accepted.clear()


def every_model_answers(srv: Server, collect: Collector) -> None:
    assert_alive(srv)
    for model, op in (("drums", "sample"), ("groove", "humanize")):
        rid = next(_ids)
        args = [HEALTH_PORT, rid, model, *([1, 1.0, 0, 1] if op == "sample" else [0.3, 1])]
        uploaded = upload_for(srv, rid, op, HEALTH_PORT)
        assert all(m.address == "/lb/clip/ok" for m in uploaded), uploaded
        (accepted,) = srv.handle(build(f"/lb/op/{op}", args), CLIENT)
        assert accepted.address == "/lb/accepted", accepted
        final = collect.wait_for(rid, ("done", "error"), timeout=120)
        assert final[-1].address == "/lb/done", [m.args for m in final if m.address == "/lb/error"]


def test_every_type_tag_in_every_argument_position(
    fuzz_server: tuple[Server, Collector],
) -> None:
    """Each of i h f d s S b T F N I c r m t in each position of each address."""
    srv, collect = fuzz_server
    internal_before = srv.stats.internal_errors
    sent = 0
    for address, base in SWEEP_BASE.items():
        accepted: list[int] = []
        for pos in range(2 + len(base)):
            for tag in osc_raw.TAGS:
                rid = next(_ids)
                args = [tagged(v) for v in [PORT, rid, *base]]
                if not (pos == 1 and tag == "i"):  # an int id is the fresh one
                    args[pos] = (tag, osc_raw.sample_value(tag))
                sync = send_checked(srv, collect, address, args, rid)
                sent += 1
                if any(m.address == "/lb/accepted" for m in sync):
                    accepted.append(sync[0].args[0])
        settle_all(collect, accepted)  # after each address's batch:
        every_model_answers(srv, collect)
    assert srv.stats.internal_errors == internal_before
    assert srv.restarts() == 0
    print(f"tag sweep: {sent} packets, no internal errors, no restarts")


INT_POSITIONS: dict[str, list[int]] = {
    address: [0, 1] + [2 + i for i, v in enumerate(base) if type(v) is int]
    for address, base in SWEEP_BASE.items()
}


def outcome(srv: Server, collect: Collector, address: str, args: list[tuple[str, Any]]) -> Any:
    sync = send_checked(srv, collect, address, args, int(args[1][1]))
    if any(m.address == "/lb/accepted" for m in sync):
        final = collect.wait_for(sync[0].args[0], ("done", "error"), timeout=120)
        last = final[-1]
        return ("accepted", last.address, last.args[1] if last.address == "/lb/error" else None)
    return [(m.address, m.args[1] if m.address == "/lb/error" else None) for m in sync]


def test_whole_floats_are_the_ints_they_hold(fuzz_server: tuple[Server, Collector]) -> None:
    """Every int argument as ``f`` and ``d`` gets the answer the ``i`` gets."""
    srv, collect = fuzz_server
    compared = 0
    for address, base in SWEEP_BASE.items():
        for pos in INT_POSITIONS[address]:
            answers = []
            for tag in ("i", "f", "d"):
                rid = next(_ids)
                args = [tagged(v) for v in [PORT, rid, *base]]
                value = args[pos][1]
                if pos == 1:  # the id: the whole float comes back as the int
                    args[1] = (tag, float(rid) if tag != "i" else rid)
                else:
                    args[pos] = (tag, float(value) if tag != "i" else value)
                answers.append(outcome(srv, collect, address, args))
            assert answers[0] == answers[1] == answers[2], (address, pos, answers)
            compared += 1
    every_model_answers(srv, collect)
    assert compared >= 30


@st.composite
def any_tagged_arg(draw: st.DrawFn) -> tuple[str, Any]:
    tag = draw(st.sampled_from(osc_raw.TAGS))
    value = {
        "i": st.integers(-(2**31), 2**31 - 1),
        "h": st.integers(-(2**63), 2**63 - 1),
        "f": st.floats(width=32),
        "d": st.floats(),
        "s": texts,
        "S": texts,
        "b": st.binary(max_size=16),
        "c": st.integers(0, 127),
        "r": st.integers(0, 2**32 - 1),
        "m": st.binary(min_size=4, max_size=4),
        "t": st.integers(0, 2**64 - 1),
    }.get(tag, st.none())
    return tag, draw(value)


def test_random_tags_anywhere(fuzz_server: tuple[Server, Collector], full: bool) -> None:
    """Valid requests with random arguments swapped for random values of any tag."""
    srv, collect = fuzz_server
    internal_before = srv.stats.internal_errors
    accepted: list[int] = []
    sent = 0

    @fuzz_settings(full)
    @given(st.sampled_from(sorted(SWEEP_BASE)), st.data())
    def run(address: str, data: st.DataObject) -> None:
        nonlocal sent
        rid = next(_ids)
        args = [tagged(v) for v in [PORT, rid, *SWEEP_BASE[address]]]
        for pos in data.draw(st.sets(st.integers(0, len(args) - 1), max_size=3)):
            args[pos] = data.draw(any_tagged_arg())
        sync = send_checked(srv, collect, address, args, rid)
        sent += 1
        accepted.extend(m.args[0] for m in sync if m.address == "/lb/accepted")
        if len(accepted) >= 8:
            settle_all(collect, accepted)

    run()
    settle_all(collect, accepted)
    every_model_answers(srv, collect)
    assert srv.stats.internal_errors == internal_before and srv.restarts() == 0
    print(f"random tags: {sent} packets, no internal errors, no restarts")

"""The server's handlers, fed raw datagrams, with no sockets.

Replies that workers send later are collected by replacing ``Server.send``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pythonosc.osc_packet import OscPacket

from bridge.clips import Clip, Note, Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.protocol import MAX_NOTES_PER_CLIP, NOTES_PER_PACKET, Outgoing, build, note_args
from tests import osc_raw

CLIENT = ("127.0.0.1", 50000)
PORT = 50001  # the reply port the fake client names


class Collector:
    def __init__(self) -> None:
        self.items: list[Outgoing] = []
        self.cond = threading.Condition()

    def __call__(self, messages: list[Outgoing]) -> None:
        with self.cond:
            self.items.extend(messages)
            self.cond.notify_all()

    def wait_for(self, rid: int, names: tuple[str, ...], timeout: float = 60.0) -> list[Outgoing]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                mine = [m for m in self.items if m.args and m.args[0] == rid]
                if any(m.address.rsplit("/lb/", 1)[-1] in names for m in mine):
                    return mine
                left = deadline - time.monotonic()
                assert left > 0, f"no {names} for request {rid}; got {[m.address for m in mine]}"
                self.cond.wait(left)


@pytest.fixture
def server(engine: Engine, tiny_checkpoints: dict[str, str]) -> Iterator[tuple[Server, Collector]]:
    profile = Profile(
        roles={"drums": "lb-drums_2bar_tiny", "groove": "lb-groove_2bar_tiny"},
        checkpoints={
            k: tiny_checkpoints[k]
            for k in ("lb-drums_2bar_tiny", "lb-groove_2bar_tiny", "lb-multitrack_1bar_tiny")
        },
    )
    srv = Server(engine, profile, max_queue=4)
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    yield srv, collect
    srv.stop()


def send(srv: Server, address: str, *args: Any) -> list[Outgoing]:
    return srv.handle(build(address, args), CLIENT)


def beat() -> Clip:
    notes = [Note(36, 0, 0.25), Note(38, 1, 0.25), Note(42, 0.5, 0.25, probability=0.5)]
    return Clip([*notes, Note(36, 4, 0.25), Note(38, 5, 0.25)], 8.0, name="beat")


def upload(
    srv: Server,
    rid: int,
    slot: int,
    track: Track,
    *,
    skip: int | None = None,
    dup: int | None = None,
) -> list[Outgoing]:
    clip = track.clip
    out = send(
        srv,
        "/lb/clip/begin",
        PORT,
        rid,
        slot,
        clip.length,
        4,
        4,
        len(clip.notes),
        int(track.is_drum),
        track.program,
        clip.name,
    )
    parts = [
        clip.notes[i : i + NOTES_PER_PACKET] for i in range(0, len(clip.notes), NOTES_PER_PACKET)
    ]
    for p, part in enumerate(parts):
        if p == skip:
            continue
        out += send(srv, "/lb/clip/notes", PORT, rid, slot, p, *note_args(part))
        if p == dup:
            out += send(srv, "/lb/clip/notes", PORT, rid, slot, p, *note_args(part))
    out += send(srv, "/lb/clip/end", PORT, rid, slot, len(parts))
    return out


def names(messages: list[Outgoing]) -> list[str]:
    return [m.address.removeprefix("/lb/") for m in messages]


def error_code(messages: list[Outgoing]) -> str:
    errors = [m for m in messages if m.address == "/lb/error"]
    assert errors, names(messages)
    return str(errors[0].args[1])


def test_ping_status_models(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    (pong,) = send(srv, "/lb/ping", PORT, 7)
    assert (pong.address, pong.args, pong.port, pong.host) == (
        "/lb/pong",
        (7, "1"),
        PORT,
        "127.0.0.1",
    )
    (status,) = send(srv, "/lb/status", PORT, "abc")
    assert status.address == "/lb/status" and status.args[0] == "abc" and status.args[1] == "cpu"
    # Ids come back with the type they came with: "007" is not the int 7.
    assert send(srv, "/lb/ping", PORT, "007")[0].args == ("007", "1")
    assert send(srv, "/lb/ping", PORT, 7)[0].args == (7, "1")
    assert send(srv, "/lb/ping", PORT, "-3")[0].args == ("-3", "1")
    replies = send(srv, "/lb/models", PORT, 8)
    rows = [m.args[1:] for m in replies if m.address == "/lb/model"]
    assert rows[0][:3] == ("lb-drums_2bar_tiny", "drums", 2) or any(
        r[0] == "lb-drums_2bar_tiny" for r in rows
    )
    assert replies[-1].address == "/lb/models/end" and replies[-1].args == (8, len(rows))


def test_models_whose_files_are_gone_are_not_available(
    engine: Engine, tiny_checkpoints: dict[str, str], tmp_path: Path
) -> None:
    gone = tmp_path / "moved-away"
    gone.mkdir()
    profile = Profile(
        roles={"drums": "lb-drums_2bar_tiny", "melody": "lb-mel_2bar_tiny"},
        checkpoints={
            "lb-drums_2bar_tiny": tiny_checkpoints["lb-drums_2bar_tiny"],
            "lb-mel_2bar_tiny": str(gone),
        },
    )
    srv = Server(engine, profile, max_queue=4)
    try:
        available = {r["name"]: r["available"] for r in srv.model_rows()}
        assert available == {"lb-drums_2bar_tiny": True, "lb-mel_2bar_tiny": False}
        (gone / "model.ckpt-1.index").write_bytes(b"")
        assert all(r["available"] for r in srv.model_rows())
    finally:
        srv.stop()


def test_variations_round_trip(server: tuple[Server, Collector]) -> None:
    srv, collect = server
    oks = upload(srv, 11, 0, Track(beat(), True, 0))
    assert names(oks) == ["clip/ok"] and oks[0].args == (11, 0, 5)
    (accepted,) = send(srv, "/lb/op/variations", PORT, 11, "drums", 3, 0.8, 0.5, 42)
    assert accepted.address == "/lb/accepted" and accepted.args[1:3] == (
        "variations",
        "lb-drums_2bar_tiny",
    )
    replies = collect.wait_for(11, ("done", "error"))
    done = replies[-1]
    assert done.address == "/lb/done" and done.args[1:4] == (3, 1, 42)
    begins = [m for m in replies if m.address == "/lb/result/begin"]
    assert len(begins) == 3 and all(b.args[3] == 8.0 for b in begins)
    for b in begins:
        parts = [
            m for m in replies if m.address == "/lb/result/notes" and m.args[1:3] == b.args[1:3]
        ]
        assert len(parts) == b.args[7]
        assert sum((len(p.args) - 4) // 8 for p in parts) == b.args[6]
        assert all(len(p.args) - 4 <= 8 * NOTES_PER_PACKET for p in parts)


def test_unknown_address_and_bad_arguments(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    assert error_code(send(srv, "/lb/nope", PORT, 1)) == "unknown_address"
    assert error_code(send(srv, "/lb/ping", PORT, 1, "extra")) == "bad_request"
    assert error_code(send(srv, "/lb/op/variations", PORT, 2, "drums", "three")) == "bad_request"
    assert error_code(send(srv, "/lb/op/sample", PORT, 3, 5)) == "bad_request"
    assert error_code(send(srv, "/lb/op/sample", PORT, 4, "melody")) == "unknown_model"
    assert error_code(send(srv, "/lb/op/sample", PORT, 5, "no-such-model")) == "unknown_model"
    assert (
        error_code(send(srv, "/lb/op/variations", PORT, 6, "drums")) == "bad_chunks"
    )  # no clip sent
    assert error_code(send(srv, "/lb/op/blend", PORT, 7, "drums", 0.5)) == "bad_request"


def test_packets_without_reply_port_or_garbage_are_dropped(
    server: tuple[Server, Collector],
) -> None:
    srv, _ = server
    assert srv.handle(b"\x00\x01garbage", CLIENT) == []
    assert srv.handle(b"", CLIENT) == []
    assert send(srv, "/lb/ping") == []
    assert send(srv, "/lb/ping", "port", 1) == []
    assert send(srv, "/lb/ping", 70000, 1) == []
    assert srv.stats.dropped_packets == 5
    assert names(send(srv, "/lb/ping", PORT, 1)) == ["pong"]  # still serving


def test_chunk_sequence_missing_or_duplicated_part(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    many = Clip([Note(36 + (i % 8), i * 0.25, 0.25) for i in range(40)], 16.0)
    assert error_code(upload(srv, 20, 0, Track(many, True, 0), skip=1)) == "bad_chunks"
    assert error_code(upload(srv, 21, 0, Track(many, True, 0), dup=0)) == "bad_chunks"
    assert error_code(send(srv, "/lb/clip/notes", PORT, 22, 0, 0)) == "bad_chunks"  # no begin
    assert error_code(send(srv, "/lb/clip/notes", PORT, 23, 0, 0, 36, 0.0, 0.25)) in (
        "bad_request",
        "bad_chunks",
    )
    ok = upload(srv, 24, 0, Track(many, True, 0))
    assert names(ok) == ["clip/ok"]


def test_huge_clip_refused_at_begin(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    replies = send(srv, "/lb/clip/begin", PORT, 30, 0, 20000.0, 4, 4, 50_000, 1, 0, "huge")
    assert error_code(replies) == "too_large"
    assert "at most" in str(replies[0].args[2]) and str(MAX_NOTES_PER_CLIP) in str(
        replies[0].args[2]
    )


@pytest.mark.parametrize(
    "note",
    [
        (36, float("nan"), 0.25, 100.0, 0, 1.0, 0.0, 64.0),
        (36, -1.0, 0.25, 100.0, 0, 1.0, 0.0, 64.0),
        (36, 0.0, -0.25, 100.0, 0, 1.0, 0.0, 64.0),
        (200, 0.0, 0.25, 100.0, 0, 1.0, 0.0, 64.0),
        (36, 0.0, 0.25, "loud", 0, 1.0, 0.0, 64.0),
    ],
)
def test_bad_note_values(server: tuple[Server, Collector], note: tuple[Any, ...]) -> None:
    srv, _ = server
    assert send(srv, "/lb/clip/begin", PORT, 40, 0, 8.0, 4, 4, 1, 1) == []
    code = error_code(send(srv, "/lb/clip/notes", PORT, 40, 0, 0, *note))
    assert code in ("invalid_note", "bad_request")
    assert names(send(srv, "/lb/ping", PORT, 41)) == ["pong"]


def test_model_error_is_a_reply(server: tuple[Server, Collector]) -> None:
    srv, collect = server
    waltz = Clip([Note(36, 0, 0.25)], 6.0)
    send(srv, "/lb/clip/begin", PORT, 50, 0, 6.0, 3, 4, 1, 1)
    send(srv, "/lb/clip/notes", PORT, 50, 0, 0, *note_args(waltz.notes))
    send(srv, "/lb/clip/end", PORT, 50, 0, 1)
    send(srv, "/lb/op/variations", PORT, 50, "drums", 2)
    replies = collect.wait_for(50, ("done", "error"))
    assert error_code(replies) == "unsupported_clip"
    assert "3/4" in str(replies[-1].args[2])


def test_busy_cancel_and_batching(server: tuple[Server, Collector], engine: Engine) -> None:
    srv, collect = server
    calls: list[int] = []
    real = engine.sample

    gate = threading.Event()

    def slow_sample(*a: Any, **kw: Any) -> Any:
        calls.append(a[1] if len(a) > 1 else kw.get("n", 1))
        gate.wait(30)
        return real(*a, **kw)

    engine.sample = slow_sample  # type: ignore[method-assign]
    try:
        send(srv, "/lb/op/sample", PORT, 60, "drums", 1)  # runs, blocked on the gate
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        queued = [names(send(srv, "/lb/op/sample", PORT, 61 + i, "drums", 2)) for i in range(4)]
        assert all(q == ["accepted"] for q in queued)
        assert error_code(send(srv, "/lb/op/sample", PORT, 70, "drums", 1)) == "busy"
        (cancel,) = send(srv, "/lb/op/cancel", PORT, 71, 64)
        assert cancel.args == (71, 64, "cancelled")
        assert error_code(collect.wait_for(64, ("error",))) == "cancelled"
        gate.set()
        for rid in (60, 61, 62, 63):
            assert collect.wait_for(rid, ("done", "error"))[-1].address == "/lb/done"
        # 61..63 waited together with equal settings and no seed: one run of 6
        assert calls == [1, 6]
    finally:
        engine.sample = real  # type: ignore[method-assign]
        gate.set()


def test_model_rows_and_live_view_say_which_prior_a_loaded_model_samples_from(
    tiny_checkpoints: dict[str, str],
) -> None:
    from rich.console import Console

    from bridge.osc.app import _view

    drums = "lb-drums_2bar_tiny"
    eng = Engine(device="cpu", batch_size=4, checkpoints=tiny_checkpoints)
    srv = Server(eng, Profile(roles={"drums": drums}, checkpoints={}), max_queue=4)
    try:
        assert [r["prior"] for r in srv.model_rows()] == [None]  # not loaded yet
        eng.model(drums)
        (row,) = srv.model_rows()
        assert row["prior"].startswith("standard normal")  # a random checkpoint has none
        console = Console(record=True, width=200)
        console.print(_view(srv))
        assert "standard normal" in console.export_text()
    finally:
        srv.stop()
        eng.close()


# --- issue 19: what a client written from docs/protocol.md met ------------------------


def raw(srv: Server, address: str, *args: tuple[str, Any]) -> list[Outgoing]:
    return srv.handle(osc_raw.message(address, *args), CLIENT)


def test_a_64_bit_request_id_is_refused_and_echoed_and_the_server_serves_on(
    server: tuple[Server, Collector],
) -> None:
    srv, _ = server
    (err,) = raw(srv, "/lb/ping", ("i", PORT), ("h", 1099511627776))
    assert err.address == "/lb/error" and err.args[:2] == (1099511627776, "bad_request")
    # The echo really goes out as an int64: python-osc reads it back whole.
    (parsed,) = OscPacket(err.dgram()).messages
    assert parsed.message.params[0] == 1099511627776
    # An h id that fits an int32 is just an int id.
    assert names(raw(srv, "/lb/ping", ("i", PORT), ("h", 12))) == ["pong"]
    (too_long,) = send(srv, "/lb/ping", PORT, "x" * 300)
    assert too_long.args[1] == "bad_request"
    assert names(send(srv, "/lb/ping", PORT, 1)) == ["pong"]


def test_replies_are_built_whatever_a_request_carried() -> None:
    # Every value a reply may echo: none may raise, every one parses back.
    values = [2**31, -(2**31) - 1, 2**63 - 1, 2**70, 1e39, -1e300, float("nan"), b"\x00", None]
    values += ["caf\udce9", ("tuple", 1), True]
    dgram = build("/lb/error", values)
    (parsed,) = OscPacket(dgram).messages
    assert len(parsed.message.params) == len(values)
    assert parsed.message.params[:5] == [2**31, -(2**31) - 1, 2**63 - 1, str(2**70), 1e39]


@pytest.mark.parametrize(
    "seed",
    [("f", 3000000000.0), ("d", 3000000000.0), ("h", 2**31), ("h", 2**40), ("i", -2)],
)
def test_a_seed_out_of_range_is_refused_before_it_is_queued(
    server: tuple[Server, Collector], seed: tuple[str, Any]
) -> None:
    srv, collect = server
    upload(srv, 80, 0, Track(beat(), True, 0))
    replies = raw(
        srv,
        "/lb/op/variations",
        ("i", PORT),
        ("i", 80),
        ("s", "drums"),
        ("i", 1),
        ("f", 0.8),
        ("f", 0.5),
        seed,
    )
    assert names(replies) == ["error"] and replies[0].args[1] == "invalid_request"
    assert "2147483647" in replies[0].args[2]
    # The model's worker is alive: the largest seed runs and comes back whole.
    upload(srv, 81, 0, Track(beat(), True, 0))
    assert names(send(srv, "/lb/op/variations", PORT, 81, "drums", 1, 0.8, 0.5, 2**31 - 1)) == [
        "accepted"
    ]
    done = collect.wait_for(81, ("done", "error"))[-1]
    assert done.address == "/lb/done" and done.args[3] == 2**31 - 1


def test_whole_floats_and_int64s_are_ints_everywhere(server: tuple[Server, Collector]) -> None:
    srv, collect = server
    (pong,) = raw(srv, "/lb/ping", ("f", 9201.0), ("i", 1))
    assert (pong.address, pong.port) == ("/lb/pong", 9201)
    assert raw(srv, "/lb/ping", ("d", 9202.0), ("i", 1))[0].port == 9202
    assert raw(srv, "/lb/ping", ("h", 9203), ("i", 1))[0].port == 9203
    assert raw(srv, "/lb/ping", ("f", 9201.5), ("i", 1)) == []  # no whole port: nobody to tell
    replies = raw(
        srv,
        "/lb/op/sample",
        ("f", float(PORT)),
        ("i", 82),
        ("s", "drums"),
        ("d", 2.0),
        ("f", 1.0),
        ("h", 0),
        ("f", 5.0),
    )
    assert names(replies) == ["accepted"]
    done = collect.wait_for(82, ("done", "error"))[-1]
    assert done.address == "/lb/done" and done.args[1] == 2 and done.args[3] == 5


def test_refused_operations_get_one_error_and_no_accepted(
    server: tuple[Server, Collector],
) -> None:
    srv, _ = server
    refused = {
        "unknown_model": send(srv, "/lb/op/sample", PORT, 90, "nobody"),
        "bad_chunks": send(srv, "/lb/op/humanize", PORT, 91, "groove"),
        "bad_request": send(srv, "/lb/op/sample", PORT, 92, "drums", "two"),
        "invalid_request": send(srv, "/lb/op/sample", PORT, 93, "drums", 65),
    }
    for code, replies in refused.items():
        assert names(replies) == ["error"] and replies[0].args[:2] == (refused_id(replies), code)


def refused_id(replies: list[Outgoing]) -> Any:
    return replies[0].args[0]


def test_grid_is_accepted_as_grid(server: tuple[Server, Collector]) -> None:
    srv, collect = server
    for slot in range(4):
        upload(srv, 95, slot, Track(beat(), True, 0))
    (accepted,) = send(srv, "/lb/op/grid", PORT, 95, "drums", 2, 2)
    assert accepted.args[1:3] == ("grid", "lb-drums_2bar_tiny")
    done = collect.wait_for(95, ("done", "error"))[-1]
    assert done.address == "/lb/done" and done.args[1] == 4


@pytest.mark.parametrize(("mute", "ok"), [(5, False), (-1, False), (0.5, False), (1.0, True)])
def test_mute_is_0_or_1(server: tuple[Server, Collector], mute: Any, ok: bool) -> None:
    srv, _ = server
    send(srv, "/lb/clip/begin", PORT, 96, 0, 8.0, 4, 4, 1, 1)
    part = send(srv, "/lb/clip/notes", PORT, 96, 0, 0, 36, 0.0, 0.25, 100.0, mute, 1.0, 0.0, 64.0)
    end = send(srv, "/lb/clip/end", PORT, 96, 0, 1)
    if ok:
        assert (names(part), names(end)) == ([], ["clip/ok"])
    else:  # one error for the transfer; its end is not answered again
        assert (error_code(part), end) == ("invalid_note", [])
        assert "mute must be 0 or 1" in part[0].args[2]


def test_a_refused_transfer_gets_one_error_and_its_operation_says_why(
    server: tuple[Server, Collector],
) -> None:
    srv, _ = server
    notes = [Note(36 + i % 8, (i % 64) * 0.25, 0.25) for i in range(50_000)]
    clip = Clip(notes, 16.0)
    out = upload(srv, 97, 0, Track(clip, True, 0))
    assert names(out) == ["error"] and out[0].args[1] == "too_large"
    (op,) = send(srv, "/lb/op/variations", PORT, 97, "drums")
    assert op.args[1] == "bad_chunks" and "refused" in op.args[2] and "8192" in op.args[2]
    # A part sent twice: one error, the rest of that transfer is dropped quietly.
    many = Clip([Note(36 + (i % 8), i * 0.25, 0.25) for i in range(40)], 16.0)
    out = upload(srv, 98, 0, Track(many, True, 0), dup=0)
    assert names(out) == ["error"] and out[0].args[1] == "bad_chunks"
    # Another request's transfer is not touched.
    assert names(upload(srv, 99, 0, Track(many, True, 0))) == ["clip/ok"]


def test_the_first_request_waiting_behind_a_running_one_is_position_0(
    server: tuple[Server, Collector], engine: Engine
) -> None:
    srv, collect = server
    gate, started = threading.Event(), threading.Event()
    real = engine.sample

    def slow_sample(*a: Any, **kw: Any) -> Any:
        started.set()
        gate.wait(30)
        return real(*a, **kw)

    engine.sample = slow_sample  # type: ignore[method-assign]
    try:
        send(srv, "/lb/op/sample", PORT, 100, "drums", 1, 1.0, 0, 1)
        assert started.wait(10)
        first = send(srv, "/lb/op/sample", PORT, 101, "drums", 1, 1.0, 0, 2)
        second = send(srv, "/lb/op/sample", PORT, 102, "drums", 1, 1.0, 0, 3)
        assert first[0].args[-1] == 0 and second[0].args[-1] == 1
    finally:
        gate.set()
        engine.sample = real  # type: ignore[method-assign]
    for rid in (100, 101, 102):
        assert collect.wait_for(rid, ("done", "error"))[-1].address == "/lb/done"


def test_status_counts_restarts_and_internal_errors(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    (status,) = send(srv, "/lb/status", PORT, 103)
    assert len(status.args) == 8 and status.args[-2:] == (0, 0)

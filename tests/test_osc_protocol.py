"""The protocol as a client written from docs/protocol.md meets it: ids, seeds,
ports and note fields of every width and type, refusals, transfers that fail,
queue positions. The engine is a fake (no model is needed to answer these);
the handlers, workers and replies are the server's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pythonosc.osc_packet import OscPacket

from bridge.clips import Clip, Note, Track
from bridge.osc import Profile, Server
from bridge.osc.protocol import MAX_NOTES_PER_CLIP, Outgoing, build
from tests import osc_raw
from tests.factories import (
    CLIENT,
    PORT,
    Collector,
    error_code,
    names,
    send,
    upload,
)
from tests.factories import osc_beat as beat
from tests.fake_engine import DRUMS, GROOVE, MULTITRACK, FakeEngine


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def server(fake: FakeEngine) -> Iterator[tuple[Server, Collector]]:
    profile = Profile(
        roles={"drums": DRUMS.name, "groove": GROOVE.name, "multitrack": MULTITRACK.name},
    )
    srv = Server(fake, profile, max_queue=4)  # type: ignore[arg-type]
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    yield srv, collect
    srv.stop()


def raw(srv: Server, address: str, *args: tuple[str, Any]) -> list[Outgoing]:
    return srv.handle(osc_raw.message(address, *args), CLIENT)


# --- addresses, arguments, transfers, queues --------------------------------------


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


def test_busy_cancel_and_batching(server: tuple[Server, Collector], fake: FakeEngine) -> None:
    srv, collect = server
    fake.gate.clear()
    try:
        send(srv, "/lb/op/sample", PORT, 60, "drums", 1)  # runs, held at the gate
        assert fake.started.wait(10)
        queued = [names(send(srv, "/lb/op/sample", PORT, 61 + i, "drums", 2)) for i in range(4)]
        assert all(q == ["accepted"] for q in queued)
        assert error_code(send(srv, "/lb/op/sample", PORT, 70, "drums", 1)) == "busy"
        (cancel,) = send(srv, "/lb/op/cancel", PORT, 71, 64)
        assert cancel.args == (71, 64, "cancelled")
        assert error_code(collect.wait_for(64, ("error",))) == "cancelled"
        fake.gate.set()
        for rid in (60, 61, 62, 63):
            assert collect.wait_for(rid, ("done", "error"))[-1].address == "/lb/done"
        # 61..63 waited together with equal settings and no seed: one run of 6
        assert [kw["n"] for op, _, kw in fake.calls if op == "sample"] == [1, 6]
        sizes = [m.args[1] for m in collect.items if m.address == "/lb/done"]
        assert sorted(sizes) == [1, 2, 2, 2]
    finally:
        fake.gate.set()


# --- what a client written from docs/protocol.md met (issue 19) --------------------


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
    # A model of the wrong kind is refused before it is queued, not after.
    upload(srv, 94, 0, Track(beat(), True, 0))
    wrong_kind = send(srv, "/lb/op/humanize", PORT, 94, "drums")
    assert names(wrong_kind) == ["error"] and wrong_kind[0].args[:2] == (94, "invalid_request")
    assert "humanize needs a groove model" in wrong_kind[0].args[2]
    for code, replies in refused.items():
        assert names(replies) == ["error"] and replies[0].args[:2] == (refused_id(replies), code)


def refused_id(replies: list[Outgoing]) -> Any:
    return replies[0].args[0]


def test_grid_is_accepted_as_grid(server: tuple[Server, Collector]) -> None:
    srv, collect = server
    for slot in range(4):
        upload(srv, 95, slot, Track(beat(), True, 0))
    (accepted,) = send(srv, "/lb/op/grid", PORT, 95, "drums", 2, 2)
    assert accepted.args[1:3] == ("grid", DRUMS.name)
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
    server: tuple[Server, Collector], fake: FakeEngine
) -> None:
    srv, collect = server
    fake.gate.clear()
    try:
        send(srv, "/lb/op/sample", PORT, 100, "drums", 1, 1.0, 0, 1)
        assert fake.started.wait(10)
        first = send(srv, "/lb/op/sample", PORT, 101, "drums", 1, 1.0, 0, 2)
        second = send(srv, "/lb/op/sample", PORT, 102, "drums", 1, 1.0, 0, 3)
        assert first[0].args[-1] == 0 and second[0].args[-1] == 1
    finally:
        fake.gate.set()
    for rid in (100, 101, 102):
        assert collect.wait_for(rid, ("done", "error"))[-1].address == "/lb/done"


def test_status_counts_restarts_and_internal_errors(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    (status,) = send(srv, "/lb/status", PORT, 103)
    assert len(status.args) == 8 and status.args[-2:] == (0, 0)


def test_the_int_7_and_the_string_7_are_two_requests(server: tuple[Server, Collector]) -> None:
    srv, _ = server
    many = Clip([Note(36 + (i % 8), i * 0.25, 0.25) for i in range(40)], 16.0)
    refused = upload(srv, "7", 0, Track(many, True, 0), dup=0)
    assert names(refused) == ["error"]
    assert names(upload(srv, 7, 0, Track(many, True, 0))) == ["clip/ok"]


# --- answering at once, while the models load (issue 24) ----------------------------


def test_a_starting_server_answers_at_once_and_runs_operations_once_loaded(
    fake: FakeEngine,
) -> None:
    srv = Server(fake, Profile(), max_queue=4, starting=True)  # type: ignore[arg-type]
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    try:
        assert names(send(srv, "/lb/ping", PORT, 1)) == ["pong"]
        (status,) = send(srv, "/lb/status", PORT, 2)
        assert status.args[1] == "loading"
        assert error_code(send(srv, "/lb/models", PORT, 3)) == "loading"
        early = send(srv, "/lb/op/sample", PORT, 4, "drums", 2, 1.0, 0, 9)
        assert names(early) == ["accepted", "progress"]
        assert early[0].args[1:] == ("sample", "drums", 0)  # the model as asked for, so far
        assert early[1].args[1:] == (0.0, "loading")
        lost = send(srv, "/lb/op/sample", PORT, 5, "nobody", 1)
        assert names(lost) == ["accepted", "progress"]
        gone = send(srv, "/lb/op/sample", PORT, 6, "drums", 1)
        assert send(srv, "/lb/op/cancel", PORT, 7, 6)[0].args == (7, 6, "cancelled")
        assert gone[0].args[-1] == 2
        assert fake.calls == []  # nothing runs before the profile is there

        srv.loaded(Profile(roles={"drums": DRUMS.name}))
        done = collect.wait_for(4, ("done", "error"))[-1]
        assert done.address == "/lb/done" and done.args[1] == 2 and done.args[3] == 9
        assert error_code(collect.wait_for(5, ("error",))) == "unknown_model"
        assert error_code(collect.wait_for(6, ("error",))) == "cancelled"
        (status,) = send(srv, "/lb/status", PORT, 8)
        assert status.args[1] == "cpu"
        assert names(send(srv, "/lb/op/sample", PORT, 9, "drums", 1)) == ["accepted"]
    finally:
        srv.stop()


def test_a_server_that_cannot_start_says_why_to_every_waiting_request(fake: FakeEngine) -> None:
    from bridge.errors import CheckpointError

    srv = Server(fake, Profile(), starting=True)  # type: ignore[arg-type]
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    try:
        send(srv, "/lb/op/sample", PORT, 1, "drums", 1)
        srv.failed_to_start(CheckpointError("model 'lb-drums' has no checkpoint here"))
        assert error_code(collect.wait_for(1, ("error",))) == "checkpoint"
    finally:
        srv.stop()

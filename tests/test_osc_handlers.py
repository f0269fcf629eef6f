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

from bridge.clips import Clip, Note, Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.protocol import MAX_NOTES_PER_CLIP, NOTES_PER_PACKET, note_args
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

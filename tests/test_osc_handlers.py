"""The server's handlers, fed raw datagrams, with no sockets.

Replies that workers send later are collected by replacing ``Server.send``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.clips import Clip, Note, Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.protocol import NOTES_PER_PACKET, note_args
from tests.factories import (
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


def test_humanize_reads_the_song_s_tempo_last(
    engine: Engine, tiny_checkpoints: dict[str, str]
) -> None:
    """qpm is humanize's last argument: a tempo-reading groove model plays to
    it; left out it is 120, and Max's int 120 is the same tempo."""
    groove = "lb-groove_2bar_tempo_tiny"
    srv = Server(
        engine, Profile(roles={"groove": groove}, checkpoints={groove: tiny_checkpoints[groove]})
    )
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    try:

        def played(rid: int, *args: object) -> list[tuple[float, ...]]:
            upload(srv, rid, 0, Track(beat(), True, 0))
            send(srv, "/lb/op/humanize", PORT, rid, "groove", 0.3, 5, *args)
            replies = collect.wait_for(rid, ("done", "error"))
            assert replies[-1].address == "/lb/done", replies[-1]
            values = [a for m in replies if m.address == "/lb/result/notes" for a in m.args[4:]]
            return sorted(tuple(values[i : i + 4]) for i in range(0, len(values), 8))

        slow, unset, at_120 = played(1, 92.5), played(2), played(3, 120)
        expected = engine.humanize(groove, beat(), temperature=0.3, seed=5, qpm=92.5).clips[0]
        assert slow == sorted(
            (n.pitch, n.start_time, n.duration, n.velocity) for n in expected.notes
        )
        assert unset == at_120 != slow
        # refused before it is queued
        assert error_code(send(srv, "/lb/op/humanize", PORT, 4, "groove", 0.3, 5, 500.0)) == (
            "invalid_request"
        )
    finally:
        srv.stop()

"""The real server on 127.0.0.1 with real OSC clients, ours and liblo's.

liblo's ``oscsend``/``oscdump`` (Debian ``liblo-tools``) are an independent
OSC implementation: what they send and receive checks our wire format.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bridge.clips import Clip, Track
from bridge.engine import Engine
from bridge.osc import Profile, Server
from bridge.osc.client import OscClient, RemoteError
from tests.factories import rock_beat

pytestmark = pytest.mark.integration

DRUMS = "lb-drums_2bar_tiny"


@pytest.fixture
def live_server(engine: Engine, tiny_checkpoints: dict[str, str]) -> Iterator[Server]:
    profile = Profile(roles={"drums": DRUMS}, checkpoints={DRUMS: tiny_checkpoints[DRUMS]})
    srv = Server(engine, profile, host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


@contextmanager
def served(engine: Engine, roles: dict[str, str], checkpoints: dict[str, str]) -> Iterator[Server]:
    """The real server on the tiny models of ``roles``, on a free port."""
    profile = Profile(roles=roles, checkpoints={m: checkpoints[m] for m in roles.values()})
    srv = Server(engine, profile, host="127.0.0.1", port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def beat(shift: float = 0.0) -> Track:
    return rock_beat(shift)


def test_two_clients_at_once(live_server: Server) -> None:
    def one(i: int) -> tuple[int, int, list[float]]:
        with OscClient(port=live_server.port) as c:
            assert c.call("ping").replies[0].args[1] == "1"
            out = c.operation("variations", "drums", 2, 0.8, 0.5, 100 + i, tracks=[beat(0.5 * i)])
            return len(out.outputs), out.seed or 0, [t.clip.length for o in out.outputs for t in o]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, [0, 1]))
    assert [(n, s) for n, s, _ in results] == [(2, 100), (2, 101)]
    assert all(length == 8.0 for _, _, lengths in results for length in lengths)


def test_same_seed_same_clips_over_the_wire(live_server: Server, engine: Engine) -> None:
    with OscClient(port=live_server.port) as c:
        a = c.operation("variations", "drums", 2, 0.8, 0.5, 9, tracks=[beat()])
        b = c.operation("variations", "drums", 2, 0.8, 0.5, 9, tracks=[beat()])
    direct = engine.variations(DRUMS, beat().clip, 2, similarity=0.8, temperature=0.5, seed=9)
    assert [o[0].clip.notes for o in a.outputs] == [o[0].clip.notes for o in b.outputs]
    assert [o[0].clip.notes for o in a.outputs] == [c.notes for c in direct.clips]


def test_errors_come_back_and_the_server_keeps_serving(live_server: Server) -> None:
    with OscClient(port=live_server.port, timeout=10) as c:
        with pytest.raises(RemoteError) as err:
            c.call("op/sample", "melody")
        assert err.value.code == "unknown_model"
        with pytest.raises(RemoteError) as err:
            c.operation("variations", "drums", tracks=[Track(Clip((), 8.0), True, 0)])
        assert err.value.code == "unsupported_clip"
        c.sock.sendto(b"\xff" * 100, c.server)  # garbage
        assert c.call("ping").replies


def test_accepted_comes_before_anything_else_of_its_request(live_server: Server) -> None:
    # The worker used to answer "progress" before the receive loop had sent
    # "accepted"; a client must see a request's replies in protocol order.
    with OscClient(port=live_server.port, timeout=30) as c:
        for i in range(10):
            out = c.operation("sample", "drums", 1, 1.0, 0, i)
            names = [r.address.rsplit("/", 1)[-1] for r in out.replies]
            assert names[0] == "accepted", names
            assert names[-1] == "done"


# oscsend's type tags for the arguments after port and id (i int32, f float32).
LIBLO_MESSAGES = [
    (1, "/lb/ping", "", []),
    (2, "/lb/status", "", []),
    (3, "/lb/nope", "", []),
    (4, "/lb/clip/begin", "ifiii", ["0", "8.0", "4", "4", "1"]),
    (
        4,
        "/lb/clip/notes",
        "ii" + "ifffifff",
        ["0", "0", "36", "0", "0.25", "100", "0", "1", "0", "64"],
    ),
    (4, "/lb/clip/end", "ii", ["0", "1"]),
]


@pytest.mark.skipif(shutil.which("oscsend") is None, reason="liblo-tools not installed")
def test_liblo_client_and_listener(live_server: Server, tmp_path: Path) -> None:
    with OscClient() as probe:
        listen_port = probe.reply_port  # a free port for oscdump
    out_file = tmp_path / "oscdump.txt"
    with out_file.open("w") as sink:
        dump = subprocess.Popen(
            ["oscdump", "-L", str(listen_port)], stdout=sink, stderr=subprocess.DEVNULL
        )
    text = ""
    try:
        # Ping (id 0) until oscdump hears the pong: then it is listening.
        deadline = time.monotonic() + 10
        while "/lb/pong is 0" not in text:
            assert time.monotonic() < deadline, "oscdump never heard the server"
            send = ["oscsend", "127.0.0.1", str(live_server.port), "/lb/ping", "ii"]
            subprocess.run([*send, str(listen_port), "0"], check=True, timeout=10)
            time.sleep(0.05)
            text = out_file.read_text()
        for rid, address, types, args in LIBLO_MESSAGES:
            subprocess.run(
                [
                    "oscsend",
                    "127.0.0.1",
                    str(live_server.port),
                    address,
                    "ii" + types,
                    str(listen_port),
                    str(rid),
                    *args,
                ],
                check=True,
                timeout=10,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "/lb/clip/ok" not in text:
            time.sleep(0.05)
            text = out_file.read_text()
    finally:
        dump.terminate()
        dump.wait(timeout=5)
    assert '/lb/pong is 1 "1"' in text, text
    assert "/lb/status is" in text and '"cpu"' in text, text
    assert '/lb/error iss 3 "unknown_address"' in text, text
    assert "/lb/clip/ok iii 4 0 1" in text, text


@pytest.mark.integration
def test_a_malformed_packet_leaves_the_terminal_quiet(
    tmp_path: Path, tiny_checkpoints: dict[str, str]
) -> None:
    """python-osc logs a bundle it cannot parse with logging.warning(); were
    the root logger bare, that call would put a handler on the terminal and
    every later line of the server would print there. The real command, in
    a process of its own (no test runner's handlers), keeps them in its log."""
    import signal
    import socket
    import sys

    log = tmp_path / "server.log"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable,
        "-c",
        "from bridge.cli import main; raise SystemExit(main())",
        "serve",
        "--port",
        str(port),
        "--quiet",
        "--log",
        str(log),
        "--model",
        f"drums={DRUMS}",
        "--checkpoint",
        f"{DRUMS}={tiny_checkpoints[DRUMS]}",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    try:
        with OscClient(port=port, timeout=2) as c:
            deadline = time.monotonic() + 60
            while True:
                try:
                    c.call("ping")
                    break
                except TimeoutError:
                    alive = proc.poll() is None
                    assert alive and time.monotonic() < deadline, "serve never answered"
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
                # A bundle with an empty element: python-osc warns and drops it.
                raw.sendto(b"#bundle\0" + b"\0" * 8 + b"\0\0\0\0", ("127.0.0.1", port))
            while "ready:" not in (log.read_text() if log.exists() else ""):
                assert time.monotonic() < deadline, "the models never loaded"
                time.sleep(0.2)
            out = c.operation("sample", "drums", 1, 1.0, 0, 3, timeout=60)
            assert len(out.outputs) == 1
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    text = log.read_text()
    assert "Could not identify content type" in text, text
    assert "sample" in text and "ready:" in text
    # logging's default format, LEVEL:logger:message, never reaches the terminal.
    printed = re.findall(r"^[A-Z]+:[\w.]+:.*$", stdout + stderr, re.MULTILINE)
    assert printed == []


def test_serve_command_with_a_toml_profile(
    tmp_path: Path, tiny_checkpoints: dict[str, str]
) -> None:
    import socket
    import threading

    from bridge.osc.app import ServeConfig, serve

    profile = tmp_path / "profile.toml"
    profile.write_text(
        f'[roles]\ndrums = "{DRUMS}"\n\n[checkpoints]\n"{DRUMS}" = "{tiny_checkpoints[DRUMS]}"\n'
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stop = threading.Event()
    config = ServeConfig(
        port=port, device="cpu", profile=profile, log_file=tmp_path / "server.log", live=False
    )
    thread = threading.Thread(target=serve, args=(config, stop), daemon=True)
    thread.start()
    try:
        with OscClient(port=port, timeout=2) as c:
            deadline = time.monotonic() + 60
            while True:  # the server answers at once; the models load behind it
                try:
                    c.call("ping")
                    break
                except TimeoutError:
                    assert time.monotonic() < deadline, "serve never answered"
            # An operation sent before the models are loaded waits, then runs.
            early = c.operation("sample", "drums", 1, 1.0, 0, 3, timeout=120)
            assert len(early.outputs) == 1 and early.seed == 3
            while c.call("status").replies[0].args[1] == "loading":
                assert time.monotonic() < deadline, "the models never loaded"
            rows = c.call("models", until=("models/end",)).replies
            assert [r.args[1:3] for r in rows if r.address == "/lb/model"] == [[DRUMS, "drums"]]
            out = c.operation("sample", "drums", 2, 1.0, 0, 5, timeout=60)
            assert len(out.outputs) == 2 and out.seed == 5
            # Once loaded, every graph a merged request may use is run once.
            while f"warmed up {DRUMS}" not in (tmp_path / "server.log").read_text():
                assert time.monotonic() < deadline + 60, "serve never warmed its graphs"
                time.sleep(0.2)
            assert c.call("ping").replies
    finally:
        stop.set()
        thread.join(timeout=10)
    assert "sample" in (tmp_path / "server.log").read_text()


def test_a_model_that_fails_to_warm_up_is_logged_and_serves_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import threading

    from bridge.osc.app import _warm_up

    done = threading.Event()

    class Broken:
        def warm_up(self, wait: Any) -> None:
            wait()
            done.set()
            raise RuntimeError("no graph")

    with caplog.at_level("INFO", logger="latent_bridge.server"):
        _warm_up("broken", Broken())
        assert done.wait(5)
        deadline = time.monotonic() + 5
        while "warming up broken failed" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.01)


def test_serve_with_a_folder_watcher_beside_it(
    tmp_path: Path, tiny_checkpoints: dict[str, str]
) -> None:
    import socket
    import threading

    from bridge.convert import read_midi, write_midi
    from bridge.osc.app import ServeConfig, serve

    drops = tmp_path / "drops"
    drops.mkdir()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stop = threading.Event()
    config = ServeConfig(
        port=port,
        device="cpu",
        roles={"drums": DRUMS},
        checkpoints={DRUMS: tiny_checkpoints[DRUMS]},
        log_file=tmp_path / "server.log",
        live=False,
        watch_dir=drops,
        watch_count=2,
    )
    thread = threading.Thread(target=serve, args=(config, stop), daemon=True)
    thread.start()
    try:
        write_midi([beat()], drops / "my beat.mid")
        out = tmp_path / "drops-generated" / "my beat"
        deadline = time.monotonic() + 90
        while not (out / "report.json").is_file():
            assert time.monotonic() < deadline, "the watcher never wrote its outputs"
            time.sleep(0.2)
        mids = sorted(out.glob("*.mid"))
        assert len(mids) == 2 and all(read_midi(m)[0].clip.notes for m in mids)
        with OscClient(port=port, timeout=5) as c:  # the server answers meanwhile
            assert c.call("ping").replies
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_endless_over_osc_goes_on_and_turns(
    engine: Engine, tiny_checkpoints: dict[str, str]
) -> None:
    """A client asks for an endless stream a few bars at a time: the bars are
    the stream's, a drawn seed is kept, a new pace turns the same stream, and
    another client's stream is its own."""
    from bridge.endless import Conductor, Settings, make_parts

    melody = "lb-mel_2bar_tiny"
    with (
        served(engine, {"drums": DRUMS, "melody": melody}, tiny_checkpoints) as srv,
        OscClient(port=srv.port, timeout=60) as c,
        OscClient(port=srv.port, timeout=60) as d,
    ):
        first = c.operation("endless", "drums", 0, 8, 5)
        state = [r.args for r in first.replies if r.address == "/lb/endless/state"]
        assert len(state) == 1 and state[0][1:4] == [0, 0, 0]
        assert first.seed == 5 and len(first.outputs) == 1
        tracks = first.outputs[0]
        assert [(t.clip.name, t.is_drum, t.program) for t in tracks] == [
            ("drums", True, 0),
            ("bass", False, 33),
            ("lead", False, 80),
        ]
        assert all(t.clip.length == 32.0 for t in tracks)
        # The same bars as the conductor makes them, in one piece.
        parts = make_parts(("drums", "bass", "lead"), DRUMS, melody)
        bars = list(zip(range(12), Conductor(engine, parts, Settings(seed=5)).bars(), strict=False))
        expected = [n.pitch for _, b in bars[:8] for n in b.tracks[0].clip.notes]
        assert [n.pitch for n in tracks[0].clip.notes] == expected
        # -1 goes on with the stream's seed: bars 8-11.
        more = c.operation("endless", "drums", 8, 4, -1)
        assert more.seed == 5
        assert [n.pitch for n in more.outputs[0][0].clip.notes] == [
            n.pitch for _, b in bars[8:] for n in b.tracks[0].clip.notes
        ]
        # A new pace turns the stream: what it made stays.
        again = c.operation("endless", "drums", 0, 4, 5, 0.9)
        assert (
            again.outputs[0][0].clip.notes
            == tracks[0].clip.notes[: len(again.outputs[0][0].clip.notes)]
        )
        # Another client draws its own seed and parts.
        other = d.operation("endless", "drums", 0, 2, -1, 0.5, 0.6, "Am", "drums,keys")
        assert other.seed is not None
        assert [t.clip.name for t in other.outputs[0]] == ["drums", "keys"]
        with pytest.raises(RemoteError) as err:
            c.operation("endless", "drums", 0, 4, 5, 0.5, 0.6, "H", "drums")
        assert err.value.code == "invalid_request"
        with pytest.raises(RemoteError) as err:
            c.operation("endless", "drums", 0, 4, 5, 0.5, 0.6, "", "drums,tuba")
        assert err.value.code == "invalid_request"
        # A bar far past a stream's end is refused before it costs the worker anything.
        with pytest.raises(RemoteError) as err:
            c.operation("endless", "drums", 2**31 - 1, 4, 5)
        assert err.value.code == "invalid_request" and "1000000" in err.value.message


def test_band_scenes_over_osc(engine: Engine, tiny_checkpoints: dict[str, str]) -> None:
    """Interpolate, blend and grid on a band model take scenes over OSC:
    ``tracks`` clips per input, every part moved together."""
    from tests.factories import window_melody

    band = "lb-multitrack_1bar_tiny"

    def scene(shift: float) -> list[Track]:
        return [beat(shift), Track(window_melody(8.0, base=40), False, 33)]

    with (
        served(engine, {"multitrack": band, "drums": DRUMS}, tiny_checkpoints) as srv,
        OscClient(port=srv.port, timeout=60) as c,
    ):
        a, b = scene(0.0), scene(0.5)
        out = c.operation("interpolate", "multitrack", 3, 0.5, 4, "slerp", 1, 2, tracks=a + b)
        assert len(out.outputs) == 3
        for step in out.outputs:
            assert [(t.is_drum, t.program) for t in step] == [(True, 0), (False, 33)]
            assert all(t.clip.length == 8.0 for t in step)
        corners = [t for k in range(4) for t in scene(0.25 * k)]
        grid = c.operation("grid", "multitrack", 2, 2, 0.5, 4, 1, 2, tracks=corners)
        assert len(grid.outputs) == 4 and all(len(o) == 2 for o in grid.outputs)
        one = c.operation("blend", "multitrack", 0.5, 0.5, 0.5, 4, 1, 2, tracks=corners)
        assert [(t.is_drum, t.program) for t in one.outputs[0]] == [(True, 0), (False, 33)]
        # One clip per input on a band model: each a scene of one part, drums kept.
        lone = c.operation("interpolate", "multitrack", 2, 0.5, 4, tracks=[a[0], b[0]])
        assert [[t.is_drum for t in o] for o in lone.outputs] == [[True], [True]]
        # A scene short of a track is refused, not made shorter.
        with pytest.raises(RemoteError) as err:
            c.operation("interpolate", "multitrack", 3, 0.5, 4, "slerp", 1, 2, tracks=a + b[:1])
        assert err.value.code == "bad_chunks"
        # A one-part model refuses scenes, saying why.
        with pytest.raises(RemoteError) as err:
            c.operation("interpolate", "drums", 3, 0.5, 4, "slerp", 1, 2, tracks=a + b)
        assert err.value.code == "unsupported_clip" and "scene" in err.value.message


def test_warm_up_waits_for_the_request_that_loaded_the_model() -> None:
    import threading

    from bridge.engine.coalesce import Coalescer
    from bridge.osc.app import _warm_up

    group = Coalescer()
    order: list[str] = []
    done = threading.Event()

    class Model:
        def warm_up(self, wait: Any) -> None:
            wait()
            order.append("warm-up")
            done.set()

    with group.member():  # the request that loaded the model
        _warm_up("m", Model(), group)
        time.sleep(0.3)
        order.append("request")
    assert done.wait(5)
    assert order == ["request", "warm-up"]

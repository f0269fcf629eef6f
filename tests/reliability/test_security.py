"""Security: serve binds loopback by default; no request reaches outside its folders.

Every string a request carries (address, id, model name, interpolation
method, clip name, cancel target) is tried with paths: relative ones with
``..``, absolute ones, names with slashes, and the path of a real training
run directory (which ``serve --model`` would accept from the command line).
While the server handles them, a Python audit hook records every file
system call the process makes (open, listdir, scandir, remove, rename, mkdir,
...); none may name a path outside the checkpoint folders given.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bridge.clips import Note
from bridge.engine import REGISTRY, Engine
from bridge.osc import Profile, Server
from bridge.osc.app import ServeConfig
from bridge.osc.protocol import build, note_args
from bridge.osc.server import DEFAULT_HOST
from tests.factories import Collector

pytestmark = pytest.mark.reliability

CLIENT = ("127.0.0.1", 50000)
PORT = 50001
DRUMS = "lb-drums_2bar_tiny"
EVENTS = {
    "open",
    "os.listdir",
    "os.scandir",
    "os.remove",
    "os.rename",
    "os.mkdir",
    "os.rmdir",
    "os.chmod",
    "os.symlink",
    "os.truncate",
    "os.utime",
    "shutil.copyfile",
    "shutil.rmtree",
    "shutil.move",
}

_recording: list[tuple[str, str]] | None = None
_hook_lock = threading.Lock()
_hooked = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    rec = _recording
    if rec is None or event not in EVENTS or not args:
        return
    path = args[0]
    if isinstance(path, (str, bytes, Path)):
        rec.append((event, str(path)))


@contextmanager
def file_access() -> Iterator[list[tuple[str, str]]]:
    """Every path the process touches meanwhile (audit hooks cannot be removed: gated)."""
    global _recording, _hooked
    with _hook_lock:
        if not _hooked:
            sys.addaudithook(_hook)
            _hooked = True
    found: list[tuple[str, str]] = []
    _recording = found
    try:
        yield found
    finally:
        _recording = None


def test_serve_binds_loopback_by_default() -> None:
    from bridge.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" == DEFAULT_HOST == ServeConfig().host
    engine = Engine(device="cpu")
    srv = Server(engine, Profile(), port=0)
    srv.start()
    try:
        assert srv._sock is not None
        assert srv._sock.getsockname()[0] == "127.0.0.1"
    finally:
        srv.stop()


def make_run_dir(root: Path, checkpoint: str) -> Path:
    """A real training run directory (as ``latent-bridge train`` leaves one)."""
    run = root / "my-run"
    run.mkdir()
    for f in Path(checkpoint).parent.iterdir():
        shutil.copy(f, run / f.name)
    (run / "run.json").write_text(json.dumps({"model": DRUMS, "step": 1}))
    return run


def test_no_request_reaches_outside_the_given_folders(
    engine: Engine, tiny_checkpoints: dict[str, str], tmp_path: Path
) -> None:
    allowed = Path(tiny_checkpoints[DRUMS]).parent.resolve()
    profile = Profile(roles={"drums": DRUMS}, checkpoints={DRUMS: tiny_checkpoints[DRUMS]})
    srv = Server(engine, profile, max_queue=64)
    collect = Collector()
    srv.send = collect  # type: ignore[method-assign]
    run = make_run_dir(tmp_path, tiny_checkpoints[DRUMS])
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    hostile = [
        "../../etc/passwd",
        "/etc/passwd",
        str(secret),
        str(run),
        str(run) + "/",
        "drums/../../etc",
        "~/.ssh/id_rsa",
        "file:///etc/passwd",
        str(tmp_path / "new-file"),
        "C:\\Windows\\win.ini",
        "lb-drums_2bar_tiny/../../../etc/passwd",
    ]
    registered = set(REGISTRY.names())
    rid = 0
    queued: list[int] = []

    def send(address: str, *args: Any) -> None:
        for m in srv.handle(build(address, [PORT, *args]), CLIENT):
            if m.address == "/lb/accepted":
                queued.append(m.args[0])

    def upload(rid: int, slot: int, name: str) -> None:
        send("/lb/clip/begin", rid, slot, 8.0, 4, 4, 1, 1, 0, name)
        send("/lb/clip/notes", rid, slot, 0, *note_args([Note(36 + slot, 0.0, 0.25)]))
        send("/lb/clip/end", rid, slot, 1)

    with file_access() as touched:
        for h in hostile:
            for op, args in [
                ("sample", [h, 1, 1.0, 0, 1]),
                ("variations", [h, 1]),
                ("humanize", [h]),
                ("cancel", [h]),
            ]:
                rid += 1
                send(f"/lb/op/{op}", rid, *args)
                assert op == "cancel" or queued[-1:] != [rid], (op, h)
            rid += 1
            send(h if h.startswith("/") else "/" + h, rid)
            send("/lb/ping", h)
            # A path as the interpolation method, with both clips sent.
            rid += 1
            upload(rid, 0, "a")
            upload(rid, 1, "b")
            send("/lb/op/interpolate", rid, "drums", 2, 0.5, 1, h)
            # A clip named after a path: it stays a name in the replies.
            rid += 1
            upload(rid, 0, h)
            send("/lb/op/variations", rid, "drums", 1, 0.8, 0.5, 1)
        for q in queued:
            collect.wait_for(q, ("done", "error"), timeout=120)
        send("/lb/models", "m")
        send("/lb/status", "s")
    srv.stop()

    # Nothing a request named was touched, not even looked at.
    targets = [Path(p).expanduser().resolve() for p in (str(secret), str(run), "/etc", "~/.ssh")]
    targets.append((tmp_path / "new-file").resolve())
    named = [(e, p) for e, p in touched if any(_inside(p, t) for t in targets)]
    assert not named, named
    # Everything else is the checkpoint folder, the installed packages, or the
    # engine's and TensorFlow's own scratch files in the temporary folder.
    outside = [
        (event, p)
        for event, p in touched
        if not _inside(p, allowed) and not _is_library(p) and not _is_scratch(p)
    ]
    assert not outside, outside
    assert set(REGISTRY.names()) == registered, "a request registered a model"
    errors = [m for m in collect.items if m.address == "/lb/error"]
    codes = {str(m.args[1]) for m in errors}
    assert codes <= {
        "unknown_model",
        "invalid_request",
        "bad_request",
        "unknown_address",
        "bad_chunks",
    }, codes
    assert secret.read_text() == "do not read" and not (tmp_path / "new-file").exists()
    # Clip names that look like paths come back as names, nothing more.
    named = [m for m in collect.items if m.address == "/lb/result/begin"]
    assert named and all(isinstance(m.args[-1], str) for m in named)


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def _is_scratch(path: str) -> bool:
    """The engine's unpack folders and TensorFlow autograph's generated modules."""
    tmp = Path(tempfile.gettempdir()).resolve()
    p = Path(path).resolve()
    if p == tmp:
        return True  # listing or creating in the temporary folder itself
    if not p.is_relative_to(tmp):
        return False
    first = p.relative_to(tmp).parts[0]
    return first.startswith(("latent-bridge-", "__autograph_generated_file", "__pycache__"))


def _is_library(path: str) -> bool:
    """Python and TensorFlow reading their own installed files (lazy imports)."""
    p = Path(path)
    prefixes = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    return any(p.resolve().is_relative_to(x.resolve()) for x in prefixes)

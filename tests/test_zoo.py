"""The model zoo: the manifest, model states, resolve_model, and fetching.

Fetch tests serve archives that the tests build (from the session's random
tiny checkpoint) from an HTTP server on 127.0.0.1 that can cut a response
short, ignore ranges or answer with an error, and that logs every request.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import socket
import sys
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bridge.cli import main
from bridge.cli.models import ZooOptions, show_info, show_zoo
from bridge.engine import Engine
from bridge.errors import UnknownModelError
from bridge.zoo import (
    ChecksumError,
    DownloadError,
    FetchResult,
    Manifest,
    ModelMissingError,
    ZooError,
    cache_dir,
    fetch_model,
    load_manifest,
    model_state,
    parse_manifest,
    resolve_model,
)
from bridge.zoo.fetch import ENV_BASE_URL
from bridge.zoo.local import ENV_CACHE_DIR, read_index
from bridge.zoo.manifest import ROLES

DRUMS = "lb-drums_2bar_tiny"
TIMEOUT = 5.0


# --- the shipped manifest -------------------------------------------------------


def test_shipped_manifest_lists_official_and_bundled_models() -> None:
    manifest = load_manifest()
    names = manifest.names()
    assert len(names) == len(set(names))
    official = [e for e in manifest if not e.is_bundled]
    assert {"cat-mel_2bar_big", "cat-drums_2bar_small.lokl", "groovae_2bar_humanize"} <= {
        e.name for e in official
    }
    for entry in official:
        assert entry.files
        for f in entry.files:
            assert f.url(manifest.base_url).startswith("https://storage.googleapis.com/")
    planned = {
        "lb-drums": ("lb-drums_2bar_small", "drums"),
        "lb-groove": ("lb-groove_2bar_tempo_small", "groove"),
        "lb-melody": ("lb-mel_2bar_small", "melody"),
        "lb-multitrack": ("lb-band_1bar_small", "multitrack"),
    }
    bundled = {e.name: e for e in manifest if e.is_bundled}
    assert set(bundled) == set(planned)
    for name, (config, role) in planned.items():
        assert (bundled[name].config, bundled[name].role) == (config, role)
        assert bundled[name].folder == manifest.path.parent / name


def test_manifest_configs_and_roles_match_the_registry() -> None:
    from bridge.engine import REGISTRY, Role

    assert set(ROLES) == {r.value for r in Role}
    for entry in load_manifest():
        if entry.config is not None:
            assert entry.config in REGISTRY, entry.name
            assert REGISTRY.get(entry.config).role.value == entry.role, entry.name


# --- manifest checks --------------------------------------------------------------

GOOD_OFFICIAL = """
[[models]]
name = "m"
kind = "official"
config = "c"
role = "drums"
files = [{ path = "a/m.tar" }]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = [", "not valid TOML"),
        ("version = 2", "version 2"),
        ('[download]\nbase_url = "ftp://x"', "http(s)"),
        (GOOD_OFFICIAL + GOOD_OFFICIAL, "listed twice"),
        (GOOD_OFFICIAL.replace('"m"', '"../m"'), "may hold only"),
        (GOOD_OFFICIAL.replace('"drums"', '"bass"'), "role must be"),
        (GOOD_OFFICIAL.replace('kind = "official"', 'kind = "other"'), "kind must be"),
        (GOOD_OFFICIAL.replace('config = "c"\n', ""), "'config' is missing"),
        (GOOD_OFFICIAL.replace('files = [{ path = "a/m.tar" }]', "files = []"), "non-empty"),
        (GOOD_OFFICIAL.replace("a/m.tar", "../m.tar"), "relative to the base"),
        (GOOD_OFFICIAL.replace("a/m.tar", "https://x/m.tar"), "relative to the base"),
        (GOOD_OFFICIAL.replace('"a/m.tar" }', '"m.tar", sha256 = "abc" }'), "64 lower-case"),
        (GOOD_OFFICIAL.replace('"a/m.tar" }', '"m.tar", size = -1 }'), "positive number"),
        (GOOD_OFFICIAL + "colour = 1\n", "unknown key"),
        (
            '[[models]]\nname = "b"\nkind = "bundled"\nrole = "melody"\npath = "../out"\n',
            "must stay inside",
        ),
        ('[[models]]\nname = "b"\nkind = "bundled"\nrole = "melody"\n', "'path' is missing"),
    ],
)
def test_bad_manifests_are_refused_with_the_reason(text: str, message: str) -> None:
    text = text if text.startswith(("version", "[download]")) else _with_header(text)
    with pytest.raises(ZooError, match=re.escape(message)):
        parse_manifest(text, Path("/zoo/manifest.toml"))


def _with_header(body: str, base_url: str = "https://example.org") -> str:
    return f'version = 1\n[download]\nbase_url = "{base_url}"\n' + body


def test_missing_manifest_file(tmp_path: Path) -> None:
    with pytest.raises(ZooError, match="manifest not found"):
        load_manifest(tmp_path / "nope.toml")


# --- states and resolve_model (no network) -------------------------------------------


def _fake_checkpoint(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.ckpt.index").write_bytes(b"index")
    (folder / "model.ckpt.data-00000-of-00001").write_bytes(b"data")


def _bundled_manifest(root: Path) -> Manifest:
    text = _with_header(
        GOOD_OFFICIAL
        + """
[[models]]
name = "b-set"
kind = "bundled"
config = "lb-mel_2bar_small"
role = "melody"
path = "b-set"

[[models]]
name = "b-open"
kind = "bundled"
role = "multitrack"
path = "b-open"
"""
    )
    return parse_manifest(text, root / "manifest.toml")


def test_resolve_bundled_models(tmp_path: Path) -> None:
    manifest = _bundled_manifest(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ModelMissingError, match="not trained yet"):
        resolve_model("b-set", manifest=manifest, cache=cache)
    _fake_checkpoint(tmp_path / "b-set")
    assert resolve_model("b-set", manifest=manifest, cache=cache) == (
        "lb-mel_2bar_small",
        tmp_path / "b-set",
    )
    # No config in the manifest: the model's own run.json names it.
    _fake_checkpoint(tmp_path / "b-open")
    with pytest.raises(ZooError, match="names no config"):
        resolve_model("b-open", manifest=manifest, cache=cache)
    (tmp_path / "b-open" / "run.json").write_text(json.dumps({"model": "lb-multi"}))
    assert resolve_model("b-open", manifest=manifest, cache=cache)[0] == "lb-multi"


def test_resolve_official_models_says_how_to_fetch(tmp_path: Path) -> None:
    manifest = _bundled_manifest(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ModelMissingError, match=re.escape("run `latent-bridge models fetch m`")):
        resolve_model("m", manifest=manifest, cache=cache)
    with pytest.raises(UnknownModelError, match="no model 'x' in the zoo"):
        resolve_model("x", manifest=manifest, cache=cache)
    _fake_checkpoint(cache / "m" / "inside")
    assert resolve_model("m", manifest=manifest, cache=cache) == ("c", cache / "m")


def test_states_and_the_zoo_table(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text(
        _with_header(GOOD_OFFICIAL)
        + '[[models]]\nname = "b-set"\nkind = "bundled"\nrole = "melody"\npath = "b-set"\n'
        + '[[models]]\nname = "b-open"\nkind = "bundled"\nrole = "melody"\npath = "b-open"\n'
    )
    manifest = load_manifest(tmp_path / "manifest.toml")
    cache = tmp_path / "cache"
    entry = manifest.get("m")
    assert model_state(entry, cache).state == "not fetched"
    part = cache / ".downloads" / "m" / "m.tar.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 1500)
    state = model_state(entry, cache)
    assert (state.state, state.partial_bytes, state.present) == ("partial download", 1500, False)
    _fake_checkpoint(tmp_path / "b-set")
    out = io.StringIO()
    show_zoo(ZooOptions(manifest.path, cache), Console(file=out, width=200), configs=False)
    rows = {line.split()[1]: line for line in out.getvalue().splitlines() if line.startswith("│ ")}
    assert "partial download (1.5 kB)" in rows["m"]
    assert "bundled" in rows["b-set"]
    assert "not trained yet" in rows["b-open"]


def test_cache_dir_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv(ENV_CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "latent-bridge" / "models"


def test_cli_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(_with_header(GOOD_OFFICIAL))
    common = ["--manifest", str(manifest), "--dir", str(tmp_path / "cache")]
    assert main(["models", "info", "zzz-not-a-model", *common]) == 2
    assert "no model 'zzz-not-a-model'" in capsys.readouterr().err
    assert main(["models", "fetch", "nope", *common]) == 2
    assert "no model 'nope' in the zoo" in capsys.readouterr().err
    assert main(["models", "fetch", "lb-drums", "--dir", str(tmp_path)]) == 2
    assert "bundled with Latent Bridge" in capsys.readouterr().err
    assert main(["models", "fetch", "m", "--retries", "-1", *common]) == 2
    assert main(["models", "list", "--zoo-only", "--manifest", str(tmp_path / "none")]) == 2
    assert "manifest not found" in capsys.readouterr().err


# --- a local HTTP server --------------------------------------------------------------


@dataclass
class Served:
    """What the test server holds and how it misbehaves."""

    files: dict[str, bytes] = field(default_factory=dict)
    ranges: bool = True  # honour Range requests
    cut_at: list[int] = field(default_factory=list)  # close the connection at these offsets
    statuses: list[int] = field(default_factory=list)  # answer the next requests with these
    log: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        served = self.server.served
        with served.lock:
            served.log.append((self.path, self.headers.get("Range")))
            if served.statuses:
                self.send_error(served.statuses.pop(0))
                return
            cut = served.cut_at.pop(0) if served.cut_at else None
        body = served.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        wanted = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if wanted and served.ranges:
            start = int(wanted.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')
        self.end_headers()
        end = len(body) if cut is None else max(start, cut)
        self.wfile.write(body[start:end])  # HTTP/1.0: returning closes the connection

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    served: Served

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-body (a cancelled or failed download) is
        # part of the tests, not an error of this server.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@pytest.fixture
def server() -> Iterator[tuple[str, Served]]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.served = Served()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.served
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --- archives -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drum_files(tiny_checkpoints: dict[str, str]) -> dict[str, bytes]:
    """The session's random tiny drums checkpoint: file name -> bytes."""
    prefix = Path(tiny_checkpoints[DRUMS])
    return {p.name: p.read_bytes() for p in sorted(prefix.parent.glob(prefix.name + ".*"))}


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def drums_tar(drum_files: dict[str, bytes]) -> bytes:
    # Official archives hold the checkpoint in a folder, as here.
    return _tar({f"tiny-drums/{name}": data for name, data in drum_files.items()})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(tmp_path: Path, *entries: str) -> Manifest:
    text = _with_header("".join(entries))
    path = tmp_path / "zoo" / "manifest.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_manifest(path)


def _official(name: str, *files: str, config: str = DRUMS) -> str:
    listed = ", ".join(f"{{ {f} }}" for f in files)
    return (
        f'[[models]]\nname = "{name}"\nkind = "official"\nconfig = "{config}"\n'
        f'role = "drums"\nfiles = [{listed}]\n'
    )


def _fetch(name: str, manifest: Manifest, cache: Path, url: str, **kwargs: Any) -> FetchResult:
    options: dict[str, Any] = {"retries": 0, "timeout": TIMEOUT, "backoff": 0.0}
    options.update(kwargs)
    return fetch_model(name, manifest=manifest, cache=cache, base_url=url, **options)


# --- fetching ------------------------------------------------------------------------


@pytest.mark.integration
def test_fetch_checks_unpacks_and_the_model_loads(
    tmp_path: Path,
    server: tuple[str, Served],
    drums_tar: bytes,
    engine: Engine,
) -> None:
    url, served = server
    served.files["/ckpt/tiny-drums.tar"] = drums_tar
    manifest = _manifest(
        tmp_path,
        _official(
            "tiny-drums",
            f'path = "ckpt/tiny-drums.tar", size = {len(drums_tar)}, sha256 = "{_sha(drums_tar)}"',
        ),
    )
    cache = tmp_path / "cache"
    seen: list[tuple[str, int, int | None]] = []
    result = fetch_model(
        "tiny-drums",
        manifest=manifest,
        cache=cache,
        base_url=url,
        timeout=TIMEOUT,
        on_progress=lambda name, done, total: seen.append((name, done, total)),
    )
    assert not result.already and result.path == cache / "tiny-drums"
    (got,) = result.files
    assert (got.size, got.sha256, got.verified) == (len(drums_tar), _sha(drums_tar), True)
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[-1] == len(drums_tar)
    assert {t for _, _, t in seen} == {len(drums_tar)}
    assert not (cache / ".downloads").exists()  # archive and parts are cleaned up
    record = read_index(cache)["tiny-drums"]
    assert record["files"][0]["sha256"] == _sha(drums_tar)

    config, path = resolve_model("tiny-drums", manifest=manifest, cache=cache)
    assert (config, path) == (DRUMS, cache / "tiny-drums")
    # The fetched weights are the session's: the same seed gives the same clips.
    fetched = Engine(device="cpu", batch_size=4, checkpoints={config: str(path)})
    try:
        mine = fetched.sample(config, n=2, seed=11)
    finally:
        fetched.close()
    theirs = engine.sample(DRUMS, n=2, seed=11)
    assert mine.outputs == theirs.outputs

    # A second fetch does nothing, not even a request.
    requests = len(served.log)
    again = fetch_model("tiny-drums", manifest=manifest, cache=cache, base_url=url)
    assert again.already and again.path == path and again.files[0].sha256 == _sha(drums_tar)
    assert len(served.log) == requests


@pytest.mark.integration
def test_interrupted_download_resumes_on_the_next_fetch(
    tmp_path: Path, server: tuple[str, Served], drums_tar: bytes
) -> None:
    url, served = server
    served.files["/t.tar"] = drums_tar
    manifest = _manifest(tmp_path, _official("t", f'path = "t.tar", sha256 = "{_sha(drums_tar)}"'))
    cache = tmp_path / "cache"
    half = len(drums_tar) // 2
    served.cut_at.append(half)
    with pytest.raises(DownloadError, match=r"interrupted.*run the same fetch again to resume"):
        _fetch("t", manifest, cache, url)
    part = cache / ".downloads" / "t" / "t.tar.part"
    assert part.stat().st_size == half
    assert model_state(manifest.get("t"), cache).state == "partial download"

    result = _fetch("t", manifest, cache, url)
    assert served.log[-1] == ("/t.tar", f"bytes={half}-")
    (got,) = result.files
    assert (got.resumed_from, got.transferred, got.verified) == (half, len(drums_tar) - half, True)
    assert resolve_model("t", manifest=manifest, cache=cache)[1] == cache / "t"

    # A forced fetch that fails leaves the model that is there in place.
    served.statuses.append(500)
    with pytest.raises(DownloadError, match=r"server error \(HTTP 500"):
        _fetch("t", manifest, cache, url, force=True)
    assert resolve_model("t", manifest=manifest, cache=cache)[1] == cache / "t"


@pytest.mark.integration
def test_retries_resume_within_one_fetch(
    tmp_path: Path, server: tuple[str, Served], drums_tar: bytes
) -> None:
    url, served = server
    served.files["/t.tar"] = drums_tar
    manifest = _manifest(tmp_path, _official("t", f'path = "t.tar", sha256 = "{_sha(drums_tar)}"'))
    served.cut_at.extend([1000, 3000])
    served.statuses.append(503)
    messages: list[str] = []
    _fetch("t", manifest, tmp_path / "c", url, retries=3, on_message=messages.append)
    assert [r for _, r in served.log] == [None, None, "bytes=1000-", "bytes=3000-"]
    assert sum("trying again" in m for m in messages) == 3


@pytest.mark.integration
def test_leftover_parts(tmp_path: Path, server: tuple[str, Served], drums_tar: bytes) -> None:
    url, served = server
    served.files["/t.tar"] = drums_tar
    manifest = _manifest(tmp_path, _official("t", f'path = "t.tar", sha256 = "{_sha(drums_tar)}"'))
    cache = tmp_path / "c"
    pending = cache / ".downloads" / "t"

    def leave(data: bytes, *, known: bool = True) -> None:
        """A part as an earlier fetch leaves it (``known``: with its address)."""
        shutil.rmtree(cache / "t", ignore_errors=True)
        pending.mkdir(parents=True, exist_ok=True)
        (pending / "t.tar.part").write_bytes(data)
        if known:
            (pending / "t.tar.part.json").write_text(json.dumps({"url": f"{url}/t.tar"}))

    leave(drums_tar[:5000])
    messages: list[str] = []
    result = _fetch("t", manifest, cache, url, on_message=messages.append)
    assert served.log[-1][1] == "bytes=5000-"
    assert result.files[0].resumed_from == 5000
    assert any(m.startswith("resuming t.tar at") for m in messages)

    # A part of unknown origin is not trusted: the file comes whole.
    leave(b"junk" * 100, known=False)
    result = _fetch("t", manifest, cache, url)
    assert served.log[-1][1] is None and result.files[0].transferred == len(drums_tar)

    # A server that ignores ranges sends the whole file, which replaces the part.
    served.ranges = False
    leave(drums_tar[:5000])
    result = _fetch("t", manifest, cache, url)
    assert served.log[-1][1] == "bytes=5000-"
    assert result.files[0].transferred == len(drums_tar)

    # A part that is already whole gets a 416 and counts as done.
    served.ranges = True
    leave(drums_tar)
    result = _fetch("t", manifest, cache, url)
    assert served.log[-1][1] == f"bytes={len(drums_tar)}-"
    assert result.files[0].transferred == 0 and result.files[0].verified
    assert resolve_model("t", manifest=manifest, cache=cache) == (DRUMS, cache / "t")


@pytest.mark.integration
def test_checksum_and_size_mismatch(
    tmp_path: Path, server: tuple[str, Served], drums_tar: bytes
) -> None:
    url, served = server
    served.files["/t.tar"] = drums_tar
    wrong = "0" * 64
    manifest = _manifest(
        tmp_path,
        _official("sum", f'path = "t.tar", sha256 = "{wrong}"'),
        _official("size", f'path = "t.tar", size = {len(drums_tar) + 1}'),
    )
    cache = tmp_path / "c"
    with pytest.raises(ChecksumError, match=f"does not match the manifest's {wrong}"):
        _fetch("sum", manifest, cache, url)
    # The wrong bytes are gone: the next fetch starts over.
    assert not any((cache / ".downloads" / "sum").iterdir())
    assert not (cache / "sum").exists() and "sum" not in read_index(cache)
    with pytest.raises(DownloadError, match="the manifest says"):
        _fetch("size", manifest, cache, url)
    assert not (cache / "size").exists()


@pytest.mark.integration
def test_not_found_and_server_down(tmp_path: Path, server: tuple[str, Served]) -> None:
    url, served = server
    manifest = _manifest(tmp_path, _official("gone", 'path = "gone.tar"'))
    with pytest.raises(DownloadError, match=r"gone.tar: not found on the server \(HTTP 404\)"):
        _fetch("gone", manifest, tmp_path / "c", url, retries=3)
    assert len(served.log) == 1  # a 404 is final: no retries

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=rf"cannot reach 127.0.0.1:{port}.*after 2 tries"):
        _fetch("gone", manifest, tmp_path / "c", f"http://127.0.0.1:{port}", retries=1)
    assert not (tmp_path / "c" / "gone").exists()


@pytest.mark.integration
def test_bad_archives_are_refused(
    tmp_path: Path, server: tuple[str, Served], drum_files: dict[str, bytes]
) -> None:
    url, served = server
    served.files["/bad.tar"] = b"this is not a tar archive" * 40
    served.files["/evil.tar"] = _tar({"../evil.txt": b"escaped", "x.ckpt.index": b"i"})
    served.files["/empty.tar"] = _tar({"README.md": b"no checkpoint here"})
    manifest = _manifest(
        tmp_path,
        _official("bad", 'path = "bad.tar"'),
        _official("evil", 'path = "evil.tar"'),
        _official("empty", 'path = "empty.tar"'),
    )
    cache = tmp_path / "c"
    with pytest.raises(ZooError, match=r"bad\.tar is not a usable checkpoint archive"):
        _fetch("bad", manifest, cache, url)
    with pytest.raises(ZooError, match="unsafe member refused"):
        _fetch("evil", manifest, cache, url)
    assert not (cache / "evil.txt").exists()
    with pytest.raises(ZooError, match="holds no checkpoint"):
        _fetch("empty", manifest, cache, url)
    for name in ("bad", "evil", "empty"):
        assert not (cache / name).exists()
        assert not list((cache / ".downloads" / name).glob("*"))  # removed: fetch starts over
    assert [p.name for p in cache.iterdir() if p.name.endswith(".staging")] == []


@pytest.mark.integration
def test_plain_files_entry(
    tmp_path: Path,
    server: tuple[str, Served],
    drum_files: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, served = server
    entries = []
    for name, data in drum_files.items():
        served.files[f"/multi/{name}"] = data
        entries.append(f'path = "multi/{name}", sha256 = "{_sha(data)}"')
    manifest = _manifest(tmp_path, _official("split", *entries))
    monkeypatch.setenv(ENV_BASE_URL, url)  # no base_url argument: the environment's
    result = fetch_model("split", manifest=manifest, cache=tmp_path / "c", timeout=TIMEOUT)
    assert sorted(p.name for p in result.path.iterdir()) == sorted(drum_files)
    assert all(f.verified for f in result.files)


@pytest.mark.integration
def test_cli_fetch_info_and_list(
    tmp_path: Path,
    server: tuple[str, Served],
    drums_tar: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, served = server
    served.files["/t.tar"] = drums_tar
    manifest = _manifest(tmp_path, _official("t", 'path = "t.tar"'))
    common = ["--manifest", str(manifest.path), "--dir", str(tmp_path / "c")]
    assert main(["models", "fetch", "t", "--base-url", url, "--timeout", "5", *common]) == 0
    out = capsys.readouterr().out
    assert "recorded (no published checksum)" in out
    assert f"--model {DRUMS} --checkpoint {tmp_path / 'c' / 't'}" in out
    assert main(["models", "fetch", "t", "--base-url", url, *common]) == 0
    assert "already fetched" in capsys.readouterr().out

    info = io.StringIO()
    options = ZooOptions(manifest=manifest.path, cache=tmp_path / "c", base_url=url)
    show_info("t", options, Console(file=info, width=200))
    text = info.getvalue()
    assert f"not published; {_sha(drums_tar)} as downloaded" in text
    assert f"{url}/t.tar" in text and "fetched" in text
    assert "generate sample --model" in text  # a drums model samples

    # A groove model is shown playing a beat: it cannot sample without one.
    info = io.StringIO()
    show_info("lb-groove", ZooOptions(cache=tmp_path / "c"), Console(file=info, width=200))
    assert "generate humanize BEAT.mid --model lb-groove_2bar_tempo_small" in info.getvalue()
    assert "groove_dynamics.json: contrast 1.3273, fitted to 2000 windows" in info.getvalue()

    assert main(["models", "list", "--zoo-only", *common]) == 0
    assert "fetched" in capsys.readouterr().out

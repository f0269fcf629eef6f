"""Downloading an official checkpoint into the cache: resumable, checked, unpacked safely.

Each file goes to ``<cache>/.downloads/<name>/<file>.part``; a later fetch
resumes it with an HTTP ``Range`` request (a server that ignores the range
sends the whole file again, which is fine). A finished file is checked
against the manifest's size and sha256 where it gives them; its sha256 is
recorded in the cache's ``index.json`` in any case. A file that fails its
checksum is deleted, ``.part`` included: resuming from wrong bytes cannot
give the right file, so the next fetch starts over.

A ``.tar`` is unpacked with tarfile's ``data`` filter (no absolute paths, no
``..``, no links out, no device files) into a staging folder that is renamed
to ``<cache>/<name>`` once complete, so a model folder is either whole or
absent. A fetch of a model already there is a no-op (``force`` downloads it
again). Two fetches of the same model at the same time are not guarded
against.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bridge.zoo.errors import ChecksumError, DownloadError, ZooError
from bridge.zoo.local import (
    cache_dir,
    downloads_dir,
    has_checkpoint,
    read_index,
    record_fetch,
)
from bridge.zoo.manifest import Manifest, ZooEntry, ZooFile, load_manifest

__all__ = [
    "ENV_BASE_URL",
    "FetchResult",
    "FileResult",
    "ProgressCallback",
    "base_url_for",
    "fetch_model",
    "sha256_of",
]

ENV_BASE_URL = "LATENT_BRIDGE_MODEL_BASE_URL"
CHUNK = 256 * 1024
USER_AGENT = "latent-bridge-model-fetch/1"

# (file name, bytes on disk so far, total bytes or None when the server does not say)
ProgressCallback = Callable[[str, int, int | None], None]
MessageCallback = Callable[[str], None]

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)")
# Client errors worth trying again; any other 4xx is final.
_RETRY_STATUS = {408, 425, 429}


@dataclass(frozen=True)
class FileResult:
    """One downloaded file: where from, its size and sha256, and whether that was checked."""

    name: str
    url: str
    size: int
    sha256: str
    verified: bool  # the manifest gave a sha256 and it matched
    resumed_from: int = 0  # bytes that were already on disk when this fetch began
    transferred: int = 0  # bytes received by this fetch


@dataclass(frozen=True)
class FetchResult:
    name: str
    config: str
    path: Path
    already: bool  # nothing to do: the model was fetched before
    files: tuple[FileResult, ...] = ()

    @property
    def transferred(self) -> int:
        return sum(f.transferred for f in self.files)


class _Retry(Exception):
    """A failure that another try may get past (network down, cut, 5xx)."""


class _Restart(Exception):
    """The partial file cannot be resumed: start the file over."""


def base_url_for(manifest: Manifest, override: str | None = None) -> str:
    """``override``, else ``$LATENT_BRIDGE_MODEL_BASE_URL``, else the manifest's base_url."""
    url = override or os.environ.get(ENV_BASE_URL) or manifest.base_url
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ZooError(f"base URL must be an http:// or https:// address, got {url!r}")
    return url


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def fetch_model(
    name: str,
    *,
    manifest: Manifest | None = None,
    cache: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    force: bool = False,
    retries: int = 3,
    timeout: float = 30.0,
    backoff: float = 1.0,
    on_progress: ProgressCallback | None = None,
    on_message: MessageCallback | None = None,
) -> FetchResult:
    """Download, check and unpack the official model ``name`` into the cache.

    ``retries`` more tries follow a failed one (waiting ``backoff`` seconds,
    doubling), each resuming where the last stopped. Raises
    :class:`DownloadError` (not found, unreachable, interrupted: the partial
    file is kept for the next fetch), :class:`ChecksumError` or
    :class:`ZooError` (a bundled model, an archive that is not a checkpoint).
    """
    if retries < 0:
        raise ZooError(f"retries must be 0 or more, got {retries}")
    manifest = manifest or load_manifest()
    entry = manifest.get(name)
    if entry.is_bundled:
        where = entry.folder
        raise ZooError(
            f"{name!r} is bundled with Latent Bridge (in {where}), not downloaded: nothing to fetch"
        )
    assert entry.config is not None  # required of official entries
    say = on_message or (lambda _text: None)
    cache_path = cache_dir(cache)
    final = cache_path / name
    if has_checkpoint(final) and not force:
        return FetchResult(
            name, entry.config, final, already=True, files=_recorded(cache_path, name)
        )
    base = base_url_for(manifest, base_url)
    pending = downloads_dir(cache_path, name)
    if force:
        shutil.rmtree(pending, ignore_errors=True)
    pending.mkdir(parents=True, exist_ok=True)

    results = [
        _fetch_file(
            f,
            f.url(base),
            pending,
            retries=retries,
            timeout=timeout,
            backoff=backoff,
            on_progress=on_progress,
            say=say,
        )
        for f in entry.files
    ]
    _install(entry, pending, final, say)
    shutil.rmtree(pending, ignore_errors=True)
    with contextlib.suppress(OSError):  # only if no other model is downloading
        pending.parent.rmdir()
    record_fetch(
        cache_path,
        name,
        {
            "config": entry.config,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": [
                {
                    "name": r.name,
                    "url": r.url,
                    "size": r.size,
                    "sha256": r.sha256,
                    "verified": r.verified,
                }
                for r in results
            ],
        },
    )
    return FetchResult(name, entry.config, final, already=False, files=tuple(results))


def _recorded(cache: Path, name: str) -> tuple[FileResult, ...]:
    record = read_index(cache).get(name)
    files = record.get("files") if isinstance(record, dict) else None
    out: list[FileResult] = []
    for f in files if isinstance(files, list) else []:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            out.append(
                FileResult(
                    name=str(f["name"]),
                    url=str(f["url"]),
                    size=int(f["size"]),
                    sha256=str(f["sha256"]),
                    verified=bool(f.get("verified", False)),
                )
            )
    return tuple(out)


# --- one file -----------------------------------------------------------------


def _fetch_file(
    zf: ZooFile,
    url: str,
    pending: Path,
    *,
    retries: int,
    timeout: float,
    backoff: float,
    on_progress: ProgressCallback | None,
    say: MessageCallback,
) -> FileResult:
    dest = pending / zf.name
    resumed_from = transferred = 0
    if dest.is_file():  # downloaded by an earlier fetch that stopped before unpacking
        resumed_from = dest.stat().st_size
        if on_progress:
            on_progress(zf.name, resumed_from, resumed_from)
    else:
        resumed_from, transferred = _download(
            url,
            dest,
            zf,
            retries=retries,
            timeout=timeout,
            backoff=backoff,
            on_progress=on_progress,
            say=say,
        )
    size = dest.stat().st_size
    if zf.size is not None and size != zf.size:
        dest.unlink()
        raise DownloadError(
            f"{url}: got {size} bytes, the manifest says {zf.size}; the file was removed, "
            "fetch again to download it anew"
        )
    digest = sha256_of(dest)
    if zf.sha256 is not None and digest != zf.sha256:
        dest.unlink()
        raise ChecksumError(
            f"{url}: sha256 {digest} does not match the manifest's {zf.sha256}; "
            "the download was removed (fetch again to download it anew)"
        )
    return FileResult(
        name=zf.name,
        url=url,
        size=size,
        sha256=digest,
        verified=zf.sha256 is not None,
        resumed_from=resumed_from,
        transferred=transferred,
    )


def _download(
    url: str,
    dest: Path,
    zf: ZooFile,
    *,
    retries: int,
    timeout: float,
    backoff: float,
    on_progress: ProgressCallback | None,
    say: MessageCallback,
) -> tuple[int, int]:
    """Download ``url`` to ``dest`` through ``dest.part``; returns (resumed from, received)."""
    part = dest.with_name(dest.name + ".part")
    meta = dest.with_name(dest.name + ".part.json")
    first_offset: int | None = None
    received = 0
    failures = restarts = 0
    while True:
        offset = _resume_offset(part, meta, url, zf.size)
        if first_offset is None:
            first_offset = offset
            if offset:
                say(f"resuming {zf.name} at {_mb(offset)}")
        try:
            received += _attempt(url, part, meta, offset, zf, timeout, on_progress)
            break
        except _Restart as exc:
            restarts += 1
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            if restarts > 2:
                raise DownloadError(f"{url}: {exc}") from None
            say(f"starting {zf.name} over: {exc}")
        except _Retry as exc:
            failures += 1
            kept = part.stat().st_size if part.exists() else 0
            if failures > retries:
                tries = f"{failures} tries" if failures > 1 else "1 try"
                resume = (
                    f"; {_mb(kept)} are kept in {part}, run the same fetch again to resume"
                    if kept
                    else ""
                )
                raise DownloadError(f"{url}: {exc} (gave up after {tries}){resume}") from None
            wait = backoff * 2 ** (failures - 1)
            say(f"{zf.name}: {exc}; trying again" + (f" in {wait:.0f} s" if wait >= 1 else ""))
            if wait > 0:
                time.sleep(wait)
    os.replace(part, dest)
    meta.unlink(missing_ok=True)
    return first_offset or 0, received


def _resume_offset(part: Path, meta: Path, url: str, size: int | None) -> int:
    """Bytes of ``part`` that can be resumed; 0 (and no part) when it belongs elsewhere."""
    if not part.is_file():
        return 0
    offset = part.stat().st_size
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    # A part from another address, or longer than the file, cannot be resumed.
    if not isinstance(info, dict) or info.get("url") != url or (size and offset > size):
        part.unlink()
        meta.unlink(missing_ok=True)
        return 0
    return offset


def _attempt(
    url: str,
    part: Path,
    meta: Path,
    offset: int,
    zf: ZooFile,
    timeout: float,
    on_progress: ProgressCallback | None,
) -> int:
    """One request: append what the server sends to ``part``; returns bytes received."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    validator = _validator(meta) if offset else None
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if validator:
            headers["If-Range"] = validator
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 416 and offset:
                total = _unsatisfied_total(exc.headers.get("Content-Range"))
                if total == offset:  # the part was complete already
                    return 0
                raise _Restart("the server cannot resume this partial file") from None
            if exc.code == 404:
                raise DownloadError(f"{url}: not found on the server (HTTP 404)") from None
            if exc.code >= 500 or exc.code in _RETRY_STATUS:
                raise _Retry(f"server error (HTTP {exc.code} {exc.reason})") from None
            raise DownloadError(
                f"{url}: the server refused (HTTP {exc.code} {exc.reason})"
            ) from None
    except urllib.error.URLError as exc:
        raise _Retry(f"cannot reach {_host(url)}: {_reason(exc.reason)}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _Retry(f"cannot reach {_host(url)}: {_reason(exc)}") from None

    with response:
        status = response.status
        headers_in = response.headers
        if status == 206 and offset:
            match = _CONTENT_RANGE.fullmatch((headers_in.get("Content-Range") or "").strip())
            if not match or int(match.group(1)) != offset:
                raise _Restart("the server answered another range than asked for")
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        elif status == 200:
            offset = 0  # a full answer, also to a range request: start the file over
            length = headers_in.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        else:
            raise _Retry(f"unexpected answer (HTTP {status})")
        if zf.size is not None and total is not None and total != zf.size:
            raise DownloadError(f"{url}: the server has {total} bytes, the manifest says {zf.size}")
        _write_meta(meta, url, total, headers_in.get("ETag"), headers_in.get("Last-Modified"))
        done = offset
        received = 0
        if on_progress:
            on_progress(zf.name, done, total)
        with part.open(mode) as out:
            while True:
                try:
                    block = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise _Retry(f"download interrupted at {_mb(done)}: {_reason(exc)}") from None
                if not block:
                    break
                out.write(block)
                done += len(block)
                received += len(block)
                if on_progress:
                    on_progress(zf.name, done, total)
    if total is not None and done < total:
        raise _Retry(f"download interrupted at {_mb(done)} of {_mb(total)}")
    if total is not None and done > total:
        raise _Restart(f"the server sent {done} bytes of a {total}-byte file")
    return received


def _write_meta(
    meta: Path, url: str, total: int | None, etag: str | None, modified: str | None
) -> None:
    data = {"url": url, "total": total, "etag": etag, "last_modified": modified}
    meta.write_text(json.dumps(data) + "\n", encoding="utf-8")


def _validator(meta: Path) -> str | None:
    """A strong ETag (or Last-Modified) for If-Range: a changed file comes back whole."""
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    etag = info.get("etag") if isinstance(info, dict) else None
    if isinstance(etag, str) and etag and not etag.startswith("W/"):
        return etag
    modified = info.get("last_modified") if isinstance(info, dict) else None
    return modified if isinstance(modified, str) and modified else None


def _unsatisfied_total(value: str | None) -> int | None:
    match = _UNSATISFIED_RANGE.fullmatch((value or "").strip())
    return int(match.group(1)) if match else None


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    text = str(reason)
    return text or type(reason).__name__


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# --- unpacking ------------------------------------------------------------------


def _install(entry: ZooEntry, pending: Path, final: Path, say: MessageCallback) -> None:
    """Unpack or move the downloaded files into a staging folder, then rename it to ``final``."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".staging", dir=final.parent))
    try:
        for zf in entry.files:
            src = pending / zf.name
            if zf.is_archive:
                say(f"unpacking {zf.name}")
                _unpack(src, staging)
            else:
                os.replace(src, staging / zf.name)
        if not has_checkpoint(staging):
            shutil.rmtree(pending, ignore_errors=True)
            raise ZooError(
                f"the download of {entry.name!r} holds no checkpoint (*.index file); it was removed"
            )
        if final.exists():  # a forced fetch: swap the old folder out, then delete it
            old = final.with_name(f".{entry.name}.old-{os.getpid()}")
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _unpack(archive: Path, target: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, ".." members, links out of
            # the target and device files: an archive cannot write elsewhere.
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        archive.unlink(missing_ok=True)
        raise ZooError(
            f"{archive.name} is not a usable checkpoint archive ({_describe(exc)}); "
            "the download was removed"
        ) from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, tarfile.FilterError):
        return f"unsafe member refused: {exc}"
    return str(exc) or type(exc).__name__

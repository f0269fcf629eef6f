"""The manifest of known models (``models/manifest.toml``), read and checked.

Reading it needs neither TensorFlow nor the network, so ``models list`` and
``models info`` answer at once. The format is described at the top of the
manifest itself.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bridge.errors import UnknownModelError
from bridge.zoo.errors import ZooError

__all__ = [
    "DEFAULT_MANIFEST",
    "KINDS",
    "MODELS_DIR",
    "ROLES",
    "Manifest",
    "ZooEntry",
    "ZooFile",
    "load_manifest",
    "parse_manifest",
]


def _models_dir() -> Path:
    """The manifest and the bundled model folders: the checkout's ``models/``,
    or, in an installed wheel, the copy packed as ``bridge/models``."""
    checkout = Path(__file__).resolve().parents[2] / "models"
    packed = Path(__file__).resolve().parents[1] / "models"
    return checkout if (checkout / "manifest.toml").is_file() else packed


MODELS_DIR = _models_dir()
DEFAULT_MANIFEST = MODELS_DIR / "manifest.toml"

KINDS = ("official", "bundled")
# The values of bridge.engine.Role, repeated so that reading the manifest
# imports nothing of the engine (a test keeps the two equal).
ROLES = ("drums", "melody", "groove", "trio", "multitrack")

# Names become folder and file names in the cache: no separators, no "..".
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")

_ENTRY_KEYS = {"name", "kind", "config", "role", "description", "files", "path", "size_note"}
_FILE_KEYS = {"path", "size", "sha256"}


@dataclass(frozen=True)
class ZooFile:
    """One file of an official model: where it lies under the base address."""

    path: str
    size: int | None = None
    sha256: str | None = None

    @property
    def name(self) -> str:
        """The file's own name, as it is stored in the cache."""
        return PurePosixPath(self.path).name

    @property
    def is_archive(self) -> bool:
        return self.name.endswith(".tar")

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{self.path}"


@dataclass(frozen=True)
class ZooEntry:
    """A model of the zoo: an official checkpoint to download, or a bundled one."""

    name: str
    kind: str
    role: str
    config: str | None = None
    description: str = ""
    files: tuple[ZooFile, ...] = ()
    folder: Path | None = None  # bundled: where its checkpoint, run.json and card live
    size_note: str | None = None

    @property
    def is_bundled(self) -> bool:
        return self.kind == "bundled"

    @property
    def size(self) -> int | None:
        """Total bytes to download, when every file's size is known."""
        sizes = [f.size for f in self.files]
        if not sizes or any(s is None for s in sizes):
            return None
        return sum(s for s in sizes if s is not None)


@dataclass(frozen=True)
class Manifest:
    """Every entry of a manifest file, in the file's order."""

    path: Path
    base_url: str
    entries: tuple[ZooEntry, ...]

    def __iter__(self) -> Iterator[ZooEntry]:
        return iter(self.entries)

    def __contains__(self, name: object) -> bool:
        return any(e.name == name for e in self.entries)

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def get(self, name: str) -> ZooEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise UnknownModelError(
            f"no model {name!r} in the zoo ({self.path}); known: {', '.join(self.names())}"
        )


def load_manifest(path: str | Path | None = None) -> Manifest:
    """Read and check a manifest (``models/manifest.toml`` of the checkout by default)."""
    p = Path(path).expanduser() if path is not None else DEFAULT_MANIFEST
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ZooError(f"model manifest not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ZooError(f"cannot read model manifest {p}: {exc}") from exc
    return parse_manifest(text, p)


def parse_manifest(text: str, path: Path) -> Manifest:
    """Check the TOML ``text`` of the manifest at ``path``; bundled folders are relative to it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ZooError(f"{path}: not valid TOML: {exc}") from exc
    version = data.get("version", 1)
    if version != 1:
        raise ZooError(f"{path}: manifest version {version!r} is not supported (expected 1)")
    download = data.get("download", {})
    if not isinstance(download, dict):
        raise ZooError(f"{path}: [download] must be a table")
    base_url = download.get("base_url", "")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ZooError(f"{path}: [download] base_url must be an http(s) address")
    raw = data.get("models", [])
    if not isinstance(raw, list):
        raise ZooError(f"{path}: models must be an array of tables ([[models]])")
    entries: list[ZooEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{path}: models[{i}]"
        if not isinstance(item, dict):
            raise ZooError(f"{where} is not a table")
        entry = _entry(item, where, path.parent)
        if entry.name in seen:
            raise ZooError(f"{where}: the name {entry.name!r} is listed twice")
        seen.add(entry.name)
        entries.append(entry)
    return Manifest(path=path, base_url=base_url, entries=tuple(entries))


def _text(item: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise ZooError(f"{where}: {key!r} is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ZooError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _safe_name(value: str, what: str, where: str) -> str:
    if not _SAFE_NAME.fullmatch(value):
        raise ZooError(
            f"{where}: {what} {value!r} may hold only letters, digits, '.', '_' and '-' "
            "and must start with a letter or digit"
        )
    return value


def _entry(item: dict[str, Any], where: str, root: Path) -> ZooEntry:
    unknown = set(item) - _ENTRY_KEYS
    if unknown:
        raise ZooError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = _safe_name(_text(item, "name", where, required=True) or "", "name", where)
    where = f"{where} ({name})"
    kind = _text(item, "kind", where, required=True)
    if kind not in KINDS:
        raise ZooError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    role = _text(item, "role", where, required=True)
    if role not in ROLES:
        raise ZooError(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    config = _text(item, "config", where, required=kind == "official")
    description = _text(item, "description", where, required=False) or ""
    size_note = _text(item, "size_note", where, required=False)
    if kind == "bundled":
        if "files" in item:
            raise ZooError(f"{where}: a bundled model has a 'path', not 'files'")
        folder = _text(item, "path", where, required=True) or ""
        rel = PurePosixPath(folder)
        if rel.is_absolute() or ".." in rel.parts or "\\" in folder:
            raise ZooError(f"{where}: path {folder!r} must stay inside {root}")
        return ZooEntry(
            name=name,
            kind=kind,
            role=role,
            config=config,
            description=description,
            folder=root / rel,
            size_note=size_note,
        )
    if "path" in item:
        raise ZooError(f"{where}: an official model has 'files', not a 'path'")
    files = item.get("files")
    if not isinstance(files, list) or not files:
        raise ZooError(f"{where}: 'files' must be a non-empty array")
    parsed = tuple(_file(f, f"{where} files[{j}]") for j, f in enumerate(files))
    names = [f.name for f in parsed]
    if len(set(names)) != len(names):
        raise ZooError(f"{where}: two files have the same name")
    return ZooEntry(
        name=name,
        kind=kind,
        role=role,
        config=config,
        description=description,
        files=parsed,
        size_note=size_note,
    )


def _file(item: Any, where: str) -> ZooFile:
    if not isinstance(item, dict):
        raise ZooError(f"{where} is not a table")
    unknown = set(item) - _FILE_KEYS
    if unknown:
        raise ZooError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    path = _text(item, "path", where, required=True) or ""
    parts = PurePosixPath(path).parts
    if path.startswith("/") or "://" in path or any(p in ("", ".", "..") for p in parts):
        raise ZooError(f"{where}: path {path!r} must be relative to the base address")
    _safe_name(parts[-1], "file name", where)
    size = item.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ZooError(f"{where}: size must be a positive number of bytes, got {size!r}")
    sha256 = item.get("sha256")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.fullmatch(sha256)):
        raise ZooError(f"{where}: sha256 must be 64 lower-case hex digits, got {sha256!r}")
    return ZooFile(path=path, size=size, sha256=sha256)

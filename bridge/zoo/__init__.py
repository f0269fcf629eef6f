"""The model zoo: a manifest of known models, fetching official checkpoints, finding them.

``models/manifest.toml`` lists the official Magenta MusicVAE checkpoints
(with their download address, and size and checksum where published) and
the models bundled with Latent Bridge. :func:`fetch_model` downloads one
into the cache; :func:`resolve_model` gives the registry config and the
checkpoint path of any zoo model that is here, or says how to get it.
"""

from bridge.zoo.errors import ChecksumError, DownloadError, ModelMissingError, ZooError
from bridge.zoo.fetch import FetchResult, FileResult, fetch_model, sha256_of
from bridge.zoo.local import ModelState, cache_dir, model_state, resolve_model
from bridge.zoo.manifest import Manifest, ZooEntry, ZooFile, load_manifest, parse_manifest

__all__ = [
    "ChecksumError",
    "DownloadError",
    "FetchResult",
    "FileResult",
    "Manifest",
    "ModelMissingError",
    "ModelState",
    "ZooEntry",
    "ZooError",
    "ZooFile",
    "cache_dir",
    "fetch_model",
    "load_manifest",
    "model_state",
    "parse_manifest",
    "resolve_model",
    "sha256_of",
]

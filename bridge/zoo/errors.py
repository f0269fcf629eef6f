"""Errors of the model zoo, each a :class:`~bridge.errors.BridgeError` with a code."""

from __future__ import annotations

from bridge.errors import BridgeError, CheckpointError


class ZooError(BridgeError):
    """The manifest is invalid, or a zoo operation cannot go on."""

    code = "zoo"


class DownloadError(ZooError):
    """A download failed: not found, unreachable, interrupted, or the wrong size."""

    code = "download"


class ChecksumError(DownloadError):
    """A downloaded file does not have the sha256 the manifest gives."""

    code = "checksum"


class ModelMissingError(CheckpointError):
    """A zoo model is known but its checkpoint is not here (not fetched, not trained yet)."""

    code = "model_missing"

"""Errors a musician can read.

Every error the engine raises on purpose is a :class:`BridgeError` with a short
machine-readable ``code`` (sent as-is in OSC error replies) and a message that
says what was wrong and what to do about it.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Base class: an error meant to be shown to the user, not a crash."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidNoteError(BridgeError, ValueError):
    """A note field is out of range or of the wrong type."""

    code = "invalid_note"


class InvalidClipError(BridgeError, ValueError):
    """A clip's length, time signature or notes are not valid."""

    code = "invalid_clip"


class UnsupportedClipError(BridgeError, ValueError):
    """A valid clip that this model cannot take (meter, range, track count, empty)."""

    code = "unsupported_clip"


class MidiFileError(BridgeError, ValueError):
    """A MIDI file could not be read or holds nothing usable."""

    code = "midi_file"


class UnknownModelError(BridgeError, KeyError):
    """No model of that name is registered."""

    code = "unknown_model"

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


class CheckpointError(BridgeError, OSError):
    """A checkpoint is missing, unreadable or does not match its config."""

    code = "checkpoint"


class InvalidRequestError(BridgeError, ValueError):
    """An operation's parameters are out of range (count, temperature, ...)."""

    code = "invalid_request"


class TrainingError(BridgeError, RuntimeError):
    """A training run cannot start or continue (no data, wrong run directory, disk full)."""

    code = "training"

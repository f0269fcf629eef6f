"""A GrooVAE converter that also tells the model the tempo.

How far a drummer plays ahead of or behind the grid, measured in 16ths,
depends on the tempo: the same few milliseconds of push are a larger part
of a 16th at 160 bpm than at 70, and slow grooves are laid back in ways fast
ones are not. A quantized clip carries no tempo, so a model that reads only
the pattern has to guess it; on held-out Groove MIDI beats, regressors told
the tempo cut their timing error by a quarter of what separates a 16th-grid
table from a per-file oracle (docs/benchmarks.md, "Humanize against tables").

:class:`TempoGrooveConverter` adds the tempo of the NoteSequence it converts
(its first tempo, the one GrooVAE's own converter times the offsets by) to
every step's controls as a thermometer code: one bit per mark in
:data:`TEMPO_MARKS`, set where the tempo is at or above the mark. Controls
stay booleans, neighbouring tempos share most bits, and a tempo beyond the
marks reads as the nearest end. The engine builds the sequence at the
request's tempo (:func:`bridge.convert.sequence_at_tempo`).

In training each window is told its tempo moved by up to ``tempo_jitter``
(a fraction, drawn per window): the model learns how playing changes with
the tempo broadly, and cannot pick out one performance of the training set
by its exact tempo, which it otherwise does (held-out timing got worse the
longer it trained).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bridge.engine.tfcompat import magenta_configs

magenta_configs()  # Magenta's modules import under our TensorFlow settings
from magenta.models.music_vae import data  # noqa: E402

__all__ = ["TEMPO_MARKS", "TempoGrooveConverter", "tempo_bits"]

# Tempo marks in bpm: Groove MIDI's beats run from about 50 to 240 bpm, most
# between 80 and 140.
TEMPO_MARKS: tuple[float, ...] = (70, 80, 90, 100, 110, 120, 130, 145, 160, 180)


def tempo_bits(qpm: float, marks: Sequence[float] = TEMPO_MARKS) -> np.ndarray:
    """The thermometer code of ``qpm``: bit i is set when qpm >= marks[i]."""
    return np.asarray([qpm >= m for m in marks], dtype=bool)


class TempoGrooveConverter(data.GrooveConverter):  # type: ignore[misc]
    """GrooVAE's converter with the sequence's tempo in every step's controls
    (after the hits, when ``hits_as_controls``)."""

    def __init__(
        self,
        *,
        tempo_marks: Sequence[float] = TEMPO_MARKS,
        tempo_jitter: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._tempo_marks = tuple(float(m) for m in tempo_marks)
        self._tempo_jitter = float(tempo_jitter)
        self._control_depth += len(self._tempo_marks)

    @property
    def tempo_width(self) -> int:
        """How many control columns (the last ones) carry the tempo."""
        return len(self._tempo_marks)

    def to_tensors(self, item: Any) -> Any:
        out = super().to_tensors(item)
        if not out.inputs:
            return out
        qpm = float(item.tempos[0].qpm) if item.tempos else 120.0
        jitter = self._tempo_jitter if self.is_training else 0.0
        controls = []
        for c in out.controls:
            # Magenta's converters draw their training noise from numpy's global state.
            told = qpm * float(np.exp(np.random.uniform(-jitter, jitter))) if jitter else qpm
            bits = tempo_bits(told, self._tempo_marks)
            controls.append(np.concatenate([np.asarray(c, bool), np.tile(bits, (len(c), 1))], 1))
        return data.ConverterTensors(
            inputs=out.inputs, outputs=out.outputs, controls=controls, lengths=out.lengths
        )

    def pad_controls(self, controls: Any, rows: int) -> np.ndarray:
        """``controls`` extended to ``rows`` steps of silence at the same tempo."""
        c = np.asarray(controls)
        if len(c) >= rows or not len(c):
            return c
        pad = np.zeros((rows - len(c), c.shape[1]), c.dtype)
        pad[:, c.shape[1] - self.tempo_width :] = c[-1, c.shape[1] - self.tempo_width :]
        return np.concatenate([c, pad])

"""A multi-instrument performance converter with a fixed part order.

Magenta's ``MultiInstrumentPerformanceConverter`` sorts a bar's tracks by
program with drums last, so where the drums sit depends on how many pitched
parts play: third of three, fourth of four. The hierarchical decoder decodes
each slot on its own from the conductor, and when sampling from the prior
nothing says which count it is in; a 4-slot band model sampled at
temperature 0.5 left out the drums in a third of its bars even though nearly
every training bar has them.

Here the order is drums, then bass (programs 32 to 39), then the other parts
in Magenta's order, so each slot learns one role. Only the order of the
track tensors changes; tokens, depths and decoding are Magenta's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from magenta.models.music_vae import data_hierarchical
from note_seq import MAX_MIDI_PROGRAM, MIN_MIDI_PROGRAM

from bridge.convert import BASS_PROGRAMS

PROGRAMS = MAX_MIDI_PROGRAM - MIN_MIDI_PROGRAM + 1


def part_rank(program_token: int, first_program_token: int) -> int:
    """0 for drums, 1 for bass, 2 for anything else."""
    program = program_token - first_program_token
    if program == PROGRAMS:  # Magenta's extra program token is the drums
        return 0
    return 1 if program + MIN_MIDI_PROGRAM in BASS_PROGRAMS else 2


class BandPerformanceConverter(data_hierarchical.MultiInstrumentPerformanceConverter):  # type: ignore[misc]
    """Tracks in the order drums, bass, others (stable within each group)."""

    def _quantized_subsequence_to_tensors(self, quantized_subsequence: Any) -> Any:
        chunks, chords = super()._quantized_subsequence_to_tensors(quantized_subsequence)
        if not chunks:
            return chunks, chords
        first = self._performance_encoding.num_classes
        # Every chunk holds the same tracks in the same order: rank by the first.
        tokens = [int(np.argmax(track[0])) for track in chunks[0]]
        order = sorted(range(len(tokens)), key=lambda i: part_rank(tokens[i], first))
        chunks = [[chunk[i] for i in order] for chunk in chunks]
        chords = [[chunk[i] for i in order] for chunk in chords]
        return chunks, chords

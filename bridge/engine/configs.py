"""Our model configs, built the way Magenta builds its own, and the loaders that
put Magenta's CONFIG_MAP and ours into the registry (:mod:`bridge.engine.registry`).

Building a config imports Magenta and TensorFlow; the registry calls these
loaders only when a model is first looked up.
"""

from __future__ import annotations

import copy
from typing import Any

from bridge.engine.registry import ModelSpec, spec_from_config

__all__ = [
    "band_config",
    "groove_context_config",
    "groove_hits_config",
    "groove_tempo_config",
    "magenta_specs",
    "our_specs",
    "small_config",
]


def magenta_specs() -> dict[str, ModelSpec]:
    """Every config of Magenta's CONFIG_MAP, under Magenta's own name."""
    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    return {
        name: spec_from_config(name, config, description="Magenta MusicVAE config")
        for name, config in configs.CONFIG_MAP.items()
    }


def small_config(base: str, **hparams: Any) -> Any:
    """A copy of a Magenta config with some hparams changed."""
    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    from magenta.common import merge_hparams
    from magenta.contrib import training as contrib_training

    cfg = copy.deepcopy(configs.CONFIG_MAP[base])
    merged = merge_hparams(cfg.hparams, contrib_training.HParams(**hparams))
    return configs.update_config(cfg, {"hparams": merged})


def band_config(instruments: int = 4, events: int = 64, rnn: int = 128, z_size: int = 128) -> Any:
    """A 1-bar multi-instrument performance model for a band (drums, bass, chords).

    Magenta's hier-multiperf configs take up to 8 instruments of 64 events
    with 1024-unit encoders; a band of three or four needs much less. Every
    example is 4 x 64 LSTM steps each way, so the width sets the training
    speed on a CPU: 128 units train about 2.5 times faster than 256.
    Their config defaults to the plain VAE loss (KL weight 1, no free bits),
    which on a small budget collapses the posterior (under 3 bits of KL after
    250 steps, so the decoder ignores z); Magenta's published multitrack
    checkpoints were trained with free bits instead (``model_fb256``,
    ``model_chords_fb64``). This one lets z carry 64 bits free and weighs
    the rest at 0.2, like Magenta's drum and GrooVAE configs. Its tracks
    come in a fixed order, drums then bass then the rest
    (:mod:`bridge.engine.band`), so that each slot learns one part.
    """
    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    from magenta.common import merge_hparams
    from magenta.contrib import training as contrib_training
    from magenta.models.music_vae import MusicVAE, lstm_models

    from bridge.engine.band import BandPerformanceConverter

    hparams = merge_hparams(
        lstm_models.get_default_hparams(),
        contrib_training.HParams(
            batch_size=64,
            max_seq_len=instruments * events,
            z_size=z_size,
            enc_rnn_size=[rnn],
            dec_rnn_size=[rnn, rnn],
            free_bits=64,
            max_beta=0.2,
        ),
    )
    return configs.Config(
        model=MusicVAE(
            lstm_models.HierarchicalLstmEncoder(
                lstm_models.BidirectionalLstmEncoder, level_lengths=[events, instruments]
            ),
            lstm_models.HierarchicalLstmDecoder(
                lstm_models.CategoricalLstmDecoder(),
                level_lengths=[instruments, events],
                disable_autoregression=True,
            ),
        ),
        hparams=hparams,
        note_sequence_augmenter=None,
        data_converter=BandPerformanceConverter(
            num_velocity_bins=8,
            hop_size_bars=1,
            max_num_instruments=instruments,
            max_events_per_instrument=events,
        ),
        train_examples_path=None,
        eval_examples_path=None,
    )


def groove_hits_config(**hparams: Any) -> Any:
    """GrooVAE humanize whose decoder also reads the input's hits.

    Magenta's ``groovae_2bar_humanize`` decodes the hits from z alone, so a
    small z drops or adds notes (a hit F1 of about 0.73 against the input for
    lb-groove). Here the encoder still reads the quantized, velocity-free
    pattern, and the decoder gets the same hits as a control at each step (as
    in ``groovae_2bar_hits_control``), so it spends itself on velocities and
    microtiming, and humanize keeps the clip's notes.
    """
    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    from magenta.models.music_vae import data

    cfg = small_config("groovae_2bar_humanize", **hparams)
    converter = _hits_converter(data.GrooveConverter)
    return configs.update_config(cfg, {"data_converter": converter})


def _hits_converter(kind: Any, **more: Any) -> Any:
    """A GrooVAE humanize converter of 2-bar windows (quantized, velocity-free
    inputs) whose hits are also the decoder's controls; ``kind`` is
    Magenta's ``GrooveConverter`` or a subclass. Magenta must be imported
    under our settings first (:func:`magenta_configs`)."""
    from magenta.models.music_vae import data

    return kind(
        split_bars=2,
        steps_per_quarter=4,
        quarters_per_bar=4,
        max_tensors_per_notesequence=20,
        humanize=True,
        hits_as_controls=True,
        pitch_classes=data.ROLAND_DRUM_PITCH_CLASSES,
        inference_pitch_classes=data.REDUCED_DRUM_PITCH_CLASSES,
        **more,
    )


def groove_context_config(**hparams: Any) -> Any:
    """GrooVAE humanize whose decoder reads the whole pattern around each step.

    In :func:`groove_hits_config` the decoder reads the hits up to the step
    it plays, and everything later only through z. How a hit is played
    depends as much on what follows it (the snare before a fill, the hat
    before a crash): a regressor that sees the whole pattern around each hit
    beats that model clearly on held-out velocities (docs/benchmarks.md).
    Here the hits first pass through a bidirectional LSTM, Magenta's
    ``BidirectionalLstmControlPreprocessingDecoder``, so every step of the
    decoder reads the pattern before and after it.
    """
    from magenta.models.music_vae import MusicVAE, lstm_models

    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    cfg = groove_hits_config(**hparams)
    model = MusicVAE(
        lstm_models.BidirectionalLstmEncoder(),
        lstm_models.BidirectionalLstmControlPreprocessingDecoder(lstm_models.GrooveLstmDecoder()),
    )
    return configs.update_config(cfg, {"model": model})


def groove_tempo_config(**hparams: Any) -> Any:
    """:func:`groove_context_config` told the tempo, on windows a bar apart.

    The converter (:class:`bridge.engine.groove.TempoGrooveConverter`) adds
    the tempo to the controls that the encoder and the decoder's
    bidirectional pass read, so the model can play a slow groove laid back
    and a fast one pushed. Training windows start every bar instead of every
    second bar: twice the (overlapping) windows from the same files, each
    beat heard starting on either of its bars. In training each window is
    told its tempo give or take up to 8% (``tempo_jitter``).
    """
    from bridge.engine.tfcompat import magenta_configs

    configs = magenta_configs()
    from bridge.engine.groove import TempoGrooveConverter

    cfg = groove_context_config(**hparams)
    converter = _hits_converter(TempoGrooveConverter, tempo_jitter=0.08, hop_size=16)
    return configs.update_config(cfg, {"data_converter": converter})


def our_specs() -> dict[str, ModelSpec]:
    """Latent Bridge's own configs: small models that train on a laptop."""
    small = {"enc_rnn_size": [256], "dec_rnn_size": [256, 256], "z_size": 128}
    tiny = {"enc_rnn_size": [64], "dec_rnn_size": [64], "z_size": 16}
    made = {
        "lb-drums_2bar_small": (
            small_config("cat-drums_2bar_small", **small),
            "2-bar drums (9 classes), small enough to train on a CPU",
        ),
        "lb-mel_2bar_small": (
            small_config("cat-mel_2bar_small", **small),
            "2-bar monophonic melody, small enough to train on a CPU",
        ),
        "lb-groove_2bar_small": (
            small_config(
                "groovae_2bar_humanize", enc_rnn_size=[256], dec_rnn_size=[256], z_size=128
            ),
            "2-bar GrooVAE humanize (velocity and microtiming), small",
        ),
        "lb-groove_2bar_hits_small": (
            groove_hits_config(enc_rnn_size=[256], dec_rnn_size=[256], z_size=128),
            "2-bar GrooVAE humanize that keeps the input's hits (decoder reads them), small",
        ),
        "lb-groove_2bar_context_small": (
            groove_context_config(
                enc_rnn_size=[256],
                dec_rnn_size=[256],
                control_preprocessing_rnn_size=[128],
                z_size=128,
            ),
            "2-bar GrooVAE humanize that reads the whole pattern around each hit, small",
        ),
        "lb-groove_2bar_tempo_small": (
            groove_tempo_config(
                enc_rnn_size=[256],
                dec_rnn_size=[256],
                control_preprocessing_rnn_size=[128],
                z_size=128,
            ),
            "2-bar GrooVAE humanize that reads the whole pattern and the tempo, small",
        ),
        "lb-band_1bar_small": (
            band_config(),
            "1-bar band (up to 4 instruments: drums, bass, chords, ...), small",
        ),
        "lb-trio_16bar_small": (
            small_config(
                "hierdec-trio_16bar",
                enc_rnn_size=[256],
                dec_rnn_size=[256, 256],
                z_size=128,
            ),
            "16-bar trio (melody, bass, drums), small enough to train on a CPU",
        ),
        "lb-drums_2bar_tiny": (
            small_config("cat-drums_2bar_small", **tiny),
            "tiny drums, for tests",
        ),
        "lb-mel_2bar_tiny": (small_config("cat-mel_2bar_small", **tiny), "tiny melody, for tests"),
        "lb-groove_2bar_tiny": (
            small_config("groovae_2bar_humanize", **tiny),
            "tiny GrooVAE, for tests",
        ),
        "lb-groove_2bar_hits_tiny": (
            groove_hits_config(**tiny),
            "tiny GrooVAE that reads the input's hits, for tests",
        ),
        "lb-groove_2bar_context_tiny": (
            groove_context_config(**tiny, control_preprocessing_rnn_size=[32]),
            "tiny GrooVAE that reads the whole pattern around each hit, for tests",
        ),
        "lb-groove_2bar_tempo_tiny": (
            groove_tempo_config(**tiny, control_preprocessing_rnn_size=[32]),
            "tiny GrooVAE that reads the whole pattern and the tempo, for tests",
        ),
        "lb-multitrack_1bar_tiny": (
            small_config(
                "hier-multiperf_vel_1bar_med",
                enc_rnn_size=[64],
                dec_rnn_size=[64],
                z_size=16,
            ),
            "tiny multi-instrument performance, for tests",
        ),
        "lb-trio_16bar_tiny": (
            small_config(
                "hierdec-trio_16bar",
                enc_rnn_size=[64],
                dec_rnn_size=[64],
                z_size=16,
            ),
            "tiny 16-bar trio, for tests",
        ),
    }
    return {name: spec_from_config(name, cfg, desc) for name, (cfg, desc) in made.items()}

"""Models by name: every config of Magenta's ``CONFIG_MAP`` plus our own.

A :class:`ModelSpec` ties a name to a Magenta ``Config`` (model, hparams and
data converter), the role it plays for a musician, the length of its window
and, once known, a checkpoint. Magenta's configs are read lazily because
importing them imports TensorFlow.
"""

from __future__ import annotations

import copy
import enum
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from bridge.errors import UnknownModelError


class Role(enum.StrEnum):
    """What a model does for a musician; decides how clips map to its input."""

    DRUMS = "drums"
    MELODY = "melody"
    GROOVE = "groove"
    TRIO = "trio"
    MULTITRACK = "multitrack"

    @property
    def is_multitrack(self) -> bool:
        return self in (Role.TRIO, Role.MULTITRACK)


# The converter classes of Magenta's music_vae.data / data_hierarchical modules.
_ROLE_BY_CONVERTER = {
    "DrumsConverter": Role.DRUMS,
    "OneHotMelodyConverter": Role.MELODY,
    "GrooveConverter": Role.GROOVE,
    "TrioConverter": Role.TRIO,
    "MultiInstrumentPerformanceConverter": Role.MULTITRACK,
}

STEPS_PER_BAR = 16  # 4/4 at four steps per quarter, as every MusicVAE config has it


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: a Magenta config and how we use it."""

    name: str
    config: Any  # magenta.models.music_vae.configs.Config
    role: Role
    bars: int
    description: str = ""
    checkpoint: str | None = None
    # Regex substitutions mapping this graph's variable names to a checkpoint's.
    var_name_substitutions: tuple[tuple[str, str], ...] = field(default=())

    @property
    def beats(self) -> float:
        """Window length in beats (quarter notes)."""
        return float(self.bars * 4)

    @property
    def converter(self) -> Any:
        return self.config.data_converter

    @property
    def is_conditional(self) -> bool:
        """Whether the model has a latent space (encode / decode)."""
        return bool(self.config.hparams.z_size)

    @property
    def has_controls(self) -> bool:
        """Whether decoding needs a control sequence (chords, or GrooVAE's hits)."""
        return bool(self.converter.control_depth)

    @property
    def chord_conditioned(self) -> bool:
        return bool(self.converter.control_depth) and self.role is not Role.GROOVE

    def with_checkpoint(self, checkpoint: str | None) -> ModelSpec:
        return replace(self, checkpoint=checkpoint)


def role_of(config: Any) -> Role:
    kind = type(config.data_converter)
    for cls in kind.__mro__:  # a subclass of a Magenta converter plays its role
        if cls.__name__ in _ROLE_BY_CONVERTER:
            return _ROLE_BY_CONVERTER[cls.__name__]
    raise ValueError(f"no role known for data converter {kind.__name__}")


def window_bars(config: Any) -> int:
    """Bars in one model window, from the converter (or max_seq_len at 16 steps a bar)."""
    conv = config.data_converter
    hop_bars = getattr(conv, "_hop_size_bars", None)
    if hop_bars:  # multi-instrument performance models: one segment per hop
        return int(hop_bars)
    split_bars = getattr(conv, "_split_bars", None)
    if split_bars:  # GrooVAE
        return int(split_bars)
    slice_steps = getattr(conv, "_slice_steps", None)
    steps_per_bar = getattr(conv, "_steps_per_bar", None) or STEPS_PER_BAR
    if slice_steps:
        return max(1, int(slice_steps) // int(steps_per_bar))
    return max(1, int(config.hparams.max_seq_len) // STEPS_PER_BAR)


def spec_from_config(name: str, config: Any, description: str = "", **kwargs: Any) -> ModelSpec:
    return ModelSpec(
        name=name,
        config=config,
        role=role_of(config),
        bars=window_bars(config),
        description=description,
        **kwargs,
    )


class Registry:
    """A thread-safe name -> :class:`ModelSpec` map, filled lazily."""

    def __init__(self, loaders: list[Callable[[], dict[str, ModelSpec]]] | None = None) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._loaders = list(loaders or [])
        self._loaded = False
        self._lock = threading.RLock()

    def _ensure(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for load in self._loaders:
                for name, spec in load().items():
                    self._specs.setdefault(name, spec)

    def register(self, spec: ModelSpec, *, replace_existing: bool = False) -> ModelSpec:
        self._ensure()
        with self._lock:
            if spec.name in self._specs and not replace_existing:
                raise ValueError(f"a model named {spec.name!r} is already registered")
            self._specs[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        with self._lock:
            self._specs.pop(name, None)

    def get(self, name: str) -> ModelSpec:
        self._ensure()
        with self._lock:
            try:
                return self._specs[name]
            except KeyError:
                known = ", ".join(sorted(self._specs))
                raise UnknownModelError(
                    f"unknown model {name!r}; registered models: {known}"
                ) from None

    def __contains__(self, name: object) -> bool:
        self._ensure()
        return name in self._specs

    def __iter__(self) -> Iterator[ModelSpec]:
        self._ensure()
        with self._lock:
            return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def names(self) -> list[str]:
        return [s.name for s in self]


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


def with_hparams(spec: ModelSpec, overrides: dict[str, str]) -> ModelSpec:
    """``spec`` with some hparams changed, given as text (``{"free_bits": "128"}``).

    Values are parsed to each hparam's type; an unknown name or a value of
    the wrong type raises ``ValueError`` naming it. The name stays the same:
    a run records its overrides, and reading the run applies them again.
    """
    from dataclasses import replace

    if not overrides:
        return spec
    hparams = copy.deepcopy(spec.config.hparams)
    known = hparams.values()
    for key in overrides:
        if key not in known:
            raise ValueError(
                f"unknown hparam {key!r} for {spec.name}; known: {', '.join(sorted(known))}"
            )
    try:
        hparams.parse(",".join(f"{k}={v}" for k, v in overrides.items()))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad hparam value for {spec.name}: {exc}") from None
    # Magenta's Config is a namedtuple.
    return replace(spec, config=copy.deepcopy(spec.config)._replace(hparams=hparams))


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
    converter = data.GrooveConverter(
        split_bars=2,
        steps_per_quarter=4,
        quarters_per_bar=4,
        max_tensors_per_notesequence=20,
        humanize=True,
        hits_as_controls=True,
        pitch_classes=data.ROLAND_DRUM_PITCH_CLASSES,
        inference_pitch_classes=data.REDUCED_DRUM_PITCH_CLASSES,
    )
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
        "lb-band_1bar_small": (
            band_config(),
            "1-bar band (up to 4 instruments: drums, bass, chords, ...), small",
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


REGISTRY = Registry([magenta_specs, our_specs])


def get_spec(name: str) -> ModelSpec:
    return REGISTRY.get(name)

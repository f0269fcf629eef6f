"""A run's weights, without the optimizer, as a small model directory to ship.

Official Magenta checkpoints carry Adam's two slots beside every weight,
three times the size of the model. An exported directory holds only what
inference restores, plus the run's ``run.json`` and ``metrics.json``, so it
is itself a run directory that every command loads by path.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from bridge.clips import Clip, Note
from bridge.engine.checkpoint import resolve_checkpoint
from bridge.engine.dynamics import DYNAMICS_FILE, Dynamics, check_fit_windows, fit_contrast
from bridge.engine.latent import vary
from bridge.engine.model import LoadedModel
from bridge.engine.prior import PRIOR_FILE, LatentPrior, fit_prior
from bridge.engine.registry import ModelSpec, Role
from bridge.engine.tfcompat import tf1
from bridge.errors import BridgeError, InvalidRequestError, TrainingError
from bridge.train.data import Examples, build_dataset, folder_windows
from bridge.train.evaluate import (
    GROOVE_DRUMS,
    build_loss_graph,
    decode_greedy,
    hits_from_outputs,
    mask_of,
    note_group,
)
from bridge.train.rundir import (
    METRICS_FILE,
    RUN_FILE,
    checkpoint_bytes,
    checkpoint_prefixes,
    read_run,
    run_spec,
    write_json,
)

EXPORT_NAME = "model.ckpt"


def export_run(
    run_dir: Path,
    dest: Path,
    *,
    step: int | None = None,
    average: int = 1,
    prior_data: Path | None = None,
    say: Callable[[str], None] = lambda text: None,
) -> Path:
    """Write ``run_dir``'s newest (or ``step``'s) weights to ``dest``; returns the prefix.

    With ``average`` above 1, the weights are the mean of the run's last
    ``average`` kept checkpoints (up to ``step``): late in training the
    weights wander around a minimum, and their mean is a steadier model than
    any one of them (Polyak averaging; the card says which were averaged).

    A conditional model's latent prior and a groove model's dynamics go
    along: the run's own when it was fitted for exactly these weights, else
    fitted to them now on the run's training windows (``prior_data``: on that
    folder's instead). ``say`` is told what was fitted, or why nothing was.
    """
    run = read_run(run_dir)
    spec = run_spec(run)
    if average < 1:
        raise TrainingError(f"--average takes 1 or more checkpoints, got {average}")
    if step is None:
        prefix = resolve_checkpoint(run_dir)
    else:
        prefix = run_dir / f"model.ckpt-{step}"
        if not Path(str(prefix) + ".index").is_file():
            steps = [p.name.rsplit("-", 1)[-1] for p in checkpoint_prefixes(run_dir)]
            raise TrainingError(
                f"{run_dir} has no checkpoint of step {step}; it keeps "
                + (f"step {', '.join(steps)}" if steps else "none")
            )
    averaged = [prefix]
    if average > 1:
        kept = checkpoint_prefixes(run_dir)
        names = [p.name for p in kept]
        upto = kept[: names.index(prefix.name) + 1] if prefix.name in names else []
        if len(upto) < average:
            raise TrainingError(
                f"{run_dir} keeps {len(upto)} checkpoint(s) up to {prefix.name}, not {average}; "
                "train with --keep N to keep more"
            )
        averaged = upto[-average:]
    if dest.exists() and any(dest.iterdir()):
        raise TrainingError(f"{dest} is not empty; export into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    # The loss graph creates every weight of the model and no optimizer slot.
    g = build_loss_graph(spec, batch_size=1, seed=0)
    try:
        weights = g.graph.get_collection(tf1().GraphKeys.GLOBAL_VARIABLES)  # what the saver saves
        total = None
        for p in averaged:
            g.saver.restore(g.sess, str(p))
            values = g.sess.run(weights)
            total = values if total is None else [t + v for t, v in zip(total, values, strict=True)]
        if len(averaged) > 1 and total is not None:
            for var, value in zip(weights, total, strict=True):
                if np.issubdtype(value.dtype, np.floating):
                    var.load(value / len(averaged), g.sess)
        out = Path(g.saver.save(g.sess, str(dest / EXPORT_NAME), write_meta_graph=False))
    finally:
        g.sess.close()
    for name in (RUN_FILE, METRICS_FILE):
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, dest / name)
    exported = read_run(dest)
    same = prefix if len(averaged) == 1 else None  # the run's checkpoint these weights are
    if spec.role is Role.GROOVE:
        exported.pop("dynamics", None)
        dynamics = _groove_dynamics_for(run_dir, spec, exported, same, out, say)
        if dynamics is not None:
            exported["dynamics"] = asdict(dynamics)
    elif spec.is_conditional:
        exported.pop("prior", None)
        prior = _latent_prior_for(run_dir, spec, exported, same, out, prior_data, say)
        if prior is not None:
            exported["prior"] = prior.summary()
            if prior_data is not None:
                exported["prior"]["folder"] = str(prior_data)
    exported["exported_from"] = {"run": str(run_dir), "checkpoint": prefix.name}
    if len(averaged) > 1:
        exported["exported_from"]["averaged"] = [p.name for p in averaged]
    suffix = prefix.name.rsplit("-", 1)[-1]
    if suffix.isdigit():
        exported["step"] = int(suffix)
        exported.pop("status", None)  # the run's status, not this checkpoint's
    exported["size_bytes"] = checkpoint_bytes(out)
    write_json(dest / RUN_FILE, exported)
    return out


def _latent_prior_for(
    run_dir: Path,
    spec: ModelSpec,
    run: dict[str, Any],
    same: Path | None,
    out: Path,
    data: Path | None,
    say: Callable[[str], None],
) -> LatentPrior | None:
    """The latent prior of exported weights ``out`` (saved beside them): the
    run's when fitted for ``same``, its checkpoint they are, else fitted now."""
    z_size = int(spec.config.hparams.z_size)

    def fit() -> tuple[LatentPrior, str]:
        windows, where = _fit_windows(run_dir, spec, run, data)
        prior = fit_latent_prior(spec, out, windows, seed=_run_seed(run))
        return prior, (
            f"latent prior fitted for the exported weights to {prior.windows} windows of "
            f"{where} (held-out gain {prior.held_out_gain:+.3f} nats a dimension over N(0, I))"
        )

    return _carry_or_fit(
        run_dir / PRIOR_FILE,
        lambda path: LatentPrior.load(path, z_size),
        None if data is not None else same,  # a folder given: fitted to it
        out,
        fit,
        "no latent prior: {}; fit one with latent-bridge fit-prior",
        say,
    )


def _groove_dynamics_for(
    run_dir: Path,
    spec: ModelSpec,
    run: dict[str, Any],
    same: Path | None,
    out: Path,
    say: Callable[[str], None],
) -> Dynamics | None:
    """The dynamics of exported groove weights ``out`` (saved beside them):
    the run's when fitted for ``same``, its checkpoint they are, else fitted now."""

    def fit() -> tuple[Dynamics, str]:
        windows, where = _fit_windows(run_dir, spec, run, None)
        dynamics = fit_groove_dynamics(spec, out, windows, seed=_run_seed(run))
        return dynamics, (
            f"groove dynamics fitted for the exported weights to {dynamics.windows} windows "
            f"of {where}: contrast {dynamics.contrast:g}"
        )

    return _carry_or_fit(
        run_dir / DYNAMICS_FILE,
        Dynamics.load,
        same,
        out,
        fit,
        "no groove dynamics, the model plays its own velocities: {}; fit them with "
        "latent-bridge fit-dynamics",
        say,
    )


_Fit = TypeVar("_Fit", LatentPrior, Dynamics)


def _carry_or_fit(
    theirs: Path,
    load: Callable[[Path], _Fit],
    same: Path | None,
    out: Path,
    fit: Callable[[], tuple[_Fit, str]],
    unfitted: str,
    say: Callable[[str], None],
) -> _Fit | None:
    """The run's fit ``theirs`` when it was made for ``same`` (the checkpoint
    the exported weights ``out`` are), else ``fit()``'s, saved beside ``out``
    under the same name; a fit that cannot be made is said (``unfitted``)."""
    if same is not None and theirs.is_file():
        carried = load(theirs)
        if carried.checkpoint == same.name:
            carried = replace(carried, checkpoint=out.name)
            carried.save(out.parent / theirs.name)
            return carried
    try:
        fitted, said = fit()
    except BridgeError as exc:
        say(unfitted.format(exc.message))
        return None
    fitted.save(out.parent / theirs.name)
    say(said)
    return fitted


def _run_seed(run: dict[str, Any]) -> int:
    return int((run.get("train") or {}).get("seed") or 0)


def _fit_windows(
    run_dir: Path, spec: ModelSpec, run: dict[str, Any], data: Path | None
) -> tuple[Examples, str]:
    """The windows a run-end fit is made on, and where they come from: the
    MIDI files of ``data``, or the run's own training windows, split from its
    folder as the run split them (its cache makes that quick)."""
    if data is not None:
        return folder_windows(spec, data), str(data)
    train = run.get("train") or {}
    folder = Path(str(train.get("midi_dir") or ""))
    if not train.get("midi_dir") or not folder.is_dir():
        raise TrainingError(
            f"the run's MIDI folder {str(folder)!r} is not there to fit to"
            if train.get("midi_dir")
            else "the run does not say which MIDI folder it trained on"
        )
    cache = Path(str(train["cache_dir"])) if train.get("cache_dir") else run_dir / "cache"
    data_set = build_dataset(
        folder,
        spec,
        cache,
        eval_fraction=0.0 if train.get("eval_dir") else float(train.get("eval_fraction", 0.1)),
        augment=bool(train.get("augment")),
        seed=_run_seed(run),
    )
    if not len(data_set.train):
        raise TrainingError(f"no training window of {spec.name} is left in {folder}")
    return data_set.train, f"the run's training data ({folder})"


# Posterior means a prior is fitted to, at most (a random subset beyond).
PRIOR_FIT_LIMIT = 20000
# Examples densified and encoded at once while fitting a prior.
PRIOR_FIT_CHUNK = 512


def fit_latent_prior(
    spec: ModelSpec, prefix: Path, examples: Examples, *, seed: int = 0
) -> LatentPrior:
    """Fit the latent prior of checkpoint ``prefix`` to the encoder's means of
    ``examples`` (the model's training windows; see bridge.engine.prior)."""
    if not spec.is_conditional:
        raise TrainingError(f"{spec.name} has no latent space; there is no prior to fit")
    pick = np.arange(len(examples))
    if len(examples) > PRIOR_FIT_LIMIT:
        pick = np.sort(np.random.default_rng(seed).permutation(len(examples))[:PRIOR_FIT_LIMIT])
    model = LoadedModel(spec.with_checkpoint(str(prefix)), batch_size=64, refine=False)
    means = []
    try:
        # A chunk at a time: 20,000 band bars dense are 20 GB.
        for lo in range(0, len(pick), PRIOR_FIT_CHUNK):
            chunk = examples.take(pick[lo : lo + PRIOR_FIT_CHUNK])
            means.append(
                model.encode_tensors(
                    list(chunk.inputs), list(chunk.lengths), list(chunk.controls), seed=seed
                ).mu
            )
    finally:
        model.close()
    mu = np.concatenate(means) if means else np.zeros([0, model.z_size], np.float32)
    try:
        return fit_prior(mu, prefix.name, seed=seed)
    except InvalidRequestError as exc:
        raise TrainingError(exc.message) from exc


# Training windows a groove model's dynamics are fitted to, at most.
DYNAMICS_FIT_LIMIT = 2000


def fit_groove_dynamics(
    spec: ModelSpec, prefix: Path, examples: Examples, *, seed: int = 0
) -> Dynamics:
    """Fit the contrast of groove checkpoint ``prefix`` (bridge.engine.dynamics)
    on ``examples``, its training windows: each window as it was played,
    against the model's playing of its pattern (decoded greedily from the
    posterior mean; a sampled take spreads its velocities the same)."""
    if spec.role is not Role.GROOVE:
        raise TrainingError(f"{spec.name} is not a groove model; it has no dynamics to fit")
    pick = np.arange(len(examples))
    if len(examples) > DYNAMICS_FIT_LIMIT:
        pick = np.sort(np.random.default_rng(seed).permutation(len(examples))[:DYNAMICS_FIT_LIMIT])
    windows = examples.take(pick)
    mask = mask_of(np.asarray(windows.lengths), windows.outputs.shape[1])
    performed = [_hits_clip(windows.outputs[i], mask[i]) for i in range(len(windows))]
    try:
        check_fit_windows(sum(len(c.notes) > 1 for c in performed))  # before any decoding
        return fit_contrast(_pairs_of(performed, windows, mask, spec, prefix, seed), prefix.name)
    except InvalidRequestError as exc:
        raise TrainingError(exc.message) from exc


def _pairs_of(
    performed: list[Clip],
    windows: Examples,
    mask: np.ndarray,
    spec: ModelSpec,
    prefix: Path,
    seed: int,
) -> list[tuple[Clip, Clip]]:
    """Each window as performed beside the model's playing of its pattern."""
    # A model with hits as controls decodes each window under its own hits.
    per_window = spec.has_controls
    model = LoadedModel(
        spec.with_checkpoint(str(prefix)), batch_size=1 if per_window else 64, refine=False
    )
    try:
        mu = model.encode_tensors(
            list(windows.inputs), list(windows.lengths), list(windows.controls), seed=seed
        ).mu
        played = decode_greedy(spec, model, mu, windows, per_window, seed)
    finally:
        model.close()
    # The model's velocities at the performance's hits: humanize keeps a clip's notes.
    return [
        (performed[i], _hits_clip(windows.outputs[i], mask[i], velocities=played[i]))
        for i in range(len(windows))
    ]


def _hits_clip(outputs: np.ndarray, mask: np.ndarray, velocities: np.ndarray | None = None) -> Clip:
    """The hits of one GrooVAE output window on the grid (only the velocities
    count here), at their velocities or at those ``velocities`` gives there."""
    d = GROOVE_DRUMS
    steps, drums = np.nonzero((outputs[:, :d] > 0.5) & mask[:, None])
    at = outputs if velocities is None else velocities
    velocities = np.clip(np.rint(at[steps, d + drums] * 127), 1, 127)
    notes = [
        Note(36 + int(k), 0.25 * int(t), 0.25, int(v))
        for t, k, v in zip(steps, drums, velocities, strict=True)
    ]
    return Clip(notes, 0.25 * len(mask))


def sample_stats(
    spec: ModelSpec,
    prefix: Path,
    *,
    count: int = 1024,
    temperature: float = 0.5,
    seed: int = 0,
    prior: LatentPrior | None = None,
) -> dict[str, Any]:
    """What random samples look like: for drums, bars with a kick or a snare.

    Latents come from ``prior`` (the standard normal when None), drawn from
    the same noise either way, so two priors compare sample for sample.

    A model conditioned on chords or hits has no unconditional samples; its
    stats say so instead of failing the export.
    """
    if spec.has_controls:
        what = "chords" if spec.chord_conditioned else "an input's hits"
        return {"skipped": f"{spec.name} decodes only under {what}; no free samples"}
    model = LoadedModel(spec.with_checkpoint(str(prefix)), batch_size=64, refine=False)
    try:
        z = None
        if model.z_size:
            z = (
                np.random.default_rng(seed)
                .standard_normal((count, model.z_size))
                .astype(np.float32)
            )
            if prior is not None:
                z = prior.draw(z)
        samples = model.decode_tensors(
            z, count=count, temperature=temperature, seed=seed, length=model.max_seq_len
        )
        stats: dict[str, Any] = {"samples": count, "temperature": temperature}
        stats["prior"] = "standard normal" if prior is None else "fitted"
        stats.update(music_stats(spec, model, samples))
        return stats
    finally:
        model.close()


def heldout_music_stats(spec: ModelSpec, prefix: Path, examples: Examples) -> dict[str, Any]:
    """:func:`music_stats` of the held-out examples themselves: what samples aim at."""
    if spec.has_controls:
        return {}
    model = LoadedModel(spec.with_checkpoint(str(prefix)), batch_size=64, refine=False)
    try:
        stats: dict[str, Any] = {"windows": len(examples)}
        stats.update(music_stats(spec, model, examples.outputs))
        return stats
    finally:
        model.close()


def music_stats(spec: ModelSpec, model: LoadedModel, tensors: np.ndarray) -> dict[str, Any]:
    """What a batch of output tensors sounds like, in numbers a musician checks.

    Drums: bars with a kick or a snare, hits a bar. Melody: share with notes,
    notes a bar, pitch span. Multitrack: instruments and instrument groups.
    Scored on samples and on held-out music alike, so the two compare.
    """
    count = len(tensors)
    stats: dict[str, Any] = {}
    hits = hits_from_outputs(spec, tensors)
    if hits is not None and spec.role is Role.DRUMS:
        bars = hits.reshape(count, -1, 16, hits.shape[-1])  # 16 steps a bar
        kick_or_snare = bars[..., :2].any(axis=(2, 3))  # classes 0 kick, 1 snare
        stats["bars_with_kick_or_snare"] = float(kick_or_snare.mean())
        stats["hits_per_bar"] = float(bars.sum(axis=(2, 3)).mean())
    if spec.role is Role.MELODY:
        melodies = model.from_tensors(tensors)
        notes = [len(s.notes) for s in melodies]
        spans = [
            max(n.pitch for n in s.notes) - min(n.pitch for n in s.notes)
            for s in melodies
            if s.notes
        ]
        stats["share_with_notes"] = float(np.mean([c > 0 for c in notes]))
        stats["notes_per_bar"] = float(np.mean(notes)) / max(1, spec.bars)
        stats["pitch_span_semitones"] = float(np.mean(spans)) if spans else 0.0
    if spec.role.is_multitrack:
        sequences = model.from_tensors(tensors)
        counts = [instrument_count(s) for s in sequences]
        stats["instruments_per_sample"] = float(np.mean(counts))
        stats["share_with_3_or_more_instruments"] = float(np.mean([c >= 3 for c in counts]))
        groups = [band_groups(s) for s in sequences]
        for group in ("drums", "bass", "other"):
            stats[f"share_with_{group}"] = float(np.mean([group in g for g in groups]))
        stats["share_with_drums_bass_and_other"] = float(np.mean([len(g) == 3 for g in groups]))
        stats["notes_per_sample"] = float(np.mean([len(s.notes) for s in sequences]))
    return stats


def variation_stats(
    spec: ModelSpec,
    prefix: Path,
    examples: Examples,
    *,
    similarity: float = 0.75,
    temperature: float = 0.5,
    seed: int = 0,
    refine_steps: int = 0,
) -> dict[str, Any]:
    """What the multitrack operation makes of held-out bars.

    Each bar's posterior mean (refined ``refine_steps`` steps, as the engine
    refines a scene's) is moved toward a random latent (by ``similarity``, as
    ``vary`` does) and decoded at ``temperature`` (the operation's defaults), as a
    scene sent from the DAW is. Reports the share of outputs that keep every
    instrument group (drums, bass, other) of their input and, among inputs
    with three or more instruments, the share of outputs with three or more.
    Only multi-instrument models are scored.
    """
    if not spec.role.is_multitrack or not len(examples):
        return {}
    model = LoadedModel(spec.with_checkpoint(str(prefix)), batch_size=64, refine=refine_steps > 0)
    try:
        encoded = model.encode_tensors(
            list(examples.inputs), list(examples.lengths), list(examples.controls), seed=seed
        )
        mu = model.refine(
            encoded.mu, list(examples.outputs), list(examples.lengths), steps=refine_steps
        ).z
        rng = np.random.default_rng(seed)
        z = np.asarray(
            [vary(m, rng.standard_normal(model.z_size), similarity) for m in mu],
            np.float32,
        )
        decoded = model.decode_tensors(
            z, temperature=temperature, seed=seed, length=model.max_seq_len
        )
        inputs = model.from_tensors(examples.outputs)
        outputs = model.from_tensors(decoded)
    finally:
        model.close()

    rich = [i for i, s in enumerate(inputs) if instrument_count(s) >= 3]
    kept = [band_groups(i) <= band_groups(o) for i, o in zip(inputs, outputs, strict=True)]
    stats: dict[str, Any] = {
        "bars": len(inputs),
        "refine_steps": refine_steps,
        "similarity": similarity,
        "temperature": temperature,
        "share_keeping_every_input_group": float(np.mean(kept)),
        "instruments_per_output": float(np.mean([instrument_count(o) for o in outputs])),
        "instruments_per_input": float(np.mean([instrument_count(i) for i in inputs])),
        "inputs_with_3_or_more_instruments": len(rich),
    }
    if rich:
        stats["share_with_3_or_more_instruments_of_those"] = float(
            np.mean([instrument_count(outputs[i]) >= 3 for i in rich])
        )
    for group in ("drums", "bass", "other"):
        having = [i for i, s in enumerate(inputs) if group in band_groups(s)]
        if having:
            stats[f"share_keeping_{group}"] = float(
                np.mean([group in band_groups(outputs[i]) for i in having])
            )
    return stats


def instrument_count(sequence: Any) -> int:
    """How many instruments (instrument, program, drums or not) play notes."""
    return len({(n.instrument, n.program, n.is_drum) for n in sequence.notes})


def band_groups(sequence: Any) -> set[str]:
    """Which of drums, bass (programs 32 to 39) and other instruments play."""
    return {note_group(n) for n in sequence.notes}


def card_metrics(run_dir: Path) -> dict[str, Any]:
    path = run_dir / METRICS_FILE
    data = json.loads(path.read_text()) if path.is_file() else {}
    return dict(data.get("final") or {})

"""``latent-bridge train``: argparse in, a TrainConfig, the loop, a summary out."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bridge.cli.argtypes import refine_steps
from bridge.limits import REFINE_STEPS


def add_train_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train or fine-tune a model on a folder of MIDI files",
        description="Train a registered model (or fine-tune a checkpoint with --from) on every "
        ".mid/.midi file under MIDI_DIR. Files are split into train and eval by name; "
        "unreadable files are listed and skipped. Running the same command again resumes "
        "from the newest checkpoint in --out; Ctrl-C writes a checkpoint and stops. The run "
        "directory describes itself (run.json, metrics.json, data.json), so serve, generate "
        "and watch take it as --model RUN_DIR.",
        epilog="example: latent-bridge train my_band/ --from models/lb-drums "
        "--out runs/my-band-drums --steps 1000 (the model and its hparams come from "
        "models/lb-drums)",
    )
    p.add_argument("midi_dir", type=Path, metavar="MIDI_DIR", help="folder of MIDI files")
    p.add_argument(
        "--model",
        help="a registered model (see: models list); with --from a run or model directory, "
        "that model (left out: taken from it)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="RUN_DIR", help="run directory")
    p.add_argument(
        "--from",
        dest="init_from",
        type=Path,
        metavar="CHECKPOINT",
        help="fine-tune from this checkpoint instead of random weights: a run or model "
        "directory (its model and the hparams it changed carry over; --hparam overrides "
        "them), or a checkpoint directory, .tar or prefix (give --model)",
    )
    p.add_argument("--steps", type=int, default=2000, help="train up to this global step")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, help="default: the config's (1e-3)")
    p.add_argument("--eval-fraction", type=float, default=0.1, help="share of files held out")
    p.add_argument(
        "--eval-dir",
        type=Path,
        metavar="DIR",
        help="held-out MIDI files from this folder instead of a split of MIDI_DIR",
    )
    p.add_argument("--eval-every", type=int, default=250, help="steps between evaluations")
    p.add_argument("--eval-examples", type=int, default=512, help="held-out examples scored")
    p.add_argument(
        "--patience",
        type=int,
        default=5,
        help="stop after this many evaluations without a better eval loss (0: never)",
    )
    p.add_argument("--keep", type=int, default=3, help="checkpoints to keep")
    p.add_argument(
        "--max-disk", type=float, default=1000.0, metavar="MB", help="disk budget for checkpoints"
    )
    p.add_argument(
        "--augment",
        action="store_true",
        help="add transpositions (+-3 semitones) of the training files (pitched models)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--hparam",
        action="append",
        default=[],
        type=hparam_setting,
        metavar="NAME=VALUE",
        help="change one hparam of the model's config (repeatable), e.g. free_bits=128; "
        "the run records it, so generate, serve and export read the run the same way",
    )
    p.add_argument("--cache", type=Path, help="tensor cache directory (default: RUN_DIR/cache)")
    p.add_argument("--device", choices=["auto", "cpu", "gpu"], default="auto")
    p.add_argument("--plain", action="store_true", help="plain log lines instead of a live view")
    p.set_defaults(handler=train_command)


def hparam_setting(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` from the command line."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def train_command(args: argparse.Namespace) -> int:
    from bridge.errors import TrainingError
    from bridge.train.display import PlainTrainDisplay, RichTrainDisplay
    from bridge.train.loop import TrainConfig, train
    from bridge.train.rundir import fine_tune_settings

    console = Console()
    model, hparams = args.model, dict(args.hparam)
    if args.init_from is not None:
        model, hparams, note = fine_tune_settings(args.init_from, model, hparams)
        console.print(note, soft_wrap=True, highlight=False)
    elif model is None:
        raise TrainingError("which model? give --model NAME (or --from a run directory)")
    cfg = TrainConfig(
        midi_dir=args.midi_dir,
        model=model,
        out=args.out,
        init_from=args.init_from,
        steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        eval_fraction=args.eval_fraction,
        keep=args.keep,
        max_disk_mb=args.max_disk,
        augment=args.augment,
        seed=args.seed,
        eval_every=args.eval_every,
        eval_examples=args.eval_examples,
        patience=args.patience,
        device=args.device,
        cache_dir=args.cache,
        eval_dir=args.eval_dir,
        hparams=hparams,
    )
    if args.plain or not sys.stdout.isatty():
        result = train(cfg, PlainTrainDisplay())
    else:
        with RichTrainDisplay(console) as display:
            result = train(cfg, display)
    unreadable = result.data.get("unreadable", [])
    if unreadable:
        t = Table("skipped file", "why", title="files that could not be read")
        for item in unreadable:
            t.add_row(item["path"], item["error"])
        console.print(t)
    if result.data.get("no_examples"):
        t = Table("reason", "files", title="files that gave no examples")
        for reason, count in result.data["no_examples"].items():
            t.add_row(reason, str(count))
        console.print(t)
    speed = result.metrics.get("train_examples_per_second")
    shown = {
        k: v
        for k, v in result.metrics.items()
        if isinstance(v, (int, float))
        and k not in ("step", "eval_examples", "train_examples_per_second")
    }
    console.print(
        f"{result.status} at step {result.step}; run directory {result.run_dir}"
        + (f"; held-out: {', '.join(f'{k} {v:.4g}' for k, v in shown.items())}" if shown else "")
        + (f"; {speed:.4g} training examples a second" if speed else ""),
        markup=False,
        highlight=False,
    )
    if result.status == "abandoned":
        # A step is still running inside TensorFlow; nothing of the run is
        # written by it. Leave now rather than wait for it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    # Stopped by Ctrl-C: 130, as for any command a SIGINT stops, so that a
    # script can tell a run it must resume from one that is done.
    return 130 if result.status == "interrupted" else 0


def add_export_parser(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="copy a training run's weights (no optimizer state) into a small model directory",
        description="Write RUN_DIR's newest checkpoint (or --step N), without Adam's slots, "
        "with its run.json and metrics.json into DEST: a model directory a third the size "
        "that serve, generate and watch take as --model DEST. --samples also scores random "
        "samples (for drums: the share of bars with a kick or a snare).",
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    p.add_argument("dest", type=Path, metavar="DEST")
    p.add_argument("--step", type=int, help="export this step's checkpoint")
    p.add_argument(
        "--average",
        type=int,
        default=1,
        metavar="K",
        help="the mean of the weights of the run's last K checkpoints (up to --step; train "
        "with --keep K or more): steadier than any one of them (default: 1, the checkpoint)",
    )
    p.add_argument(
        "--samples",
        action="store_true",
        help="score 1024 samples at temperature 0.5 (and, for a multitrack model with "
        "--eval-dir, variations of the held-out bars)",
    )
    p.add_argument(
        "--eval-dir",
        type=Path,
        metavar="DIR",
        help="score the exported model on the MIDI files of DIR (held-out data)",
    )
    p.add_argument("--eval-examples", type=int, default=2048, help="held-out examples scored")
    p.add_argument(
        "--prior-data",
        type=Path,
        metavar="DIR",
        help="fit the latent prior random samples are drawn from to the MIDI files of DIR "
        "(see fit-prior) instead of the run's training windows (the default when the run's "
        "prior was fitted for other weights: --step, --average)",
    )
    p.add_argument(
        "--refine-steps",
        type=refine_steps,
        metavar="N",
        help="with --eval-dir, also score decode(encode(x)) with each latent refined this "
        "many steps (default: as serve and generate refine this model's clips: "
        f"{REFINE_STEPS} steps for 2- and 4-bar drum and melody models, else none)",
    )
    p.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    from bridge.engine.pool import default_refine_steps
    from bridge.engine.prior import prior_for
    from bridge.train.export import export_run, heldout_music_stats, sample_stats, variation_stats
    from bridge.train.rundir import checkpoint_bytes, read_run, run_spec, write_json

    console = Console()
    prefix = export_run(
        args.run_dir,
        args.dest,
        step=args.step,
        average=args.average,
        prior_data=args.prior_data,
        say=lambda text: console.print(text, markup=False, highlight=False),
    )
    console.print(f"exported {prefix} ({checkpoint_bytes(prefix) / 1e6:.1f} MB)")
    run = read_run(args.dest)
    spec = run_spec(run)
    steps = default_refine_steps(spec) if args.refine_steps is None else args.refine_steps
    examples = None
    if args.eval_dir is not None:
        run["heldout"], examples = evaluate_dir(
            spec, prefix, args.eval_dir, args.eval_examples, steps
        )
        write_json(args.dest / "run.json", run)
        console.print(run["heldout"])
    # The prior the exported model samples from: the run's, or fitted by the export.
    prior, _ = prior_for(args.dest, prefix, int(spec.config.hparams.z_size or 0))
    if args.samples:
        run["samples"] = sample_stats(spec, prefix, prior=prior)
        if prior is not None:
            run["samples_standard_prior"] = sample_stats(spec, prefix)
        if examples is not None:
            run["heldout_music"] = heldout_music_stats(spec, prefix, examples)
        write_json(args.dest / "run.json", run)
        for key in ("samples", "samples_standard_prior", "heldout_music"):
            if key in run:
                console.print({key: run[key]})
        if examples is not None and spec.role.is_multitrack:
            run["variations"] = variation_stats(spec, prefix, examples, refine_steps=steps)
            write_json(args.dest / "run.json", run)
            console.print(run["variations"])
    return 0


def evaluate_dir(
    spec: Any, prefix: Path, folder: Path, limit: int, refine_steps: int = 0
) -> tuple[dict[str, Any], Any]:
    """Held-out metrics of a checkpoint on every MIDI file in ``folder``,
    with the examples scored (None when the folder gave none). With
    ``refine_steps``, also the reconstruction from refined latents."""
    import tempfile

    from bridge.train.data import build_dataset
    from bridge.train.evaluate import evaluate_losses, evaluate_reconstruction
    from bridge.train.loop import _eval_subset

    with tempfile.TemporaryDirectory(prefix="latent-bridge-eval-") as cache:
        data = build_dataset(folder, spec, Path(cache), eval_fraction=0.0)
    examples = _eval_subset(data.train, limit, 0)
    if not len(examples):
        return {"files": len(data.files), "examples": 0}, None
    found: dict[str, Any] = {
        "folder": str(folder),
        "files": sum(1 for f in data.files if f.examples),
        "examples": len(examples),
    }
    found.update(evaluate_losses(spec, prefix, examples, batch_size=64))
    found.update(
        evaluate_reconstruction(spec, prefix, examples, batch_size=64, refine_steps=refine_steps)
    )
    return found, examples


def add_fit_prior_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fit-prior",
        help="fit the prior a model draws random latents from to a folder of MIDI files",
        description="Encode every window of the MIDI files under MIDI_DIR with MODEL and fit "
        "a Gaussian to the latents, saved as latent_prior.npz beside MODEL's checkpoint. "
        "Samples, and the random side of variations, are then drawn from it instead of "
        "from N(0, I), where a model trained with free bits often decodes music unlike "
        "its training data. Give it the model's training files, or a folder of your own "
        "music to draw samples that sound like it. A prior it replaces is kept as "
        "latent_prior.npz.previous: move it back to undo (with none, delete the new one).",
        epilog="example: latent-bridge fit-prior runs/my-band-drums my_band/",
    )
    p.add_argument("model", metavar="MODEL", help="a model or run directory, or a zoo name")
    p.add_argument("midi_dir", type=Path, metavar="MIDI_DIR", help="folder of MIDI files")
    p.add_argument("--cache", type=Path, help="tensor cache directory (default: a temporary one)")
    p.set_defaults(handler=fit_prior_command)


def fit_prior_to_folder(spec: Any, prefix: Path, folder: Path, cache: Path | None) -> Any:
    """The latent prior of checkpoint ``prefix`` fitted to the MIDI files of ``folder``."""
    from bridge.train.data import folder_windows
    from bridge.train.export import fit_latent_prior

    return fit_latent_prior(spec, prefix, folder_windows(spec, folder, cache))


def prior_summary(prior: Any, folder: Path) -> dict[str, Any]:
    return {"folder": str(folder), **prior.summary()}


def _fit_target(model_ref: str, beside: Any, what: str) -> tuple[Any, Path, Path]:
    """The spec, checkpoint prefix and file (``beside(checkpoint)``) of the
    model ``model_ref`` that a ``fit-*`` command writes ``what`` into."""
    from bridge.engine.checkpoint import resolve_checkpoint
    from bridge.engine.registry import REGISTRY
    from bridge.errors import TrainingError
    from bridge.profile import resolve_model_ref

    name, checkpoint = resolve_model_ref(model_ref, None)  # a name nobody knows: an error
    if checkpoint is None:
        raise TrainingError(
            f"{model_ref!r} names a config, not weights; give a model or run directory"
        )
    target = beside(checkpoint)
    if target is None:
        raise TrainingError(
            f"{checkpoint} is an archive; unpack it into a directory to give it {what}"
        )
    return REGISTRY.get(name).with_checkpoint(checkpoint), resolve_checkpoint(checkpoint), target


def _save_keeping_previous(fitted: Any, target: Path) -> str:
    """Save ``fitted`` to ``target``; a file it replaces (a bundled model's own
    fit, say) is kept beside it as ``NAME.previous``. Says what happened."""
    import shutil

    kept = ""
    if target.is_file():
        previous = target.with_name(target.name + ".previous")
        shutil.copy2(target, previous)
        kept = f"; the file it replaced is kept as {previous.name}"
    fitted.save(target)
    return kept


def fit_prior_command(args: argparse.Namespace) -> int:
    from bridge.engine.prior import prior_path

    spec, prefix, target = _fit_target(args.model, prior_path, "a prior")
    prior = fit_prior_to_folder(spec, prefix, args.midi_dir, args.cache)
    kept = _save_keeping_previous(prior, target)
    summary = prior_summary(prior, args.midi_dir)
    Console().print(
        f"wrote {target}: fitted to {summary['windows']} windows for {prefix.name} "
        f"(shrinkage {prior.shrinkage:g}; held-out latents "
        f"{summary['held_out_gain_nats_per_dim']:+.3f} nats a dimension more likely "
        f"than under N(0, I)){kept}"
    )
    return 0


def add_fit_dynamics_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fit-dynamics",
        help="fit how far a groove model's accents reach to a folder of MIDI files",
        description="Humanize every window of the drum parts under MIDI_DIR with MODEL (a "
        "groove model) and fit the one contrast factor that makes its velocities spread 90%% "
        "as far within a window as the files' own, saved as groove_dynamics.json beside "
        "MODEL's checkpoint; humanize then plays with it. A groove run fits one on its "
        "training files when it ends; this refits a model to your own drummer's dynamics "
        "without training. A file it replaces is kept as groove_dynamics.json.previous; "
        "delete the file to play the model's raw velocities.",
        epilog="example: latent-bridge fit-dynamics my-groove/ my_band_drums/",
    )
    p.add_argument("model", metavar="MODEL", help="a groove model or run directory")
    p.add_argument("midi_dir", type=Path, metavar="MIDI_DIR", help="folder of MIDI files")
    p.add_argument("--cache", type=Path, help="tensor cache directory (default: a temporary one)")
    p.set_defaults(handler=fit_dynamics_command)


def fit_dynamics_command(args: argparse.Namespace) -> int:
    from bridge.engine.dynamics import dynamics_path
    from bridge.engine.registry import Role
    from bridge.errors import TrainingError
    from bridge.train.data import folder_windows
    from bridge.train.export import fit_groove_dynamics

    spec, prefix, target = _fit_target(args.model, dynamics_path, "dynamics")
    if spec.role is not Role.GROOVE:
        raise TrainingError(f"{spec.name} is not a groove model; only humanize has dynamics")
    dynamics = fit_groove_dynamics(spec, prefix, folder_windows(spec, args.midi_dir, args.cache))
    kept = _save_keeping_previous(dynamics, target)
    Console().print(
        f"wrote {target}: contrast {dynamics.contrast:g} for {prefix.name}, fitted to "
        f"{dynamics.windows} windows (velocity spread in a window: the model's "
        f"{dynamics.model_spread:.1f}, the files' {dynamics.drummer_spread:.1f}){kept}"
    )
    return 0

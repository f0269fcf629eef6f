"""The training loop: feed converted tensors, checkpoint, evaluate, resume.

One plain loop in one graph, as nanoGPT has it: a config object in, a run
directory out. Running the same command again resumes from the newest
checkpoint; Ctrl-C writes a checkpoint and returns.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from bridge.engine.checkpoint import resolve_checkpoint, tf_reason
from bridge.engine.dynamics import DYNAMICS_FILE
from bridge.engine.prior import PRIOR_FILE
from bridge.engine.registry import ModelSpec, Role, get_spec, with_hparams
from bridge.engine.tfcompat import choose_device, tf1
from bridge.errors import BridgeError, CheckpointError, TrainingError
from bridge.train.data import (
    Dataset,
    Examples,
    build_dataset,
    file_table,
    held_out_notes,
    report_rows,
)
from bridge.train.evaluate import evaluate_losses, evaluate_reconstruction
from bridge.train.export import fit_groove_dynamics, fit_latent_prior
from bridge.train.graph import TrainingGraph, build_training_graph
from bridge.train.rundir import (
    DATA_FILE,
    METRICS_FILE,
    RUN_FILE,
    checkpoint_prefixes,
    hparams_dict,
    is_run_dir,
    package_versions,
    prune_checkpoints,
    read_run,
    write_json,
)

CHECKPOINT_NAME = "model.ckpt"


@dataclass
class TrainConfig:
    midi_dir: Path
    model: str
    out: Path
    init_from: Path | None = None
    steps: int = 2000
    batch_size: int = 64
    learning_rate: float | None = None
    eval_fraction: float = 0.1
    keep: int = 3
    max_disk_mb: float | None = 1000.0
    augment: bool = False
    seed: int = 0
    eval_every: int = 250
    eval_examples: int = 512
    patience: int = 5
    device: str = "auto"
    cache_dir: Path | None = None
    # Held-out files from another folder instead of a split of midi_dir.
    eval_dir: Path | None = None
    # Hparams of the model's config to change, as text: {"free_bits": "128"}.
    hparams: dict[str, str] = field(default_factory=dict)


@dataclass
class StepStats:
    step: int
    target: int
    loss: float
    r_loss: float
    kl_bits: float
    accuracy: float | None
    examples_per_second: float
    eta_seconds: float | None
    learning_rate: float


@dataclass
class TrainResult:
    run_dir: Path
    status: str  # completed | early_stopped | interrupted | abandoned | up_to_date
    step: int
    metrics: dict[str, Any]
    data: dict[str, Any]
    examples_per_second: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


class TrainDisplay(Protocol):
    def data_progress(self, done: int, total: int, name: str) -> None: ...
    def message(self, text: str) -> None: ...
    def step(self, stats: StepStats) -> None: ...
    def evaluated(self, step: int, metrics: dict[str, float]) -> None: ...


class SilentDisplay:
    def data_progress(self, done: int, total: int, name: str) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def step(self, stats: StepStats) -> None:
        pass

    def evaluated(self, step: int, metrics: dict[str, float]) -> None:
        pass


# Ctrl-C waits for the step in progress only when it ends within this many
# seconds; a longer step (a big model on a CPU) is abandoned.
STOP_WAIT_SECONDS = 3.0
# A run projected to take longer than this names the lighter model of its kind.
HEAVY_RUN_SECONDS = 2 * 3600.0
# Steps timed before the run's cost is said (the first is left out).
ANNOUNCE_AFTER = 5
# A step slower than this is said after the second step already.
SLOW_STEP_SECONDS = 10.0
# The model of each kind that trains on a CPU in reasonable time.
LIGHTER = {
    Role.DRUMS: "lb-drums_2bar_small",
    Role.MELODY: "lb-mel_2bar_small",
    Role.GROOVE: "lb-groove_2bar_small",
    Role.MULTITRACK: "lb-band_1bar_small",
    Role.TRIO: "lb-trio_16bar_small",
}


class StepAbandoned(Exception):
    """Ctrl-C during a step that would not end soon: the step is left running."""


def _run_step(
    sess: Any, fetches: Any, feed: dict[Any, Any], stop: threading.Event, typical: float | None
) -> Any:
    """``sess.run`` in a helper thread, so that Ctrl-C is seen at once (Python
    runs signal handlers only between its own instructions). When a stop is
    asked for, the step is awaited if it should end within
    ``STOP_WAIT_SECONDS`` (from ``typical``, the usual step time), else
    ``StepAbandoned`` is raised and the step is left to the thread."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["out"] = sess.run(fetches, feed)
        except BaseException as exc:  # handed to the caller
            box["error"] = exc
        finally:
            done.set()

    started = time.perf_counter()
    threading.Thread(target=work, name="train-step", daemon=True).start()
    while not done.wait(0.1):
        if stop.is_set():
            left = (typical or math.inf) - (time.perf_counter() - started)
            if left > STOP_WAIT_SECONDS:
                raise StepAbandoned()
    if "error" in box:
        raise box["error"]
    return box["out"]


def _gigabytes(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _peak_memory() -> int | None:
    """This process's peak resident memory in bytes (None where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _machine_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


@contextmanager
def _stop_on_sigint(stop: threading.Event) -> Iterator[None]:
    """Turn Ctrl-C into a request to checkpoint and stop, in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_run_dir(cfg: TrainConfig) -> dict[str, Any] | None:
    if not is_run_dir(cfg.out):
        if cfg.out.exists() and any(cfg.out.iterdir()):
            stray = [p.name for p in cfg.out.iterdir()][:3]
            raise TrainingError(
                f"{cfg.out} is not empty and holds no training run ({', '.join(stray)}, ...); "
                "choose a new directory"
            )
        return None
    run = read_run(cfg.out)
    if run["model"] != cfg.model:
        raise TrainingError(
            f"{cfg.out} holds a run of model {run['model']!r}, not {cfg.model!r}; "
            "use another --out or the same --model to resume"
        )
    return run


def _eval_subset(examples: Examples, limit: int, seed: int) -> Examples:
    """At most ``limit`` of the examples (seeded), as dense arrays."""
    if len(examples) <= limit:
        return examples.dense()
    order = np.random.default_rng(seed).permutation(len(examples))[:limit]
    return examples.take(np.sort(order))


def source_prefix(path: Path) -> Path:
    """A checkpoint to fine-tune from: a run directory, a directory, a .tar or a prefix."""
    return resolve_checkpoint(path)


def _restore_weights(sess: Any, tf: Any, spec: ModelSpec, source: Path) -> int:
    """Load the model's weights (not the optimizer or step) from ``source``."""
    try:
        available = dict(tf.train.list_variables(str(source)))
    except Exception as exc:
        raise CheckpointError(f"cannot read checkpoint {source}: {exc}") from exc
    import re

    wanted = {}
    for v in tf.trainable_variables():
        name = v.name[:-2]
        for pattern, sub in spec.var_name_substitutions:
            name = re.sub(pattern, sub, name)
        if name not in available:
            raise CheckpointError(
                f"checkpoint {source} does not match model {spec.name!r}: no variable {name}"
            )
        if list(available[name]) != v.shape.as_list():
            raise CheckpointError(
                f"checkpoint {source} has other layer sizes than model {spec.name!r}: "
                f"{name} is {list(available[name])}, the model needs {v.shape.as_list()}"
            )
        wanted[name] = v
    tf.train.Saver(wanted).restore(sess, str(source))
    return len(wanted)


def _load_history(run_dir: Path) -> list[dict[str, Any]]:
    import json

    path = run_dir / METRICS_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text())
        history = data.get("history", [])
        return list(history) if isinstance(history, list) else []
    except (OSError, ValueError):
        return []


def _best(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = [h for h in history if "eval_loss" in h]
    return min(scored, key=lambda h: h["eval_loss"]) if scored else None


def _evals_since_best(history: list[dict[str, Any]]) -> int:
    best = _best(history)
    if best is None:
        return 0
    return sum(1 for h in history if "eval_loss" in h and h["step"] > best["step"])


def _accuracy_metric(tf: Any, metrics: dict[str, Any]) -> tuple[Any, Any] | None:
    """The training accuracy as (value, update op).

    Magenta's hierarchical decoder reports its accuracy as the mean of one
    metric per segment with a no-op update, so the segments' own update ops
    must run for it to move off zero; a trio's segments do the same over
    their three outputs, whose own update ops are the ones that count.
    """
    accuracy = metrics.get("metrics/accuracy")
    if accuracy is None:
        return None
    segments = [
        op
        for name, (_, op) in sorted(metrics.items())
        if name.startswith("segment/")
        and (name.endswith("/metrics/accuracy") or "/metrics/accuracy/output_" in name)
    ]
    if segments:
        return accuracy[0], tf.group(*segments)
    return accuracy[0], accuracy[1]


class _Saved(Protocol):
    """What a run fits when it ends (a latent prior, groove dynamics)."""

    def save(self, path: Path) -> None: ...


_Fit = TypeVar("_Fit", bound=_Saved)


class Trainer:
    def __init__(self, cfg: TrainConfig, display: TrainDisplay | None = None) -> None:
        self.cfg = cfg
        self.display: TrainDisplay = display or SilentDisplay()
        try:
            self.spec = with_hparams(get_spec(cfg.model), cfg.hparams)
        except ValueError as exc:
            raise TrainingError(f"--hparam: {exc}") from None
        self.stop = threading.Event()

    # -- the whole run --------------------------------------------------------
    def run(self) -> TrainResult:
        cfg = self.cfg
        if cfg.steps < 0 or cfg.batch_size < 1 or cfg.keep < 1:
            raise TrainingError("--steps must be >= 0, --batch-size and --keep >= 1")
        if not 0 <= cfg.eval_fraction < 1:
            raise TrainingError("--eval-fraction must be in [0, 1)")
        if not cfg.midi_dir.is_dir():
            raise TrainingError(f"MIDI folder not found: {cfg.midi_dir}")
        previous = _check_run_dir(cfg)
        cfg.out.mkdir(parents=True, exist_ok=True)
        source = source_prefix(cfg.init_from) if cfg.init_from and not previous else None

        if cfg.eval_dir is not None and not cfg.eval_dir.is_dir():
            raise TrainingError(f"eval folder not found: {cfg.eval_dir}")
        dataset = build_dataset(
            cfg.midi_dir,
            self.spec,
            cfg.cache_dir or cfg.out / "cache",
            eval_fraction=0.0 if cfg.eval_dir else cfg.eval_fraction,
            augment=cfg.augment,
            seed=cfg.seed,
            progress=self.display.data_progress,
        )
        if cfg.eval_dir is not None:
            held_out = build_dataset(
                cfg.eval_dir,
                self.spec,
                cfg.cache_dir or cfg.out / "cache",
                eval_fraction=0.0,
                seed=cfg.seed,
                progress=self.display.data_progress,
            )
            for f in held_out.files:
                f.split = "eval"
                f.eval_examples = f.examples
            dataset = Dataset(dataset.train, held_out.train, dataset.files + held_out.files)
        summary = dataset.summary()
        self.display.message(file_table(dataset))
        write_json(cfg.out / DATA_FILE, {"summary": summary, "files": report_rows(dataset)})
        if not len(dataset.train):
            raise TrainingError(
                f"no training examples for {cfg.model!r} in {cfg.midi_dir} "
                f"({summary['files']} MIDI files; why: "
                + (
                    "; ".join(
                        f"{k}: {n} file{'' if n == 1 else 's'}"
                        for k, n in summary["no_examples"].items()
                    )
                    or "none readable"
                )
                + ")"
            )
        self.display.message(
            f"{summary['train_examples']} train examples from {summary['train_files']} files, "
            f"{summary['eval_examples']} eval examples from {summary['eval_files']} files"
        )
        for note in held_out_notes(dataset, eval_dir=cfg.eval_dir is not None):
            self.display.message(note)
        eval_set = _eval_subset(dataset.eval, cfg.eval_examples, cfg.seed)
        history = _load_history(cfg.out) if previous else []
        run_info = self._run_info(previous, source, summary)
        write_json(cfg.out / RUN_FILE, run_info)
        return self._loop(dataset, eval_set, history, run_info, source)

    def _run_info(
        self, previous: dict[str, Any] | None, source: Path | None, summary: dict[str, Any]
    ) -> dict[str, Any]:
        cfg = self.cfg
        info = dict(previous or {})
        info.update(
            {
                "model": cfg.model,
                "role": str(self.spec.role),
                "bars": self.spec.bars,
                "description": self.spec.description,
                "hparams": hparams_dict(self.spec.config.hparams),
                # Applied again wherever the run is read as a model.
                "hparam_overrides": dict(cfg.hparams),
                "train": {
                    k: (str(v) if isinstance(v, Path) else v)
                    for k, v in asdict(cfg).items()
                    if k not in ("out",)
                },
                "data": summary,
                "versions": package_versions(),
            }
        )
        if source is not None:
            info["init_from"] = str(source)
        return info

    # -- the loop -------------------------------------------------------------
    def _loop(
        self,
        dataset: Dataset,
        eval_set: Examples,
        history: list[dict[str, Any]],
        run_info: dict[str, Any],
        source: Path | None,
    ) -> TrainResult:
        cfg = self.cfg
        tf = tf1()
        device = choose_device(cfg.device)
        graph = tf.Graph()
        with graph.as_default(), tf.device("/gpu:0" if device == "gpu" else "/cpu:0"):
            tf.set_random_seed(cfg.seed)
            g = build_training_graph(
                self.spec.config, cfg.batch_size, learning_rate=cfg.learning_rate
            )
            saver = tf.train.Saver(max_to_keep=None)
            weights = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
            stored = sum(int(np.prod(v.shape.as_list())) for v in tf.global_variables()) * 4
            init = tf.global_variables_initializer()
            local_init = tf.local_variables_initializer()
            accuracy = _accuracy_metric(tf, g.metrics)
        self._announce_size(weights, stored)
        sess = tf.Session(graph=graph, config=tf.ConfigProto(allow_soft_placement=True))
        abandoned = False
        try:
            with graph.as_default():
                sess.run(init)
                resumed = checkpoint_prefixes(cfg.out)
                if resumed:
                    saver.restore(sess, str(resumed[-1]))
                    self.display.message(f"resumed from {resumed[-1].name}")
                elif source is not None:
                    n = _restore_weights(sess, tf, self.spec, source)
                    self.display.message(f"fine-tuning from {source} ({n} weight tensors)")
                sess.run(local_init)
                step = int(sess.run(g.global_step))
                if step == 0 or not history:
                    # Step-0 evaluation: a fine-tune starts where its source is.
                    self._save(sess, saver, step, history)
                    self._evaluate(step, eval_set, history)
                if step >= cfg.steps:
                    return self._finish("up_to_date", step, dataset, eval_set, history, None)
                rng = np.random.default_rng([cfg.seed, step])
                try:
                    status, speed = self._train_steps(
                        sess, g, saver, accuracy, local_init, rng, step, dataset, eval_set, history
                    )
                except StepAbandoned:
                    abandoned = True
                    kept = checkpoint_prefixes(cfg.out)
                    newest = kept[-1].name if kept else "none"
                    self.display.message(
                        f"stopped: the step in progress would have taken a while, so it was "
                        f"left unfinished; the newest checkpoint is {newest}, and the same "
                        "command resumes from it"
                    )
                    last = int(kept[-1].name.rsplit("-", 1)[1]) if kept else 0
                    return self._finish("abandoned", last, dataset, eval_set, history, None)
                step = int(sess.run(g.global_step))
                self._save(sess, saver, step, history)
                if status != "interrupted" and (not history or history[-1]["step"] != step):
                    self._evaluate(step, eval_set, history)
                return self._finish(status, step, dataset, eval_set, history, speed)
        finally:
            if not abandoned:  # an abandoned step still runs in the session
                sess.close()

    def _train_steps(
        self,
        sess: Any,
        g: TrainingGraph,
        saver: Any,
        accuracy: Any,
        local_init: Any,
        rng: np.random.Generator,
        step: int,
        dataset: Dataset,
        eval_set: Examples,
        history: list[dict[str, Any]],
    ) -> tuple[str, float | None]:
        cfg = self.cfg
        train = dataset.train
        fetches = {
            "train": g.train_op,
            "loss": g.loss,
            "scalars": g.scalars,
            "lr": g.learning_rate,
        }
        if accuracy is not None:
            fetches["acc_update"] = accuracy[1]
        speed: float | None = None
        typical: float | None = None  # seconds a step takes
        timed: list[float] = []
        window_start, window_steps = time.perf_counter(), 0
        with _stop_on_sigint(self.stop):
            while step < cfg.steps:
                if self.stop.is_set():
                    self.display.message(f"interrupted at step {step}: checkpoint written")
                    return "interrupted", speed
                idx = rng.integers(0, len(train), cfg.batch_size)
                batch = train.take(idx)
                began = time.perf_counter()
                out = _run_step(sess, fetches, g.feed(batch), self.stop, typical)
                took = time.perf_counter() - began
                typical = took if typical is None else 0.8 * typical + 0.2 * took
                step += 1
                timed.append(took)
                slow = len(timed) == 2 and took > SLOW_STEP_SECONDS  # say it soon
                if len(timed) == ANNOUNCE_AFTER or slow or (step == cfg.steps and len(timed) < 5):
                    # The first step builds TensorFlow's kernels: it is left out.
                    later = sorted(timed[1:] or timed)
                    self._announce_speed(later[len(later) // 2], cfg.steps - step)
                window_steps += 1
                loss = float(out["loss"])
                if not math.isfinite(loss):
                    raise TrainingError(
                        f"the loss became {loss} at step {step}; try a lower --learning-rate"
                    )
                elapsed = time.perf_counter() - window_start
                if elapsed > 0:
                    speed = window_steps * cfg.batch_size / elapsed
                acc = None
                if accuracy is not None:
                    acc = float(sess.run(accuracy[0]))
                scalars = out["scalars"]
                self.display.step(
                    StepStats(
                        step=step,
                        target=cfg.steps,
                        loss=loss,
                        r_loss=float(scalars["losses/r_loss"]),
                        kl_bits=float(scalars["losses/kl_bits"]),
                        accuracy=acc,
                        examples_per_second=speed or 0.0,
                        eta_seconds=(cfg.steps - step) * cfg.batch_size / speed if speed else None,
                        learning_rate=float(out["lr"]),
                    )
                )
                if window_steps >= 50:
                    window_start, window_steps = time.perf_counter(), 0
                    sess.run(local_init)  # accuracy over the last 50 steps
                if step % cfg.eval_every == 0 and step < cfg.steps:
                    self._save(sess, saver, step, history)
                    self._evaluate(step, eval_set, history)
                    window_start, window_steps = time.perf_counter(), 0
                    if cfg.patience and _evals_since_best(history) >= cfg.patience:
                        best = _best(history)
                        self.display.message(
                            f"early stop at step {step}: eval loss has not improved on step "
                            f"{best['step'] if best else '?'} for {cfg.patience} evaluations"
                        )
                        return "early_stopped", speed
        return "completed", speed

    # -- what a run will cost ----------------------------------------------------
    def _announce_size(self, weights: int, stored: int) -> None:
        """Before the first step: the model's size and its checkpoints against
        the disk budget."""
        cfg = self.cfg
        text = (
            f"{self.cfg.model}: {weights / 1e6:.2f} M weights; a checkpoint is about "
            f"{_gigabytes(stored)} (the weights and the optimizer's two moments)"
        )
        if cfg.max_disk_mb:
            fits = int(cfg.max_disk_mb * 1024 * 1024 // max(stored, 1))
            text += f"; --max-disk {cfg.max_disk_mb:g} MB holds {fits}"
            if fits < 2:
                text += (
                    f" (warning: fewer than 2; raise --max-disk to "
                    f"{math.ceil(2.2 * stored / 1024 / 1024)} or train a smaller model)"
                )
        self.display.message(text)

    def _announce_speed(self, step_seconds: float, steps_left: int) -> None:
        """After a few steps: time a step takes, peak memory, the time to go, and
        the lighter model of the kind when the run is heavy."""
        peak, total = _peak_memory(), _machine_memory()
        memory = ""
        if peak:
            memory = f", peak memory {_gigabytes(peak)}"
            if total:
                memory += f" of {_gigabytes(total)}"
        left = step_seconds * steps_left
        if left >= 3600:
            togo = f"{left / 3600:.1f} h"
        else:
            togo = f"{left / 60:.0f} min" if left >= 60 else f"{left:.0f} s"
        text = (
            f"a step takes {step_seconds:.2f} s{memory}: the {steps_left} steps to go take "
            f"about {togo}"
        )
        lighter = LIGHTER.get(self.spec.role)
        if left > HEAVY_RUN_SECONDS and lighter and lighter != self.cfg.model:
            text += f"; {lighter} is the lighter model of this kind for a CPU"
        self.display.message(text)

    # -- checkpoints and evaluation --------------------------------------------
    def _save(self, sess: Any, saver: Any, step: int, history: list[dict[str, Any]]) -> Path:
        cfg = self.cfg
        tf = tf1()
        target = cfg.out / CHECKPOINT_NAME
        try:
            prefix = Path(saver.save(sess, str(target), global_step=step, write_meta_graph=False))
        except (OSError, tf.errors.OpError) as exc:
            for partial in cfg.out.glob(f"{CHECKPOINT_NAME}-{step}.*"):
                partial.unlink(missing_ok=True)
            kept = checkpoint_prefixes(cfg.out)
            last = kept[-1].name if kept else "none"
            raise TrainingError(
                f"could not write the checkpoint of step {step} ({tf_reason(exc)}); "
                f"the newest good checkpoint is {last}. Free disk space and run the "
                "same command again to resume."
            ) from exc
        best = _best(history)
        protect = cfg.out / f"{CHECKPOINT_NAME}-{best['step']}" if best else None
        max_bytes = int(cfg.max_disk_mb * 1024 * 1024) if cfg.max_disk_mb else None
        kept = prune_checkpoints(
            cfg.out,
            checkpoint_prefixes(cfg.out),
            keep=cfg.keep,
            max_bytes=max_bytes,
            protect=protect,
        )
        # Names relative to the run directory: it still resumes after a move.
        tf.train.update_checkpoint_state(
            str(cfg.out), prefix.name, all_model_checkpoint_paths=[p.name for p in kept]
        )
        return prefix

    def _evaluate(self, step: int, eval_set: Examples, history: list[dict[str, Any]]) -> None:
        if not len(eval_set):
            return
        cfg = self.cfg
        prefix = cfg.out / f"{CHECKPOINT_NAME}-{step}"
        started = time.perf_counter()
        metrics: dict[str, Any] = {"step": step, "eval_examples": len(eval_set)}
        metrics.update(
            evaluate_losses(self.spec, prefix, eval_set, batch_size=cfg.batch_size, seed=cfg.seed)
        )
        metrics.update(
            evaluate_reconstruction(
                self.spec, prefix, eval_set, batch_size=min(cfg.batch_size, 64), seed=cfg.seed
            )
        )
        metrics["eval_seconds"] = round(time.perf_counter() - started, 2)
        history[:] = [h for h in history if h["step"] != step] + [metrics]
        self._write_metrics(history, None)
        self.display.evaluated(step, metrics)

    def _write_metrics(self, history: list[dict[str, Any]], final: dict[str, Any] | None) -> None:
        data: dict[str, Any] = {"history": history, "best": _best(history)}
        if final is not None:
            data["final"] = final
        write_json(self.cfg.out / METRICS_FILE, data)

    def _finish(
        self,
        status: str,
        step: int,
        dataset: Dataset,
        eval_set: Examples,
        history: list[dict[str, Any]],
        speed: float | None,
    ) -> TrainResult:
        last: dict[str, Any] = next((h for h in reversed(history) if h["step"] == step), {})
        final: dict[str, Any] = dict(last, status=status)
        if speed:
            final["train_examples_per_second"] = round(speed, 1)
        self._write_metrics(history, final)
        run = read_run(self.cfg.out)
        run.update({"step": step, "status": status, "metrics": final, "best": _best(history)})
        fitted: dict[str, dict[str, Any] | None] = {}
        if status in ("interrupted", "abandoned") or step == 0:
            if self.spec.is_conditional:
                what = "groove dynamics" if self.spec.role is Role.GROOVE else "latent prior"
                self.display.message(
                    f"no {what} fitted: it is fitted when a run ends with training done"
                    if step
                    else f"no {what} fitted: nothing was trained"
                )
        else:
            fitted = {"prior": self._fit_prior(step, dataset)}
            fitted["dynamics"] = self._fit_dynamics(step, dataset)
        run.update({key: value for key, value in fitted.items() if value is not None})
        write_json(self.cfg.out / RUN_FILE, run)
        return TrainResult(self.cfg.out, status, step, final, dataset.summary(), speed, history)

    def _fit_prior(self, step: int, dataset: Dataset) -> dict[str, Any] | None:
        """Fit the latent prior samples are drawn from to the final checkpoint
        (see bridge.engine.prior); a failure is reported, not raised."""
        if not self.spec.is_conditional or self.spec.role is Role.GROOVE:
            return None
        prefix = self.cfg.out / f"{CHECKPOINT_NAME}-{step}"
        prior = self._fit_beside(
            "latent prior",
            lambda: fit_latent_prior(self.spec, prefix, dataset.train, seed=self.cfg.seed),
            PRIOR_FILE,
        )
        if prior is None:
            return None
        self.display.message(
            f"latent prior fitted to {prior.windows} training windows "
            f"(shrinkage {prior.shrinkage:g}, held-out gain {prior.held_out_gain:+.3f} nats a "
            "dimension over N(0, I))"
        )
        return prior.summary()

    def _fit_dynamics(self, step: int, dataset: Dataset) -> dict[str, Any] | None:
        """Fit a groove model's contrast (bridge.engine.dynamics) to the final
        checkpoint on the training windows, so that its accents reach as far
        as the music it learned from; a failure is reported, not raised."""
        if self.spec.role is not Role.GROOVE:
            return None
        prefix = self.cfg.out / f"{CHECKPOINT_NAME}-{step}"
        dynamics = self._fit_beside(
            "groove dynamics",
            lambda: fit_groove_dynamics(self.spec, prefix, dataset.train, seed=self.cfg.seed),
            DYNAMICS_FILE,
            unfitted=", it plays its own velocities",
        )
        if dynamics is None:
            return None
        self.display.message(
            f"groove dynamics fitted to {dynamics.windows} training windows: contrast "
            f"{dynamics.contrast:g} (velocity spread in a window {dynamics.model_spread:.1f}, "
            f"the music's {dynamics.drummer_spread:.1f})"
        )
        return asdict(dynamics)

    def _fit_beside(
        self, what: str, fit: Callable[[], _Fit], name: str, unfitted: str = ""
    ) -> _Fit | None:
        """``fit()`` saved as ``name`` in the run directory, or None with the
        reason shown: fits that end a run never fail it."""
        try:
            fitted = fit()
            fitted.save(self.cfg.out / name)
        except BridgeError as exc:
            self.display.message(f"no {what} fitted{unfitted}: {exc.message}")
            return None
        except OSError as exc:  # a full disk: the run itself is saved already
            self.display.message(f"{what} not written: {exc}")
            return None
        return fitted


def train(cfg: TrainConfig, display: TrainDisplay | None = None) -> TrainResult:
    return Trainer(cfg, display).run()

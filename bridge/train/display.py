"""Training progress in the terminal: a rich live panel, or plain lines."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bridge.train.loop import StepStats

SHOWN_METRICS = (
    "eval_loss",
    "teacher_forced_accuracy",
    "sampled_accuracy",
    "hit_f1",
    "velocity_mae",
    "offset_mae_steps",
)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class RichTrainDisplay:
    """Step, loss, KL, accuracy, examples/s and ETA, refreshed in place."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task: Any = None
        self.data_task: Any = None
        self.last: StepStats | None = None
        self.evals: list[dict[str, Any]] = []
        self.live = Live(self._render(), console=self.console, refresh_per_second=4)
        self._last_refresh = 0.0

    def __enter__(self) -> RichTrainDisplay:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)

    def _render(self) -> Group:
        parts: list[Any] = [self.progress]
        s = self.last
        if s is not None:
            t = Table(
                "step",
                "loss",
                "recon",
                "KL bits",
                "accuracy",
                "examples/s",
                "lr",
                title="training",
                expand=False,
            )
            t.add_row(
                f"{s.step}/{s.target}",
                f"{s.loss:.4f}",
                f"{s.r_loss:.4f}",
                f"{s.kl_bits:.1f}",
                "-" if s.accuracy is None else f"{s.accuracy:.3f}",
                f"{s.examples_per_second:.0f}",
                f"{s.learning_rate:.2e}",
            )
            parts.append(t)
        if self.evals:
            keys = [k for k in SHOWN_METRICS if any(k in e for e in self.evals)]
            t = Table("step", "examples", *keys, title="held-out evaluation")
            for e in self.evals[-6:]:
                t.add_row(
                    str(e["step"]),
                    str(e.get("eval_examples", "-")),
                    *(_fmt(e.get(k, "-")) for k in keys),
                )
            parts.append(t)
        return Group(*parts)

    def data_progress(self, done: int, total: int, name: str) -> None:
        if self.data_task is None:
            self.data_task = self.progress.add_task("reading MIDI", total=total)
        self.progress.update(self.data_task, completed=done)

    def message(self, text: str) -> None:
        self.console.print(text)

    def step(self, stats: StepStats) -> None:
        if self.task is None:
            self.task = self.progress.add_task("training", total=stats.target)
        self.progress.update(self.task, completed=stats.step)
        self.last = stats
        now = time.monotonic()
        if now - self._last_refresh > 0.25:
            self._last_refresh = now
            self.live.update(self._render())

    def evaluated(self, step: int, metrics: dict[str, float]) -> None:
        self.evals.append(dict(metrics))
        self.live.update(self._render())


class PlainTrainDisplay:
    """One line every ``every`` steps, or sooner when ``seconds`` have passed
    since the last (a slow model still shows it is alive), and one per
    evaluation, for logs and pipes."""

    def __init__(self, every: int = 50, seconds: float = 30.0) -> None:
        self.every = every
        self.seconds = seconds
        self._last = time.monotonic()

    def data_progress(self, done: int, total: int, name: str) -> None:
        if done == total:
            print(f"read {total} MIDI files", flush=True)

    def message(self, text: str) -> None:
        print(text, flush=True)

    def step(self, s: StepStats) -> None:
        now = time.monotonic()
        if s.step % self.every == 0 or s.step == s.target or now - self._last >= self.seconds:
            self._last = now
            acc = "-" if s.accuracy is None else f"{s.accuracy:.3f}"
            eta = "-" if s.eta_seconds is None else f"{s.eta_seconds / 60:.1f} min"
            print(
                f"step {s.step}/{s.target} loss {s.loss:.4f} recon {s.r_loss:.4f} "
                f"kl_bits {s.kl_bits:.1f} acc {acc} {s.examples_per_second:.0f} ex/s eta {eta}",
                flush=True,
            )

    def evaluated(self, step: int, metrics: dict[str, float]) -> None:
        shown = " ".join(f"{k} {_fmt(metrics[k])}" for k in SHOWN_METRICS if k in metrics)
        n = metrics.get("eval_examples")
        on = f" ({n} held-out examples)" if n is not None else ""
        print(f"eval @ {step}{on}: {shown}", flush=True)

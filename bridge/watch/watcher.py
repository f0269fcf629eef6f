"""The folder watcher: MIDI files dropped into a folder come out as generated MIDI files.

One thread (the *scanner*) keeps a list of files that are not taken yet and
looks at them every ``poll_seconds``: a file is taken once its size and mtime
have held still for ``settle_seconds`` and it reads as MIDI. watchdog's file
events tell the scanner where to look; a full scan at start, every
``rescan_seconds`` and whenever :meth:`Watcher.wait_idle` asks, finds what
events missed. Taken inputs go to a bounded thread pool that runs the engine,
writes the outputs into a hidden folder and renames it into place, then
records the input in the state file (see :mod:`bridge.watch.state`).

Failures come in three kinds:

- the input's fault (not MIDI, a clip the model cannot take): the input moves
  to ``IN_DIR/failed/`` beside a ``.reason.txt``, and is recorded as failed;
- the settings' fault (a model that cannot do the operation, a parameter out
  of range): nothing moves, the watcher stops and :attr:`Watcher.error` says why;
- anything else (a full disk, a bug): logged; the input stays, unrecorded,
  and is tried again by the next watcher started on the folder.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bridge.errors import (
    BridgeError,
    InvalidClipError,
    InvalidNoteError,
    InvalidRequestError,
    MidiFileError,
    UnsupportedClipError,
)
from bridge.threads import Supervised
from bridge.watch import render
from bridge.watch.config import WatchConfig
from bridge.watch.inputs import FAILED_DIR, Candidate, Layout, order_group
from bridge.watch.jobs import (
    Activity,
    InputFailure,
    Job,
    JobFile,
    Snapshot,
    WatchError,
    job_report,
    move_to_failed,
    run_job,
    stat,
)
from bridge.watch.state import WatchState, file_key, group_key

if TYPE_CHECKING:
    from bridge.engine import Engine, ModelSpec

__all__ = ["Activity", "Job", "Snapshot", "WatchError", "Watcher"]

LOG_NAME = "watch.log"
_logger = logging.getLogger("bridge.watch")
_ids = itertools.count(1)
_RECENT = 10  # inputs in a snapshot's recent list

# Errors that say an input cannot be used, not that the settings are wrong.
_INPUT_ERRORS = (MidiFileError, UnsupportedClipError, InvalidClipError, InvalidNoteError)


class Watcher:
    """Watches ``config.in_dir`` and writes results to ``config.out_dir``.

    ``start()`` loads the model and the state and returns at once; the work
    happens on background threads until ``stop()``. ``wait_idle()`` blocks
    until everything in the folder has been taken care of (tests and ``--once``).
    Usable as a context manager.
    """

    def __init__(
        self,
        config: WatchConfig,
        engine: Engine,
        *,
        on_activity: Callable[[Activity], None] | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.layout = Layout(config.in_dir, config.out_dir)
        self.state: WatchState | None = None
        self.error: BridgeError | None = None
        self._on_activity = on_activity
        self._id = next(_ids)
        self.log = logging.LoggerAdapter(_logger, {"watcher": self._id})
        self._log_handler: logging.Handler | None = None
        self._spec: ModelSpec | None = None

        self._events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self._loop_done = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._started = False
        self._stopped = False

        # Scanner thread only.
        self._pending: dict[Path, Candidate] = {}
        self._dirty_groups: set[str] = set()
        self._waiting: dict[str, str] = {}
        self._held: set[Path] = set()  # settled, but not read until the queue has room
        # Under self._lock.
        self._ready: deque[Job] = deque()
        self._inflight: dict[str, Job] = {}
        self._taken: set[str] = set()  # the keys of every job queued or in flight
        self._given_up: set[str] = set()
        self._settling = 0
        self._held_count = 0
        self._running = 0
        self._done = 0
        self._failed = 0
        self._errors = 0
        # The latest activity of the last few inputs, oldest first.
        self._recent: OrderedDict[str, Activity] = OrderedDict()
        self._scan_requested = 0
        self._scans_done = -1

        self._thread: threading.Thread | None = None
        self._scanner: Supervised | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._observer: Any = None
        self._no_events = False  # no file events to be had: scan often instead

    # -- life cycle -------------------------------------------------------------
    def start(self) -> None:
        """Load the model and the state, and start watching (the first scan runs at once)."""
        if self._started:
            raise RuntimeError("a watcher starts once; make a new one")
        self._started = True
        cfg = self.config
        for folder, what in ((cfg.in_dir, "the folder to watch"), (cfg.out_dir, "--out")):
            if folder.exists() and not folder.is_dir():
                raise InvalidRequestError(f"{what}, {folder}, is a file, not a folder")
        cfg.in_dir.mkdir(parents=True, exist_ok=True)
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
        if cfg.log_file:
            self._open_log()
        try:
            self._spec = self.engine.registry.get(cfg.model)
            # Load now: a bad checkpoint should stop the watcher, not fail every file.
            self.engine.model(cfg.model)
            try:
                self.state = WatchState.load(cfg.out_dir)
            except ValueError as exc:
                raise WatchError(str(exc)) from exc
            # Output folders a watcher was writing when it was killed: never
            # committed, never to be, and nobody else writes there.
            for stale in render.stale_partials(cfg.out_dir):
                self.log.info("removing an unfinished output from before: %s", stale.name)
                render.discard(stale)
        except BaseException:
            self._close_log()
            self._stopped = True
            raise
        self.log.info(
            "watching %s -> %s: %s with %s %s",
            cfg.in_dir,
            cfg.out_dir,
            cfg.op,
            cfg.model,
            cfg.given(),
        )
        self._pool = ThreadPoolExecutor(cfg.workers, thread_name_prefix="watch-worker")
        self._observer = self._start_observer()
        self._thread = threading.Thread(target=self._loop, name="watch-scanner", daemon=True)
        self._thread.start()

    def stop(self, *, abandon: bool = False, wait: bool = True) -> None:
        """Stop watching. Queued inputs are left for the next start.

        Running work finishes and is written (``abandon=False``), or is thrown
        away when it returns (``abandon=True``); either way no output folder is
        ever half written. ``wait=False`` returns without waiting for it.
        """
        if abandon:
            self._abandon.set()
        self._stopping.set()
        self._wake.set()
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            if wait:
                observer.join()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
        with self._lock:
            self._ready.clear()
            self._stopped = True
            self._changed.notify_all()
        if wait:
            self.log.info("stopped")
            self._close_log()

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is settling, queued or running, after a full scan.

        Groups waiting for the right number of files count as idle: they wait
        for the musician. Returns False on timeout, True when idle or when the
        watcher has stopped (see :attr:`error`).
        """
        if not self._started:
            raise RuntimeError("the watcher has not been started")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._scan_requested += 1
            target = self._scan_requested
        self._wake.set()
        with self._changed:
            while not (self._stopped or self._loop_done.is_set()):
                if self._scans_done >= target and self._idle_locked():
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._changed.wait(remaining if remaining is not None else 1.0)
            return True

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Wait until the watcher has stopped: by itself on an error, or by :meth:`stop`."""
        return self._loop_done.wait(timeout)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                settling=self._settling,
                queued=self._held_count + len(self._ready) + len(self._inflight) - self._running,
                running=self._running,
                done=self._done,
                failed=self._failed,
                errors=self._errors,
                restarts=self._scanner.restarts if self._scanner is not None else 0,
                waiting_groups=len(self._waiting),
                recent=tuple(self._recent.values()),
                stopped=self._stopped or self._loop_done.is_set(),
                error=self.error.message if self.error else None,
            )

    def _idle_locked(self) -> bool:
        return (
            self._settling == 0 and self._held_count == 0 and not self._ready and not self._inflight
        )

    # -- logging and history ----------------------------------------------------------
    def _open_log(self) -> None:
        handler = logging.FileHandler(self.config.out_dir / LOG_NAME, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        mine = self._id
        handler.addFilter(lambda record: getattr(record, "watcher", None) == mine)
        if _logger.level == logging.NOTSET:
            _logger.setLevel(logging.INFO)
        _logger.addHandler(handler)
        self._log_handler = handler

    def _close_log(self) -> None:
        handler, self._log_handler = self._log_handler, None
        if handler is not None:
            _logger.removeHandler(handler)
            handler.close()

    def _note(self, name: str, status: str, detail: str = "") -> None:
        activity = Activity(name, status, detail, time.time())
        with self._lock:
            self._recent.pop(name, None)
            self._recent[name] = activity
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        if self._on_activity is not None:
            self._on_activity(activity)

    # -- file events ------------------------------------------------------------------
    def _start_observer(self) -> Any:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        events, wake = self._events, self._wake

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return  # reading (ours too) changes nothing
                for path in (event.src_path, getattr(event, "dest_path", "")):
                    if path:
                        events.put(os.fsdecode(path))
                wake.set()

        observer = Observer()
        try:
            observer.schedule(Handler(), str(self.config.in_dir), recursive=True)
            observer.start()
        except OSError as exc:  # e.g. out of inotify watches: scanning still works
            self.log.warning("no file events (%s); scanning every %gs", exc, self._rescan_every)
            self._no_events = True
            return None
        return observer

    @property
    def _rescan_every(self) -> float:
        return max(self.config.poll_seconds, 1.0) if self._no_events else self.config.rescan_seconds

    # -- the scanner thread -----------------------------------------------------------
    def _loop(self) -> None:
        scanner = Supervised(
            "the scanner",
            self._scan_loop,
            self.log,
            on_crash=self._scanner_crashed,
            stopping=lambda: self._stopping.is_set() or self.error is not None,
        )
        self._scanner = scanner
        try:
            scanner.run()
        finally:
            with self._lock:
                self._loop_done.set()
                self._changed.notify_all()

    def _scan_loop(self) -> None:
        next_scan = 0.0
        while not self._stopping.is_set() and self.error is None:
            with self._lock:
                requested = self._scan_requested
            now = time.monotonic()
            full = now >= next_scan or requested > self._scans_done
            self._drain_events(now)
            if full:
                self._scan_all(now)
                next_scan = now + self._rescan_every
            self._check_pending(time.monotonic())
            self._check_groups()
            self._submit_ready()
            busy = self._publish(requested if full else None)
            timeout = self.config.poll_seconds if busy else next_scan - time.monotonic()
            self._wake.wait(max(0.0, timeout))
            self._wake.clear()

    def _scanner_crashed(self, exc: BaseException) -> None:
        # Logged with its traceback by Supervised; the scanner starts over with
        # a full scan, and files already taken stay taken.
        with self._lock:
            self._errors += 1
        self._note("scanner", "error", f"restarted after {exc!r}")

    def _publish(self, scanned: int | None) -> bool:
        """Share the scanner's counts; True while anything still needs a look soon."""
        settling = sum(
            1
            for path, c in self._pending.items()
            if not (c.group is not None and c.settled) and path not in self._held
        )
        with self._lock:
            self._settling = settling
            self._held_count = len(self._held)
            if scanned is not None:
                self._scans_done = scanned
            self._changed.notify_all()
            return settling > 0 or bool(self._ready) or bool(self._held)

    def _drain_events(self, now: float) -> None:
        while True:
            try:
                text = self._events.get_nowait()
            except queue.Empty:
                return
            path = Path(text)
            if path.is_dir():
                if self.layout.is_group_dir(path):
                    self._scan_group(path.name, now)
                continue
            if self.layout.is_group_dir(path) and not path.exists():
                self._dirty_groups.add(path.name)  # maybe a group folder that went away
            self._consider(path, now)

    def _scan_all(self, now: float) -> None:
        try:
            with os.scandir(self.config.in_dir) as entries:
                found = [(Path(e.path), e.is_dir()) for e in entries]
        except OSError as exc:
            self.log.warning("cannot list %s: %s", self.config.in_dir, exc)
            return
        for path, is_dir in sorted(found):
            if is_dir:
                if self.layout.is_group_dir(path):
                    self._scan_group(path.name, now)
            else:
                self._consider(path, now)

    def _scan_group(self, group: str, now: float) -> None:
        members = self.layout.group_members(group)
        if members is None:
            return
        if self.config.is_group_op:
            # A group already done is skipped without reading its files again.
            keys = []
            for path in members:
                st = stat(path)
                if st is not None:
                    keys.append(file_key(f"{group}/{path.name}", *st))
            if members and len(keys) == len(members) and self._is_taken(group_key(group, keys)):
                self._waiting.pop(group, None)
                return
            self._dirty_groups.add(group)
        for path in members:
            self._consider(path, now)

    def _is_taken(self, key: str) -> bool:
        assert self.state is not None
        # Queued and in flight first: a worker records the state before its key
        # leaves that set, so one of the two checks always sees a taken key.
        with self._lock:
            if key in self._taken or key in self._given_up:
                return True
        return key in self.state

    def _consider(self, path: Path, now: float) -> None:
        """Start tracking a file that may be an input (and is not taken yet)."""
        where = self.layout.locate(path)
        if where is None:
            return
        group, relative = where
        if group is not None and self.config.is_group_op:
            self._dirty_groups.add(group)
        if path in self._pending:
            return
        st = stat(path)
        if st is None:
            return
        candidate = Candidate(path, group, relative, st[0], st[1], now)
        if not self._is_taken(candidate.key):
            self._pending[path] = candidate

    def _check_pending(self, now: float) -> None:
        cfg = self.config
        # Read no more files than the queue has room for: what is queued holds
        # its notes in memory, and hundreds of files may arrive at once.
        with self._lock:
            room = cfg.workers + cfg.queue_size - len(self._ready)
        self._held.clear()
        for path, cand in list(self._pending.items()):
            before = cand.key
            if not cand.update(now):
                del self._pending[path]
                if cand.group is not None:
                    self._dirty_groups.add(cand.group)
                continue
            if cand.key != before and cand.group is not None:
                self._dirty_groups.add(cand.group)
            if self._is_taken(cand.key):
                del self._pending[path]
                continue
            age = now - cand.changed_at
            if age < cfg.settle_seconds:
                continue
            if not cand.settled and cand.error is None:
                if room <= 0:
                    self._held.add(path)
                    continue
                room -= 1
                changed_at = cand.changed_at
                cand.read(now)
                if cand.changed_at != changed_at:
                    continue  # changed while being read
            if cand.settled:
                if cand.group is not None and cfg.is_group_op:
                    self._dirty_groups.add(cand.group)
                    continue  # the group decides
                del self._pending[path]
                if cfg.is_group_op:
                    n = cfg.inputs_per_job
                    self._fail_file(
                        cand,
                        f"{cfg.op} takes its inputs as a group: put {n} MIDI files in a "
                        f"subfolder of {cfg.in_dir} (see docs/watcher.md)",
                    )
                else:
                    self._enqueue(self._job([cand], group=None, now=now))
            elif cand.error is not None and (cand.not_midi or age >= cfg.corrupt_seconds):
                del self._pending[path]
                if cand.group is not None:
                    self._dirty_groups.add(cand.group)
                self._fail_file(cand, cand.error)

    def _check_groups(self) -> None:
        cfg = self.config
        if not cfg.is_group_op:
            self._dirty_groups.clear()
            return
        now = time.monotonic()
        while self._dirty_groups:
            group = self._dirty_groups.pop()
            members = self.layout.group_members(group)
            if not members:
                self._waiting.pop(group, None)
                continue
            needed = cfg.inputs_per_job
            if len(members) != needed:
                message = f"{len(members)} MIDI file(s); {cfg.op} takes {needed}"
                if self._waiting.get(group) != message:
                    self._waiting[group] = message
                    self.log.info("waiting: group %s has %s", group, message)
                    self._note(group, "waiting", message)
                continue
            self._waiting.pop(group, None)
            cands = [self._pending.get(p) for p in order_group(cfg.op, members)]
            if any(c is None for c in cands):
                for path in members:  # not tracked yet (or the group is done)
                    self._consider(path, now)
                continue
            ready = [c for c in cands if c is not None and c.settled]
            if len(ready) != needed:
                continue  # still settling
            key = group_key(group, [c.key for c in ready])
            for c in ready:
                del self._pending[c.path]
            if not self._is_taken(key):
                self._enqueue(self._job(ready, group=group, now=now, key=key))

    def _job(
        self, cands: list[Candidate], *, group: str | None, now: float, key: str | None = None
    ) -> Job:
        files = tuple(
            JobFile(c.path, c.relative, c.tracks or [], c.size, c.mtime_ns, c.qpm) for c in cands
        )
        if group is None:
            cand = cands[0]
            return Job(cand.key, cand.path.stem, cand.relative, files, False, now)
        assert key is not None
        return Job(key, group, group, files, True, now)

    def _enqueue(self, job: Job) -> None:
        with self._lock:
            self._ready.append(job)
            self._taken.add(job.key)
        self.log.info("queued %s", job.relative)
        self._note(job.relative, "queued")

    def _submit_ready(self) -> None:
        assert self._pool is not None
        limit = self.config.workers + self.config.queue_size
        while True:
            with self._lock:
                if not self._ready or len(self._inflight) >= limit:
                    return
                job = self._ready.popleft()
                self._inflight[job.key] = job
            future = self._pool.submit(self._process, job)
            future.add_done_callback(functools.partial(self._finished, job))

    def _finished(self, job: Job, future: Future[None]) -> None:
        with self._lock:
            del self._inflight[job.key]
            self._taken.discard(job.key)
            self._changed.notify_all()
        self._wake.set()  # room in the pool

    # -- the workers ------------------------------------------------------------------
    def _process(self, job: Job) -> None:
        if self._abandon.is_set() or self.error is not None:
            return  # left for the next start
        with self._lock:
            self._running += 1
        self._note(job.relative, "running")
        try:
            self._work(job)
        except InputFailure as exc:
            self._fail_job(job, str(exc))
        except BridgeError as exc:
            if isinstance(exc, _INPUT_ERRORS):
                self._fail_job(job, exc.message)
            else:  # the settings' fault: every input would fail the same way
                self.log.error("stopping: %s (on %s)", exc.message, job.relative)
                self._note(job.relative, "error", exc.message)
                if self.error is None:
                    self.error = exc
                with self._lock:
                    self._errors += 1
                    self._given_up.add(job.key)
                self._wake.set()
        except Exception as exc:
            self.log.exception("error on %s; it stays for the next start", job.relative)
            self._note(job.relative, "error", repr(exc))
            with self._lock:
                self._errors += 1
                self._given_up.add(job.key)
        finally:
            with self._lock:
                self._running -= 1

    def _work(self, job: Job) -> None:
        cfg = self.config
        started = time.monotonic()
        assert self._spec is not None
        generation, tracks_used = run_job(self.config, self.engine, self._spec, job)
        model_seconds = time.monotonic() - started
        if self._abandon.is_set():
            return
        partial = render.new_partial_dir(cfg.out_dir)
        try:
            stem = f"{job.name}_{cfg.op}"
            outputs = render.write_outputs(
                partial,
                stem,
                generation.outputs,
                piano_rolls=cfg.piano_rolls,
                # the tempo the job ran at: the watch's qpm, else the first file's
                qpm=float(generation.params.get("qpm") or job.files[0].qpm),
            )
            finished = time.monotonic()
            report = job_report(
                self.config, self.engine.device, job, generation, tracks_used, outputs
            )
            report["timings"] = {
                "queued_seconds": round(started - job.taken_at, 3),
                "model_seconds": round(model_seconds, 3),
                "engine_seconds": round(generation.seconds, 3),
                "write_seconds": round(finished - started - model_seconds, 3),
                "total_seconds": round(finished - job.taken_at, 3),
            }
            render.write_report(partial, report)
            if self._abandon.is_set():
                render.discard(partial)
                return
            target = render.commit(partial, cfg.out_dir, job.name)
        except BaseException:
            render.discard(partial)
            raise
        assert self.state is not None
        self.state.record(job.key, "done", job.relative, output=target.name)
        with self._lock:
            self._done += 1
        self.log.info("done %s -> %s (%d file(s))", job.relative, target, len(outputs))
        self._note(job.relative, "done", target.name)

    # -- failures ---------------------------------------------------------------------
    def _fail_file(self, cand: Candidate, reason: str) -> None:
        if cand.group is not None and self.config.is_group_op:
            reason = f"{reason} (in group {cand.group})"
        self._fail(cand.key, cand.relative, cand.path, reason)

    def _fail_job(self, job: Job, reason: str) -> None:
        source = self.config.in_dir / job.relative if job.is_group else job.files[0].path
        self._fail(job.key, job.relative, source, reason)

    def _fail(self, key: str, relative: str, source: Path, reason: str) -> None:
        assert self.state is not None
        try:
            moved = move_to_failed(source, self.config.in_dir / FAILED_DIR, relative, reason)
        except OSError as exc:
            self.log.error("failed %s: %s; and cannot move it: %s", relative, reason, exc)
            with self._lock:
                self._given_up.add(key)
                self._failed += 1
            self._note(relative, "failed", reason)
            return
        self.state.record(
            key, "failed", relative, reason=reason, moved_to=f"{FAILED_DIR}/{moved.name}"
        )
        with self._lock:
            self._failed += 1
        self.log.warning("failed %s: %s (moved to %s)", relative, reason, moved)
        self._note(relative, "failed", reason)

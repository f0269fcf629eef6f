"""Cold start of ``latent-bridge serve`` and its resident memory with the profile loaded.

Each run starts ``latent-bridge serve`` as a new process (``--quiet``, CPU,
the profile written to a TOML file) and measures, from the moment of exec:

- ``first ping``: the first ``/lb/pong`` (Python, TensorFlow and Magenta
  imported, socket bound; pings go every 50 ms);
- ``first op``: the answer (``/lb/done``) to a first operation on the drums
  model (or the first role), which loads that model (lazy loading);
- ``all loaded``: after one operation per role, every model resident.

Memory is read from ``/proc/PID/status`` (``VmRSS`` now, ``VmHWM`` peak) at
each of those points. Then the server gets SIGINT and must exit cleanly.

    uv run python benchmarks/bench_cold.py [--runs 3] [--profile FILE.toml]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_engine import drum_clip, melody_clip, scene_tracks
from profiles import load_profile, machine, machine_line, write_report
from rich.console import Console
from rich.table import Table

PING_EVERY_S = 0.05


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB (Linux /proc)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command() -> list[str]:
    script = Path(sys.executable).parent / "latent-bridge"
    if script.is_file():
        return [str(script), "serve"]
    return [sys.executable, "-c", "import sys; from bridge.cli import main; sys.exit(main())"]


def first_op(role: str, client: Any) -> Any:
    from bridge.clips import Track

    if role == "groove":
        return client.operation("humanize", role, 0.3, 1, tracks=[Track(drum_clip(0), True, 0)])
    if role == "multitrack":
        return client.operation("multitrack", role, 2, 0.8, 0.5, 1, tracks=scene_tracks())
    clip = drum_clip(0) if role == "drums" else melody_clip(0)
    return client.operation(
        "variations", role, 4, 0.8, 0.5, 1, tracks=[Track(clip, role == "drums", 0)]
    )


def one_run(profile_file: Path, roles: list[str], log: Path, timeout: float) -> dict[str, Any]:
    from bridge.osc.client import OscClient

    port = free_port()
    cmd = [*serve_command(), "--profile", str(profile_file), "--port", str(port)]
    cmd += ["--device", "cpu", "--quiet", "--log", str(log)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    console_out = log.with_suffix(".out").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=console_out, stderr=subprocess.STDOUT)
    result: dict[str, Any] = {"pid": proc.pid}
    try:
        with OscClient(port=port, timeout=timeout) as client:
            deadline = started + timeout
            while True:
                if proc.poll() is not None:
                    text = log.with_suffix(".out").read_text()[-2000:]
                    raise RuntimeError(f"serve exited with {proc.returncode}: {text}")
                if time.perf_counter() > deadline:
                    raise TimeoutError("serve never answered a ping")
                rid = client.new_id()
                client.send("/lb/ping", rid)
                try:
                    client.wait(rid, ("pong",), timeout=PING_EVERY_S)
                    break
                except TimeoutError:
                    continue
            result["first_ping_s"] = time.perf_counter() - started
            result["mem_after_ping"] = memory_mb(proc.pid)
            first = roles[0]
            out = first_op(first, client)
            assert out.outputs
            result["first_op_s"] = time.perf_counter() - started
            result["first_op_role"] = first
            result["mem_after_first_op"] = memory_mb(proc.pid)
            for role in roles[1:]:
                assert first_op(role, client).outputs
            result["all_loaded_s"] = time.perf_counter() - started
            result["mem_all_loaded"] = memory_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        console_out.close()
        result["exit_code"] = proc.returncode
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=3, help="cold starts (median reported)")
    ap.add_argument("--profile", type=Path, help="TOML profile (default: the bundled models)")
    ap.add_argument("--roles", default="drums,melody,groove,multitrack", help="comma separated")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per step at most")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "cold.json")
    args = ap.parse_args(argv)
    roles = [r for r in args.roles.split(",") if r]
    console = Console() if sys.stdout.isatty() else Console(width=150)
    info = machine()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        profile = load_profile(args.profile, Path(tmp), roles, console.print)
        roles = [r for r in roles if r in profile.roles]
        for line in profile.describe():
            console.print(f"  {line}")
        profile_file = Path(tmp) / "profile.toml"
        profile_file.write_text(profile.toml())
        for i in range(args.runs):
            r = one_run(profile_file, roles, Path(tmp) / f"serve-{i}.log", args.timeout)
            console.print(
                f"run {i + 1}: first ping {r['first_ping_s']:.2f} s, first op "
                f"{r['first_op_s']:.2f} s, all loaded {r['all_loaded_s']:.2f} s, "
                f"RSS {r['mem_all_loaded']['VmRSS']:.0f} MiB, exit {r['exit_code']}"
            )
            runs.append(r)

    def med(key: str, sub: str | None = None) -> float:
        return statistics.median(r[key][sub] if sub else r[key] for r in runs)

    table = Table(title=f"cold start of latent-bridge serve (median of {len(runs)} runs)")
    for col in ("point", "seconds from exec", "RSS MiB", "peak RSS MiB"):
        table.add_column(col, justify="left" if col == "point" else "right")
    points = [
        ("first ping answered", "first_ping_s", "mem_after_ping"),
        (f"first {runs[0]['first_op_role']} op answered", "first_op_s", "mem_after_first_op"),
        (f"every model loaded ({', '.join(roles)})", "all_loaded_s", "mem_all_loaded"),
    ]
    for label, t_key, m_key in points:
        table.add_row(
            label, f"{med(t_key):.2f}", f"{med(m_key, 'VmRSS'):.0f}", f"{med(m_key, 'VmHWM'):.0f}"
        )
    console.print(table)
    console.print(f"machine: {machine_line(info)}")
    report = {
        "benchmark": "cold start and resident memory of latent-bridge serve",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "profile": profile.to_json(),
        "roles": roles,
        "runs": runs,
        "median": {t_key: med(t_key) for _, t_key, _ in points}
        | {f"{m_key}_rss_mib": med(m_key, "VmRSS") for _, _, m_key in points},
    }
    write_report(args.out, report, console.print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

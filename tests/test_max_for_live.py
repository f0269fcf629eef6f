"""Max for Live devices: the built .amxd files, the patchers, and the devices'
JavaScript under Node (unit tests, and the devices against the real server
on 127.0.0.1 with a fake Live set). The Node tests are skipped without
``node`` on the PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bridge.engine import Engine
from bridge.osc import Profile, Server

REPO = Path(__file__).resolve().parent.parent
M4L = REPO / "max_for_live"
NODE = shutil.which("node")
# CI installs Node.js and sets LB_REQUIRE_NODE=1: there a missing node fails, never skips.
if NODE is None and os.environ.get("LB_REQUIRE_NODE") == "1":
    raise RuntimeError("LB_REQUIRE_NODE=1 but node is not on the PATH")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

ROLES = {
    "drums": "lb-drums_2bar_tiny",
    "melody": "lb-mel_2bar_tiny",
    "groove": "lb-groove_2bar_tiny",
    "multitrack": "lb-multitrack_1bar_tiny",
}


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_amxd", REPO / "scripts" / "build_amxd.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_amxd"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
DEVICES = builder.DEVICES


def _node(args: list[str], env: dict[str, str] | None = None, timeout: float = 180) -> str:
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "--test", "--test-reporter=tap", *args],
        cwd=M4L,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    return out


def _count(out: str, what: str) -> int:
    match = re.search(rf"^# {what} (\d+)$", out, re.MULTILINE)
    assert match, out[-2000:]
    return int(match.group(1))


# -- the .amxd container -------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_built_amxd_is_current_and_well_formed(device: Any) -> None:
    data = device.target.read_bytes()
    assert data == builder.build(device), "stale: run uv run python scripts/build_amxd.py"
    # Header, as the public parser (Ableton's maxdevtools) walks it: id, LE size, data.
    assert data[:4] == b"ampf" and struct.unpack("<I", data[4:8])[0] == 4
    assert data[8:12] == b"mmmm"
    assert data[12:16] == b"meta" and struct.unpack("<I", data[16:20])[0] == 4
    assert data[24:28] == b"ptch"
    (size,) = struct.unpack("<I", data[28:32])
    assert 32 + size == len(data), "ptch runs to the end of the file"
    assert data[-1:] == b"\0" and data[32:33] == b"{"
    kind, patcher = builder.read_amxd(data)
    assert kind == "mmmm"
    assert patcher == json.loads(device.source.read_text())


def test_amxd_reader_and_builder_refuse_bad_input() -> None:
    good = builder.build_amxd({"patcher": {"boxes": [], "lines": []}})
    assert builder.read_amxd(good) == ("mmmm", {"patcher": {"boxes": [], "lines": []}})
    with pytest.raises(builder.AmxdError, match="device type"):
        builder.build_amxd({"patcher": {}}, "xxxx")
    with pytest.raises(builder.AmxdError, match="patcher"):
        builder.build_amxd({"boxes": []})
    with pytest.raises(builder.AmxdError, match="runs past the end"):
        builder.read_amxd(good[:-10])
    with pytest.raises(builder.AmxdError, match="truncated"):
        builder.read_amxd(good + b"pt")
    frozen = builder.chunk(b"ampf", b"mmmm") + builder.chunk(b"ptch", b"mx@c" + b"\0" * 12)
    with pytest.raises(builder.AmxdError, match="frozen"):
        builder.read_amxd(frozen)
    with pytest.raises(builder.AmxdError, match="starts with an ampf"):
        builder.read_amxd(builder.chunk(b"meta", b"\0" * 4))


def test_install_puts_devices_and_scripts_side_by_side(tmp_path: Path) -> None:
    written = builder.install(tmp_path / "Latent Bridge")
    names = sorted(p.name for p in written)
    assert "latentbridge.js" in names
    for device in DEVICES:
        assert f"{device.title}.amxd" in names and f"{device.folder}.js" in names
        kind, _ = builder.read_amxd(
            (tmp_path / "Latent Bridge" / f"{device.title}.amxd").read_bytes()
        )
        assert kind == "mmmm"
    assert builder.main(["--check"]) == 0


# -- the patchers --------------------------------------------------------------------


def _script_functions(device: Any) -> set[str]:
    return set(re.findall(r"^function (\w+)\(", device.script.read_text(), re.MULTILINE))


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_patcher_is_wired_to_its_script(device: Any) -> None:
    patcher = json.loads(device.source.read_text())["patcher"]
    boxes = {b["box"]["id"]: b["box"] for b in patcher["boxes"]}
    lines = [(ln["patchline"]["source"], ln["patchline"]["destination"]) for ln in patcher["lines"]]
    for (src, out), (dst, inlet) in lines:
        assert src in boxes and dst in boxes
        assert out < boxes[src]["numoutlets"] and inlet < boxes[dst]["numinlets"]

    def find(text: str) -> str:
        found = [i for i, b in boxes.items() if b.get("text") == text]
        assert len(found) == 1, f"one box {text!r}"
        return found[0]

    def linked(src: str, out: int, dst: str) -> bool:
        return ([src, out], [dst, 0]) in [(list(s), list(d)) for s, d in lines]

    js = find(f"js {device.folder}.js 127.0.0.1 9000")
    assert boxes[js]["numoutlets"] == 4
    script = device.script.read_text()
    assert "outlets = 4;" in script and 'require("latentbridge")' in script
    send, recv = find("udpsend 127.0.0.1 9000"), find("udpreceive 9100")
    assert linked(js, 0, send) and linked(js, 1, recv) and linked(recv, 0, js)
    status = [i for i, b in boxes.items() if b.get("varname") == "status"]
    assert len(status) == 1 and linked(js, 2, status[0])
    assert linked(find("live.thisdevice"), 0, find("init")) and linked(find("init"), 0, js)
    assert linked(find("midiin"), 0, find("midiout")), "MIDI passes through the device"
    # Every message the patch sends the script has a function to receive it.
    functions = _script_functions(device)
    for (src, _), (dst, _) in lines:
        if dst != js:
            continue
        text = boxes[src].get("text", "")
        selector = text.split()[1] if text.startswith("prepend ") else text.split()[0]
        if boxes[src]["maxclass"] in ("message", "newobj") and not text.startswith("udpreceive"):
            assert selector in functions, f"{text!r} has no function in {device.script.name}"
    # Parameters: Live needs each to have a unique long name and a range.
    params = [b for b in boxes.values() if b.get("parameter_enable")]
    names = [b["saved_attribute_attributes"]["valueof"]["parameter_longname"] for b in params]
    assert len(names) == len(set(names)), names
    for b in params:
        vo = b["saved_attribute_attributes"]["valueof"]
        assert "parameter_enum" in vo or vo["parameter_mmin"] < vo["parameter_mmax"]
    assert patcher["openinpresentation"] == 1
    assert {d["name"] for d in patcher["dependency_cache"]} == {
        f"{device.folder}.js",
        "latentbridge.js",
    }


def test_beat_blender_x_and_y_are_automatable_parameters() -> None:
    patcher = json.loads((M4L / "beat_blender" / "beat_blender.maxpat").read_text())["patcher"]
    dials = {
        b["box"]["varname"]: b["box"]
        for b in patcher["boxes"]
        if b["box"].get("maxclass") == "live.dial" and b["box"].get("parameter_enable")
    }
    for axis in ("X", "Y"):
        vo = dials[axis]["saved_attribute_attributes"]["valueof"]
        assert (vo["parameter_mmin"], vo["parameter_mmax"], vo["parameter_type"]) == (0.0, 1.0, 0)


def _parameters(folder: str) -> list[dict[str, Any]]:
    """Every parameter-enabled box of a device's patcher, in patcher order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            box = node.get("box")
            if isinstance(box, dict) and box.get("parameter_enable"):
                found.append(box)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads((M4L / folder / f"{folder}.maxpat").read_text()))
    return found


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_only_musical_controls_are_automated_and_they_fit_one_bank(device: Any) -> None:
    """Buttons are Hidden, settings Stored Only (Parameter Visibility 2 and 1);
    what is left is automatable and fits the first bank of eight Push shows."""
    automated = []
    for box in _parameters(device.folder):
        visibility = box["saved_attribute_attributes"]["valueof"].get("parameter_invisible", 0)
        name = box["saved_attribute_attributes"]["valueof"]["parameter_longname"]
        if box["maxclass"] == "live.text" and box.get("mode") == 0:
            assert visibility == 2, f"{name}: a button must not be automated or stored"
        elif visibility == 0:
            automated.append(name)
    assert "Temperature" in automated and "Seed" in automated
    assert len(automated) <= 8, automated


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_the_status_line_has_room_for_the_longest_message(device: Any) -> None:
    """A comment wraps its text at its width; three lines at 9.5 pt hold the
    longest fixed message (no server) on the narrowest device, at a generous
    6 px a character."""
    patcher = json.loads((M4L / device.folder / f"{device.folder}.maxpat").read_text())["patcher"]
    (status,) = [b["box"] for b in patcher["boxes"] if b["box"].get("varname") == "status"]
    _, y, width, height = status["presentation_rect"]
    assert height >= 39 and y + height <= patcher["openrect"][3]
    lines = height // 13
    message = (
        "no answer from the server at 127.0.0.1:9000; start it with: uv run latent-bridge serve"
    )
    assert len(message) * 6 <= lines * width


# -- the JavaScript under Node -----------------------------------------------------------


@needs_node
def test_node_unit_tests() -> None:
    out = _node(["tests/unit/"])
    assert _count(out, "pass") >= 10 and _count(out, "fail") == 0


@pytest.fixture
def m4l_server(engine: Engine, tiny_checkpoints: dict[str, str]) -> Iterator[Server]:
    profile = Profile(
        roles=dict(ROLES), checkpoints={m: tiny_checkpoints[m] for m in ROLES.values()}
    )
    srv = Server(engine, profile, host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.stop()


@needs_node
@pytest.mark.integration
def test_devices_against_the_real_server(m4l_server: Server) -> None:
    out = _node(["tests/integration/"], env={"LB_SERVER_PORT": str(m4l_server.port)})
    assert _count(out, "skipped") == 0, "every device test ran against the server"
    assert _count(out, "pass") >= 12 and _count(out, "fail") == 0

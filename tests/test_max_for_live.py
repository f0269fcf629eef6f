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


def _archive(data: bytes) -> tuple[bytes, list[dict[str, Any]]]:
    """The ptch data of a frozen .amxd and its directory, walked here without the builder."""
    (size,) = struct.unpack("<I", data[28:32])
    body = data[32 : 32 + size]
    assert body[:4] == b"mx@c" and struct.unpack(">I", body[4:8])[0] == 16
    (footer_at,) = struct.unpack(">Q", body[8:16])
    footer = body[footer_at:]
    assert footer[:4] == b"dlst" and struct.unpack(">I", footer[4:8])[0] == len(footer)
    records, pos = [], 8
    while pos < len(footer):
        assert footer[pos : pos + 4] == b"dire"
        (rsize,) = struct.unpack(">I", footer[pos + 4 : pos + 8])
        fields, order, fpos = {}, [], pos + 8
        while fpos < pos + rsize:
            tag = footer[fpos : fpos + 4].decode("ascii")
            (fsize,) = struct.unpack(">I", footer[fpos + 4 : fpos + 8])
            assert fsize >= 8 and fpos + fsize <= pos + rsize, f"field {tag} overruns its record"
            fields[tag] = footer[fpos + 8 : fpos + fsize]
            order.append(tag)
            fpos += fsize
        assert fpos == pos + rsize
        assert order == ["type", "fnam", "sz32", "of32", "vers", "flag", "mdat"]
        records.append(
            {
                "type": fields["type"].decode("ascii"),
                "fnam": fields["fnam"],
                **{k: struct.unpack(">I", fields[k])[0] for k in order[2:]},
            }
        )
        pos += rsize
    assert pos == len(footer)
    return body, records


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_built_amxd_is_current_and_well_formed(device: Any) -> None:
    data = device.target.read_bytes()
    assert data == builder.build(device), "stale: run uv run python scripts/build_amxd.py"
    # Header, as the public parser (Ableton's maxdevtools) walks it: id, LE size, data.
    assert data[:4] == b"ampf" and struct.unpack("<I", data[4:8])[0] == 4
    assert data[8:12] == b"mmmm"
    assert data[12:16] == b"meta" and struct.unpack("<I", data[16:20])[0] == 4
    assert struct.unpack("<I", data[20:24])[0] == 7, "frozen devices carry meta 7"
    assert data[24:28] == b"ptch"
    (size,) = struct.unpack("<I", data[28:32])
    assert 32 + size == len(data), "ptch runs to the end of the file"
    assert data[32:36] == b"mx@c", "the device is frozen"
    kind, patcher = builder.read_amxd(data)
    assert kind == "mmmm"
    assert patcher == json.loads(device.source.read_text())


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_frozen_device_carries_its_patcher_and_scripts(device: Any) -> None:
    data = device.target.read_bytes()
    body, records = _archive(data)
    names = [r["fnam"].rstrip(b"\0").decode() for r in records]
    assert names == [device.target.name, device.script.name, "latentbridge.js"]
    assert [(r["type"], r["flag"]) for r in records] == [("JSON", 0x11), ("TEXT", 0), ("TEXT", 0)]
    (footer_at,) = struct.unpack(">Q", body[8:16])
    offset = 16
    for name, r in zip(names, records, strict=True):
        raw = name.encode()
        # NUL-terminated, zero-padded: len + 1 rounded up to a multiple of 4.
        assert r["fnam"] == raw + b"\0" * (len(r["fnam"]) - len(raw))
        assert len(r["fnam"]) == (len(raw) + 1 + 3) // 4 * 4
        assert r["of32"] == offset, "files lie back to back from byte 16"
        assert r["vers"] == 0
        assert r["mdat"] == builder.MDAT_UNIX + 2082844800, "HFS+ seconds of the fixed time"
        offset += r["sz32"]
    assert offset == footer_at, "the footer follows the last file"
    files = {
        n: body[r["of32"] : r["of32"] + r["sz32"]] for n, r in zip(names, records, strict=True)
    }
    patcher_bytes = files[device.target.name]
    assert patcher_bytes.endswith(b"}\n\0")
    assert json.loads(patcher_bytes[:-1]) == json.loads(device.source.read_text())
    assert files[device.script.name] == device.script.read_bytes()
    assert files["latentbridge.js"] == builder.LIB.read_bytes()
    # The patcher lists what the device carries besides itself.
    deps = json.loads(device.source.read_text())["patcher"]["dependency_cache"]
    assert sorted(d["name"] for d in deps) == sorted(names[1:])
    assert all(d["type"] == "TEXT" for d in deps)
    # The builder's own reader agrees.
    entries = builder.read_frozen(data)
    assert [(e.name, e.type, e.flag, e.mdat) for e in entries] == [
        (n, r["type"], r["flag"], builder.MDAT_UNIX) for n, r in zip(names, records, strict=True)
    ]
    assert [e.data for e in entries] == list(files.values())


def test_amxd_reader_and_builder_refuse_bad_input() -> None:
    patcher = {"patcher": {"boxes": [], "lines": []}}
    good = builder.build_amxd(patcher, name="T.amxd", files=[("t.js", b"post(1);\n")])
    assert builder.read_amxd(good) == ("mmmm", patcher)
    unfrozen = builder.build_amxd(patcher, frozen=False)
    assert unfrozen[32:33] == b"{" and unfrozen.endswith(b"\0")
    assert builder.read_amxd(unfrozen) == ("mmmm", patcher)
    with pytest.raises(builder.AmxdError, match="not frozen"):
        builder.read_frozen(unfrozen)
    archive = good[32:]
    assert [e.name for e in builder.unpack_archive(archive)] == ["T.amxd", "t.js"]
    with pytest.raises(builder.AmxdError, match="bad magic"):
        builder.unpack_archive(b"mx@d" + archive[4:])
    with pytest.raises(builder.AmxdError, match="unfrozen device carries no files"):
        builder.build_amxd(patcher, files=[("t.js", b"")], frozen=False)
    with pytest.raises(builder.AmxdError, match="must differ"):
        builder.build_amxd(patcher, name="t.js", files=[("t.js", b"")])
    with pytest.raises(builder.AmxdError, match="device type"):
        builder.build_amxd({"patcher": {}}, "xxxx")
    with pytest.raises(builder.AmxdError, match="patcher"):
        builder.build_amxd({"boxes": []})
    with pytest.raises(builder.AmxdError, match="runs past the end"):
        builder.read_amxd(good[:-10])
    with pytest.raises(builder.AmxdError, match="truncated"):
        builder.read_amxd(good + b"pt")
    with pytest.raises(builder.AmxdError, match="starts with an ampf"):
        builder.read_amxd(builder.chunk(b"meta", b"\0" * 4))


def _corrupt_frozen(edit: Any) -> bytes:
    """A small frozen device whose mx@c archive went through ``edit(bytearray)``."""
    patcher = {"patcher": {"boxes": [], "lines": []}}
    data = builder.build_amxd(patcher, name="T.amxd", files=[("t.js", b"post(1);\n")])
    body = bytearray(data[32:])
    edit(body)
    return data[:24] + builder.chunk(b"ptch", bytes(body))


def _footer_at(body: bytearray) -> int:
    return int(struct.unpack(">Q", body[8:16])[0])


def _put(body: bytearray, at: int, value: bytes) -> None:
    body[at : at + len(value)] = value


def _set_u32(body: bytearray, at: int, value: int) -> None:
    _put(body, at, struct.pack(">I", value))


def _field_at(body: bytearray, tag: bytes, nth: int = 0) -> int:
    """Where the nth ``tag`` of the footer starts (record 0 is the patcher, 1 is t.js)."""
    at = _footer_at(body)
    for _ in range(nth + 1):
        at = body.index(tag, at + 1)
    return at


def _truncate_footer(body: bytearray) -> None:
    del body[-3:]  # the last field loses 3 bytes; dlst's size still matches
    _set_u32(body, _footer_at(body) + 4, len(body) - _footer_at(body))


CORRUPTIONS = {
    "short header": (lambda b: b.__delitem__(slice(12, None)), "truncated mx@c header"),
    "header size": (lambda b: _set_u32(b, 4, 20), "header size is 20"),
    "footer past the end": (
        lambda b: _put(b, 8, struct.pack(">Q", len(b) + 4)),
        "footer offset .* past the end",
    ),
    "footer into header": (
        lambda b: _put(b, 8, struct.pack(">Q", 4)),
        "footer offset 4 points into the header",
    ),
    "no dlst": (lambda b: _put(b, _footer_at(b), b"dlsx"), "no dlst"),
    "footer size": (lambda b: _set_u32(b, _footer_at(b) + 4, 9), "footer size mismatch"),
    "truncated footer": (_truncate_footer, "runs past the end of its footer"),
    "record overrun": (
        lambda b: _set_u32(b, _field_at(b, b"dire", 1) + 4, 4096),
        "record 'dire' .* runs past the end of its footer",
    ),
    "not a dire record": (lambda b: _put(b, _footer_at(b) + 8, b"dirx"), "not a dire record"),
    "field overrun": (
        lambda b: _set_u32(b, _field_at(b, b"fnam") + 4, 4096),
        "field 'fnam' .* runs past the end of its record",
    ),
    "field too small": (lambda b: _set_u32(b, _field_at(b, b"type") + 4, 3), "has size 3"),
    "missing field": (lambda b: _put(b, _field_at(b, b"mdat", 1), b"mdaX"), "lacks mdat"),
    "file past the footer": (
        lambda b: _set_u32(b, _field_at(b, b"sz32", 1) + 8, 4096),
        "file 't.js' .* runs past the footer",
    ),
    "file in the header": (
        lambda b: _set_u32(b, _field_at(b, b"of32") + 8, 8),
        "inside the mx@c header",
    ),
}


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_frozen_reader_refuses_corrupt_archives(case: str) -> None:
    edit, message = CORRUPTIONS[case]
    data = _corrupt_frozen(edit)
    with pytest.raises(builder.AmxdError, match=message):
        builder.read_frozen(data)
    with pytest.raises(builder.AmxdError, match=message):
        builder.read_amxd(data)


def test_install_writes_self_contained_devices(tmp_path: Path) -> None:
    folder = tmp_path / "Latent Bridge"
    written = builder.install(folder)
    assert sorted(p.name for p in written) == sorted(d.target.name for d in DEVICES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(d.target.name for d in DEVICES)
    for device in DEVICES:
        data = (folder / device.target.name).read_bytes()
        assert data == device.target.read_bytes()
        kind, _ = builder.read_amxd(data)
        assert kind == "mmmm"
        files = {e.name: e.data for e in builder.read_frozen(data)[1:]}
        assert files == {
            device.script.name: device.script.read_bytes(),
            "latentbridge.js": builder.LIB.read_bytes(),
        }
    # Scripts an earlier install copied next to the devices are pointed out, not needed.
    (folder / "latentbridge.js").write_text("// old\n")
    assert builder.leftover_scripts(folder) == [folder / "latentbridge.js"]
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
        if vo["parameter_type"] == BLOB:
            continue  # a blob holds any list: no range
        assert "parameter_enum" in vo or vo["parameter_mmin"] < vo["parameter_mmax"]
    assert patcher["openinpresentation"] == 1
    assert {d["name"] for d in patcher["dependency_cache"]} == {
        f"{device.folder}.js",
        "latentbridge.js",
    }


STATEFUL = {"beat_blender", "interpolate", "latent_loops", "endless"}
BLOB = 3  # parameter_type: float 0, int 1, enum 2, blob 3


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: d.folder)
def test_device_state_is_saved_with_the_set(device: Any) -> None:
    """A device that remembers chosen clips keeps them in a [pattr] bound to
    its script (getvalueof/setvalueof, notifyclients) that Live stores with
    the set: a Stored Only blob parameter, never automated."""
    patcher = json.loads(device.source.read_text())["patcher"]
    boxes = [b["box"] for b in patcher["boxes"]]
    (js,) = [b for b in boxes if b.get("text", "").startswith("js ")]
    pattrs = [b for b in boxes if b.get("text", "").startswith("pattr ")]
    script = device.script.read_text()
    if device.folder not in STATEFUL:
        assert not pattrs and "getvalueof" not in script
        return
    (pattr,) = pattrs
    assert pattr["text"] == f"pattr state @bindto {js['varname']}"
    assert pattr["parameter_enable"] == 1
    vo = pattr["saved_attribute_attributes"]["valueof"]
    assert (vo["parameter_type"], vo["parameter_invisible"]) == (BLOB, 1)
    functions = _script_functions(device)
    assert {"getvalueof", "setvalueof"} <= functions
    assert "notifyclients()" in script
    # Live ids change between runs: the saved state must never hold one.
    getvalueof = script.split("function getvalueof")[1].split("\n}\n")[0]
    save = script.split("new lb.Memory({")[1].split("load: function")[0]
    assert "memory.value(dev)" in getvalueof and ".id" not in save
    assert "encodeState(this.opts.save())" in builder.LIB.read_text()


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
    assert "Seed" in automated
    # Endless has no temperature: its conductor sets one per part.
    assert ("Temperature" in automated) == (device.folder != "endless")
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

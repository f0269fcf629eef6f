"""The operation table is the one statement of each operation: docs/protocol.md,
the engine's signatures and the devices' controls are checked against it."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import InvalidRequestError
from bridge.limits import DRAWN_SEEDS, MAX_SEED
from bridge.ops import OPERATIONS, Operation, Param, ParamTypeError, get_operation

REPO = Path(__file__).resolve().parent.parent
PROTOCOL = (REPO / "docs" / "protocol.md").read_text()


def doc_rows(first_cell: str) -> dict[str, list[str]]:
    """Rows of the markdown tables in docs/protocol.md whose first cell matches."""
    rows = {}
    for line in PROTOCOL.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) > 1 and re.fullmatch(first_cell, cells[0]):
            rows[cells[0]] = cells[1:]
    return rows


def shown(value: Any) -> str:
    return "-" if value is None else '""' if value == "" else str(value)


@pytest.mark.parametrize("op", OPERATIONS.values(), ids=list(OPERATIONS))
def test_protocol_doc_states_each_operation_as_the_table_does(op: Operation) -> None:
    usage, slots, defaults = doc_rows(r"/lb/op/\w+")[f"/lb/op/{op.name}"]
    assert usage == op.usage()
    assert slots == op.slots
    assert defaults == ", ".join(shown(p.default) for p in op.params)


def test_protocol_doc_states_each_parameter_range_as_the_table_does() -> None:
    documented = doc_rows(r"[a-z]+")
    params = {p.name: p for op in OPERATIONS.values() for p in op.params}
    for name, p in params.items():
        kind, ranges = documented[name]
        assert kind == {int: "i", float: "f", str: "s"}[p.kind], name
        assert ranges == p.range_text(), name
    assert {"seed", "count"} <= set(documented)


def test_engine_defaults_are_the_table_s() -> None:
    from bridge.engine import Engine

    for op in OPERATIONS.values():
        if op.method == "endless":  # not an engine call: see the next test
            continue
        signature = inspect.signature(getattr(Engine, op.method))
        for p in op.params:
            if p.required or p.key not in signature.parameters:
                continue
            default = signature.parameters[p.key].default
            # "Let the engine choose" is None in the engine and -1 / 0 on the wire.
            expected = None if p.unset is not None and p.default == p.unset else p.default
            assert default == expected, (op.name, p.name, default, expected)


def test_endless_defaults_are_the_command_line_s() -> None:
    """``/lb/op/endless`` and ``latent-bridge endless`` make the same stream by default."""
    from bridge.cli.endless import EndlessConfig

    op, config = get_operation("endless"), EndlessConfig()
    assert op.defaults()["pace"] == config.pace and op.defaults()["density"] == config.density
    assert op.defaults()["parts"] == ",".join(config.parts)
    assert op.defaults()["key"] == "" and config.key is None
    for name, bad in (("key", "H minor"), ("parts", "drums,tuba"), ("parts", "bass,bass")):
        with pytest.raises(InvalidRequestError):
            op.param(name).check(bad)
    op.param("key").check("Bb minor")
    op.param("parts").check("lead, drums")


def test_a_param_takes_whole_floats_and_refuses_types_and_ranges_apart() -> None:
    count = get_operation("variations").param("count")
    assert count.coerce(3.0) == 3 and isinstance(count.coerce(3.0), int)
    for bad in (2.5, "3", True, None, float("nan"), b"3", [3]):
        with pytest.raises(ParamTypeError):
            count.coerce(bad)
    with pytest.raises(InvalidRequestError, match="count must be 1 to 64, got 65"):
        count.check(65)
    seed = get_operation("sample").param("seed")
    assert seed.engine_value(seed.check(-1)) is None and seed.check(MAX_SEED) == MAX_SEED
    with pytest.raises(InvalidRequestError, match="2147483647"):
        seed.check(MAX_SEED + 1)
    bars = get_operation("sample").param("bars")
    assert bars.engine_value(bars.check(0)) is None
    method = get_operation("interpolate").param("method")
    with pytest.raises(InvalidRequestError, match="slerp or linear"):
        method.check("cubic")


def test_options_fill_defaults_and_need_the_required() -> None:
    blend = get_operation("blend")
    with pytest.raises(InvalidRequestError, match="blend needs x"):
        blend.options({"y": 0.5})
    options = blend.options({"x": 0.25, "y": 1})
    assert (options.x, options.y, options.temperature, options.seed) == (0.25, 1.0, 0.5, None)
    assert (
        get_operation("grid").method == "blend_grid" and get_operation("blend_grid").name == "grid"
    )


# --- the devices ---------------------------------------------------------------------

M4L = REPO / "max_for_live"
# device -> (the operation its Generate runs, its script's parameter names -> the table's)
DEVICES: dict[str, tuple[str, dict[str, str]]] = {
    "variations": ("variations", {"count": "count", "similarity": "similarity"}),
    "interpolate": ("interpolate", {"steps": "steps"}),
    "beat_blender": ("blend", {}),
    "latent_loops": ("grid", {"columns": "cols", "rows": "rows"}),
    "humanize": ("humanize", {}),
    "multitrack": ("multitrack", {"count": "count", "similarity": "similarity"}),
    "endless": ("endless", {"pace": "pace", "density": "density"}),
}
# Where a device starts somewhere other than the server's default, and why.
DEVICE_CHOICES = {
    ("beat_blender", "seed"): "a fixed seed, so that one pad position always sounds the same",
    ("latent_loops", "cols"): "a 4 x 4 grid of clip slots fits a device's matrix",
    ("latent_loops", "rows"): "a 4 x 4 grid of clip slots fits a device's matrix",
    ("multitrack", "count"): "each output is a scene of several clips: two to start",
}


def script_defaults(device: str) -> dict[str, Any]:
    text = (M4L / device / f"{device}.js").read_text()
    body = re.search(r"var params = \{([^}]*)\}", text)
    assert body, device
    out = {}
    for item in body.group(1).split(","):
        key, value = (s.strip() for s in item.split(":"))
        out[key] = json.loads(value)
    return out


def patcher_params(device: str) -> dict[str, dict[str, Any]]:
    """Each live.* control's saved parameter attributes, by long name."""
    patcher = json.loads((M4L / device / f"{device}.maxpat").read_text())
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            valueof = node.get("saved_attribute_attributes", {}).get("valueof")
            if isinstance(valueof, dict) and "parameter_longname" in valueof:
                found[valueof["parameter_longname"]] = valueof
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(patcher)
    return found


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_device_defaults_and_ranges_are_the_table_s(device: str) -> None:
    op_name, names = DEVICES[device]
    op = OPERATIONS[op_name]
    names = {**names, "seed": "seed"}
    if any(p.name == "temperature" for p in op.params):
        names["temperature"] = "temperature"
    defaults = script_defaults(device)
    controls = patcher_params(device)
    for script_name, table_name in names.items():
        p: Param = op.param(table_name)
        value = defaults[script_name]
        if (device, table_name) not in DEVICE_CHOICES:
            assert value == p.default, (device, table_name, value, p.default)
        assert value == p.unset or p.low <= value <= p.high  # type: ignore[operator]
        control = controls.get(script_name.capitalize()) or controls.get(table_name.capitalize())
        if control is None:
            continue
        low, high = control.get("parameter_mmin", 0), control.get("parameter_mmax", 127)
        assert p.unset == low or p.low <= low, (device, table_name, low)  # type: ignore[operator]
        assert high <= p.high, (device, table_name, high)  # type: ignore[operator]
    # A seed the server draws can be typed back into the device's Seed box.
    seed = controls["Seed"]
    assert seed["parameter_mmin"] == -1 and seed["parameter_mmax"] == DRAWN_SEEDS - 1

"""Dependencies point down: each layer imports only the layers below it.

Read from the source (every import, also those inside functions), not from
what happens to be loaded, so a lazy import up the stack fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"

# Top to bottom. A module may import its own layer and any layer after it.
LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("testing",),  # for tests and benchmarks only (checked below)
    ("live",),
    ("osc", "watch"),
    ("profile", "terminal"),
    ("train", "zoo"),
    ("ops",),
    ("endless",),
    ("engine",),
    ("convert", "feel"),
    ("clips",),
    ("limits", "errors", "threads"),
]


def layer_of(module: str) -> int:
    """The layer of ``bridge.x.y`` (by ``x``)."""
    top = module.split(".")[1] if "." in module else module
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module}: no layer for bridge.{top}; add it to LAYERS")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bridge"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bridge"))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(BRIDGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = sorted(BRIDGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_imports_point_down(path: Path) -> None:
    me = module_name(path)
    if me == "bridge":
        return
    mine = layer_of(me)
    up = sorted(m for m in imports(path) if m != "bridge" and layer_of(m) < mine)
    assert not up, f"{me} imports {up}, above it"


def test_nothing_below_the_command_line_imports_it() -> None:
    offenders = [
        module_name(p)
        for p in SOURCES
        if not module_name(p).startswith("bridge.cli.")
        and module_name(p) != "bridge.cli"
        and any(m == "bridge.cli" or m.startswith("bridge.cli.") for m in imports(p))
    ]
    assert offenders == []


def test_product_code_never_imports_the_testing_module() -> None:
    users = [module_name(p) for p in SOURCES if "bridge.testing" in imports(p)]
    assert users == []

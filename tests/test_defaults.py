"""With no model named, serve / generate / watch use the bundled models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bridge.clips import Clip, Note, Track
from bridge.convert import write_midi

MANIFEST = """
[download]
base_url = "https://storage.googleapis.com/magentadata/models/music_vae/checkpoints"

[[models]]
name = "lb-drums"
kind = "bundled"
role = "drums"
description = "test drums"
path = "lb-drums"

[[models]]
name = "lb-melody"
kind = "bundled"
config = "lb-mel_2bar_tiny"
role = "melody"
description = "not trained in this test"
path = "lb-melody"
"""


@pytest.fixture
def bundled(
    tmp_path: Path, tiny_checkpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A models/ folder whose lb-drums is a tiny model and whose lb-melody is missing."""
    import bridge.zoo.manifest as manifest

    models = tmp_path / "models"
    folder = models / "lb-drums"
    folder.mkdir(parents=True)
    prefix = Path(tiny_checkpoints["lb-drums_2bar_tiny"])
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy2(f, folder / f.name)
    (folder / "run.json").write_text(json.dumps({"model": "lb-drums_2bar_tiny", "step": 1}))
    (models / "manifest.toml").write_text(MANIFEST)
    monkeypatch.setattr(manifest, "DEFAULT_MANIFEST", models / "manifest.toml")
    return models


def test_serve_with_no_flags_takes_the_bundled_models_that_are_here(bundled: Path) -> None:
    from bridge.profile import load_profile

    profile = load_profile()
    assert profile.roles == {"drums": "lb-drums"}  # lb-melody is not trained: left out
    assert Path(profile.checkpoints["lb-drums"]) == (bundled / "lb-drums").resolve()


def test_generate_without_model_uses_the_bundled_one(bundled: Path, tmp_path: Path) -> None:
    from bridge.cli import main

    beat = Track(Clip(tuple(Note(36 + 2 * (i % 2), i * 1.0, 0.25) for i in range(8)), 8.0), True)
    write_midi([beat], tmp_path / "beat.mid")
    out = tmp_path / "out"
    args = ["generate", "variations", str(tmp_path / "beat.mid"), "--count", "2"]
    assert main([*args, "--seed", "3", "--out", str(out), "--device", "cpu"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == "lb-drums" and len(list(out.glob("*.mid"))) == 2
    # A melody file asks for lb-melody, which is not trained here: a clear error.
    write_midi([Track(Clip((Note(60, 0, 1),), 4.0), program=0)], tmp_path / "tune.mid")
    with pytest.raises(Exception, match="not trained yet"):
        from bridge.cli import build_parser, config_from_args

        config_from_args(
            build_parser().parse_args(
                ["generate", "variations", str(tmp_path / "tune.mid"), "--out", str(out)]
            )
        )


def test_the_bundled_groove_model_is_found_for_new_hits(
    bundled: Path, tiny_checkpoints: dict[str, str]
) -> None:
    from bridge.profile import bundled_groove

    assert bundled_groove({}) is None  # no groove model bundled here yet
    folder = bundled / "lb-groove"
    folder.mkdir()
    prefix = Path(tiny_checkpoints["lb-groove_2bar_hits_tiny"])
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy2(f, folder / f.name)
    (folder / "run.json").write_text(json.dumps({"model": "lb-groove_2bar_hits_tiny", "step": 1}))
    manifest = bundled / "manifest.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[[models]]\nname = "lb-groove"\nkind = "bundled"\nrole = "groove"\n'
        + 'description = "test groove"\npath = "lb-groove"\n'
    )
    found = bundled_groove({})
    assert found is not None and Path(found[1]) == folder.resolve()
    assert bundled_groove({found[0]: "/somewhere/else"}) is None  # the user's own stays
    assert bundled_groove({found[0]: found[1]}) == found


def test_a_bundled_name_with_weights_of_ones_own_and_an_unknown_name(
    bundled: Path, tmp_path: Path
) -> None:
    """--model lb-drums --checkpoint COPY takes the copy (it once said "unknown
    model 'lb-drums'"); a name nobody knows is named as unknown, not as a
    missing --checkpoint."""
    from bridge.engine.registry import REGISTRY
    from bridge.errors import UnknownModelError
    from bridge.profile import resolve_model_ref

    copy = tmp_path / "my-drums"
    shutil.copytree(bundled / "lb-drums", copy)
    name, checkpoint = resolve_model_ref("lb-drums", str(copy))
    assert checkpoint == str(copy)
    assert REGISTRY.get(name).config is REGISTRY.get("lb-drums_2bar_tiny").config
    # A bundled model with a config of its own takes weights that are not a run.
    assert resolve_model_ref("lb-melody", "weights/model.ckpt-9") == (
        "lb-mel_2bar_tiny",
        "weights/model.ckpt-9",
    )
    with pytest.raises(UnknownModelError, match="unknown model 'nosuchmodel'"):
        resolve_model_ref("nosuchmodel", None)
    # A registered config still takes its checkpoint from --checkpoint.
    assert resolve_model_ref("lb-drums_2bar_tiny", None) == ("lb-drums_2bar_tiny", None)

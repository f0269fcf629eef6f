"""MusicVAE models by name and the operations musicians use them for."""

from bridge.engine.engine import Engine, Generation
from bridge.engine.registry import REGISTRY, ModelSpec, Registry, Role, get_spec

__all__ = ["REGISTRY", "Engine", "Generation", "ModelSpec", "Registry", "Role", "get_spec"]

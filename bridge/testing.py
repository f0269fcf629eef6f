"""Tools for tests and benchmarks: checkpoints of random weights for any config.

Product code never imports this module.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import Any

from bridge.engine.tfcompat import tf1
from bridge.train.graph import build_training_graph

__all__ = ["make_random_checkpoint"]


def make_random_checkpoint(
    config: Any,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    name: str = "model.ckpt",
    as_tar: bool = False,
) -> Path:
    """Write a checkpoint of randomly initialized weights for ``config``.

    It is made from the full training graph (optimizer slots, global step), as
    Magenta's trainer writes one, so restoring it exercises the same path as
    an official checkpoint. Returns the checkpoint prefix, or the ``.tar``
    path when ``as_tar`` is set.
    """
    tf = tf1()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        build_training_graph(config, batch_size=1)
        saver = tf.train.Saver()
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            prefix = Path(saver.save(sess, str(out / name), write_meta_graph=False))
    if not as_tar:
        return prefix
    archive = out / f"{name}.tar"
    with tarfile.open(archive, "w") as tar:
        for f in sorted(out.glob(prefix.name + ".*")):
            if f != archive:
                tar.add(f, arcname=f.name)
    return archive

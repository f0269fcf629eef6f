"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, melody, makeSet, startDevice, finished } = require("./common");

test("Latent Loops: four corners make a grid; picked cells become a row of clips", { skip }, async () => {
  const { live, keys } = makeSet({ scenes: 8, deviceTrack: 1 });
  const offsets = [0, 3, 5, 7];
  offsets.forEach((o, i) => live.addClip(keys, i, { name: `C${i}`, notes: melody(o) }));
  const dev = await startDevice("latent_loops", live);
  try {
    for (let i = 0; i < 4; i++) {
      live.select(live.clipAt(1, i));
      dev.send("corner", i);
    }
    dev.send("columns", 3);
    dev.send("rows", 2);
    dev.send("seed", 2);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /grid of 3 x 2 loops ready/);
    assert.deepEqual(dev.ui.slice(-3).map((m) => m.join(" ")), ["columns 3", "rows 2", "clear"]);
    const before = live.snapshot();
    dev.send("cell", 2, 1, 1);
    dev.send("cell", 0, 0, 1);
    assert.notEqual(live.snapshot(), before);
    assert.equal(live.clipAt(1, 4).props.name, "Loop 2-3");
    assert.equal(live.clipAt(1, 5).props.name, "Loop 1-1");
    assert.equal(live.clipAt(1, 4).props.color, 0x3cc68a);
    dev.send("print");
    const printed = live.clipAt(1, 6);
    assert.equal(printed.props.name, "Latent Loops timeline");
    assert.equal(printed.props.loop_end, 16);
    assert.equal(printed.notes.length, live.clipAt(1, 4).notes.length + live.clipAt(1, 5).notes.length);
    dev.send("cell", 9, 9, 1);
    assert.match(dev.status, /no cell 10, 10 in a 3 x 2 grid/);
    // Clicking a lit cell again ([matrixctrl] sends it as state 0) adds it again.
    dev.send("cell", 0, 0, 0);
    assert.match(dev.status, /timeline: 3 loop\(s\); Loop 1-1/);
    assert.equal(live.clipAt(1, 7).props.name, "Loop 1-1");
    assert.equal(dev.ui[dev.ui.length - 1].join(" "), "set 0 0 1");
  } finally {
    dev.close();
  }
});

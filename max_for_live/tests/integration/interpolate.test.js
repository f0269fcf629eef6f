"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, melody, makeSet, startDevice, finished } = require("./common");

test("Interpolate: clip A and clip B become N clips below A", { skip }, async () => {
  const { live, keys } = makeSet({ deviceTrack: 1 });
  const a = live.addClip(keys, 0, { name: "Low", notes: melody() });
  const b = live.addClip(keys, 4, { name: "High", notes: melody(7) });
  const dev = await startDevice("interpolate", live);
  try {
    dev.send("generate");
    assert.match(dev.status, /choose clip A and clip B first/);
    live.select(a);
    dev.send("a");
    live.select(b);
    dev.send("b");
    dev.send("steps", 4);
    dev.send("seed", 3);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 4 clips from Low to High/);
    // Slots 1-3 and then 5 (slot 4 holds B), each named step k/4.
    const made = [1, 2, 3, 5].map((s) => live.clipAt(1, s));
    assert.deepEqual(made.map((c) => c && c.props.name), ["Low 1/4", "Low 2/4", "Low 3/4", "Low 4/4"]);
    for (const c of made) {
      assert.equal(c.props.color, 0x1aa3e6);
      assert.ok(c.notes.length > 0);
    }
    assert.equal(live.clipAt(1, 4), b, "clip B is where it was");
    const op = dev.sent.find((m) => m[0] === "/lb/op/interpolate");
    assert.deepEqual(op.slice(3), ["melody", 4, 0.5, 3, "slerp"]);
  } finally {
    dev.close();
  }
});

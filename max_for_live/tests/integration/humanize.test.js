"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, beat, makeSet, startDevice, finished } = require("./common");

test("Humanize: a drum clip becomes a humanized copy below it", { skip }, async () => {
  const { live, drums } = makeSet();
  const src = live.addClip(drums, 1, { name: "Stiff", notes: beat() });
  live.select(src);
  const original = JSON.stringify(src.notes);
  const dev = await startDevice("humanize", live);
  try {
    dev.send("seed", 11);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /humanized Stiff into slot 3/);
    const copy = live.clipAt(0, 2);
    assert.equal(copy.props.name, "Stiff humanized");
    assert.equal(copy.props.color, 0xe8c547);
    assert.ok(copy.notes.length > 0);
    assert.equal(JSON.stringify(src.notes), original, "the source clip is untouched");
    assert.deepEqual(dev.sent.find((m) => m[0] === "/lb/op/humanize").slice(3), ["groove", 0.3, 11]);
    // Notes that keep their pitch and place keep Live 11's extras.
    const kick = copy.notes.find((n) => n.pitch === 36 && Math.abs(n.start_time) < 0.125);
    if (kick) {
      assert.equal(kick.probability.toFixed(2), "0.90");
      assert.equal(kick.release_velocity, 30);
    }
  } finally {
    dev.close();
  }
});

"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, beat, makeSet, startDevice, finished } = require("./common");

const humanizeOps = (dev) => dev.sent.filter((m) => m[0] === "/lb/op/humanize").map((m) => m.slice(3));

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
    assert.deepEqual(dev.sent.find((m) => m[0] === "/lb/op/humanize").slice(3), ["groove", 0.3, 11, 120]);
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

test("Humanize: each request carries the set's tempo as it is then, clamped to 20..400", { skip }, async () => {
  const { live, drums } = makeSet({ scenes: 8 });
  const src = live.addClip(drums, 0, { name: "Slow", notes: beat() });
  live.select(src);
  live.setTempo(92.5);
  const dev = await startDevice("humanize", live);
  try {
    dev.send("seed", 4);
    dev.send("generate");
    await finished(dev, 1);
    assert.match(dev.status, /humanized Slow into slot 2/);
    // The musician speeds the set up past what the server takes.
    live.setTempo(999);
    live.select(src);
    dev.send("generate");
    await finished(dev, 2);
    assert.match(dev.status, /humanized Slow into slot 3/);
    // A Live API that cannot read the tempo: 0, and the server plays at 120.
    delete live.song.props.tempo;
    live.select(src);
    dev.send("generate");
    await finished(dev, 3);
    assert.match(dev.status, /humanized Slow into slot 4/);
    assert.deepEqual(humanizeOps(dev), [["groove", 0.3, 4, 92.5], ["groove", 0.3, 4, 400], ["groove", 0.3, 4, 0]]);
    assert.ok(live.errors.some((e) => /no property tempo/.test(e)), "the failed read is in the Max window");
  } finally {
    dev.close();
  }
});

"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, beat, makeSet, startDevice, finished, clipNotes, waitFor } = require("./common");

function corners(live, drums, dev) {
  for (let i = 0; i < 4; i++) {
    const c = live.addClip(drums, i, { name: `Corner ${i + 1}`, notes: beat(i * 0.25) });
    live.select(c);
    dev.send("corner", i);
  }
}

test("Beat Blender: moving X/Y writes the blend into a new target clip", { skip }, async () => {
  const { live, drums } = makeSet({ scenes: 6 });
  const dev = await startDevice("beat_blender", live);
  try {
    corners(live, drums, dev); // the fourth corner starts a blend at (0.5, 0.5)
    await finished(dev);
    const target = live.clipAt(0, 4);
    assert.equal(target.props.name, "Beat Blender");
    assert.equal(target.props.color, 0xf2794a);
    assert.ok(target.notes.length > 0);
    const op = dev.sent.filter((m) => m[0] === "/lb/op/blend");
    assert.deepEqual(op[0].slice(3), ["drums", 0.5, 0.5, 0.5, 1, 1, 1, 120], "feel 1, one track, the set's tempo");
    live.setTempo(92.5); // the next blends carry the tempo as it is now
    dev.send("x", 0);
    dev.send("y", 1);
    await finished(dev, 3);
    assert.deepEqual(dev.sent.filter((m) => m[0] === "/lb/op/blend").pop().slice(3), ["drums", 0, 1, 0.5, 1, 1, 1, 92.5]);
    assert.equal(live.clipAt(0, 5), null, "later blends reuse the target");
  } finally {
    dev.close();
  }
});

test("Beat Blender: while playing, a new blend lands at the next bar line", { skip }, async () => {
  const { live, drums } = makeSet({ scenes: 6 });
  const target = live.addClip(drums, 5, { name: "Out", notes: [{ pitch: 60, start_time: 0, duration: 1 }] });
  const dev = await startDevice("beat_blender", live);
  try {
    live.select(target);
    dev.send("target");
    live.song.props.is_playing = 1;
    live.song.props.current_song_time = 1.0; // beat 2 of bar 1
    corners(live, drums, dev);
    await waitFor(() => /lands at the next bar/.test(dev.status), "a blend waiting for the bar", 60000);
    assert.deepEqual(clipNotes(target).map((n) => n.pitch), [60], "nothing changes mid-bar");
    live.song.props.current_song_time = 3.9; // inside the last 32nd of the bar
    await waitFor(() => /written to Out at bar 1/.test(dev.status), "the write at the bar line", 5000);
    assert.ok(!clipNotes(target).some((n) => n.pitch === 60), "the old pattern is replaced");
    assert.ok(target.notes.length > 0);
    assert.equal(target.props.name, "Out", "a chosen target keeps its name");
  } finally {
    dev.close();
  }
});

test("Beat Blender: a corner cannot be the target, nor the target a corner", { skip }, async () => {
  const { live, drums } = makeSet({ scenes: 6 });
  const dev = await startDevice("beat_blender", live);
  try {
    const first = live.addClip(drums, 0, { name: "Corner 1", notes: beat() });
    live.select(first);
    dev.send("corner", 0);
    dev.send("target");
    assert.match(dev.status, /Corner 1 is the top-left corner/);
    const out = live.addClip(drums, 5, { name: "Out", notes: beat(0.25) });
    live.select(out);
    dev.send("target");
    assert.match(dev.status, /target: Out/);
    dev.send("corner", 1);
    assert.match(dev.status, /Out is the target/);
    assert.equal(dev.sent.filter((m) => m[0] === "/lb/op/blend").length, 0);
  } finally {
    dev.close();
  }
});

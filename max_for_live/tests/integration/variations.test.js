"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, beat, melody, makeSet, startDevice, finished, clipNotes } = require("./common");

test("Variations: the selected drum clip becomes N clips in the next empty slots", { skip }, async () => {
  const { live, drums } = makeSet();
  const src = live.addClip(drums, 0, { name: "Beat", notes: beat() });
  live.addClip(drums, 2, { name: "Keep me", notes: beat(0.5) });
  const kept = live.snapshot();
  const before = JSON.stringify(clipNotes(live.clipAt(0, 2)));
  live.select(src);
  const dev = await startDevice("variations", live);
  try {
    dev.send("count", 3);
    dev.send("seed", 7);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 3 drums variations of Beat/);
    // Slots 1, 3 and 4: slot 2 held a clip the musician did not choose.
    for (const slot of [1, 3, 4]) {
      const clip = live.clipAt(0, slot);
      assert.ok(clip, `slot ${slot} has a new clip`);
      assert.match(clip.props.name, /^Beat var \d$/);
      assert.equal(clip.props.color, 0x8f62e3);
      assert.equal(clip.props.loop_end - clip.props.loop_start, 8);
      assert.ok(clip.notes.length > 0, "the model wrote notes");
      for (const n of clip.notes) assert.ok(n.start_time < 8 && n.pitch >= 0 && n.pitch <= 127);
    }
    assert.equal(JSON.stringify(clipNotes(live.clipAt(0, 2))), before, "the other clip is untouched");
    assert.equal(live.clipAt(0, 5), null);
    assert.notEqual(live.snapshot(), kept);
    // The request carried drums and Live 11's per-note extras.
    const begin = dev.sent.find((m) => m[0] === "/lb/clip/begin");
    assert.deepEqual(begin.slice(3, 9), [0, 8, 4, 4, 24, 1]);
    const op = dev.sent.find((m) => m[0] === "/lb/op/variations");
    assert.deepEqual(op.slice(3), ["drums", 3, 0.75, 0.5, 7, 1, 120], "feel 1, then the set's tempo");
    const firstNotes = dev.sent.find((m) => m[0] === "/lb/clip/notes");
    assert.deepEqual(firstNotes.slice(5, 13), [36, 0, 0.25, 110, 0, 0.9, 5, 30]);
  } finally {
    dev.close();
  }
});

test("Variations: a melody track gets the melody model, and more slots when the track is full", { skip }, async () => {
  const { live, keys } = makeSet({ scenes: 2, deviceTrack: 1 });
  const src = live.addClip(keys, 1, { name: "Tune", notes: melody() });
  live.select(src);
  const dev = await startDevice("variations", live);
  try {
    dev.send("count", 2);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 2 melody variations of Tune/);
    assert.equal(live.song.scenes.length, 4, "two scenes added at the end");
    assert.ok(live.clipAt(1, 2) && live.clipAt(1, 3));
    assert.equal(live.clipAt(1, 0), null, "nothing above the source");
    const op = dev.sent.find((m) => m[0] === "/lb/op/variations");
    assert.deepEqual(op.slice(3), ["melody", 2, 0.75, 0.5, -1, 1, 120]);
  } finally {
    dev.close();
  }
});

test("Variations: the Kind menu overrides the track", { skip }, async () => {
  const { live, keys } = makeSet({ deviceTrack: 1 });
  const src = live.addClip(keys, 0, { name: "Hits", notes: beat() });
  live.select(src);
  const dev = await startDevice("variations", live);
  try {
    dev.send("kind", 1);
    dev.send("count", 1);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 1 drums variations/);
    assert.deepEqual(dev.sent.find((m) => m[0] === "/lb/op/variations").slice(3), ["drums", 1, 0.75, 0.5, -1, 1, 120]);
  } finally {
    dev.close();
  }
});

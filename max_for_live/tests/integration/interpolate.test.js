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
    assert.deepEqual(op.slice(3), ["melody", 4, 0.5, 3, "slerp", 1, 1, 120], "feel 1, one track, the set's tempo");
  } finally {
    dev.close();
  }
});

test("Interpolate: with Scenes, scene A and scene B become N new scenes below A", { skip }, async () => {
  const { live, drums, keys } = makeSet({ scenes: 4, deviceTrack: 1 });
  const { beat } = require("./common");
  live.addClip(drums, 0, { name: "Verse drums", notes: beat() });
  live.addClip(keys, 0, { name: "Verse keys", notes: melody() });
  live.addClip(drums, 2, { name: "Chorus drums", notes: beat(0.5) }); // no keys in B: a silent part
  live.song.scenes[0].props.name = "Verse";
  live.song.scenes[2].props.name = "Chorus";
  const dev = await startDevice("interpolate", live);
  try {
    dev.send("scenes", 1);
    live.selectScene(0);
    dev.send("a");
    assert.match(dev.status, /scene A: Verse/);
    live.selectScene(2);
    dev.send("b");
    dev.send("steps", 3);
    dev.send("seed", 5);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 3 scenes from Verse to Chorus/);
    const op = dev.sent.find((m) => m[0] === "/lb/op/interpolate");
    assert.deepEqual(op.slice(3), ["multitrack", 3, 0.5, 5, "slerp", 1, 2, 120]);
    const slots = dev.sent.filter((m) => m[0] === "/lb/clip/begin").map((m) => [m[3], m[8], m[9]]);
    assert.deepEqual(slots.map((s) => s[0]), [0, 1, 2, 3], "A's tracks, then B's on the same tracks");
    assert.deepEqual(slots.map((s) => s[1]), [1, 0, 1, 0], "drums stay drums");
    // Three new scenes right below Verse; Chorus moved down, untouched.
    assert.deepEqual(live.song.scenes.map((s) => s.props.name).slice(0, 5), ["Verse", "Verse 1/3", "Verse 2/3", "Verse 3/3", "Scene 2"]);
    for (let s = 1; s <= 3; s++) {
      assert.ok(live.clipAt(0, s), `drums in scene ${s + 1}`);
      assert.ok(live.clipAt(1, s), `keys in scene ${s + 1}`);
      assert.equal(live.clipAt(0, s).props.color, 0x1aa3e6);
    }
    assert.equal(live.clipAt(0, 5).props.name, "Chorus drums");
    // Chosen as clips, A and B cannot be scenes.
    dev.send("scenes", 0);
    dev.send("generate");
    assert.match(dev.status, /A and B were chosen as scenes: choose them again/);
  } finally {
    dev.close();
  }
});

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
    const op = dev.sent.find((m) => m[0] === "/lb/op/grid");
    assert.deepEqual(op.slice(3), ["melody", 3, 2, 0.5, 2, 1, 1, 120], "feel 1, one track, the set's tempo");
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

test("Latent Loops: with Scenes, four corner scenes make a grid of band loops; cells become scenes", { skip }, async () => {
  const { live, drums, keys } = makeSet({ scenes: 5, deviceTrack: 1 });
  const { beat, clipNotes } = require("./common");
  [0, 0.5, 0.25, 0.75].forEach((s, i) => live.addClip(drums, i, { name: `D${i}`, notes: beat(s) }));
  [0, 3, 5].forEach((o, i) => live.addClip(keys, i, { name: `K${i}`, notes: melody(o) })); // no keys in scene 4
  ["Verse", "Chorus", "Bridge", "Break"].forEach((n, i) => { live.song.scenes[i].props.name = n; });
  const dev = await startDevice("latent_loops", live);
  try {
    dev.send("scenes", 1);
    for (let i = 0; i < 4; i++) {
      live.selectScene(i);
      dev.send("corner", i);
    }
    assert.match(dev.status, /bottom-right scene: Break/);
    dev.send("columns", 2);
    dev.send("rows", 2);
    dev.send("seed", 3);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /grid of 2 x 2 loops of 2 parts ready/);
    const op = dev.sent.find((m) => m[0] === "/lb/op/grid");
    assert.deepEqual(op.slice(3), ["multitrack", 2, 2, 0.5, 3, 1, 2, 120]);
    const sent = dev.sent.filter((m) => m[0] === "/lb/clip/begin").map((m) => [m[3], m[8]]);
    assert.deepEqual(sent.map((s) => s[0]), [0, 1, 2, 3, 4, 5, 6, 7], "corner by corner, the parts of each");
    assert.deepEqual(sent.map((s) => s[1]), [1, 0, 1, 0, 1, 0, 1, 0], "drums stay drums");
    dev.send("cell", 1, 0, 1);
    dev.send("cell", 0, 1, 1);
    // Below the corners, one scene a loop, a clip on each part's track.
    assert.deepEqual(live.song.scenes.slice(0, 6).map((s) => s.props.name), ["Verse", "Chorus", "Bridge", "Break", "Loop 1-2", "Loop 2-1"]);
    for (const s of [4, 5]) {
      assert.ok(live.clipAt(0, s), `drums in scene ${s + 1}`);
      assert.ok(live.clipAt(1, s), `keys in scene ${s + 1}`);
      assert.equal(live.clipAt(0, s).props.color, 0x3cc68a);
    }
    assert.match(dev.status, /timeline: 2 loop\(s\); Loop 2-1 as scene 6/);
    dev.send("print");
    assert.equal(live.song.scenes[6].props.name, "Latent Loops timeline");
    for (const t of [0, 1]) {
      const printed = live.clipAt(t, 6);
      assert.equal(printed.props.loop_end, live.clipAt(t, 4).props.loop_end + live.clipAt(t, 5).props.loop_end);
      assert.equal(printed.notes.length, live.clipAt(t, 4).notes.length + live.clipAt(t, 5).notes.length);
    }
    // A loop of clips cannot join a timeline of scenes.
    dev.send("scenes", 0);
    dev.send("generate");
    assert.match(dev.status, /the corners were chosen as scenes: choose them again/);
  } finally {
    dev.close();
  }
  // The scenes' grid and timeline come back with the set, without the server.
  const loop = clipNotes(live.clipAt(0, 4));
  const { MaxJs } = require("../harness/maxjs");
  const reopened = live.reopen();
  const again = new MaxJs("latent_loops", { live: reopened, serverPort: 9, saved: dev.saved });
  await again.start([0]);
  try {
    assert.equal(again.status, "reopened with 4 corners, a 2 x 2 grid, a timeline of 2 loop(s)");
    again.send("cell", 1, 0, 0);
    assert.deepEqual(reopened.song.scenes.slice(6, 9).map((s) => s.props.name), ["Latent Loops timeline", "Loop 1-2", "Scene 5"]);
    assert.deepEqual(clipNotes(reopened.clipAt(0, 7)), loop, "the same loop as before the set was closed");
    assert.match(again.status, /timeline: 3 loop\(s\); Loop 1-2 as scene 8/);
    const resaved = JSON.parse(again.saved); // saved again in the reopened set: the parts' tracks kept
    assert.deepEqual(resaved.grid.parts, [0, 1]);
    assert.equal(resaved.timeline.length, 3);
    assert.equal(again.sent.filter((m) => m[0].startsWith("/lb/op/")).length, 0);
  } finally {
    again.close();
  }
});

"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { skip, beat, melody, makeSet, startDevice, finished } = require("./common");

test("Multitrack: the clips of a scene become N new scenes below it", { skip }, async () => {
  const { live, drums, keys } = makeSet({ scenes: 3 });
  live.addClip(drums, 0, { name: "Beat", notes: beat(), length: 4 });
  live.addClip(keys, 0, { name: "Tune", notes: melody().slice(0, 4), length: 4 });
  const below = live.addClip(keys, 1, { name: "Chorus", notes: melody(5) });
  live.selectScene(0);
  const dev = await startDevice("multitrack", live);
  try {
    dev.send("count", 2);
    dev.send("seed", 5);
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /made 2 scenes from Scene 1/);
    assert.deepEqual(live.song.scenes.map((s) => s.props.name), ["Scene 1", "Scene 1 var 1", "Scene 1 var 2", "Scene 2", "Scene 3"]);
    for (const s of [1, 2]) {
      assert.equal(live.song.scenes[s].props.color, 0xe0559b);
      const d = live.clipAt(0, s);
      const k = live.clipAt(1, s);
      assert.ok(d && k, `scene ${s} has a clip on both tracks`);
      assert.match(d.props.name, /^Beat var \d$/);
      assert.match(k.props.name, /^Tune var \d$/);
    }
    assert.equal(live.clipAt(1, 3), below, "the next scene's clip moved down, untouched");
    const begins = dev.sent.filter((m) => m[0] === "/lb/clip/begin");
    assert.deepEqual(begins.map((m) => [m[3], m[8]]), [[0, 1], [1, 0]], "drum flag per track");
    const op = dev.sent.find((m) => m[0] === "/lb/op/multitrack");
    assert.deepEqual(op.slice(3), ["multitrack", 2, 0.75, 0.5, 5, 1, 120], "feel 1, then the set's tempo");
  } finally {
    dev.close();
  }
});

"use strict";
// The set's tempo as the devices send it (qpm, docs/protocol.md): Live's
// Song.tempo read through the LiveAPI, clamped to the server's 20..400, and
// 0 (the server then plays at 120) when it cannot be read.

const test = require("node:test");
const assert = require("node:assert/strict");
const { loadLib } = require("../harness/maxjs");
const { FakeLive } = require("../harness/fakelive");

const lb = loadLib();

test("the fake Song's tempo reads as Live's: a one-element list of bpm, settable in 20..999", () => {
  const live = new FakeLive();
  const song = new live.LiveAPI("live_set");
  assert.deepEqual(song.get("tempo"), [120]);
  song.set("tempo", 92.5);
  assert.deepEqual(song.get("tempo"), [92.5]);
  song.set("tempo", 999);
  assert.deepEqual(song.get("tempo"), [999]);
  // Out of Live's range: an error in the Max window, the tempo unchanged.
  song.set("tempo", 1000);
  song.set("tempo", 19.9);
  assert.deepEqual(song.get("tempo"), [999]);
  assert.equal(live.errors.length, 2);
  assert.match(live.errors[0], /tempo must be 20\.\.999/);
  assert.match(String(song.info), /^property tempo$/m);
  live.setTempo(20);
  assert.deepEqual(song.get("tempo"), [20]);
  assert.throws(() => live.setTempo(10), /tempo must be 20\.\.999/);
});

test("tempo() is the Song's tempo, read at each call", () => {
  const live = new FakeLive();
  const wrap = new lb.Live(live.LiveAPI);
  assert.equal(wrap.tempo(), 120);
  live.setTempo(92.5);
  assert.equal(wrap.tempo(), 92.5);
  live.setTempo(173.25);
  assert.equal(wrap.tempo(), 173.25);
  assert.deepEqual(live.errors, []);
  assert.deepEqual(live.calls, [], "reading the tempo changes nothing");
});

test("tempo() clamps to the server's 20..400", () => {
  const live = new FakeLive();
  const wrap = new lb.Live(live.LiveAPI);
  live.setTempo(999);
  assert.equal(wrap.tempo(), 400);
  live.setTempo(400.5);
  assert.equal(wrap.tempo(), 400);
  live.setTempo(400);
  assert.equal(wrap.tempo(), 400);
  live.setTempo(20);
  assert.equal(wrap.tempo(), 20);
  // Below Live's own range (not a tempo Live can have): still the server's lowest.
  live.song.props.tempo = 12;
  assert.equal(wrap.tempo(), 20);
  assert.equal(lb.MIN_QPM, 20);
  assert.equal(lb.MAX_QPM, 400);
});

// A LiveAPI whose Song answers `tempo` with `value` (or throws it, if an Error).
function songSays(value) {
  return class LiveAPI {
    constructor(path) {
      this.path = path;
      this.id = "1";
    }
    get(prop) {
      assert.equal(prop, "tempo");
      if (value instanceof Error) throw value;
      return value;
    }
  };
}

test("a tempo that cannot be read is sent as 0 (the server's 120), never an error", () => {
  // The fake prints the error and returns nothing, as Max does.
  const live = new FakeLive();
  delete live.song.props.tempo;
  assert.equal(new lb.Live(live.LiveAPI).tempo(), lb.QPM_UNSET);
  assert.equal(lb.QPM_UNSET, 0);
  assert.match(live.errors[0], /no property tempo/);
  for (const value of [undefined, null, [], ["bad"], [NaN], [0], [-5], "", new Error("Live API is not ready")]) {
    assert.equal(new lb.Live(songSays(value)).tempo(), 0, `Song.tempo answering ${String(value)}`);
  }
  // A bare number (not in a list) still reads.
  assert.equal(new lb.Live(songSays(88)).tempo(), 88);
  assert.equal(new lb.Live(songSays(["97.5"])).tempo(), 97.5);
});

// Shared set-up for the device tests against the real server.
"use strict";

const { FakeLive } = require("../harness/fakelive");
const { MaxJs, waitFor } = require("../harness/maxjs");

// The pytest wrapper starts the server and passes its port.
const SERVER_PORT = Number(process.env.LB_SERVER_PORT || 0);
const skip = SERVER_PORT ? false : "LB_SERVER_PORT is not set (run through tests/test_max_for_live.py)";

// A 2-bar beat: kick, snare, hats, with Live 11's per-note extras set.
function beat(shift = 0) {
  const notes = [];
  for (let bar = 0; bar < 2; bar++) {
    notes.push({ pitch: 36, start_time: bar * 4, duration: 0.25, velocity: 110, probability: 0.9, velocity_deviation: 5, release_velocity: 30 });
    notes.push({ pitch: 38, start_time: bar * 4 + 1 + shift, duration: 0.25, velocity: 100, probability: 0.7 });
    notes.push({ pitch: 36, start_time: bar * 4 + 2, duration: 0.25, velocity: 105 });
    notes.push({ pitch: 38, start_time: bar * 4 + 3, duration: 0.25, velocity: 100 });
    for (let i = 0; i < 8; i++) {
      notes.push({ pitch: 42, start_time: bar * 4 + i * 0.5, duration: 0.25, velocity: 70 + (i % 2) * 20 });
    }
  }
  return notes;
}

// A 2-bar melody in C.
function melody(offset = 0) {
  const pitches = [60, 62, 64, 65, 67, 69, 71, 72];
  return pitches.map((p, i) => ({ pitch: p + offset, start_time: i, duration: 0.9, velocity: 90, release_velocity: 50 }));
}

// Tracks: 0 drums (Drum Rack), 1 keys; 6 scenes; the device on `deviceTrack`.
function makeSet({ scenes = 6, deviceTrack = 0 } = {}) {
  const live = new FakeLive();
  for (let i = 0; i < scenes; i++) live.addScene(`Scene ${i + 1}`);
  const drums = live.addTrack({ name: "Drums", drums: true });
  const keys = live.addTrack({ name: "Keys" });
  live.placeDevice([drums, keys][deviceTrack]);
  return { live, drums, keys };
}

async function startDevice(name, live, { port = SERVER_PORT, answerMs } = {}) {
  const dev = new MaxJs(name, { live, serverPort: port });
  await dev.start([0]); // init with no periodic pings: the tests ping by hand
  if (answerMs) dev.ctx.dev.client.answerMs = answerMs;
  return dev;
}

// Wait until the device has finished `n` operations in all.
function finished(dev, n = 1) {
  return waitFor(() => dev.ctx.dev.done >= n || /^error/.test(dev.status), `the device to finish (status: ${dev.status})`, 60000);
}

function clipNotes(clip) {
  return clip.notes.map(({ note_id, ...rest }) => rest);
}

module.exports = { SERVER_PORT, skip, beat, melody, makeSet, startDevice, finished, clipNotes, waitFor };

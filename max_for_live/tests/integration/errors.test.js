"use strict";
// What the musician sees when the server is down, answers an error, or a
// result arrives incomplete: the message in the device, and no change to
// the set.

const test = require("node:test");
const assert = require("node:assert/strict");
const dgram = require("node:dgram");
const osc = require("../harness/osc");
const { skip, beat, makeSet, startDevice, finished, waitFor } = require("./common");

// A UDP port where nothing answers: a server that is down.
async function silentPort() {
  const sock = dgram.createSocket("udp4");
  await new Promise((r) => sock.bind(0, "127.0.0.1", r));
  return sock;
}

test("a server that is down shows in the device and changes nothing", async () => {
  const sock = await silentPort();
  const port = sock.address().port;
  const { live, drums } = makeSet();
  live.select(live.addClip(drums, 0, { name: "Beat", notes: beat() }));
  const before = live.snapshot();
  const dev = await startDevice("variations", live, { port, answerMs: 300 });
  try {
    await waitFor(() => /no answer from the server/.test(dev.status), "the ping to time out", 5000);
    dev.send("generate");
    await waitFor(() => dev.ctx.dev.working === false && /^error: no answer/.test(dev.status), "the request to time out", 5000);
    assert.equal(dev.status, `error: no answer from the server at 127.0.0.1:${port}; start it with: uv run latent-bridge serve`);
    assert.equal(live.snapshot(), before);
    assert.deepEqual(live.calls, []);
  } finally {
    dev.close();
    sock.close();
  }
});

// A stand-in server that answers every operation with a result whose
// second part never comes.
test("a result with a lost part writes nothing", async () => {
  const sock = await silentPort();
  sock.on("message", (buf, rinfo) => {
    const [m] = osc.decode(buf);
    if (m.address !== "/lb/op/variations") return;
    const [port, rid] = m.args;
    const reply = (address, ...args) => sock.send(osc.encode(address, [rid, ...args]), port, rinfo.address);
    reply("/lb/accepted", "variations", "lb-drums_2bar_tiny", 0);
    reply("/lb/result/begin", 0, 0, 8.0, 4, 4, 20, 2, 1, 0, "Beat var 1");
    const notes = [];
    for (let i = 0; i < 16; i++) notes.push(36, i * 0.5, 0.25, 100.0, 0, 1.0, 0.0, 64.0);
    reply("/lb/result/notes", 0, 0, 0, ...notes);
    reply("/lb/result/end", 0, 0, 2);
    reply("/lb/done", 1, 1, 1, 0.01);
  });
  const { live, drums } = makeSet();
  live.select(live.addClip(drums, 0, { name: "Beat", notes: beat() }));
  const before = live.snapshot();
  const dev = await startDevice("variations", live, { port: sock.address().port, answerMs: 2000 });
  try {
    dev.send("generate");
    await waitFor(() => /lost part 2 of 2/.test(dev.status), "the incomplete result", 5000);
    assert.equal(live.snapshot(), before);
  } finally {
    dev.close();
    sock.close();
  }
});

test("an error from the real server shows in the device and changes nothing", { skip }, async () => {
  const { live, drums } = makeSet();
  live.select(live.addClip(drums, 0, { name: "Silence", notes: [] }));
  const before = live.snapshot();
  const dev = await startDevice("variations", live);
  try {
    dev.send("generate");
    await finished(dev);
    assert.match(dev.status, /^error: the clip has no \(unmuted\) notes/);
    assert.equal(live.snapshot(), before);
    assert.deepEqual(live.calls, []);
    // The next request works: the server kept serving.
    live.select(live.addClip(drums, 1, { name: "Beat", notes: beat() }));
    dev.send("count", 1);
    dev.send("generate");
    await finished(dev, 1);
    assert.match(dev.status, /made 1 drums variations of Beat/);
  } finally {
    dev.close();
  }
});

test("the device shows the server's status", { skip }, async () => {
  const { live } = makeSet();
  const dev = await startDevice("humanize", live);
  try {
    await waitFor(() => /^server online/.test(dev.status), "the status reply", 5000);
    assert.match(dev.status, /^server online at 127\.0\.0\.1:\d+ \(protocol 1, cpu, \d+ model\(s\) loaded, queue \d+\)$/);
    dev.send("generate");
    assert.equal(dev.status, "error: select a clip first");
  } finally {
    dev.close();
  }
});

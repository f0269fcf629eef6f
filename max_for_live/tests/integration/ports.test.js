"use strict";
// Reply ports: every device in one Max listens on its own port, never the
// port in the [udpreceive] box that every device opens first; a port held
// by another program is left after a ping goes unanswered; a new server
// address is never judged by a ping sent to the old one.

const test = require("node:test");
const assert = require("node:assert/strict");
const dgram = require("node:dgram");
const { GLOBALS } = require("../harness/maxjs");
const { SERVER_PORT, skip, makeSet, startDevice, waitFor } = require("./common");

const TABLE = "latentbridge_reply_ports";

test("devices in one Max take different reply ports, and all reach the server", { skip }, async () => {
  const { live } = makeSet();
  const devs = [];
  try {
    for (const name of ["variations", "humanize", "beat_blender", "variations"]) devs.push(await startDevice(name, live));
    const ports = devs.map((d) => d.replyPort);
    assert.equal(new Set(ports).size, ports.length, `ports ${ports}`);
    for (const p of ports) assert.ok(p >= 9101 && p <= 9899, `port ${p}`);
    for (const d of devs) d.send("ping");
    await waitFor(() => devs.every((d) => /^server online/.test(d.status)), "every device online", 10000);
    const table = GLOBALS.get(TABLE);
    for (const p of ports) assert.ok(table[`p${p}`], `port ${p} is claimed`);
  } finally {
    for (const d of devs) d.close();
  }
  const table = GLOBALS.get(TABLE);
  for (const d of devs) assert.equal(table[`p${d.replyPort}`], "", "a deleted device gives its port back");
});

test("a reply port another program holds is left after an unanswered ping", { skip }, async () => {
  // Only one port is free, and another program holds it; a second frees up later.
  const table = GLOBALS.get(TABLE) || {};
  GLOBALS.set(TABLE, table);
  const squatter = dgram.createSocket("udp4");
  let held = 0;
  for (const p of [9377, 9378, 9379, 9380, 9381]) {
    try {
      await new Promise((resolve, reject) => {
        squatter.once("error", reject);
        squatter.bind(p, "127.0.0.1", resolve);
      });
      held = p;
      break;
    } catch {
      /* busy: try the next */
    }
  }
  assert.ok(held, "a port to hold");
  const spare = held + 100;
  const saved = { ...table };
  for (let p = 9101; p <= 9899; p++) table[`p${p}`] = p === held ? "" : "other device";
  const { live } = makeSet();
  const dev = await startDevice("variations", live, { answerMs: 300 });
  try {
    assert.equal(dev.replyPort, held);
    table[`p${spare}`] = ""; // another device was deleted
    await waitFor(() => /no answer from the server/.test(dev.status), "the ping to go unanswered", 5000);
    assert.equal(dev.replyPort, spare, "the device moved to the other free port");
    dev.ctx.dev.client.answerMs = 3000; // the real server answers this one: give a busy machine time
    dev.send("ping");
    await waitFor(() => /^server online/.test(dev.status), "the server's answer on the new port", 5000);
  } finally {
    dev.close();
    squatter.close();
    for (const k of Object.keys(table)) delete table[k];
    Object.assign(table, saved);
  }
});

test("a ping in flight to the old server never reports on the new one", { skip }, async () => {
  const silent = dgram.createSocket("udp4");
  await new Promise((r) => silent.bind(0, "127.0.0.1", r));
  const { live } = makeSet();
  const dev = await startDevice("humanize", live, { port: silent.address().port, answerMs: 400 });
  try {
    dev.send("ping"); // to the silent address: it will time out
    const from = dev.statusHistory.length;
    dev.send("server", "127.0.0.1", SERVER_PORT);
    await waitFor(() => /^server online at 127\.0\.0\.1:/.test(dev.status), "the new server's answer", 5000);
    await new Promise((r) => setTimeout(r, 600)); // past the old pings' time-out
    const after = dev.statusHistory.slice(from);
    assert.ok(!after.some((s) => /no answer/.test(s)), after.join(" | "));
    assert.match(dev.status, new RegExp(`^server online at 127\\.0\\.0\\.1:${SERVER_PORT} `));
  } finally {
    dev.close();
    silent.close();
  }
});

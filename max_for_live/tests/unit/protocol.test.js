"use strict";
// The shared library's protocol code, with no sockets: clip uploads in
// parts, result assembly, the client's replies and time-outs.

const test = require("node:test");
const assert = require("node:assert/strict");
const { loadLib } = require("../harness/maxjs");
const osc = require("../harness/osc");

const lb = loadLib();
const plain = (x) => JSON.parse(JSON.stringify(x));

// A Task whose time is moved by hand.
class ManualTask {
  constructor(fn, obj) {
    this.fn = fn;
    this.obj = obj;
    this.due = null;
    ManualTask.all.push(this);
  }
  schedule(ms) {
    this.due = ms;
  }
  cancel() {
    this.due = null;
  }
  static fire() {
    for (const t of ManualTask.all) if (t.due !== null) { t.due = null; t.fn.call(t.obj); }
  }
}
ManualTask.all = [];

function note(i) {
  return { pitch: 36 + (i % 10), start_time: i * 0.25, duration: 0.25, velocity: 100, mute: 0, probability: 0.5, velocity_deviation: -3, release_velocity: 20 };
}

test("a clip goes up as begin, parts of 16 notes, end", () => {
  const clip = { length: 8, numerator: 4, denominator: 4, notes: Array.from({ length: 17 }, (_, i) => note(i)), isDrum: true, program: 0, name: "Beat" };
  const msgs = plain(lb.clipMessages(9001, 42, 3, clip));
  assert.deepEqual(msgs.map((m) => m[0]), ["/lb/clip/begin", "/lb/clip/notes", "/lb/clip/notes", "/lb/clip/end"]);
  assert.deepEqual(msgs[0], ["/lb/clip/begin", 9001, 42, 3, 8, 4, 4, 17, 1, 0, "Beat"]);
  assert.equal(msgs[1].length, 3 + 2 + 16 * 8);
  assert.deepEqual(msgs[2], ["/lb/clip/notes", 9001, 42, 3, 1, 42, 4, 0.25, 100, 0, 0.5, -3, 20]);
  assert.deepEqual(msgs[3], ["/lb/clip/end", 9001, 42, 3, 2]);
  // Every part fits one datagram.
  for (const m of msgs) assert.ok(osc.encode(m[0], m.slice(1)).length < 1472);
  const empty = plain(lb.clipMessages(9001, 1, 0, { ...clip, notes: [] }));
  assert.deepEqual(empty.map((m) => m[0]), ["/lb/clip/begin", "/lb/clip/end"]);
  assert.deepEqual(empty[1].slice(3), [0, 0]);
});

test("cleanNote fills Live 11's fields and drops note ids", () => {
  assert.deepEqual(plain(lb.cleanNote({ note_id: 5, pitch: 60.0, start_time: 1, duration: 0.5, mute: true })), {
    pitch: 60, start_time: 1, duration: 0.5, velocity: 100, mute: 1, probability: 1, velocity_deviation: 0, release_velocity: 64,
  });
  assert.throws(() => lb.cleanNote({ pitch: 60, start_time: NaN, duration: 1 }), /bad start_time/);
});

test("results assemble only when every part is there", () => {
  const a = new lb.Assembly();
  const notes = (n) => Array.from({ length: n }, (_, i) => lb.noteArgs(note(i))).flat();
  a.add("result/begin", [0, 0, 8.0, 4, 4, 18, 2, 1, 0, "Beat var 1"]);
  a.add("result/notes", [0, 0, 1, ...notes(2)]);
  a.add("result/notes", [0, 0, 0, ...notes(16)]);
  a.add("result/end", [0, 0, 2]);
  // The server sends an empty clip as one part with no notes.
  a.add("result/begin", [1, 0, 8.0, 4, 4, 0, 1, 1, 0, "Beat var 2"]);
  a.add("result/notes", [1, 0, 0]);
  a.add("result/end", [1, 0, 1]);
  a.add("done", [2, 1, 7, 0.05]);
  const r = plain(a.finish());
  assert.equal(r.seed, 7);
  assert.equal(r.outputs.length, 2);
  assert.equal(r.outputs[0][0].notes.length, 18);
  assert.equal(r.outputs[0][0].notes[16].pitch, 36, "parts in part order, not arrival order");
  assert.equal(r.outputs[1][0].notes.length, 0);
  assert.equal(r.outputs[0][0].name, "Beat var 1");

  const lost = new lb.Assembly();
  lost.add("result/begin", [0, 0, 8.0, 4, 4, 18, 2, 1, 0, "x"]);
  lost.add("result/notes", [0, 0, 0, ...notes(16)]);
  lost.add("result/end", [0, 0, 2]);
  lost.add("done", [1, 1, 7, 0.05]);
  assert.throws(() => lost.finish(), /lost part 2 of 2/);
  const missing = new lb.Assembly();
  missing.add("done", [1, 1, 7, 0.05]);
  assert.throws(() => missing.finish(), /never arrived/);
  assert.throws(() => new lb.Assembly().finish(), /no \/lb\/done/);
  assert.throws(() => lb.notesFromArgs([1, 2, 3]), /groups of 8/);
});

function client() {
  const sent = [];
  ManualTask.all = [];
  const c = new lb.Client({ send: (m) => sent.push(plain(m)), Task: ManualTask, port: 9000, replyPort: 9100, answerMs: 100 });
  return { c, sent };
}

test("the client routes replies by id and ignores strangers", () => {
  const { c, sent } = client();
  const seen = [];
  const rid = c.request("op/variations", ["drums", 2], [{ length: 4, numerator: 4, denominator: 4, notes: [note(0)], name: "x" }], {
    onAccepted: (a) => seen.push(["accepted", ...a]),
    onProgress: (a) => seen.push(["progress", ...a]),
    onDone: (r) => seen.push(["done", r.outputs.length, r.seed]),
    onError: (code, msg) => seen.push(["error", code, msg]),
  });
  assert.deepEqual(sent.map((m) => m[0]), ["/lb/clip/begin", "/lb/clip/notes", "/lb/clip/end", "/lb/op/variations"]);
  assert.ok(sent.every((m) => m[1] === 9100 && m[2] === rid));
  assert.equal(c.receive("/lb/pong", [rid + 1, "1"]), false);
  assert.equal(c.receive("/other", [rid]), false);
  c.receive("/lb/accepted", [rid, "variations", "m", 0]);
  c.receive("/lb/result/begin", [rid, 0, 0, 4.0, 4, 4, 1, 1, 1, 0, "x var 1"]);
  c.receive("/lb/result/notes", [rid, 0, 0, 0, ...lb.noteArgs(note(0))]);
  c.receive("/lb/result/end", [rid, 0, 0, 1]);
  assert.ok(c.busy());
  c.receive("/lb/done", [rid, 1, 1, 5, 0.1]);
  assert.deepEqual(seen, [["accepted", "variations", "m", 0], ["done", 1, 5]]);
  assert.ok(!c.busy());
  assert.equal(c.receive("/lb/done", [rid, 1, 1, 5, 0.1]), false, "a finished request takes no more replies");
});

test("errors and silence end a request with a message", () => {
  const { c } = client();
  const seen = [];
  const handlers = { onError: (code, msg) => seen.push([code, msg]) };
  const rid = c.request("op/humanize", ["groove"], null, handlers);
  c.receive("/lb/error", [rid, "unknown_model", "no model serves the role 'groove'"]);
  c.request("ping", [], null, handlers);
  ManualTask.fire();
  assert.deepEqual(seen, [
    ["unknown_model", "no model serves the role 'groove'"],
    ["timeout", "no answer from the server at 127.0.0.1:9000; start it with: uv run latent-bridge serve"],
  ]);
  const r2 = c.request("op/humanize", ["groove"], null, handlers);
  c.receive("/lb/accepted", [r2, "humanize", "g", 0]);
  ManualTask.fire();
  assert.deepEqual(seen[2], ["timeout", "the server stopped answering at 127.0.0.1:9000"]);
});

test("OSC bytes are what the OSC 1.0 spec says", () => {
  // /lb/ping ,ii 9001 1
  const buf = osc.encode("/lb/ping", [9001, 1]);
  assert.equal(buf.toString("hex"), "2f6c622f70696e6700000000" + "2c696900" + "00002329" + "00000001");
  const mixed = osc.encode("/a", [1, 0.5, "hi"]);
  assert.equal(mixed.toString("hex"), "2f610000" + "2c69667300000000" + "00000001" + "3f000000" + "68690000");
  assert.deepEqual(osc.decode(mixed), [{ address: "/a", args: [1, 0.5, "hi"] }]);
  const bundle = Buffer.concat([Buffer.from("#bundle\0"), Buffer.alloc(8), Buffer.from([0, 0, 0, buf.length]), buf]);
  assert.deepEqual(osc.decode(bundle), [{ address: "/lb/ping", args: [9001, 1] }]);
});

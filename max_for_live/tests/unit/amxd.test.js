"use strict";
// Every built device is frozen: its .amxd carries its patcher, its own
// script and the shared library, byte for byte as in the sources, so a
// device copied alone still has its code.

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { ROOT } = require("../harness/maxjs");
const { readAmxd } = require("../harness/amxd");

const DEVICES = ["variations", "interpolate", "beat_blender", "latent_loops", "humanize", "multitrack"];
const LIB = fs.readFileSync(path.join(ROOT, "lib", "latentbridge.js"));

function builtDevice(folder) {
  const names = fs.readdirSync(path.join(ROOT, folder)).filter((n) => n.endsWith(".amxd"));
  assert.equal(names.length, 1, `${folder} holds one .amxd`);
  return { name: names[0], buf: fs.readFileSync(path.join(ROOT, folder, names[0])) };
}

for (const folder of DEVICES) {
  test(`${folder}: the built device carries its patcher and scripts`, () => {
    const { name, buf } = builtDevice(folder);
    const dev = readAmxd(buf);
    assert.equal(dev.kind, "mmmm");
    assert.equal(dev.frozen, true);
    assert.deepEqual(Object.keys(dev.files), [name, `${folder}.js`, "latentbridge.js"]);
    assert.deepEqual(
      dev.entries.map((e) => [e.type, e.flag]),
      [["JSON", 0x11], ["TEXT", 0], ["TEXT", 0]],
    );
    const source = JSON.parse(fs.readFileSync(path.join(ROOT, folder, `${folder}.maxpat`), "utf8"));
    assert.deepEqual(dev.patcher, source);
    assert.ok(dev.files[`${folder}.js`].equals(fs.readFileSync(path.join(ROOT, folder, `${folder}.js`))), `${folder}.js differs: rebuild`);
    assert.ok(dev.files["latentbridge.js"].equals(LIB), "latentbridge.js differs: rebuild");
    // The patcher's js box names the script the device carries.
    const texts = source.patcher.boxes.map((b) => b.box.text || "");
    assert.ok(texts.some((t) => t.split(" ")[0] === "js" && t.split(" ")[1] === `${folder}.js`));
  });
}

test("readAmxd reads an unfrozen device", () => {
  const json = Buffer.from('{"patcher": {"boxes": [], "lines": []}}\n\0');
  const chunk = (id, data) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, "latin1");
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data]);
  };
  const buf = Buffer.concat([chunk("ampf", Buffer.from("mmmm")), chunk("meta", Buffer.alloc(4)), chunk("ptch", json)]);
  const dev = readAmxd(buf);
  assert.deepEqual([dev.kind, dev.frozen, dev.patcher, dev.files], ["mmmm", false, { patcher: { boxes: [], lines: [] } }, {}]);
});

test("readAmxd refuses malformed devices with a clear message", () => {
  const { buf } = builtDevice("variations");
  const ptchAt = 32; // ampf (12) + meta (12) + ptch header (8)
  const footerAt = ptchAt + Number(buf.readBigUInt64BE(ptchAt + 8));
  const edited = (fn) => {
    const copy = Buffer.from(buf);
    fn(copy);
    return copy;
  };
  const cases = [
    [buf.subarray(0, buf.length - 10), /runs past the end of the file/],
    [buf.subarray(0, 20), /runs past the end of the file/],
    [edited((b) => b.write("xxxx", 8, "latin1")), /unknown device type/],
    [edited((b) => b.writeUInt32BE(20, ptchAt + 4)), /header size is 20/],
    [edited((b) => b.writeBigUInt64BE(BigInt(buf.length), ptchAt + 8)), /footer offset .* past the end/],
    [edited((b) => b.write("dlsx", footerAt, "latin1")), /no dlst footer/],
    [edited((b) => b.writeUInt32BE(9, footerAt + 4)), /footer size mismatch/],
    [edited((b) => b.write("dirx", footerAt + 8, "latin1")), /not a dire record/],
    [edited((b) => b.writeUInt32BE(1 << 20, footerAt + 12)), /record 'dire' .* runs past the end of its footer/],
    [edited((b) => b.writeUInt32BE(1 << 20, footerAt + 16 + 4)), /field 'type' .* runs past the end of its record/],
    [edited((b) => b.writeUInt32BE(1 << 30, buf.indexOf("sz32", footerAt) + 8)), /runs past the footer/],
  ];
  for (const [bad, message] of cases) assert.throws(() => readAmxd(bad), message);
});

// OSC 1.0 messages as Max's [udpsend] writes them and [udpreceive] reads
// them: a whole JS number goes out as int32 ('i'), any other number as
// float32 ('f'), anything else as a string ('s').
"use strict";

function pad4(n) {
  return (4 - (n % 4)) % 4;
}

function oscString(text) {
  const raw = Buffer.from(String(text), "utf8");
  return Buffer.concat([raw, Buffer.alloc(1 + pad4(raw.length + 1))]);
}

function encode(address, args) {
  let tags = ",";
  const data = [];
  for (const a of args) {
    if (typeof a === "number" && Number.isInteger(a) && a >= -2147483648 && a <= 2147483647) {
      tags += "i";
      const b = Buffer.alloc(4);
      b.writeInt32BE(a);
      data.push(b);
    } else if (typeof a === "number") {
      tags += "f";
      const b = Buffer.alloc(4);
      b.writeFloatBE(a);
      data.push(b);
    } else if (typeof a === "boolean") {
      tags += "i";
      const b = Buffer.alloc(4);
      b.writeInt32BE(a ? 1 : 0);
      data.push(b);
    } else {
      tags += "s";
      data.push(oscString(a));
    }
  }
  return Buffer.concat([oscString(address), oscString(tags), ...data]);
}

function readString(buf, offset) {
  const end = buf.indexOf(0, offset);
  if (end < 0) throw new Error("OSC: unterminated string");
  const text = buf.toString("utf8", offset, end);
  return [text, end + 1 + pad4(end + 1 - offset)];
}

// One packet -> a list of {address, args} (bundles are flattened).
function decode(buf) {
  if (buf.length >= 8 && buf.toString("ascii", 0, 8) === "#bundle\0") {
    const out = [];
    let offset = 16;
    while (offset + 4 <= buf.length) {
      const size = buf.readInt32BE(offset);
      out.push(...decode(buf.subarray(offset + 4, offset + 4 + size)));
      offset += 4 + size;
    }
    return out;
  }
  let [address, offset] = readString(buf, 0);
  let tags = ",";
  if (offset < buf.length) [tags, offset] = readString(buf, offset);
  if (tags[0] !== ",") throw new Error(`OSC: bad type tags ${tags}`);
  const args = [];
  for (const t of tags.slice(1)) {
    if (t === "i") {
      args.push(buf.readInt32BE(offset));
      offset += 4;
    } else if (t === "f") {
      args.push(buf.readFloatBE(offset));
      offset += 4;
    } else if (t === "d") {
      args.push(buf.readDoubleBE(offset));
      offset += 8;
    } else if (t === "s") {
      let s;
      [s, offset] = readString(buf, offset);
      args.push(s);
    } else if (t === "T" || t === "F") {
      args.push(t === "T" ? 1 : 0);
    } else {
      throw new Error(`OSC: unsupported type ${t}`);
    }
  }
  return [{ address, args }];
}

module.exports = { encode, decode };

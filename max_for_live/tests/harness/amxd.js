"use strict";
// A reader for the .amxd files scripts/build_amxd.py writes (see
// docs/max_for_live.md): chunks of id + little-endian u32 size + data
// (ampf, meta, ptch). An unfrozen device's ptch is the patcher JSON; a frozen
// device's ptch is an mx@c archive, big-endian throughout: magic, u32 header
// size (16), u64 footer offset, the files back to back, then the footer:
// "dlst" + size, one "dire" record per file, each a list of fields (id + u32
// size including its 8 header bytes + data).

const DEVICE_TYPES = new Set(["mmmm", "aaaa", "iiii"]);
const HEADER_SIZE = 16;

function chunks(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 8 > buf.length) throw new Error(`truncated chunk header at byte ${pos}`);
    const id = buf.toString("latin1", pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (pos + 8 + size > buf.length) throw new Error(`chunk '${id}' at byte ${pos} runs past the end of the file`);
    out.push({ id, data: buf.subarray(pos + 8, pos + 8 + size) });
    pos += 8 + size;
  }
  return out;
}

// [{id, at, data}] of the id + BE u32 size (including 8 header bytes) items in buf[start, end).
function items(buf, start, end, what, container) {
  const out = [];
  let pos = start;
  while (pos < end) {
    if (pos + 8 > end) throw new Error(`truncated ${what} header at archive byte ${pos}`);
    const id = buf.toString("latin1", pos, pos + 4);
    const size = buf.readUInt32BE(pos + 4);
    if (size < 8) throw new Error(`${what} '${id}' at archive byte ${pos} has size ${size} (< 8)`);
    if (pos + size > end) {
      throw new Error(`${what} '${id}' at archive byte ${pos} (${size} bytes) runs past the end of its ${container}`);
    }
    out.push({ id, at: pos, data: buf.subarray(pos + 8, pos + size) });
    pos += size;
  }
  return out;
}

const U32_FIELDS = ["sz32", "of32", "vers", "flag", "mdat"];

// [{name, type, flag, mdat (Date), data}] of an mx@c archive, its patcher first.
function readArchive(buf) {
  if (buf.length < HEADER_SIZE) throw new Error(`truncated mx@c header: ${buf.length} of ${HEADER_SIZE} bytes`);
  if (buf.toString("latin1", 0, 4) !== "mx@c") throw new Error("bad magic: a frozen archive starts with mx@c");
  const headerSize = buf.readUInt32BE(4);
  if (headerSize !== HEADER_SIZE) throw new Error(`mx@c header size is ${headerSize}, expected ${HEADER_SIZE}`);
  const footerAt = Number(buf.readBigUInt64BE(8));
  if (footerAt + 8 > buf.length) throw new Error(`footer offset ${footerAt} is past the end of the ${buf.length}-byte archive`);
  if (footerAt < HEADER_SIZE) throw new Error(`footer offset ${footerAt} points into the header`);
  if (buf.toString("latin1", footerAt, footerAt + 4) !== "dlst") throw new Error(`no dlst footer at archive byte ${footerAt}`);
  const footerSize = buf.readUInt32BE(footerAt + 4);
  if (footerAt + footerSize !== buf.length) {
    throw new Error(`footer size mismatch: dlst says ${footerSize} bytes, ${buf.length - footerAt} bytes follow its offset`);
  }
  return items(buf, footerAt + 8, buf.length, "record", "footer").map((rec) => {
    if (rec.id !== "dire") throw new Error(`footer record '${rec.id}' at archive byte ${rec.at} is not a dire record`);
    const fields = {};
    for (const f of items(buf, rec.at + 8, rec.at + 8 + rec.data.length, "field", "record")) {
      if (U32_FIELDS.includes(f.id) && f.data.length !== 4) {
        throw new Error(`field '${f.id}' at archive byte ${f.at} is not a 32-bit value`);
      }
      fields[f.id] = f.data;
    }
    const missing = ["type", "fnam", ...U32_FIELDS].filter((k) => !(k in fields));
    if (missing.length) throw new Error(`dire record at archive byte ${rec.at} lacks ${missing.join(", ")}`);
    const nul = fields.fnam.indexOf(0);
    const name = fields.fnam.toString("utf8", 0, nul < 0 ? fields.fnam.length : nul);
    const [size, offset, , flag, mdat] = U32_FIELDS.map((k) => fields[k].readUInt32BE(0));
    if (offset < HEADER_SIZE) throw new Error(`file '${name}' starts at ${offset}, inside the mx@c header`);
    if (offset + size > footerAt) throw new Error(`file '${name}' (${size} bytes at ${offset}) runs past the footer at ${footerAt}`);
    return {
      name,
      type: fields.type.toString("latin1"),
      flag,
      mdat: new Date((mdat - 2082844800) * 1000), // HFS+ seconds since 1904
      data: buf.subarray(offset, offset + size),
    };
  });
}

function parsePatcher(bytes, where) {
  const end = bytes.length && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  let patcher;
  try {
    patcher = JSON.parse(bytes.toString("utf8", 0, end));
  } catch (e) {
    throw new Error(`${where} is not JSON: ${e.message}`);
  }
  if (!patcher || typeof patcher.patcher !== "object" || patcher.patcher === null) {
    throw new Error(`${where} does not hold {"patcher": {...}}`);
  }
  return patcher;
}

// {kind, patcher, frozen, entries, files: {name: Buffer}} of an .amxd. For a
// frozen device, entries lists every file in the archive (the device's own
// patcher first) and files maps each name, the patcher's included, to its
// bytes; an unfrozen device has none.
function readAmxd(buf) {
  const list = chunks(buf);
  if (!list.length || list[0].id !== "ampf") throw new Error("an .amxd starts with an ampf chunk");
  const kind = list[0].data.toString("latin1");
  if (list[0].data.length !== 4 || !DEVICE_TYPES.has(kind)) throw new Error(`unknown device type '${kind}'`);
  const ptch = list.filter((c) => c.id === "ptch");
  if (ptch.length !== 1) throw new Error(`an .amxd has one ptch chunk, this one has ${ptch.length}`);
  const body = ptch[0].data;
  if (body.toString("latin1", 0, 4) !== "mx@c") {
    return { kind, frozen: false, patcher: parsePatcher(body, "the ptch chunk"), entries: [], files: {} };
  }
  const entries = readArchive(body);
  if (!entries.length) throw new Error("the frozen device holds no files");
  if (entries[0].type !== "JSON") throw new Error(`the first file of a frozen device is ${entries[0].type}, not its patcher`);
  const files = {};
  for (const e of entries) {
    if (e.name in files) throw new Error(`the frozen device holds '${e.name}' twice`);
    files[e.name] = e.data;
  }
  return { kind, frozen: true, patcher: parsePatcher(entries[0].data, `the frozen patcher '${entries[0].name}'`), entries, files };
}

module.exports = { readAmxd, readArchive, chunks };

"use strict";
// Max's [js] object runs ES5 (Max 8's engine is SpiderMonkey 1.8.5): the
// device sources must not use later syntax or later built-ins. A small
// tokenizer skips strings, comments and regular expressions, then looks
// for what ES5 lacks. (String's repeat() is not on the list: Max's Task has
// a repeat() of its own.)

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { ROOT } = require("../harness/maxjs");

const SOURCES = [
  "lib/latentbridge.js",
  ...["variations", "interpolate", "beat_blender", "latent_loops", "humanize", "multitrack", "endless"].map((d) => `${d}/${d}.js`),
];

const KEYWORDS = new Set(["let", "const", "class", "import", "export", "async", "await", "yield", "extends", "super"]);
const LATER_BUILTINS = new Set([
  "assign", "includes", "startsWith", "endsWith", "padStart", "padEnd", "find", "findIndex",
  "isInteger", "isSafeInteger", "fill", "entries", "values", "fromEntries", "flat", "flatMap", "trimStart", "trimEnd",
]);
const LATER_GLOBALS = new Set(["Promise", "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect"]);

// [{type, value, line}] with strings, comments and regexes removed.
function tokens(src) {
  const out = [];
  let i = 0;
  let line = 1;
  const regexAllowed = () => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.type === "punct") return !/^[)\]}]$/.test(prev.value);
    return prev.type === "word" && ["return", "typeof", "case", "in", "of", "new", "delete", "void", "throw"].includes(prev.value);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith("//", i)) { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      line += (src.slice(i, end).match(/\n/g) || []).length;
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (src[i] !== c) { if (src[i] === "\\") i++; if (src[i] === "\n") throw new Error(`line ${line}: unterminated string`); i++; }
      i++;
      out.push({ type: "string", value: "", line });
      continue;
    }
    if (c === "`") { out.push({ type: "template", value: "`", line }); i++; continue; }
    if (c === "/" && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < src.length && (src[i] !== "/" || inClass)) {
        if (src[i] === "\\") i++;
        else if (src[i] === "[") inClass = true;
        else if (src[i] === "]") inClass = false;
        i++;
      }
      i++;
      while (/[a-z]/.test(src[i] || "")) i++;
      out.push({ type: "regex", value: "", line });
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(src.slice(i, i + 64));
    if (word) { out.push({ type: "word", value: word[0], line }); i += word[0].length; continue; }
    const num = /^\d[\d.eExXa-fA-F]*/.exec(src.slice(i, i + 64));
    if (num) { out.push({ type: "number", value: num[0], line }); i += num[0].length; continue; }
    const punct = ["...", "=>", "**", "?.", "??"].find((p) => src.startsWith(p, i)) || c;
    out.push({ type: "punct", value: punct, line });
    i += punct.length;
  }
  return out;
}

function es5Problems(src) {
  const problems = [];
  const toks = tokens(src);
  toks.forEach((t, k) => {
    const prev = toks[k - 1];
    const where = `line ${t.line}`;
    if (t.type === "template") problems.push(`${where}: template literal`);
    if (t.type === "punct" && ["...", "=>", "**", "?.", "??"].includes(t.value)) problems.push(`${where}: ${t.value}`);
    if (t.type !== "word") return;
    const isProperty = prev && prev.type === "punct" && prev.value === ".";
    if (!isProperty && KEYWORDS.has(t.value)) problems.push(`${where}: ${t.value}`);
    if (!isProperty && LATER_GLOBALS.has(t.value)) problems.push(`${where}: ${t.value} (not in ES5)`);
    if (isProperty && LATER_BUILTINS.has(t.value)) problems.push(`${where}: .${t.value}() (not in ES5)`);
    if (t.value === "of" && toks[k - 2] && toks[k - 3] && toks[k - 3].value === "(" && toks[k - 4] && toks[k - 4].value === "for") {
      problems.push(`${where}: for...of`);
    }
  });
  return problems;
}

test("the scanner finds what ES5 lacks", () => {
  const bad = [
    "let a = 1;", "const b = 2;", "var f = (x) => x;", "class A {}", "var s = `x${y}`;",
    "f(...args);", "for (var x of xs) {}", "var o = Object.assign({}, p);", "if (s.startsWith('a')) {}",
    "var m = new Map();", "var p = a ** 2;", "var q = a?.b;",
  ];
  for (const src of bad) assert.notDeepEqual(es5Problems(src), [], src);
  const good = [
    'var s = "let const => `";', "// let x = 1\nvar a = 1;", "var r = /=>/g; var t = a / b / c;",
    "var o = { let_: 1 }; o.let_ = 2;", "exports.x = 1;", "for (var k in o) {}", "var f = function () { return /x/.test(s); };",
  ];
  for (const src of good) assert.deepEqual(es5Problems(src), [], src);
});

for (const rel of SOURCES) {
  test(`${rel} is ES5`, () => {
    const src = fs.readFileSync(path.join(ROOT, rel), "utf8");
    assert.doesNotThrow(() => new Function(src), "parses");
    assert.deepEqual(es5Problems(src), []);
  });
}

module.exports = { es5Problems };

// Runs a device's js file the way Max's [js] object does, under Node.
//
// The script runs in its own global scope with Max's globals (post, outlet,
// inlets/outlets, messagename, arrayfromargs, Task, Global, LiveAPI,
// notifyclients, require). Messages to the object call its top-level
// functions, as in Max. The outlets are wired as in the device's patcher:
// outlet 0 is [udpsend] (real UDP to the server), outlet 1 sets
// [udpreceive]'s port (a real UDP socket on that port, opened on the port in
// the box first, whose messages come back into the script), outlet 2 is the
// status [comment]. A [pattr] bound to the script's scripting name is the
// state Live saves with the set: it takes the script's getvalueof() each
// time the script calls notifyclients(), and hands a saved value to
// setvalueof() when the device loads, before live.thisdevice's init.
"use strict";

const dgram = require("node:dgram");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const os = require("node:os");
const osc = require("./osc");
const { readAmxd } = require("./amxd");

const ROOT = path.resolve(__dirname, "..", "..");

// Max's Task: schedule(ms) runs once, repeat() every `interval` ms.
function makeTask(timers) {
  return class Task {
    constructor(fn, object, ...args) {
      this.fn = fn;
      this.object = object;
      this.args = args;
      this.interval = 1000;
      this.handle = null;
      this.running = false;
    }
    execute() {
      this.fn.apply(this.object, this.args);
    }
    schedule(ms = 0) {
      this.cancel();
      this.handle = setTimeout(() => {
        this.handle = null;
        this.execute();
      }, ms);
      this.handle.unref();
      timers.add(this);
    }
    repeat() {
      this.cancel();
      this.running = true;
      this.handle = setInterval(() => this.execute(), this.interval);
      this.handle.unref();
      timers.add(this);
    }
    cancel() {
      if (this.handle) {
        clearTimeout(this.handle);
        clearInterval(this.handle);
      }
      this.handle = null;
      this.running = false;
    }
  };
}

// Max's Global: the properties of one name are shared by every js object
// in this Max (here: this Node process).
const GLOBALS = new Map();
class Global {
  constructor(name) {
    if (!GLOBALS.has(name)) GLOBALS.set(name, {});
    return GLOBALS.get(name);
  }
}

// The device as Live loads it: its built .amxd, copied alone into a folder
// of its own (as after Collect All and Save, or on another machine), so the
// script and every module it requires must come from inside the device.
function loadDevice(device) {
  const folder = path.join(ROOT, device);
  const built = fs.readdirSync(folder).filter((f) => f.endsWith(".amxd"));
  if (built.length !== 1) throw new Error(`${folder} holds ${built.length} .amxd files, not 1`);
  const alone = fs.mkdtempSync(path.join(os.tmpdir(), "lb-device-"));
  const file = path.join(alone, built[0]);
  fs.copyFileSync(path.join(folder, built[0]), file);
  try {
    const amxd = readAmxd(fs.readFileSync(file));
    if (!amxd.frozen) throw new Error(`${built[0]} is not frozen: its scripts would not travel with it`);
    return { file, patcher: amxd.patcher.patcher, files: amxd.files };
  } finally {
    fs.rmSync(alone, { recursive: true, force: true });
  }
}

// The [pattr] bound to the [js] box (by its scripting name), if any.
function boundPattr(patcher) {
  const boxes = patcher.boxes.map((b) => b.box);
  const js = boxes.find((b) => /^js /.test(b.text || ""));
  if (!js || !js.varname) return null;
  return boxes.find((b) => new RegExp(`^pattr \\S+ @bindto ${js.varname}$`).test(b.text || "")) || null;
}

// The port in the [udpreceive] box: what it opens when the device loads.
function bootPort(patcher) {
  const box = patcher.boxes.map((b) => b.box).find((b) => /^udpreceive /.test(b.text || ""));
  return box ? Number(box.text.split(/\s+/)[1]) : 0;
}

class MaxJs {
  // device: folder under max_for_live/, e.g. "variations"; saved: the
  // [pattr] value the set was saved with (a reopened set), if any.
  constructor(device, { live, serverPort, host = "127.0.0.1", saved } = {}) {
    this.device = device;
    this.live = live;
    const loaded = loadDevice(device);
    this.patcher = loaded.patcher;
    this.files = loaded.files;
    this.pattr = boundPattr(this.patcher);
    this.pattrValue = saved;
    this.posts = [];
    this.statusHistory = [];
    this.ui = [];
    this.sent = [];
    this.udp = { host: null, port: null }; // [udpsend] before its host/port messages
    this.timers = new Set();
    this.sock = null;
    const jsBox = this.patcher.boxes.map((b) => b.box).find((b) => /^js /.test(b.text || ""));
    if (!jsBox) throw new Error(`${device}: no [js] box in the patcher`);
    this.file = jsBox.text.split(/\s+/)[1];
    const self = this;
    const ctx = {
      post: (...a) => self.posts.push(a.join(" ")),
      error: (...a) => self.posts.push(`error: ${a.join(" ")}`),
      outlet: (n, ...a) => self.outlet(n, a.length === 1 && Array.isArray(a[0]) ? a[0] : a),
      arrayfromargs: (...a) => {
        const args = a[a.length - 1];
        const list = Array.prototype.slice.call(args);
        return a.length === 2 ? [a[0], ...list] : list;
      },
      messagename: "",
      // [js variations.js 127.0.0.1 9000]: the server's host and port.
      jsarguments: [this.file, host, serverPort],
      inlets: 1,
      outlets: 1,
      autowatch: 0,
      LiveAPI: live.LiveAPI,
      Task: makeTask(this.timers),
      Global,
      notifyclients: () => self.notifyclients(),
      require: (name) => self.require(name),
    };
    this.ctx = vm.createContext(ctx);
    vm.runInContext(this.source(this.file), this.ctx, { filename: this.file });
    // The patcher loads: a [pattr] holding a saved value hands it over.
    if (this.pattr && saved !== undefined && saved !== null) this.send("setvalueof", saved);
  }

  notifyclients() {
    if (!this.pattr) throw new Error("notifyclients() but no [pattr] is bound to the script");
    if (typeof this.ctx.getvalueof !== "function") throw new Error("a bound [pattr] needs getvalueof()");
    this.pattrValue = this.ctx.getvalueof();
  }

  // What Live saves with the set for this device: the [pattr]'s value.
  get saved() {
    return this.pattrValue;
  }

  // A file the device carries (nothing else is on this device's search path).
  source(name) {
    const data = this.files[name];
    if (!data) throw new Error(`${name} is not in the device, and Max would find nothing else in its folder`);
    return data.toString("utf8");
  }

  // Max's require: a module file on the search path, its own scope.
  require(name) {
    const file = name.endsWith(".js") ? name : `${name}.js`;
    const src = this.source(file);
    const exports = {};
    vm.runInContext(`(function (exports) {${src}\n})`, this.ctx, { filename: file })(exports);
    return exports;
  }

  get status() {
    return this.statusHistory.length ? this.statusHistory[this.statusHistory.length - 1] : "";
  }

  outlet(n, list) {
    if (n >= this.ctx.outlets) throw new Error(`outlet ${n} but the script declares ${this.ctx.outlets}`);
    if (n === 0) {
      const [sel, ...args] = list;
      if (sel === "host") this.udp.host = String(args[0]);
      else if (sel === "port") this.udp.port = Number(args[0]);
      else {
        this.sent.push(Array.from(list));
        const buf = osc.encode(sel, args);
        if (buf.length > 1472) throw new Error(`a ${buf.length}-byte datagram: too big for one packet`);
        if (!this.sender) {
          this.sender = dgram.createSocket("udp4"); // [udpsend]'s own socket
          this.sender.unref();
        }
        this.sender.send(buf, this.udp.port, this.udp.host);
      }
    } else if (n === 1) {
      if (list[0] !== "port" || !Number.isInteger(list[1]) || list[1] < 1 || list[1] > 65535) {
        throw new Error(`[udpreceive] got ${list.join(" ")}`);
      }
      this.listen(list[1]);
    } else if (n === 2) {
      if (list[0] !== "set") throw new Error(`status comment got ${list.join(" ")}`);
      this.statusHistory.push(list.slice(1).join(" "));
    } else {
      this.ui.push(list);
    }
  }

  // [udpreceive] (re)opens a port; like Max, a port another program holds
  // is an error in the Max window, and nothing arrives.
  listen(port) {
    if (this.sock) this.sock.close();
    this.replyPort = port;
    this.bound = false;
    const sock = dgram.createSocket("udp4");
    this.sock = sock;
    sock.on("message", (buf) => {
      for (const m of osc.decode(buf)) this.send(m.address, ...m.args);
    });
    sock.on("error", (e) => {
      this.posts.push(`error: udpreceive: cannot listen on port ${port}: ${e.code || e.message}`);
      if (this.sock === sock) this.sock = null;
      sock.close();
    });
    this.binding = new Promise((resolve) =>
      sock.bind(port, "127.0.0.1", () => {
        this.bound = true;
        resolve();
      }),
    );
  }

  // The device loads: [udpreceive] opens the port in its box, then
  // live.thisdevice sends init (the script moves [udpreceive] to its own port).
  async start(initArgs = []) {
    this.listen(bootPort(this.patcher));
    await Promise.race([this.binding, new Promise((r) => setTimeout(r, 50))]);
    this.send("init", ...initArgs);
    await Promise.race([this.binding, new Promise((r) => setTimeout(r, 500))]);
    return this;
  }

  // A message into the js inlet: its function, or anything().
  send(name, ...args) {
    this.ctx.messagename = name;
    const fn = this.ctx[name];
    if (typeof fn === "function" && !name.startsWith("/")) return fn.apply(this.ctx, args);
    if (typeof this.ctx.anything !== "function") throw new Error(`no function ${name} and no anything()`);
    return this.ctx.anything(...args);
  }

  close() {
    if (typeof this.ctx.notifydeleted === "function") this.ctx.notifydeleted();
    for (const t of this.timers) t.cancel();
    if (this.sock) this.sock.close();
    this.sock = null;
    if (this.sender) this.sender.close();
    this.sender = null;
  }
}

// Poll until predicate() is truthy (no fixed sleeps); fails with `what`.
async function waitFor(predicate, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = predicate();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// The shared library alone, as its exports, for unit tests (no device, no Max).
function loadLib() {
  const exports = {};
  const src = fs.readFileSync(path.join(ROOT, "lib", "latentbridge.js"), "utf8");
  vm.runInNewContext(`(function (exports) {${src}\n})`, {})(exports);
  return exports;
}

module.exports = { MaxJs, waitFor, ROOT, Global, GLOBALS, loadLib };

// Runs a device's js file the way Max's [js] object does, under Node.
//
// The script runs in its own global scope with Max's globals (post, outlet,
// inlets/outlets, messagename, arrayfromargs, Task, LiveAPI, require).
// Messages to the object call its top-level functions, as in Max. The
// outlets are wired as in the device's patcher: outlet 0 is [udpsend]
// (real UDP to the server), outlet 1 sets [udpreceive]'s port (a real UDP
// socket whose messages come back into the script), outlet 2 is the status
// [comment].
"use strict";

const dgram = require("node:dgram");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const osc = require("./osc");

const ROOT = path.resolve(__dirname, "..", "..");
const LIB = path.join(ROOT, "lib");

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

class MaxJs {
  // device: folder under max_for_live/, e.g. "variations"
  constructor(device, { live, serverPort, host = "127.0.0.1" }) {
    this.device = device;
    this.live = live;
    this.posts = [];
    this.statusHistory = [];
    this.ui = [];
    this.sent = [];
    this.udp = { host: null, port: null }; // [udpsend] before its host/port messages
    this.timers = new Set();
    this.sock = null;
    this.file = path.join(ROOT, device, `${device}.js`);
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
      jsarguments: [`${device}.js`, host, serverPort],
      inlets: 1,
      outlets: 1,
      autowatch: 0,
      LiveAPI: live.LiveAPI,
      Task: makeTask(this.timers),
      require: (name) => self.require(name),
    };
    this.ctx = vm.createContext(ctx);
    vm.runInContext(fs.readFileSync(this.file, "utf8"), this.ctx, { filename: this.file });
  }

  // Max's require: a module file on the search path, its own scope.
  require(name) {
    const file = path.join(LIB, name.endsWith(".js") ? name : `${name}.js`);
    const src = fs.readFileSync(file, "utf8");
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
        this.sock.send(buf, this.udp.port, this.udp.host);
      }
    } else if (n === 1) {
      if (list[0] !== "port" || Number(list[1]) !== this.replyPort) {
        throw new Error(`[udpreceive] got ${list.join(" ")}, but listens on ${this.replyPort}`);
      }
    } else if (n === 2) {
      if (list[0] !== "set") throw new Error(`status comment got ${list.join(" ")}`);
      this.statusHistory.push(list.slice(1).join(" "));
    } else {
      this.ui.push(list);
    }
  }

  // Bind [udpreceive] on a free port and tell the script; then init.
  async start(initArgs = []) {
    this.sock = dgram.createSocket("udp4");
    this.sock.on("message", (buf) => {
      for (const m of osc.decode(buf)) this.send(m.address, ...m.args);
    });
    await new Promise((resolve) => this.sock.bind(0, "127.0.0.1", resolve));
    this.replyPort = this.sock.address().port;
    this.send("replyport", this.replyPort);
    this.send("init", ...initArgs);
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

module.exports = { MaxJs, waitFor, ROOT };

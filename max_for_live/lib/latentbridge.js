// latentbridge.js: what every Latent Bridge device shares.
//
// Loaded by each device's script with require("latentbridge"); every built
// device is frozen and carries a copy (scripts/build_amxd.py). ES5 only:
// Max's js object runs an ES5 engine.
//
// - The protocol of docs/protocol.md: clips sent in parts of 16 notes
//   (/lb/clip/begin|notes|end), operations (/lb/op/...), and the results
//   assembled back from /lb/result/begin|notes|end and /lb/done. Messages
//   are arrays [address, args...] for [udpsend]; [udpreceive] hands replies
//   back as (address, args).
// - The Live set through LiveAPI with Live 11's extended note calls
//   (get_notes_extended, add_new_notes, remove_notes_extended).
// - A Device: status line, server pings, one operation at a time, and
//   writing results only once every part has arrived.

var PREFIX = "/lb";
var NOTES_PER_PART = 16;
var NOTE_FIELDS = [
    "pitch", "start_time", "duration", "velocity",
    "mute", "probability", "velocity_deviation", "release_velocity"
];
var NOTE_DEFAULTS = { velocity: 100, mute: 0, probability: 1, velocity_deviation: 0, release_velocity: 64 };

// Operations' arguments (docs/protocol.md) that the devices send only
// because a later one (qpm) is positional: `feel` 1, the server's default
// (outputs keep the inputs' velocities and timing).
var FEEL = 1;

// The tempo the server takes as `qpm`; 0 leaves it to the server (120).
var MIN_QPM = 20;
var MAX_QPM = 400;
var QPM_UNSET = 0;

// Outlets every device script declares, in this order.
var OUT_OSC = 0;      // to [udpsend]
var OUT_RECEIVE = 1;  // to [udpreceive] ("port N")
var OUT_STATUS = 2;   // to the status [comment] ("set text")
var OUT_UI = 3;       // device-specific feedback

// Colours of what each device creates (Live's clip colour is 0xRRGGBB).
var COLORS = {
    variations: 0x8f62e3,
    interpolate: 0x1aa3e6,
    beat_blender: 0xf2794a,
    latent_loops: 0x3cc68a,
    humanize: 0xe8c547,
    multitrack: 0xe0559b,
    endless: 0x6f8cff
};

function DeviceError(message) {
    this.name = "DeviceError";
    this.message = message;
}
DeviceError.prototype = new Error();
DeviceError.prototype.constructor = DeviceError;

function fail(message) {
    throw new DeviceError(message);
}

function errorText(e) {
    if (e && e.message) {
        return e.message;
    }
    return String(e);
}

function isNumber(v) {
    return typeof v === "number" && isFinite(v);
}

function clamp(v, lo, hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// ---------------------------------------------------------------------------
// Notes

// A note for the wire and for add_new_notes: the eight fields, defaults
// filled in, nothing else (add_new_notes refuses a note_id).
function cleanNote(n) {
    var out = {};
    var i, f, v;
    for (i = 0; i < NOTE_FIELDS.length; i++) {
        f = NOTE_FIELDS[i];
        v = n[f];
        if (v === undefined || v === null) {
            v = NOTE_DEFAULTS[f];
        }
        if (f === "mute") {
            v = v ? 1 : 0;
        }
        if (!isNumber(v)) {
            fail("a note has a bad " + f + ": " + v);
        }
        out[f] = v;
    }
    out.pitch = Math.round(out.pitch);
    return out;
}

function noteArgs(n) {
    return [n.pitch, n.start_time, n.duration, n.velocity, n.mute ? 1 : 0,
        n.probability, n.velocity_deviation, n.release_velocity];
}

function notesFromArgs(args) {
    var notes = [];
    var i;
    if (args.length % NOTE_FIELDS.length !== 0) {
        fail("the server sent " + args.length + " note values, not groups of 8");
    }
    for (i = 0; i < args.length; i += NOTE_FIELDS.length) {
        notes.push({
            pitch: args[i], start_time: args[i + 1], duration: args[i + 2], velocity: args[i + 3],
            mute: args[i + 4] ? 1 : 0, probability: args[i + 5],
            velocity_deviation: args[i + 6], release_velocity: args[i + 7]
        });
    }
    return notes;
}

function parts(notes) {
    var out = [];
    var i;
    for (i = 0; i < notes.length; i += NOTES_PER_PART) {
        out.push(notes.slice(i, i + NOTES_PER_PART));
    }
    return out;
}

// ---------------------------------------------------------------------------
// Messages (arrays [address, args...])

function message(address, replyPort, rid, args) {
    return [address, replyPort, rid].concat(args || []);
}

// The begin/notes/end messages that upload one clip into a slot.
// clip: {length, numerator, denominator, notes, isDrum, program, name}
function clipMessages(replyPort, rid, slot, clip) {
    var ps = parts(clip.notes);
    var out = [];
    var p;
    out.push(message(PREFIX + "/clip/begin", replyPort, rid, [
        slot, clip.length, clip.numerator, clip.denominator, clip.notes.length,
        clip.isDrum ? 1 : 0, clip.program || 0, clip.name || "clip"
    ]));
    for (p = 0; p < ps.length; p++) {
        var args = [slot, p];
        var k;
        for (k = 0; k < ps[p].length; k++) {
            args = args.concat(noteArgs(ps[p][k]));
        }
        out.push(message(PREFIX + "/clip/notes", replyPort, rid, args));
    }
    out.push(message(PREFIX + "/clip/end", replyPort, rid, [slot, ps.length]));
    return out;
}

// ---------------------------------------------------------------------------
// Results: /lb/result/begin|notes|end ... /lb/done, assembled and checked

function Assembly() {
    this.tracks = {};
    this.done = null;
}

Assembly.prototype.add = function (name, args) {
    var key, t;
    if (name === "result/begin") {
        key = args[0] + ":" + args[1];
        this.tracks[key] = {
            output: args[0], track: args[1], length: args[2], numerator: args[3],
            denominator: args[4], count: args[5], parts: args[6], isDrum: !!args[7],
            program: args[8], name: String(args[9] === undefined ? "" : args[9]),
            received: {}, ended: -1
        };
    } else if (name === "result/notes") {
        key = args[0] + ":" + args[1];
        t = this.tracks[key];
        if (!t) {
            fail("result notes for output " + key + " came before its begin");
        }
        t.received[args[2]] = notesFromArgs(args.slice(3));
    } else if (name === "result/end") {
        key = args[0] + ":" + args[1];
        t = this.tracks[key];
        if (!t) {
            fail("result end for output " + key + " came before its begin");
        }
        t.ended = args[2];
    } else if (name === "done") {
        this.done = { outputs: args[0], tracksPerOutput: args[1], seed: args[2], seconds: args[3] };
    } else if (name === "endless/state") {
        this.state = args;  // start section phrase key
    }
};

// Every announced clip with every part, or an error naming what is missing.
Assembly.prototype.finish = function () {
    var d = this.done;
    var outputs = [];
    var o, k, t, p, notes;
    if (!d) {
        fail("the result never finished (no /lb/done)");
    }
    for (o = 0; o < d.outputs; o++) {
        outputs.push([]);
        for (k = 0; k < d.tracksPerOutput; k++) {
            t = this.tracks[o + ":" + k];
            if (!t) {
                fail("result " + (o + 1) + " track " + (k + 1) + " never arrived; nothing was written");
            }
            notes = [];
            for (p = 0; p < t.parts; p++) {
                if (!t.received[p]) {
                    fail("result " + (o + 1) + " lost part " + (p + 1) + " of " + t.parts + "; nothing was written");
                }
                notes = notes.concat(t.received[p]);
            }
            if (notes.length !== t.count || t.ended !== t.parts) {
                fail("result " + (o + 1) + " is incomplete (" + notes.length + " of " + t.count + " notes); nothing was written");
            }
            outputs[o].push({
                length: t.length, numerator: t.numerator, denominator: t.denominator,
                notes: notes, isDrum: t.isDrum, program: t.program, name: t.name
            });
        }
    }
    return { outputs: outputs, seed: d.seed, seconds: d.seconds, state: this.state || null };
};

// ---------------------------------------------------------------------------
// Client: request ids, replies, time-outs

// opts: send(msg), Task, host, port, replyPort, answerMs, workMs
function Client(opts) {
    this.send = opts.send;
    this.Task = opts.Task;
    this.host = opts.host || "127.0.0.1";
    this.port = opts.port || 9000;
    this.replyPort = opts.replyPort;
    this.answerMs = opts.answerMs || 3000;   // first answer to any request
    this.workMs = opts.workMs || 120000;     // between answers once accepted
    this.nextId = 1 + Math.floor(Math.random() * 100000) * 10;
    this.pending = {};
}

Client.prototype.where = function () {
    return this.host + ":" + this.port;
};

// Send a request; handlers: until (reply name that ends a simple call),
// onReply(name, args), onAccepted(args), onProgress(args), onDone(result),
// onError(code, message). Returns the request id.
Client.prototype.request = function (method, args, clips, handlers) {
    var rid = this.nextId;
    var self = this;
    var msgs = [];
    var i, slot;
    this.nextId += 1;
    for (slot = 0; clips && slot < clips.length; slot++) {
        msgs = msgs.concat(clipMessages(this.replyPort, rid, slot, clips[slot]));
    }
    msgs.push(message(PREFIX + "/" + method, this.replyPort, rid, args));
    var entry = { id: rid, method: method, handlers: handlers, assembly: new Assembly(), accepted: false };
    entry.timer = new this.Task(function () {
        self.expire(rid);
    }, this);
    this.pending[rid] = entry;
    this.arm(entry);
    for (i = 0; i < msgs.length; i++) {
        this.send(msgs[i]);
    }
    return rid;
};

Client.prototype.arm = function (entry) {
    entry.timer.cancel();
    entry.timer.schedule(entry.accepted ? this.workMs : this.answerMs);
};

Client.prototype.settle = function (rid) {
    var entry = this.pending[rid];
    if (entry) {
        entry.timer.cancel();
        delete this.pending[rid];
    }
    return entry;
};

Client.prototype.expire = function (rid) {
    var entry = this.settle(rid);
    if (!entry) {
        return;
    }
    var what = entry.accepted ?
        "the server stopped answering at " + this.where() :
        "no answer from the server at " + this.where() + "; start it with: uv run latent-bridge serve";
    if (entry.handlers.onError) {
        entry.handlers.onError("timeout", what);
    }
};

Client.prototype.cancelAll = function () {
    var rid;
    for (rid in this.pending) {
        if (this.pending.hasOwnProperty(rid)) {
            this.settle(rid);
        }
    }
};

Client.prototype.busy = function () {
    var rid;
    for (rid in this.pending) {
        if (this.pending.hasOwnProperty(rid) && this.pending[rid].method.indexOf("op/") === 0) {
            return true;
        }
    }
    return false;
};

// One reply from [udpreceive]: address "/lb/<name>", args starting with the id.
Client.prototype.receive = function (address, args) {
    if (typeof address !== "string" || address.indexOf(PREFIX + "/") !== 0 || !args || !args.length) {
        return false;
    }
    var name = address.substring(PREFIX.length + 1);
    var rid = args[0];
    var entry = this.pending[rid];
    var h, rest, result;
    if (!entry) {
        return false;  // a late reply to a request that timed out or ended
    }
    h = entry.handlers;
    rest = args.slice(1);
    if (name === "error") {
        this.settle(rid);
        if (h.onError) {
            h.onError(String(rest[0]), String(rest[1]));
        }
        return true;
    }
    if (name === "accepted") {
        entry.accepted = true;
    }
    this.arm(entry);
    try {
        if (name.indexOf("result/") === 0 || name === "done" || name === "endless/state") {
            entry.assembly.add(name, rest);
        }
        if (name === "accepted" && h.onAccepted) {
            h.onAccepted(rest);
        } else if (name === "progress" && h.onProgress) {
            h.onProgress(rest);
        } else if (h.onReply) {
            h.onReply(name, rest);
        }
        if (name === "done") {
            this.settle(rid);
            result = entry.assembly.finish();
            if (h.onDone) {
                h.onDone(result);
            }
        } else if (h.until && name === h.until) {
            this.settle(rid);
        }
    } catch (e) {
        this.settle(rid);
        if (h.onError) {
            h.onError("device", errorText(e));
        }
    }
    return true;
};

// ---------------------------------------------------------------------------
// The Live set

function Live(LiveAPI) {
    this.LiveAPI = LiveAPI;
}

Live.prototype.obj = function (path) {
    return new this.LiveAPI(path);
};

Live.prototype.exists = function (api) {
    return api && Number(api.id) !== 0;
};

Live.prototype.byId = function (id) {
    var api = this.obj("id " + id);
    return this.exists(api) ? api : null;
};

function first(value) {
    return (value && value.length !== undefined && typeof value !== "string") ? value[0] : value;
}

Live.prototype.num = function (api, prop) {
    return Number(first(api.get(prop)));
};

Live.prototype.str = function (api, prop) {
    var v = api.get(prop);
    if (v && typeof v !== "string" && v.length !== undefined) {
        return Array.prototype.join.call(v, " ");
    }
    return v === undefined || v === null ? "" : String(v);
};

// The set's tempo as the `qpm` every operation that reads clips ends with:
// the Song's `tempo` (bpm, 20..999 in Live), read now, at each request, so
// a tempo change counts from the next one; clamped to the server's
// 20..400. 0 (the server then plays at 120) when it cannot be read: no
// Song, an error from the Live API, or no number.
Live.prototype.tempo = function () {
    var bpm;
    try {
        bpm = this.num(this.obj("live_set"), "tempo");
    } catch (e) {
        return QPM_UNSET;
    }
    if (!isNumber(bpm) || bpm <= 0) {
        return QPM_UNSET;
    }
    return clamp(bpm, MIN_QPM, MAX_QPM);
};

// The id an object-valued property points to (0: none).
Live.prototype.idOf = function (api, prop) {
    var v = api.get(prop);
    if (v && v.length >= 2 && v[0] === "id") {
        return Number(v[1]);
    }
    return 0;
};

Live.prototype.path = function (api) {
    return String(api.unquotedpath || api.path || "").replace(/"/g, "");
};

// Where a session clip sits: {track, slot} from its path.
Live.prototype.location = function (clipApi) {
    var m = /^live_set tracks (\d+) clip_slots (\d+) clip$/.exec(this.path(clipApi));
    if (!m) {
        fail("pick a clip in Session view (this one is not in a clip slot)");
    }
    return { track: Number(m[1]), slot: Number(m[2]) };
};

Live.prototype.selectedClipId = function () {
    var id = this.idOf(this.obj("live_set view"), "detail_clip");
    if (!id) {
        fail("select a clip first");
    }
    return id;
};

Live.prototype.clip = function (id, what) {
    var api = this.byId(id);
    if (!api) {
        fail((what || "the clip") + " is gone; choose it again");
    }
    if (!this.num(api, "is_midi_clip")) {
        fail((what || "the clip") + " is an audio clip; choose a MIDI clip");
    }
    return api;
};

Live.prototype.track = function (index) {
    return this.obj("live_set tracks " + index);
};

Live.prototype.deviceTrack = function () {
    var m = /^live_set tracks (\d+)/.exec(this.path(this.obj("this_device canonical_parent")));
    if (!m) {
        fail("put this device on a MIDI track");
    }
    return Number(m[1]);
};

// A Drum Rack anywhere in the track's device chain means drums.
Live.prototype.isDrumTrack = function (index) {
    var track = this.track(index);
    var n = track.getcount("devices");
    var i, dev;
    for (i = 0; i < n; i++) {
        dev = this.obj("live_set tracks " + index + " devices " + i);
        if (this.str(dev, "class_name") === "DrumGroupDevice") {
            return true;
        }
    }
    return false;
};

// A clip's notes as the protocol's clip: the loop region, shifted to start at 0.
Live.prototype.readClip = function (api) {
    var loopStart = this.num(api, "loop_start");
    var loopEnd = this.num(api, "loop_end");
    var length = loopEnd - loopStart;
    var raw = api.call("get_notes_extended", 0, 128, loopStart, length);
    var data = typeof raw === "string" ? JSON.parse(raw) : raw;
    var notes = [];
    var i, n, c;
    if (!data || !data.notes) {
        fail("Live returned no note list for the clip");
    }
    for (i = 0; i < data.notes.length; i++) {
        n = data.notes[i];
        if (n.start_time < loopStart || n.start_time >= loopEnd) {
            continue;
        }
        c = cleanNote(n);
        c.start_time = n.start_time - loopStart;
        notes.push(c);
    }
    notes.sort(function (a, b) {
        return a.start_time - b.start_time || a.pitch - b.pitch;
    });
    return {
        length: length,
        numerator: this.num(api, "signature_numerator"),
        denominator: this.num(api, "signature_denominator"),
        notes: notes,
        isDrum: false,
        program: 0,
        name: this.str(api, "name") || "clip"
    };
};

Live.prototype.hasClip = function (track, slot) {
    return !!this.num(this.obj("live_set tracks " + track + " clip_slots " + slot), "has_clip");
};

Live.prototype.sceneCount = function () {
    return this.obj("live_set").getcount("scenes");
};

// `count` empty slots of a track after `after` (top to bottom); scenes are
// added at the end of the set when the track runs out of empty slots.
Live.prototype.emptySlots = function (track, after, count) {
    var out = [];
    var n = this.sceneCount();
    var s;
    for (s = after + 1; s < n && out.length < count; s++) {
        if (!this.hasClip(track, s)) {
            out.push(s);
        }
    }
    while (out.length < count) {
        this.obj("live_set").call("create_scene", -1);
        out.push(this.sceneCount() - 1);
    }
    return out;
};

// The selected scene's index.
Live.prototype.selectedScene = function () {
    var id = this.idOf(this.obj("live_set view"), "selected_scene");
    var m = id ? /^live_set scenes (\d+)$/.exec(this.path(this.obj("id " + id))) : null;
    if (!m) {
        fail("select a scene first");
    }
    return Number(m[1]);
};

// A new, empty scene at `index` (existing scenes move down; no clip is touched).
Live.prototype.createScene = function (index, name, color) {
    this.obj("live_set").call("create_scene", index);
    var scene = this.obj("live_set scenes " + index);
    scene.set("name", name);
    scene.set("color", color);
    return scene;
};

// The MIDI clips of a scene: [{track, id, name}] in track order.
Live.prototype.sceneClips = function (scene) {
    var n = this.obj("live_set").getcount("tracks");
    var out = [];
    var t, api;
    for (t = 0; t < n; t++) {
        if (!this.hasClip(t, scene)) {
            continue;
        }
        api = this.obj("live_set tracks " + t + " clip_slots " + scene + " clip");
        if (this.num(api, "is_midi_clip")) {
            out.push({ track: t, slot: scene, id: Number(api.id), name: this.str(api, "name") || "clip" });
        }
    }
    return out;
};

// Run fn as one undo step where this Live's Song lists begin_undo_step and
// end_undo_step (its LiveAPI info names them); elsewhere each change is
// its own step, as Live records it.
Live.prototype.undoStep = function (fn) {
    var song, info;
    if (this.grouping === undefined) {
        song = this.obj("live_set");
        info = String(song.info || "");
        this.grouping = /function begin_undo_step\b/.test(info) && /function end_undo_step\b/.test(info);
    }
    if (!this.grouping) {
        return fn();
    }
    song = this.obj("live_set");
    song.call("begin_undo_step");
    try {
        return fn();
    } finally {
        song.call("end_undo_step");
    }
};

// A reference to a chosen clip that survives closing the set: where it was
// and what it and its track are called (Live ids change between runs).
Live.prototype.reference = function (chosen) {
    var api = this.byId(chosen.id);
    var m = api ? /^live_set tracks (\d+) clip_slots (\d+) clip$/.exec(this.path(api)) : null;
    if (m) {
        chosen.track = Number(m[1]);
        chosen.slot = Number(m[2]);
        chosen.name = this.str(api, "name") || "clip";
    }
    return {
        track: chosen.track, slot: chosen.slot, name: chosen.name,
        trackName: chosen.trackName !== undefined ? chosen.trackName : this.str(this.track(chosen.track), "name")
    };
};

// The clip a reference names, as a chosen clip {id, track, slot, name,
// trackName}: at its old place if a clip of that name is still there, else
// the one clip of that name on a track of that name (tracks and scenes may
// have moved); null when it is gone or no longer one clip.
Live.prototype.findClip = function (ref) {
    var self = this;
    var tracks = this.obj("live_set").getcount("tracks");
    var scenes = this.sceneCount();
    var found = [];
    var t, s;
    function at(track, slot) {
        if (track < 0 || track >= tracks || slot < 0 || slot >= scenes || !self.hasClip(track, slot)) {
            return null;
        }
        var api = self.obj("live_set tracks " + track + " clip_slots " + slot + " clip");
        if (!self.num(api, "is_midi_clip") || (self.str(api, "name") || "clip") !== ref.name) {
            return null;
        }
        return { id: Number(api.id), track: track, slot: slot, name: ref.name, trackName: self.str(self.track(track), "name") };
    }
    if (!ref || typeof ref.name !== "string") {
        return null;
    }
    var here = at(Number(ref.track), Number(ref.slot));
    if (here && here.trackName === ref.trackName) {
        return here;
    }
    for (t = 0; t < tracks; t++) {
        if (this.str(this.track(t), "name") !== ref.trackName) {
            continue;
        }
        for (s = 0; s < scenes; s++) {
            var c = at(t, s);
            if (c) {
                found.push(c);
            }
        }
    }
    return found.length === 1 ? found[0] : (here || null);
};

function describeRef(ref) {
    return "clip \"" + ref.name + "\" on track \"" + ref.trackName + "\", slot " + (Number(ref.slot) + 1);
}

// Live's note dicts for add_new_notes.
function liveNotes(notes) {
    var out = [];
    var i;
    for (i = 0; i < notes.length; i++) {
        out.push(cleanNote(notes[i]));
    }
    return out;
}

// A new clip in an empty slot; never replaces a clip that is there.
Live.prototype.createClip = function (track, slot, result, name, color) {
    var slotApi = this.obj("live_set tracks " + track + " clip_slots " + slot);
    if (this.num(slotApi, "has_clip")) {
        fail("slot " + (slot + 1) + " of track " + (track + 1) + " is no longer empty; nothing was overwritten");
    }
    var clipPath = "live_set tracks " + track + " clip_slots " + slot + " clip";
    var self = this;
    this.undoStep(function () {
        slotApi.call("create_clip", result.length);
        var clip = self.obj(clipPath);
        clip.set("name", name);
        clip.set("color", color);
        if (result.notes.length) {
            clip.call("add_new_notes", { notes: liveNotes(result.notes) });
        }
    });
    var made = this.obj(clipPath);
    if (!this.exists(made)) {
        fail("Live did not create a clip in slot " + (slot + 1) + " of track " + (track + 1));
    }
    return made;
};

function sameNotes(a, b) {
    var i, k, f;
    if (a.length !== b.length) {
        return false;
    }
    for (i = 0; i < a.length; i++) {
        for (k = 0; k < NOTE_FIELDS.length; k++) {
            f = NOTE_FIELDS[k];
            if (Math.abs(Number(a[i][f]) - Number(b[i][f])) > 1e-6) {
                return false;
            }
        }
    }
    return true;
}

function byTimeThenPitch(a, b) {
    return a.start_time - b.start_time || a.pitch - b.pitch;
}

// Replace every note of a clip the musician chose as the target, as one
// undo step where Live allows; a clip that already holds exactly these
// notes is left alone (no undo step at all). Returns whether it changed.
Live.prototype.replaceNotes = function (clip, result) {
    var loopStart = this.num(clip, "loop_start");
    var loopEnd = this.num(clip, "loop_end");
    var end = Math.max(loopEnd, this.num(clip, "end_marker"), loopStart + result.length) + 1;
    var notes = liveNotes(result.notes);
    var lengthChanges = Math.abs(loopEnd - loopStart - result.length) > 1e-6;
    var i, raw, data, current;
    for (i = 0; i < notes.length; i++) {
        notes[i].start_time += loopStart;
    }
    notes.sort(byTimeThenPitch);
    if (!lengthChanges) {
        raw = clip.call("get_notes_extended", 0, 128, 0, end);
        data = typeof raw === "string" ? JSON.parse(raw) : raw;
        current = [];
        for (i = 0; data && data.notes && i < data.notes.length; i++) {
            current.push(cleanNote(data.notes[i]));
        }
        current.sort(byTimeThenPitch);
        if (sameNotes(current, notes)) {
            return false;
        }
    }
    this.undoStep(function () {
        clip.call("remove_notes_extended", 0, 128, 0, end);
        if (lengthChanges) {
            clip.set("loop_end", loopStart + result.length);
        }
        if (notes.length) {
            clip.call("add_new_notes", { notes: notes });
        }
    });
    return true;
};

// Replace the notes that start in [start, start + span) of a clip by
// `notes` (times from `start`), as one undo step where Live allows: the
// half of a looping clip that Live is not playing (Endless).
Live.prototype.replaceRegion = function (clip, start, span, notes) {
    var moved = liveNotes(notes);
    var i;
    for (i = 0; i < moved.length; i++) {
        moved[i].start_time += start;
        moved[i].duration = Math.min(moved[i].duration, start + span - moved[i].start_time);
    }
    this.undoStep(function () {
        clip.call("remove_notes_extended", 0, 128, start, span);
        if (moved.length) {
            clip.call("add_new_notes", { notes: moved });
        }
    });
};

// ---------------------------------------------------------------------------
// Reply ports: one per device, never shared

// Every [udpreceive] opens the port in its box (9100) when the device loads,
// before its script moves it; the scripts then take ports from 9101..9899,
// which every Latent Bridge device in this Max claims in one table (Max's
// Global object is shared by all js objects), so no two devices listen on
// one port.
var BOOT_PORT = 9100;
var PORT_FIRST = 9101;
var PORT_LAST = 9899;

function Ports(GlobalCtor) {
    this.table = GlobalCtor ? new GlobalCtor("latentbridge_reply_ports") : {};
}

Ports.prototype.owner = function (port) {
    return this.table["p" + port];
};

// A free port for `owner`, never `avoid` (the one it is leaving).
Ports.prototype.claim = function (owner, avoid) {
    var span = PORT_LAST - PORT_FIRST + 1;
    var start = Math.floor(Math.random() * span);
    var i, port;
    for (i = 0; i < span; i++) {
        port = PORT_FIRST + (start + i) % span;
        if (port !== avoid && !this.owner(port)) {
            this.table["p" + port] = owner;
            return port;
        }
    }
    fail("every reply port from " + PORT_FIRST + " to " + PORT_LAST + " is taken by another Latent Bridge device");
    return 0;
};

Ports.prototype.release = function (port, owner) {
    if (port && this.owner(port) === owner) {
        this.table["p" + port] = "";
    }
};

// ---------------------------------------------------------------------------
// Device: status line, pings, one operation at a time

// opts: name, LiveAPI, Task, Global, out(outlet, array), post, host, port, replyPort
function Device(opts) {
    var self = this;
    this.name = opts.name;
    this.Task = opts.Task;
    this.out = opts.out;
    this.post = opts.post || function () {};
    this.live = new Live(opts.LiveAPI);
    this.ports = new Ports(opts.Global);
    this.token = this.name + " " + Math.floor(Math.random() * 1e9);
    this.fixedPort = !!opts.replyPort;  // a port the musician chose (replyport N)
    this.replyPort = opts.replyPort || this.ports.claim(this.token, BOOT_PORT);
    this.client = new Client({
        send: function (m) {
            self.out(OUT_OSC, m);
        },
        Task: opts.Task,
        host: opts.host,
        port: opts.port,
        replyPort: this.replyPort,
        answerMs: opts.answerMs,
        workMs: opts.workMs
    });
    this.lastStatus = "";
    this.statusKind = "server";
    this.server = "unknown";  // "online", "offline"
    this.working = false;
    this.done = 0;       // operations finished and written (or failed to write)
    this.pinger = null;
    this.generation = 0;  // bumped when the server's address or the reply port changes
}

// kind "server": the server's state, which a later ping may refresh;
// anything else: the outcome of what the musician did, which stays up until
// the next action or until the server's state changes.
Device.prototype.status = function (text, kind) {
    this.lastStatus = text;
    this.statusKind = kind || "op";
    this.out(OUT_STATUS, ["set", text]);
};

Device.prototype.serverState = function (state, text) {
    var was = this.server;
    this.server = state;
    if (this.working) {
        return;
    }
    if (this.statusKind === "server" || (was !== "unknown" && was !== state)) {
        this.status(text, "server");
    }
};

// Open the reply port, point [udpsend] at the server, ping it.
Device.prototype.init = function (pingEveryMs) {
    var self = this;
    this.out(OUT_RECEIVE, ["port", this.replyPort]);
    this.out(OUT_OSC, ["host", this.client.host]);
    this.out(OUT_OSC, ["port", this.client.port]);
    this.ping();
    if (pingEveryMs) {
        this.pinger = new this.Task(function () {
            if (!self.working) {
                self.ping();
            }
        }, this);
        this.pinger.interval = pingEveryMs;
        this.pinger.repeat();
    }
};

Device.prototype.dispose = function () {
    if (this.pinger) {
        this.pinger.cancel();
        this.pinger = null;
    }
    this.client.cancelAll();
    this.ports.release(this.replyPort, this.token);
};

// Pings and status requests still out (an operation is left to finish).
Device.prototype.dropPings = function () {
    var rid, entry;
    for (rid in this.client.pending) {
        if (this.client.pending.hasOwnProperty(rid)) {
            entry = this.client.pending[rid];
            if (entry.method === "ping" || entry.method === "status") {
                this.client.settle(rid);
            }
        }
    }
};

Device.prototype.setServer = function (host, port) {
    this.generation += 1;
    this.dropPings();
    if (host) {
        this.client.host = String(host);
        this.out(OUT_OSC, ["host", this.client.host]);
    }
    if (port) {
        this.client.port = Number(port);
        this.out(OUT_OSC, ["port", this.client.port]);
    }
};

// The musician's own reply port (replyport N); it is theirs to keep free.
Device.prototype.setReplyPort = function (port) {
    this.generation += 1;
    this.dropPings();
    this.ports.release(this.replyPort, this.token);
    this.fixedPort = true;
    this.listen(Number(port));
};

Device.prototype.listen = function (port) {
    this.replyPort = port;
    this.client.replyPort = port;
    this.out(OUT_RECEIVE, ["port", port]);
};

// No answer on this port: another program may hold it. The next ping
// listens on a new one (a port the musician chose is kept).
Device.prototype.movePort = function () {
    if (this.fixedPort || this.client.busy()) {
        return;
    }
    var old = this.replyPort;
    var port = this.ports.claim(this.token, old);
    this.ports.release(old, this.token);
    this.generation += 1;
    this.dropPings();
    this.listen(port);
};

Device.prototype.ping = function () {
    var self = this;
    var gen = this.generation;
    function offline(code, msg) {
        if (gen !== self.generation) {
            return;  // an answer about an address or port no longer used
        }
        self.serverState("offline", "error: " + msg);
        if (code === "timeout") {
            self.movePort();
        }
    }
    this.client.request("ping", [], null, {
        until: "pong",
        onReply: function (name, args) {
            if (name !== "pong" || gen !== self.generation) {
                return;
            }
            self.client.request("status", [], null, {
                until: "status",
                onReply: function (n, a) {
                    if (n === "status" && gen === self.generation) {
                        self.serverState("online", "server online at " + self.client.where() +
                            " (protocol " + args[0] + ", " + a[0] + ", " + a[1] +
                            " model(s) loaded, queue " + a[2] + ")");
                    }
                },
                onError: offline
            });
        },
        onError: offline
    });
};

Device.prototype.receive = function (address, args) {
    return this.client.receive(address, args);
};

// Run an operation: op "variations", args after the model, clips to upload,
// then write(result) once the whole result is in. Any error shows in the
// status line and leaves the set as it was.
Device.prototype.run = function (op, args, clips, label, write) {
    var self = this;
    if (this.working) {
        this.status("still working on the last request");
        return false;
    }
    this.working = true;
    this.status(label + ": sending...");
    this.client.request("op/" + op, args, clips, {
        onAccepted: function (a) {
            self.server = "online";
            self.status(label + ": queued for " + a[1] + (a[2] ? " (position " + a[2] + ")" : ""));
        },
        onProgress: function (a) {
            self.status(label + ": " + a[1] + "...");
        },
        onDone: function (result) {
            self.working = false;
            self.server = "online";
            self.done += 1;
            try {
                var text = write(result);
                self.status(text + " (seed " + result.seed + ", " + Math.round(result.seconds * 1000) + " ms)");
            } catch (e) {
                self.status("error: " + errorText(e));
            }
        },
        onError: function (code, msg) {
            self.working = false;
            self.server = code === "timeout" ? "offline" : "online";
            self.status("error: " + msg);
        }
    });
    return true;
};

// Call fn; a DeviceError (or any error) shows in the status line.
Device.prototype.guard = function (fn) {
    try {
        return fn();
    } catch (e) {
        this.status("error: " + errorText(e));
        return undefined;
    }
};

// "auto" follows the track (a Drum Rack means drums), else the musician's choice.
Device.prototype.role = function (kind, track) {
    if (kind === 1 || kind === "drums") {
        return "drums";
    }
    if (kind === 2 || kind === "melody") {
        return "melody";
    }
    return this.live.isDrumTrack(track) ? "drums" : "melody";
};

// Remember a chosen clip by id, with its name for the status line.
Device.prototype.pick = function (what) {
    var id = this.live.selectedClipId();
    var api = this.live.clip(id, "the selected clip");
    var loc = this.live.location(api);
    return {
        id: id, track: loc.track, slot: loc.slot, name: this.live.str(api, "name") || "clip",
        trackName: this.live.str(this.live.track(loc.track), "name")
    };
};

// Re-read a chosen clip (it may have been edited or moved since).
Device.prototype.read = function (chosen, what, isDrum) {
    if (!chosen) {
        fail("choose " + what + " first");
    }
    var api = this.live.clip(chosen.id, what);
    var loc = this.live.location(api);
    var clip = this.live.readClip(api);
    chosen.track = loc.track;
    chosen.slot = loc.slot;
    clip.isDrum = !!isDrum;
    return clip;
};

// A scene's MIDI clips (at most 8, each a drum clip where its track has a
// Drum Rack): {sources: [{track, slot, id, name}], clips: [clip]}.
Device.prototype.readScene = function (scene, what) {
    var sources = this.live.sceneClips(scene);
    var clips = [];
    var i;
    if (!sources.length) {
        fail(what + " has no MIDI clips");
    }
    if (sources.length > 8) {
        fail("a scene of at most 8 MIDI clips, please (" + what + " has " + sources.length + ")");
    }
    for (i = 0; i < sources.length; i++) {
        clips.push(this.read(sources[i], "the clip on track " + (sources[i].track + 1),
            this.live.isDrumTrack(sources[i].track)));
    }
    return { sources: sources, clips: clips };
};

// The selected scene, chosen: {scene, id, name}.
Device.prototype.pickScene = function () {
    var index = this.live.selectedScene();
    var api = this.live.obj("live_set scenes " + index);
    return { scene: index, id: Number(api.id), name: this.live.str(api, "name") || ("scene " + (index + 1)) };
};

// Where a chosen scene is now (scenes may have moved); fails when it is gone.
Device.prototype.sceneOf = function (chosen) {
    var m = /scenes (\d+)$/.exec(this.live.path(this.live.obj("id " + chosen.id)));
    if (!m) {
        fail("scene " + chosen.name + " is gone; choose it again");
    }
    chosen.scene = Number(m[1]);
    return chosen.scene;
};

// A chosen clip or scene as saved with the set (null stays null); a scene
// is kept by its place and name.
Device.prototype.keep = function (chosen) {
    if (!chosen) {
        return null;
    }
    return chosen.scene !== undefined ? { scene: this.sceneOf(chosen), name: chosen.name } : this.reference(chosen);
};

// A saved clip or scene found again: a scene at its old place if it still
// has that name, else the first scene of that name; null (and `what` in
// `lost`) when it is gone.
Device.prototype.findKept = function (ref, what, lost) {
    var n, s, at;
    if (!ref || ref.scene === undefined) {
        return this.findAgain(ref, what, lost);
    }
    n = this.live.sceneCount();
    for (s = -1; s < n; s++) {  // its old place first, then any scene of that name
        at = s < 0 ? Number(ref.scene) : s;
        if (at >= 0 && at < n && this.live.str(this.live.obj("live_set scenes " + at), "name") === ref.name) {
            return { scene: at, id: Number(this.live.obj("live_set scenes " + at).id), name: ref.name };
        }
    }
    lost.push(what + " (scene \"" + ref.name + "\")");
    return null;
};

// The first scene's MIDI clips and, on the same tracks, each other scene's
// (an empty clip of the same length where it has none), scene by scene:
// {sources: the first scene's [{track, slot, id, name}], clips}.
Device.prototype.readScenes = function (scenes, names) {
    var read = this.readScene(scenes[0], names[0]);
    var clips = read.clips.slice();
    var i, k, t, api;
    for (k = 1; k < scenes.length; k++) {
        for (i = 0; i < read.sources.length; i++) {
            t = read.sources[i].track;
            if (this.live.hasClip(t, scenes[k])) {
                api = this.live.obj("live_set tracks " + t + " clip_slots " + scenes[k] + " clip");
                clips.push(this.read({ id: Number(api.id) }, names[k] + "'s clip on track " + (t + 1),
                    this.live.isDrumTrack(t)));
            } else {
                clips.push({ length: read.clips[i].length, numerator: 4, denominator: 4, notes: [],
                    isDrum: read.clips[i].isDrum, program: 0, name: "" });
            }
        }
    }
    return { sources: read.sources, clips: clips };
};

// A new scene at `index` holding one clip per source track.
Device.prototype.writeScene = function (index, name, sources, clips, color) {
    var k;
    this.live.createScene(index, name, color);
    for (k = 0; k < sources.length && k < clips.length; k++) {
        this.relocate(sources[k]);
        this.live.createClip(sources[k].track, index, clips[k], name, color);
    }
};

// Where a chosen clip is now (tracks and scenes may have moved).
Device.prototype.relocate = function (chosen) {
    var api = this.live.byId(chosen.id);
    var m = api ? /^live_set tracks (\d+) clip_slots (\d+) clip$/.exec(this.live.path(api)) : null;
    if (m) {
        chosen.track = Number(m[1]);
        chosen.slot = Number(m[2]);
    }
    return chosen;
};

// Write results into empty slots of a track, below `after`.
Device.prototype.writeBelow = function (track, after, results, color) {
    var slots = this.live.emptySlots(track, after, results.length);
    var i;
    for (i = 0; i < results.length; i++) {
        this.live.createClip(track, slots[i], results[i], results[i].name, color);
    }
    return slots;
};

// ---------------------------------------------------------------------------
// Memory: what a device keeps with the Live set
//
// A device's [js] box has a scripting name, and a [pattr] bound to it is a
// Stored Only blob parameter, so Live saves its value with the set. Max
// asks the script for the value (getvalueof) when the script calls
// notifyclients(), and hands it back (setvalueof) as the set opens, before
// live.thisdevice says the Live API is ready. The value is one JSON string;
// chosen clips are kept as references (where they were, what they and
// their tracks are called), never as Live ids, which change between runs.
var STATE_VERSION = 1;

function encodeState(obj) {
    obj.v = STATE_VERSION;
    return JSON.stringify(obj);
}

// The saved object, or null for nothing saved; throws on a value this
// version cannot read.
function decodeState(value) {
    var text = value === undefined || value === null ? "" : String(value);
    var obj;
    if (!text || text === "0") {
        return null;
    }
    try {
        obj = JSON.parse(text);
    } catch (e) {
        fail("the state saved with the set is damaged (" + errorText(e) + "); choose the clips again");
    }
    if (!obj || typeof obj !== "object" || obj.v !== STATE_VERSION) {
        fail("the state saved with the set is from another version of this device; choose the clips again");
    }
    return obj;
}

function round4(v) {
    return Math.round(v * 10000) / 10000;
}

// A result clip in a few numbers: [length, numerator, denominator, notes]
// with each note [pitch, start, duration, velocity] and, where they are not
// Live's defaults, mute, probability, velocity deviation, release velocity.
function packClip(clip) {
    var notes = [];
    var i, n, row;
    for (i = 0; i < clip.notes.length; i++) {
        n = cleanNote(clip.notes[i]);
        row = [n.pitch, round4(n.start_time), round4(n.duration), round4(n.velocity)];
        if (n.mute || n.probability !== 1 || n.velocity_deviation || n.release_velocity !== 64) {
            row.push(n.mute, round4(n.probability), round4(n.velocity_deviation), round4(n.release_velocity));
        }
        notes.push(row);
    }
    return [clip.length, clip.numerator, clip.denominator, notes, clip.name || ""];
}

function unpackClip(data) {
    var notes = [];
    var i, r;
    if (!data || data.length < 4 || !isNumber(data[0]) || !(data[0] > 0) || !data[3] || data[3].length === undefined) {
        fail("a clip saved with the set is damaged");
    }
    for (i = 0; i < data[3].length; i++) {
        r = data[3][i];
        notes.push(cleanNote({
            pitch: r[0], start_time: r[1], duration: r[2], velocity: r[3],
            mute: r.length > 4 ? r[4] : 0, probability: r.length > 4 ? r[5] : 1,
            velocity_deviation: r.length > 4 ? r[6] : 0, release_velocity: r.length > 4 ? r[7] : 64
        }));
    }
    return { length: data[0], numerator: data[1], denominator: data[2], notes: notes, isDrum: false, program: 0, name: data[4] || "" };
}

// A chosen clip as saved (null stays null).
Device.prototype.reference = function (chosen) {
    return chosen ? this.live.reference(chosen) : null;
};

// A saved reference found again in the set, or null; what could not be
// found is added to `lost` in words.
Device.prototype.findAgain = function (ref, what, lost) {
    if (!ref) {
        return null;
    }
    var found = this.live.findClip(ref);
    if (!found) {
        lost.push(what + " (" + describeRef(ref) + ")");
    }
    return found;
};

// Saved corners (clips or scenes) found again: [4 chosen or null]; each one found
// is shown with show(k, chosen), and counted in `kept`.
Device.prototype.findCorners = function (refs, lost, kept, show) {
    var out = [];
    var k, n = 0;
    for (k = 0; k < 4; k++) {
        out.push(this.findKept(refs ? refs[k] : null, "the " + cornerLabel(k) + " corner", lost));
        if (out[k]) {
            n += 1;
            show(k, out[k]);
        }
    }
    if (n) {
        kept.push(n + " corner" + (n > 1 ? "s" : ""));
    }
    return out;
};

// The status after the set was opened: what came back, what is gone.
Device.prototype.reopened = function (kept, lost) {
    var text = kept.length ? "reopened with " + kept.join(", ") : "reopened";
    if (lost.length) {
        text += "; gone from the set: " + lost.join("; ") + ": choose " + (lost.length > 1 ? "them" : "it") + " again";
    }
    this.status(text);
};

// A device's side of its bound [pattr], the same for every device that
// remembers: opts.save() gives the state to keep (an object),
// opts.load(state, lost, kept) applies a saved one once the device is up,
// opts.notify() is the script's notifyclients. The device script's
// getvalueof and setvalueof call value() and receive(); init calls ready().
function Memory(opts) {
    this.opts = opts;
    this.pending = null;  // the state the set was saved with, until the device is up
    this.saved = "";      // the state as last handed to [pattr]
}

Memory.prototype.value = function (dev) {
    if (dev && this.pending === null) {
        this.saved = encodeState(this.opts.save());
    }
    return this.saved;
};

Memory.prototype.receive = function (value, dev) {
    this.pending = value;
    this.saved = String(value);
    if (dev) {
        this.restore(dev);
    }
};

Memory.prototype.ready = function (dev) {
    if (this.pending !== null) {
        this.restore(dev);
    }
};

// Something worth keeping changed: [pattr] asks for the value again.
Memory.prototype.changed = function (dev) {
    if (dev) {
        this.opts.notify();
    }
};

Memory.prototype.restore = function (dev) {
    var self = this;
    var text = this.pending;
    this.pending = null;
    dev.guard(function () {
        var state = decodeState(text);
        var lost = [];
        var kept = [];
        if (state) {
            self.opts.load(state, lost, kept);
            dev.reopened(kept, lost);
        }
    });
    this.changed(dev);
};

function cornerLabel(i) {
    return ["top-left", "top-right", "bottom-left", "bottom-right"][i];
}

// The [js] object's side of a device, the same for every device: on init it
// disposes of the last Device and makes a new one (the server from the js
// box's arguments, the reply port the patcher chose), and it forwards server,
// replyport, ping, replies and deletion. Max sends a message to the device
// script's own function of that name, so each device keeps one-line
// functions that call these. `options`: name, LiveAPI, Task, post, out, and
// args (a function returning jsarguments, read at init).
function Glue(options) {
    this.options = options;
    this.dev = null;
    this.replyPort = 0;
}

Glue.prototype.init = function (pingMs) {
    var o = this.options;
    var args = o.args();
    if (this.dev) {
        this.dev.dispose();
    }
    this.dev = new Device({
        name: o.name,
        LiveAPI: o.LiveAPI,
        Task: o.Task,
        Global: o.Global,
        post: o.post,
        out: o.out,
        host: args[1],
        port: args[2],
        replyPort: this.replyPort
    });
    this.dev.init(pingMs === undefined ? 5000 : pingMs);
    return this.dev;
};

Glue.prototype.server = function (host, port) {
    if (this.dev) {
        this.dev.setServer(host, port);
        this.dev.ping();
    }
};

Glue.prototype.replyport = function (p) {
    this.replyPort = p;
    if (this.dev) {
        this.dev.setReplyPort(p);
    }
};

Glue.prototype.ping = function () {
    if (this.dev) {
        this.dev.ping();
    }
};

// A reply from [udpreceive]: "/lb/<reply> id args...".
Glue.prototype.receive = function (name, args) {
    if (this.dev) {
        this.dev.receive(name, args);
    }
};

Glue.prototype.dispose = function () {
    if (this.dev) {
        this.dev.dispose();
    }
};

exports.PREFIX = PREFIX;
exports.NOTES_PER_PART = NOTES_PER_PART;
exports.NOTE_FIELDS = NOTE_FIELDS;
exports.OUT_OSC = OUT_OSC;
exports.OUT_RECEIVE = OUT_RECEIVE;
exports.OUT_STATUS = OUT_STATUS;
exports.OUT_UI = OUT_UI;
exports.COLORS = COLORS;
exports.DeviceError = DeviceError;
exports.fail = fail;
exports.errorText = errorText;
exports.clamp = clamp;
exports.FEEL = FEEL;
exports.MIN_QPM = MIN_QPM;
exports.MAX_QPM = MAX_QPM;
exports.QPM_UNSET = QPM_UNSET;
exports.cleanNote = cleanNote;
exports.noteArgs = noteArgs;
exports.notesFromArgs = notesFromArgs;
exports.parts = parts;
exports.clipMessages = clipMessages;
exports.Assembly = Assembly;
exports.Client = Client;
exports.Live = Live;
exports.Device = Device;
exports.Glue = Glue;
exports.cornerLabel = cornerLabel;
exports.Memory = Memory;
exports.encodeState = encodeState;
exports.decodeState = decodeState;
exports.packClip = packClip;
exports.unpackClip = unpackClip;
exports.Ports = Ports;
exports.PORT_FIRST = PORT_FIRST;
exports.PORT_LAST = PORT_LAST;

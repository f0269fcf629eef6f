// Latent Bridge Beat Blender: four corner drum clips and an XY pad. The
// pattern at (X, Y), blended in the drum model's latent space, is written
// into a target clip. X and Y are Live parameters: automate them and the
// beat morphs over an arrangement. While the set plays, a new pattern lands
// at the next bar boundary, never in the middle of a bar.
//
// [js beat_blender.js HOST PORT]; messages: init, corner 0..3 (take the
// selected clip as top-left, top-right, bottom-left, bottom-right), target
// (take the selected clip as the target), x, y (0..1), render,
// temperature, seed (a fixed seed by default, so a position always gives
// the same beat), server HOST PORT, ping. The corners and the target are
// saved with the set (getvalueof/setvalueof, through the bound [pattr]),
// so saved X/Y automation plays on after the set is reopened.

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Beat Blender",
    LiveAPI: LiveAPI,
    Task: Task,
    Global: Global,
    post: post,
    out: function (n, list) {
        outlet(n, list);
    },
    args: function () {
        return jsarguments;
    }
});
var dev = null;
var params = { temperature: 0.5, seed: 1 };
var corners = [null, null, null, null];
var targetClip = null;       // {id, track, slot, name}: where blends are written
var xy = { x: 0.5, y: 0.5 };
var rendered = null;         // the (x, y) of the last request
var again = false;           // X or Y moved while a blend was running
var pending = null;          // a blend waiting for the next bar
var pendingBar = -1;
var watcher = null;
var LOOKAHEAD = 0.125;       // beats before the bar line at which to write
var memory = new lb.Memory({
    save: function () {
        return {
            corners: [dev.reference(corners[0]), dev.reference(corners[1]),
                dev.reference(corners[2]), dev.reference(corners[3])],
            target: dev.reference(targetClip)
        };
    },
    load: function (state, lost, kept) {
        corners = dev.findCorners(state.corners, lost, kept, function (k, c) {
            outlet(lb.OUT_UI, ["corner", k, c.name]);
        });
        targetClip = dev.findAgain(state.target, "the target", lost);
        if (targetClip) {
            kept.push("target " + targetClip.name);
            outlet(lb.OUT_UI, ["target", targetClip.name]);
        }
    },
    notify: function () {
        notifyclients();
    }
});

function init(pingMs) {
    dev = glue.init(pingMs);
    watcher = new Task(watch, this);
    watcher.interval = 20;
    memory.ready(dev);
}

// [pattr] asks for the state to save with the set, and hands it back as the set opens.
function getvalueof() {
    return memory.value(dev);
}

function setvalueof(value) {
    memory.receive(value, dev);
}

function corner(i) {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var k = Math.round(i);
        if (k < 0 || k > 3) {
            lb.fail("corner must be 0..3");
        }
        var picked = dev.pick();
        if (targetClip && targetClip.id === picked.id) {
            lb.fail(picked.name + " is the target, which each blend overwrites: choose another clip as a corner");
        }
        corners[k] = picked;
        dev.status(lb.cornerLabel(k) + ": " + corners[k].name);
        outlet(lb.OUT_UI, ["corner", k, corners[k].name]);
        memory.changed(dev);
        changed();
    });
}

function target() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var picked = dev.pick();
        for (var k = 0; k < 4; k++) {
            if (corners[k] && corners[k].id === picked.id) {
                lb.fail(picked.name + " is the " + lb.cornerLabel(k) +
                    " corner: a target is overwritten at each blend, so choose an empty or spare clip");
            }
        }
        targetClip = picked;
        dev.status("target: " + targetClip.name);
        outlet(lb.OUT_UI, ["target", targetClip.name]);
        memory.changed(dev);
    });
}

function x(v) {
    xy.x = lb.clamp(v, 0, 1);
    changed();
}

function y(v) {
    xy.y = lb.clamp(v, 0, 1);
    changed();
}

function ready() {
    return corners[0] && corners[1] && corners[2] && corners[3];
}
ready.local = 1;

// X or Y moved, or a corner changed: blend again (one request at a time).
function changed() {
    if (!dev || !ready()) {
        return;
    }
    if (dev.working) {
        again = true;
        return;
    }
    render();
}
changed.local = 1;

function render() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var clips = [];
        var i;
        if (!ready()) {
            lb.fail("choose all four corners first (select a clip, then press its corner)");
        }
        for (i = 0; i < 4; i++) {
            clips.push(dev.read(corners[i], "the " + lb.cornerLabel(i) + " corner", true));
        }
        rendered = { x: xy.x, y: xy.y };
        again = false;
        // After the settings: feel, tracks (1: clips, not scenes), and the set's tempo (qpm), read now.
        var started = dev.run("blend", ["drums", rendered.x, rendered.y, params.temperature, params.seed,
            lb.FEEL, 1, dev.live.tempo()],
            clips, "blend", function (result) {
                var out = result.outputs[0][0];
                var where = "x " + rendered.x.toFixed(2) + ", y " + rendered.y.toFixed(2);
                followUp();
                if (playing()) {
                    pending = out;
                    pendingBar = bar().index;
                    watcher.repeat();
                    return "blend at " + where + " lands at the next bar";
                }
                return "blend at " + where + (write(out) ? " written to " : " is already in ") + targetClip.name;
            });
        if (!started) {
            again = true;
        }
    });
}

// A move that came in while blending asks for one more blend.
function followUp() {
    if (again && (rendered.x !== xy.x || rendered.y !== xy.y)) {
        var t = new Task(changed, this);
        t.schedule(0);
    }
    again = false;
}
followUp.local = 1;

function playing() {
    return !!dev.live.num(dev.live.obj("live_set"), "is_playing");
}
playing.local = 1;

function bar() {
    var song = dev.live.obj("live_set");
    var beats = dev.live.num(song, "signature_numerator") * 4 / dev.live.num(song, "signature_denominator");
    var t = dev.live.num(song, "current_song_time");
    var index = Math.floor(t / beats);
    return { index: index, left: (index + 1) * beats - t };
}
bar.local = 1;

// Runs every 20 ms while a blend waits: write it just before the bar line
// (or at once if the bar already turned, or the transport stopped).
function watch() {
    if (!pending) {
        watcher.cancel();
        return;
    }
    var b = bar();
    if (!playing() || b.index !== pendingBar || b.left <= LOOKAHEAD) {
        var out = pending;
        pending = null;
        watcher.cancel();
        dev.guard(function () {
            var where = "blend at x " + rendered.x.toFixed(2) + ", y " + rendered.y.toFixed(2);
            dev.status(write(out) ? where + " written to " + targetClip.name + " at bar " + (b.index + 1) :
                where + " is already in " + targetClip.name);
        });
    }
}
watch.local = 1;

// Into the chosen target; without one, a new clip in the first empty slot
// of this device's track becomes the target. False when the target already
// held this pattern (nothing written, no undo step).
function write(out) {
    var api = targetClip ? dev.live.byId(targetClip.id) : null;
    if (targetClip && !api) {
        lb.fail("the target clip is gone; choose a target again");
    }
    if (!api) {
        var track = dev.live.deviceTrack();
        var slot = dev.live.emptySlots(track, -1, 1)[0];
        api = dev.live.createClip(track, slot, out, "Beat Blender", lb.COLORS.beat_blender);
        targetClip = {
            id: Number(api.id), track: track, slot: slot, name: "Beat Blender",
            trackName: dev.live.str(dev.live.track(track), "name")
        };
        outlet(lb.OUT_UI, ["target", targetClip.name]);
        memory.changed(dev);
        return true;
    }
    return dev.live.replaceNotes(api, out);
}
write.local = 1;

function temperature(v) {
    params.temperature = lb.clamp(v, 0.01, 5);
}

function seed(v) {
    params.seed = Math.round(v);
}

function server(host, port) {
    glue.server(host, port);
}

function replyport(p) {
    glue.replyport(p);
}

function ping() {
    glue.ping();
}

// Replies from [udpreceive]: "/lb/<reply> id args...".
function anything() {
    glue.receive(messagename, arrayfromargs(arguments));
}

function notifydeleted() {
    if (watcher) {
        watcher.cancel();
    }
    glue.dispose();
}

// Latent Bridge Endless: music that never stops, written into Live ahead of
// the playhead. Each part (the tracks named Drums, Bass, Lead and Keys) gets
// a looping clip of two halves of 4 bars in one scene. While Live plays one
// half, the next 4 bars of the server's endless stream (/lb/op/endless) are
// written into the other, so the music follows Live's tempo and transport.
// If the next bars are not there when Live comes back to a half, that half
// plays again (never silence) and the status line says so.
//
// [js endless.js HOST PORT]; messages: init, play (1 starts or continues,
// 0 stops the clips), pace, density (0..1, Live parameters: automate them;
// they turn the stream from its next bars), part NAME 0|1 (a part's notes
// on or off from the next half), seed (-1: a new stream on the next start),
// restart (from bar 1 on the next start), server HOST PORT, ping. The seed,
// the next bar and the clips are saved with the set (getvalueof and
// setvalueof, through the bound [pattr]): reopened, Play goes on where the
// music stopped.

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Endless",
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
var PARTS = ["drums", "bass", "lead", "keys"];
var HINTS = {
    drums: ["drum", "beat", "kit"],
    bass: ["bass"],
    lead: ["lead", "melody", "synth"],
    keys: ["keys", "piano", "chord"]
};
var HALF_BARS = 4;
var HALF = HALF_BARS * 4;    // beats
var dev = null;
var params = { pace: 0.5, density: 0.6, seed: -1 };
var muted = {};              // part name -> true while its notes are off
var stream = null;           // {parts, clips: [chosen per part], seed, nextBar, key}
var running = false;
var playingHalf = -1;
var held = [0, HALF_BARS];   // the stream bar each half starts with
var fresh = [false, false];  // a half holds bars not played yet
var asking = false;          // a request for the next bars is out
var ready = null;            // next bars that came while Live was in their half
var watcher = null;
var memory = new lb.Memory({
    save: function () {
        var refs = [];
        var i;
        for (i = 0; stream && i < stream.clips.length; i++) {
            refs.push(dev.reference(stream.clips[i]));
        }
        return stream ? {
            parts: stream.parts, clips: refs, seed: stream.seed, nextBar: stream.nextBar, key: stream.key
        } : {};
    },
    load: function (state, lost, kept) {
        var clips = [];
        var i;
        if (!state.parts || !state.clips) {
            return;
        }
        for (i = 0; i < state.parts.length; i++) {
            clips.push(dev.findAgain(state.clips[i], "the " + state.parts[i] + " clip", lost));
        }
        stream = {
            parts: state.parts, clips: clips, seed: Number(state.seed),
            nextBar: Number(state.nextBar) || 0, key: state.key || ""
        };
        kept.push("seed " + stream.seed + ", next bar " + (stream.nextBar + 1));
        outlet(lb.OUT_UI, ["seed", stream.seed]);
    },
    notify: function () {
        notifyclients();
    }
});

function init(pingMs) {
    dev = glue.init(pingMs);
    watcher = new Task(watch, this);
    watcher.interval = 50;
    memory.ready(dev);
}

function getvalueof() {
    return memory.value(dev);
}

function setvalueof(value) {
    memory.receive(value, dev);
}

// The track of each part: the first not yet taken whose name says it.
function partTracks() {
    var n = dev.live.obj("live_set").getcount("tracks");
    var found = { parts: [], tracks: [] };
    var taken = {};
    var p, t, h, name;
    for (p = 0; p < PARTS.length; p++) {
        for (t = 0; t < n; t++) {
            name = dev.live.str(dev.live.track(t), "name").toLowerCase();
            for (h = 0; !taken[t] && h < HINTS[PARTS[p]].length; h++) {
                if (name.indexOf(HINTS[PARTS[p]][h]) >= 0) {
                    found.parts.push(PARTS[p]);
                    found.tracks.push(t);
                    taken[t] = true;
                    t = n;
                    break;
                }
            }
        }
    }
    if (!found.parts.length) {
        lb.fail("name MIDI tracks Drums, Bass, Lead or Keys: each plays that part");
    }
    return found;
}
partTracks.local = 1;

// The first scene where every part's track is empty (a new one at the end if none).
function freeRow(tracks) {
    var scenes = dev.live.sceneCount();
    var s, i, free;
    for (s = 0; s < scenes; s++) {
        free = true;
        for (i = 0; i < tracks.length; i++) {
            if (dev.live.hasClip(tracks[i], s)) {
                free = false;
                break;
            }
        }
        if (free) {
            return s;
        }
    }
    dev.live.obj("live_set").call("create_scene", -1);
    return dev.live.sceneCount() - 1;
}
freeRow.local = 1;

function clipsThere() {
    var i;
    if (!stream || !stream.clips.length) {
        return false;
    }
    for (i = 0; i < stream.clips.length; i++) {
        if (!stream.clips[i] || !dev.live.byId(stream.clips[i].id)) {
            return false;
        }
    }
    return true;
}
clipsThere.local = 1;

// Each request carries the set's tempo (qpm) as it is now: a tempo change
// plays from the next bars asked for.
function ask(start, count, done) {
    var args = ["drums", start, count, stream.seed, params.pace, params.density, "",
        stream.parts.join(","), "melody", "", dev.live.tempo()];
    asking = true;
    var sent = dev.run("endless", args, [], "bars " + (start + 1) + "-" + (start + count), function (result) {
        asking = false;
        stream.seed = result.seed;
        if (result.state) {
            stream.key = String(result.state[4]);
        }
        outlet(lb.OUT_UI, ["seed", result.seed]);
        return done(result.outputs[0]);
    });
    if (!sent) {
        asking = false;
    }
}
ask.local = 1;

// A part's notes of a result, or none while the part is off.
function notesOf(tracks, i) {
    return muted[stream.parts[i]] ? [] : tracks[i].notes;
}
notesOf.local = 1;

function play(on) {
    if (!dev) {
        return;
    }
    if (!on) {
        stop();
        return;
    }
    dev.guard(function () {
        if (running) {
            return;
        }
        if (clipsThere()) {
            start();
            return;
        }
        var found = partTracks();
        var from = stream && stream.parts.join(",") === found.parts.join(",") ? stream.nextBar : 0;
        stream = {
            parts: found.parts, clips: [], seed: stream && from ? stream.seed : params.seed,
            nextBar: from, key: ""
        };
        ask(from, 2 * HALF_BARS, function (tracks) {
            var row = freeRow(found.tracks);
            var i, api, name;
            for (i = 0; i < found.parts.length; i++) {
                name = "Endless " + found.parts[i];
                api = dev.live.createClip(found.tracks[i], row,
                    { length: 2 * HALF, notes: notesOf(tracks, i) }, name, lb.COLORS.endless);
                stream.clips.push({
                    id: Number(api.id), track: found.tracks[i], slot: row, name: name,
                    trackName: dev.live.str(dev.live.track(found.tracks[i]), "name")
                });
            }
            stream.nextBar = from + 2 * HALF_BARS;
            memory.changed(dev);
            start();
            return "bars " + (from + 1) + "-" + stream.nextBar + " in scene " + (row + 1) +
                " (" + stream.parts.join(", ") + "), key " + stream.key;
        });
    });
}

// Launch the clips (at Live's launch quantization) and follow their playhead.
function start() {
    var i;
    held = [stream.nextBar - 2 * HALF_BARS, stream.nextBar - HALF_BARS];
    fresh = [true, true];
    playingHalf = -1;
    ready = null;
    for (i = 0; i < stream.clips.length; i++) {
        dev.live.byId(stream.clips[i].id).call("fire");
    }
    running = true;
    watcher.repeat();
}
start.local = 1;

function stop() {
    var i, api;
    running = false;
    if (watcher) {
        watcher.cancel();
    }
    for (i = 0; stream && i < stream.clips.length; i++) {
        api = stream.clips[i] ? dev.live.byId(stream.clips[i].id) : null;
        if (api) {
            api.call("stop");
        }
    }
    if (dev && stream) {
        dev.status("stopped at bar " + (held[Math.max(playingHalf, 0)] + 1) + "; Play goes on from bar " +
            (stream.nextBar + 1));
        memory.changed(dev);
    }
}
stop.local = 1;

function halfPlaying() {
    var api = dev.live.byId(stream.clips[0].id);
    if (!api) {
        lb.fail("the Endless clips are gone; press Play to start again");
    }
    return {
        at: Math.floor(dev.live.num(api, "playing_position") / HALF) % 2,
        position: dev.live.num(api, "playing_position"),
        on: !!dev.live.num(api, "is_playing")
    };
}
halfPlaying.local = 1;

// Every 50 ms while running: note when Live moves to the other half, and
// fill the half it is not playing with the next bars.
function watch() {
    if (!running) {
        watcher.cancel();
        return;
    }
    dev.guard(function () {
        var now = halfPlaying();
        var other;
        if (!now.on) {
            return;
        }
        if (now.at !== playingHalf && (playingHalf >= 0 || now.position > 0)) {
            if (!fresh[now.at]) {
                dev.status("the next bars were late: bars " + (held[now.at] + 1) + "-" +
                    (held[now.at] + HALF_BARS) + " play again");
            } else {
                dev.status("bar " + (held[now.at] + 1) + ", key " + stream.key);
            }
            fresh[now.at] = false;
            playingHalf = now.at;
        }
        if (playingHalf < 0) {
            return;
        }
        other = 1 - playingHalf;
        if (fresh[other]) {
            return;
        }
        if (ready) {
            fill(other, ready);
        } else if (!asking && !dev.working) {
            ask(stream.nextBar, HALF_BARS, function (tracks) {
                ready = { start: stream.nextBar, tracks: tracks };
                stream.nextBar += HALF_BARS;
                memory.changed(dev);
                var h = halfPlaying();
                if (h.at === 1 - other) {
                    fill(other, ready);
                    return "bars " + (held[other] + 1) + "-" + (held[other] + HALF_BARS) + " ready";
                }
                return "bars " + (ready.start + 1) + "-" + (ready.start + HALF_BARS) + " wait for a half";
            });
        }
    });
}
watch.local = 1;

// The next bars into half `h` of every part's clip, while Live plays the other.
function fill(h, next) {
    var i, api;
    for (i = 0; i < stream.clips.length; i++) {
        api = dev.live.byId(stream.clips[i].id);
        if (api) {
            dev.live.replaceRegion(api, h * HALF, HALF, notesOf(next.tracks, i));
        }
    }
    held[h] = next.start;
    fresh[h] = true;
    ready = null;
}
fill.local = 1;

function part(name, on) {
    muted[String(name)] = !on;
}

function pace(v) {
    params.pace = lb.clamp(v, 0, 1);
}

function density(v) {
    params.density = lb.clamp(v, 0, 1);
}

function seed(v) {
    params.seed = Math.round(v);
}

function restart() {
    if (running) {
        stop();
    }
    if (stream) {
        stream.nextBar = 0;
        stream.clips = [];
        stream.seed = params.seed;
    }
    if (dev) {
        dev.status("the next Play starts a new stream at bar 1 in a free scene");
        memory.changed(dev);
    }
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

function anything() {
    glue.receive(messagename, arrayfromargs(arguments));
}

function notifydeleted() {
    running = false;
    if (watcher) {
        watcher.cancel();
    }
    glue.dispose();
}

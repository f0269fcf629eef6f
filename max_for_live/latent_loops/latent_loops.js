// Latent Bridge Latent Loops: four corner melody clips -> a grid of loops
// between them (in the melody model's latent space). Click cells to put
// them, in the order clicked, into the next empty slots of this device's
// track: a row of clips to play one after another. Print writes the whole
// timeline as one long clip.
//
// With Scenes on, the four corners are scenes and the band model makes the
// grid: every part of a loop moves together, each clicked cell becomes a new
// scene (one clip per part, on the corners' tracks) below the corners, and
// Print makes one scene of long clips.
//
// [js latent_loops.js HOST PORT]; messages: init, corner 0..3, generate,
// columns, rows (2..8), temperature, seed, cell COL ROW [STATE] (from the
// grid), print, clear, kind (0 auto, 1 drums, 2 melody), scenes (0 clips,
// 1 scenes), server HOST PORT, ping. Outlet 3 drives the [matrixctrl] grid.
// The corners, the grid's loops and the timeline are saved with the set
// (getvalueof/setvalueof, through the bound [pattr]).

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Latent Loops",
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
var params = { columns: 4, rows: 4, temperature: 0.5, seed: -1, kind: 2, scenes: 0 };
var corners = [null, null, null, null];
// {columns, rows, clips: row by row}; a grid of scenes also has parts (the
// tracks its loops play on, [{track, id}]) and each loop is a clip per part.
var cells = null;
var timeline = [];           // [{column, row, clip}] in the order picked
var lastSlot = -1;           // where the timeline's last clip (or scene) went
// Kept with the set: corner references, the grid's loops as notes, the
// timeline as grid cells (or notes, for loops of an earlier grid).
var memory = new lb.Memory({
    save: function () {
        var i, t, k, grid = null, line = [];
        if (cells) {
            grid = { columns: cells.columns, rows: cells.rows, clips: [] };
            for (i = 0; i < cells.clips.length; i++) {
                grid.clips.push(pack(cells.clips[i]));
            }
            if (cells.parts) {
                grid.parts = [];
                for (i = 0; i < cells.parts.length; i++) {
                    dev.relocate(cells.parts[i]);
                    grid.parts.push(cells.parts[i].track);
                }
            }
        }
        for (i = 0; i < timeline.length; i++) {
            t = timeline[i];
            k = cells ? t.row * cells.columns + t.column : -1;
            line.push(k >= 0 && cells.clips[k] === t.clip ? [t.column, t.row] : [t.column, t.row, pack(t.clip)]);
        }
        return {
            corners: [dev.keep(corners[0]), dev.keep(corners[1]), dev.keep(corners[2]), dev.keep(corners[3])],
            grid: grid,
            timeline: line,
            lastSlot: lastSlot
        };
    },
    load: function (state, lost, kept) {
        var k, e, clip;
        corners = dev.findCorners(state.corners, lost, kept, function (i, c) {
            outlet(lb.OUT_UI, ["corner", i, c.name]);
        });
        cells = null;
        if (state.grid) {
            cells = { columns: state.grid.columns, rows: state.grid.rows, clips: [] };
            for (k = 0; k < state.grid.clips.length; k++) {
                cells.clips.push(unpack(state.grid.clips[k]));
            }
            if (state.grid.parts) {
                cells.parts = [];
                for (k = 0; k < state.grid.parts.length; k++) {
                    cells.parts.push({ track: Number(state.grid.parts[k]), id: -1 });
                }
            }
            if (cells.clips.length !== cells.columns * cells.rows) {
                cells = null;
                lb.fail("the grid saved with the set is damaged; generate it again");
            }
            outlet(lb.OUT_UI, ["columns", cells.columns]);
            outlet(lb.OUT_UI, ["rows", cells.rows]);
            outlet(lb.OUT_UI, ["clear"]);
            kept.push("a " + cells.columns + " x " + cells.rows + " grid");
        }
        timeline = [];
        for (k = 0; state.timeline && k < state.timeline.length; k++) {
            e = state.timeline[k];
            clip = e.length > 2 ? unpack(e[2]) : (cells ? cells.clips[e[1] * cells.columns + e[0]] : null);
            if (!clip) {
                lb.fail("the timeline saved with the set is damaged; click its cells again");
            }
            timeline.push({ column: e[0], row: e[1], clip: clip });
            if (cells && e.length === 2) {
                outlet(lb.OUT_UI, ["set", e[0], e[1], 1]);
            }
        }
        if (timeline.length) {
            kept.push("a timeline of " + timeline.length + " loop(s)");
        }
        lastSlot = typeof state.lastSlot === "number" ? state.lastSlot : -1;
    },
    notify: function () {
        notifyclients();
    }
});

// A loop as saved: a clip, or (a loop of scenes) {parts: a clip per part}.
function pack(loop) {
    return loop instanceof Array ? { parts: loop.map(lb.packClip) } : lb.packClip(loop);
}
pack.local = 1;

function unpack(saved) {
    return saved && saved.parts instanceof Array ? saved.parts.map(lb.unpackClip) : lb.unpackClip(saved);
}
unpack.local = 1;

function init(pingMs) {
    dev = glue.init(pingMs);
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
        corners[k] = params.scenes ? dev.pickScene() : dev.pick();
        dev.status(lb.cornerLabel(k) + (params.scenes ? " scene: " : ": ") + corners[k].name);
        outlet(lb.OUT_UI, ["corner", k, corners[k].name]);
        memory.changed(dev);
    });
}

function generate() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var clips = [];
        var i;
        var what = params.scenes ? "scene" : "clip";
        if (!(corners[0] && corners[1] && corners[2] && corners[3])) {
            lb.fail("choose all four corners first (select a " + what + ", then press its corner)");
        }
        for (i = 0; i < 4; i++) {
            if ((corners[i].scene !== undefined) !== !!params.scenes) {
                lb.fail("the corners were chosen as " + (corners[i].scene !== undefined ? "scenes" : "clips") +
                    ": choose them again");
            }
        }
        if (params.scenes) {
            sceneGrid();
            return;
        }
        var role = dev.role(params.kind, dev.relocate(corners[0]).track);
        for (i = 0; i < 4; i++) {
            clips.push(dev.read(corners[i], "the " + lb.cornerLabel(i) + " corner", role === "drums"));
        }
        var cols = params.columns;
        var rows = params.rows;
        // After the settings: feel, tracks (1: clips, not scenes), and the set's tempo (qpm), read now.
        dev.run("grid", [role, cols, rows, params.temperature, params.seed, lb.FEEL, 1, dev.live.tempo()], clips,
            "grid", function (result) {
                var list = [];
                var k;
                for (k = 0; k < result.outputs.length; k++) {
                    list.push(result.outputs[k][0]);
                }
                if (list.length !== cols * rows) {
                    lb.fail("the server sent " + list.length + " loops for a " + cols + " x " + rows + " grid");
                }
                cells = { columns: cols, rows: rows, clips: list };
                outlet(lb.OUT_UI, ["columns", cols]);
                outlet(lb.OUT_UI, ["rows", rows]);
                outlet(lb.OUT_UI, ["clear"]);
                memory.changed(dev);
                return "grid of " + cols + " x " + rows + " loops ready: click cells to add them to the timeline";
            });
    });
}

// The four corner scenes (their parts: the top-left scene's MIDI clips, and
// the others' clips on the same tracks) to the band model: a grid of loops
// of every part.
function sceneGrid() {
    var scenes = [], names = [];
    var i;
    for (i = 0; i < 4; i++) {
        scenes.push(dev.sceneOf(corners[i]));
        names.push("the " + lb.cornerLabel(i) + " scene");
    }
    var read = dev.readScenes(scenes, names);
    var cols = params.columns;
    var rows = params.rows;
    // After the settings: feel, tracks (the parts of each scene), and the set's tempo (qpm), read now.
    dev.run("grid", ["multitrack", cols, rows, params.temperature, params.seed, lb.FEEL, read.sources.length,
        dev.live.tempo()],
        read.clips, "grid", function (result) {
            if (result.outputs.length !== cols * rows) {
                lb.fail("the server sent " + result.outputs.length + " loops for a " + cols + " x " + rows + " grid");
            }
            cells = { columns: cols, rows: rows, clips: result.outputs, parts: read.sources };
            outlet(lb.OUT_UI, ["columns", cols]);
            outlet(lb.OUT_UI, ["rows", rows]);
            outlet(lb.OUT_UI, ["clear"]);
            memory.changed(dev);
            return "grid of " + cols + " x " + rows + " loops of " + read.sources.length +
                " parts ready: click cells to add them as scenes";
        });
}
sceneGrid.local = 1;

// Where the next scene of the timeline goes: below the last one made, or
// below the lowest corner scene.
function nextScene() {
    var at = -1;
    var i;
    if (lastSlot >= 0 && lastSlot < dev.live.sceneCount()) {
        return lastSlot + 1;
    }
    for (i = 0; i < 4; i++) {
        if (corners[i] && corners[i].scene !== undefined) {
            at = Math.max(at, dev.sceneOf(corners[i]));
        }
    }
    return at < 0 ? dev.live.sceneCount() : at + 1;
}
nextScene.local = 1;

// A click on the grid (matrixctrl sends column, row, state).
// A click on a cell adds its loop to the timeline. [matrixctrl] toggles a
// lit cell off (state 0) when it is clicked again: that click adds the loop
// again too, and the cell is lit again.
function cell(column, row, state) {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var c = Math.round(column);
        var r = Math.round(row);
        if (!cells) {
            lb.fail("generate the grid first");
        }
        if (c < 0 || c >= cells.columns || r < 0 || r >= cells.rows) {
            lb.fail("no cell " + (c + 1) + ", " + (r + 1) + " in a " + cells.columns + " x " + cells.rows + " grid");
        }
        var clip = cells.clips[r * cells.columns + c];
        var name = "Loop " + (r + 1) + "-" + (c + 1);
        if (timeline.length && (timeline[0].clip instanceof Array) !== !!cells.parts) {
            lb.fail("the timeline holds loops of " + (cells.parts ? "clips" : "scenes") +
                "; press Clear to start one of " + (cells.parts ? "scenes" : "clips"));
        }
        var track, slot;
        if (cells.parts) {
            slot = nextScene();
            dev.writeScene(slot, name, cells.parts, clip, lb.COLORS.latent_loops);
        } else {
            track = dev.live.deviceTrack();
            slot = dev.live.emptySlots(track, lastSlot, 1)[0];
            dev.live.createClip(track, slot, clip, name, lb.COLORS.latent_loops);
        }
        lastSlot = slot;
        timeline.push({ column: c, row: r, clip: clip });
        outlet(lb.OUT_UI, ["set", c, r, 1]);
        memory.changed(dev);
        dev.status("timeline: " + timeline.length + " loop(s); " + name + (cells.parts ? " as scene " : " in slot ") +
            (slot + 1));
    });
}

// Loops one after another as one clip.
function joined(loops) {
    var notes = [];
    var offset = 0;
    var i, k, n;
    for (i = 0; i < loops.length; i++) {
        for (k = 0; k < loops[i].notes.length; k++) {
            n = lb.cleanNote(loops[i].notes[k]);
            n.start_time += offset;
            notes.push(n);
        }
        offset += loops[i].length;
    }
    return { length: offset, numerator: loops[0].numerator, denominator: loops[0].denominator, notes: notes };
}
joined.local = 1;

// The timeline as one clip, in the next empty slot (a timeline of scenes:
// one scene with a long clip per part).
function print() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var i, p, parts, slot, track, whole;
        if (!timeline.length) {
            lb.fail("click some cells first");
        }
        if (timeline[0].clip instanceof Array) {
            if (!cells || !cells.parts) {
                lb.fail("the timeline is of scenes, but the grid is not: click its cells again");
            }
            parts = [];
            for (p = 0; p < cells.parts.length; p++) {
                var loops = [];
                for (i = 0; i < timeline.length; i++) {
                    loops.push(timeline[i].clip[p]);
                }
                parts.push(joined(loops));
            }
            slot = nextScene();
            dev.writeScene(slot, "Latent Loops timeline", cells.parts, parts, lb.COLORS.latent_loops);
            whole = parts[0];
        } else {
            whole = joined(timeline.map(function (t) {
                return t.clip;
            }));
            track = dev.live.deviceTrack();
            slot = dev.live.emptySlots(track, lastSlot, 1)[0];
            dev.live.createClip(track, slot, whole, "Latent Loops timeline", lb.COLORS.latent_loops);
        }
        lastSlot = slot;
        memory.changed(dev);
        dev.status("printed " + timeline.length + " loop(s), " + whole.length + " beats, into " +
            (parts ? "scene " : "slot ") + (slot + 1));
    });
}

// Start a new timeline (the clips already made stay).
function clear() {
    timeline = [];
    lastSlot = -1;
    outlet(lb.OUT_UI, ["clear"]);
    memory.changed(dev);
    if (dev) {
        dev.status("timeline cleared");
    }
}

function scenes(v) {
    params.scenes = Math.round(v) ? 1 : 0;
}

function columns(v) {
    params.columns = Math.round(lb.clamp(v, 2, 8));
}

function rows(v) {
    params.rows = Math.round(lb.clamp(v, 2, 8));
}

function kind(v) {
    params.kind = Math.round(v);
}

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
    glue.dispose();
}

// Latent Bridge Latent Loops: four corner melody clips -> a grid of loops
// between them (in the melody model's latent space). Click cells to put
// them, in the order clicked, into the next empty slots of this device's
// track: a row of clips to play one after another. Print writes the whole
// timeline as one long clip.
//
// [js latent_loops.js HOST PORT]; messages: init, corner 0..3, generate,
// columns, rows (2..8), temperature, seed, cell COL ROW [STATE] (from the
// grid), print, clear, kind (0 auto, 1 drums, 2 melody), server HOST PORT,
// ping. Outlet 3 drives the [matrixctrl] grid. The corners, the grid's loops
// and the timeline are saved with the set (getvalueof/setvalueof, through
// the bound [pattr]).

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
var params = { columns: 4, rows: 4, temperature: 0.5, seed: -1, kind: 2 };
var corners = [null, null, null, null];
var cells = null;            // {columns, rows, clips: row by row}
var timeline = [];           // [{column, row, clip}] in the order picked
var lastSlot = -1;           // where the timeline's last clip went
// Kept with the set: corner references, the grid's loops as notes, the
// timeline as grid cells (or notes, for loops of an earlier grid).
var memory = new lb.Memory({
    save: function () {
        var i, t, k, grid = null, line = [];
        if (cells) {
            grid = { columns: cells.columns, rows: cells.rows, clips: [] };
            for (i = 0; i < cells.clips.length; i++) {
                grid.clips.push(lb.packClip(cells.clips[i]));
            }
        }
        for (i = 0; i < timeline.length; i++) {
            t = timeline[i];
            k = cells ? t.row * cells.columns + t.column : -1;
            line.push(k >= 0 && cells.clips[k] === t.clip ? [t.column, t.row] : [t.column, t.row, lb.packClip(t.clip)]);
        }
        return {
            corners: [dev.reference(corners[0]), dev.reference(corners[1]),
                dev.reference(corners[2]), dev.reference(corners[3])],
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
                cells.clips.push(lb.unpackClip(state.grid.clips[k]));
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
            clip = e.length > 2 ? lb.unpackClip(e[2]) : (cells ? cells.clips[e[1] * cells.columns + e[0]] : null);
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
        corners[k] = dev.pick();
        dev.status(lb.cornerLabel(k) + ": " + corners[k].name);
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
        if (!(corners[0] && corners[1] && corners[2] && corners[3])) {
            lb.fail("choose all four corners first (select a clip, then press its corner)");
        }
        var role = dev.role(params.kind, dev.relocate(corners[0]).track);
        for (i = 0; i < 4; i++) {
            clips.push(dev.read(corners[i], "the " + lb.cornerLabel(i) + " corner", role === "drums"));
        }
        var cols = params.columns;
        var rows = params.rows;
        dev.run("grid", [role, cols, rows, params.temperature, params.seed], clips,
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
        var track = dev.live.deviceTrack();
        var name = "Loop " + (r + 1) + "-" + (c + 1);
        var slot = dev.live.emptySlots(track, lastSlot, 1)[0];
        dev.live.createClip(track, slot, clip, name, lb.COLORS.latent_loops);
        lastSlot = slot;
        timeline.push({ column: c, row: r, clip: clip });
        outlet(lb.OUT_UI, ["set", c, r, 1]);
        memory.changed(dev);
        dev.status("timeline: " + timeline.length + " loop(s); " + name + " in slot " + (slot + 1));
    });
}

// The timeline as one clip, in the next empty slot.
function print() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var notes = [];
        var offset = 0;
        var i, k, n;
        if (!timeline.length) {
            lb.fail("click some cells first");
        }
        for (i = 0; i < timeline.length; i++) {
            for (k = 0; k < timeline[i].clip.notes.length; k++) {
                n = lb.cleanNote(timeline[i].clip.notes[k]);
                n.start_time += offset;
                notes.push(n);
            }
            offset += timeline[i].clip.length;
        }
        var track = dev.live.deviceTrack();
        var slot = dev.live.emptySlots(track, lastSlot, 1)[0];
        var first = timeline[0].clip;
        dev.live.createClip(track, slot, {
            length: offset, numerator: first.numerator, denominator: first.denominator, notes: notes
        }, "Latent Loops timeline", lb.COLORS.latent_loops);
        lastSlot = slot;
        memory.changed(dev);
        dev.status("printed " + timeline.length + " loop(s), " + offset + " beats, into slot " + (slot + 1));
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

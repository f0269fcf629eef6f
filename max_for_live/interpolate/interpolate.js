// Latent Bridge Interpolate: clip A and clip B -> N clips between them, in
// the empty slots below A on A's track (the first and last are the model's
// renderings of A and B).
//
// [js interpolate.js HOST PORT]; messages: init, a, b (take the selected
// clip as A or B), generate, steps, temperature, kind (0 auto, 1 drums,
// 2 melody), method (0 slerp, 1 linear), seed, scenes (1: A and B are
// scenes, played by the band model: every part moves together, and the
// steps land as new scenes below A), server HOST PORT, ping. A and B are
// saved with the set (getvalueof/setvalueof, through the bound [pattr]).

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Interpolate",
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
var params = { steps: 5, temperature: 0.5, kind: 0, method: 0, seed: -1, scenes: 0 };
var chosen = { a: null, b: null };
var memory = new lb.Memory({
    save: function () {
        return { a: dev.keep(chosen.a), b: dev.keep(chosen.b) };
    },
    load: function (state, lost, kept) {
        chosen.a = dev.findKept(state.a, "A", lost);
        chosen.b = dev.findKept(state.b, "B", lost);
        if (chosen.a) {
            kept.push("A " + chosen.a.name);
            outlet(lb.OUT_UI, ["a", chosen.a.name]);
        }
        if (chosen.b) {
            kept.push("B " + chosen.b.name);
            outlet(lb.OUT_UI, ["b", chosen.b.name]);
        }
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

function choose(which) {
    dev.guard(function () {
        if (params.scenes) {
            chosen[which] = dev.pickScene();
            dev.status("scene " + which.toUpperCase() + ": " + chosen[which].name);
            outlet(lb.OUT_UI, [which, chosen[which].name]);
            memory.changed(dev);
            return;
        }
        chosen[which] = dev.pick();
        dev.status("clip " + which.toUpperCase() + ": " + chosen[which].name);
        outlet(lb.OUT_UI, [which, chosen[which].name]);
        memory.changed(dev);
    });
}
choose.local = 1;

function a() {
    if (dev) {
        choose("a");
    }
}

function b() {
    if (dev) {
        choose("b");
    }
}

function generate() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var A = chosen.a;
        var B = chosen.b;
        var what = params.scenes ? "scene" : "clip";
        if (!A || !B) {
            lb.fail("choose " + what + " A and " + what + " B first (select a " + what +
                ", then press A or B)");
        }
        if ((A.scene !== undefined) !== !!params.scenes || (B.scene !== undefined) !== !!params.scenes) {
            lb.fail("A and B were chosen as " + (A.scene !== undefined ? "scenes" : "clips") +
                ": choose them again");
        }
        if (params.scenes) {
            scenesBetween(A, B);
            return;
        }
        var role = dev.role(params.kind, dev.relocate(A).track);
        var clips = [dev.read(A, "clip A", role === "drums"), dev.read(B, "clip B", role === "drums")];
        var method = params.method ? "linear" : "slerp";
        // After the settings: feel, tracks (1: clips, not scenes), and the set's tempo (qpm), read now.
        dev.run("interpolate", [role, params.steps, params.temperature, params.seed, method, lb.FEEL, 1,
            dev.live.tempo()], clips,
            A.name + " to " + B.name, function (result) {
                var outs = [];
                var i;
                for (i = 0; i < result.outputs.length; i++) {
                    outs.push(result.outputs[i][0]);
                }
                dev.relocate(A);
                dev.writeBelow(A.track, A.slot, outs, lb.COLORS.interpolate);
                return "made " + outs.length + " clips from " + A.name + " to " + B.name;
            });
    });
}

// Scene A's MIDI clips and, on the same tracks, scene B's (silence where B
// has none), to the band model; each step becomes a new scene below A.
function scenesBetween(A, B) {
    var read = dev.readScenes([dev.sceneOf(A), dev.sceneOf(B)], ["scene A", "scene B"]);
    var sources = read.sources;
    var method = params.method ? "linear" : "slerp";
    // After the settings: feel, tracks (the parts of each scene), and the set's tempo (qpm), read now.
    dev.run("interpolate", ["multitrack", params.steps, params.temperature, params.seed, method, lb.FEEL,
        sources.length, dev.live.tempo()], read.clips, A.name + " to " + B.name, function (result) {
        var at = dev.sceneOf(A);
        var o, name;
        for (o = 0; o < result.outputs.length; o++) {
            name = A.name + " " + (o + 1) + "/" + result.outputs.length;
            dev.writeScene(at + 1 + o, name, sources, result.outputs[o], lb.COLORS.interpolate);
        }
        return "made " + result.outputs.length + " scenes from " + A.name + " to " + B.name;
    });
}
scenesBetween.local = 1;

function scenes(v) {
    params.scenes = Math.round(v) ? 1 : 0;
}

function steps(v) {
    params.steps = Math.round(lb.clamp(v, 2, 64));
}

function kind(v) {
    params.kind = Math.round(v);
}

function method(v) {
    params.method = Math.round(v);
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

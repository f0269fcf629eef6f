// Latent Bridge Multitrack: the clips of the selected scene -> N new scenes
// of variations, inserted below it (each track's new clip on its own track).
//
// [js multitrack.js HOST PORT]; messages: init, generate, count,
// similarity, temperature, seed, server HOST PORT, ping.

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Multitrack",
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
var params = { count: 2, similarity: 0.75, temperature: 0.5, seed: -1 };

function init(pingMs) {
    dev = glue.init(pingMs);
}

function generate() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var scene = dev.live.selectedScene();
        var sceneName = dev.live.str(dev.live.obj("live_set scenes " + scene), "name") || ("scene " + (scene + 1));
        var sceneId = dev.live.obj("live_set scenes " + scene).id;
        var read = dev.readScene(scene, "the selected scene");
        var sources = read.sources;
        var clips = read.clips;
        // After the settings: feel, and the set's tempo (qpm), read now.
        dev.run("multitrack", ["multitrack", params.count, params.similarity, params.temperature, params.seed,
            lb.FEEL, dev.live.tempo()],
            clips, "variations of " + sceneName, function (result) {
                var at = scene;
                var o, k, index;
                var now = /scenes (\d+)$/.exec(dev.live.path(dev.live.obj("id " + sceneId)));
                if (now) {
                    at = Number(now[1]);
                }
                for (o = 0; o < result.outputs.length; o++) {
                    index = at + 1 + o;
                    dev.live.createScene(index, sceneName + " var " + (o + 1), lb.COLORS.multitrack);
                    for (k = 0; k < sources.length; k++) {
                        dev.relocate(sources[k]);
                        dev.live.createClip(sources[k].track, index, result.outputs[o][k],
                            result.outputs[o][k].name, lb.COLORS.multitrack);
                    }
                }
                return "made " + result.outputs.length + " scenes from " + sceneName;
            });
    });
}

function count(v) {
    params.count = Math.round(lb.clamp(v, 1, 64));
}

function similarity(v) {
    params.similarity = lb.clamp(v, 0, 1);
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

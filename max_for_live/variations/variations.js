// Latent Bridge Variations: the selected clip -> N variations in the next
// empty slots of the same track. Drums or melody follow the track (a Drum
// Rack means drums) unless the Kind menu says otherwise.
//
// [js variations.js HOST PORT]; messages: init (from live.thisdevice),
// generate, count, similarity, temperature, kind (0 auto, 1 drums,
// 2 melody), seed (-1: new each time), server HOST PORT, ping.

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Variations",
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
var params = { count: 4, similarity: 0.75, temperature: 0.5, kind: 0, seed: -1 };

function init(pingMs) {
    dev = glue.init(pingMs);
}

function generate() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var src = dev.pick();
        var role = dev.role(params.kind, src.track);
        var clip = dev.read(src, "the selected clip", role === "drums");
        // After the settings: feel, and the set's tempo (qpm), read now.
        dev.run("variations", [role, params.count, params.similarity, params.temperature, params.seed,
            lb.FEEL, dev.live.tempo()],
            [clip], "variations of " + src.name, function (result) {
                var outs = [];
                var i;
                for (i = 0; i < result.outputs.length; i++) {
                    outs.push(result.outputs[i][0]);
                }
                dev.relocate(src);
                dev.writeBelow(src.track, src.slot, outs, lb.COLORS.variations);
                return "made " + outs.length + " " + role + " variations of " + src.name;
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

function kind(v) {
    params.kind = Math.round(v);
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

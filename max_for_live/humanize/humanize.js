// Latent Bridge Humanize: a drum clip -> a humanized copy (velocities and
// microtiming from the groove model) in the next empty slot below it.
//
// [js humanize.js HOST PORT]; messages: init, generate, temperature, seed,
// server HOST PORT, ping.

autowatch = 0;
inlets = 1;
outlets = 4;

var lb = require("latentbridge");
var glue = new lb.Glue({
    name: "Humanize",
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
var params = { temperature: 0.3, seed: -1 };

function init(pingMs) {
    dev = glue.init(pingMs);
}

function generate() {
    if (!dev) {
        return;
    }
    dev.guard(function () {
        var src = dev.pick();
        var clip = dev.read(src, "the selected clip", true);
        // The groove model plays to the set's tempo (qpm), read now.
        dev.run("humanize", ["groove", params.temperature, params.seed, dev.live.tempo()], [clip],
            "humanizing " + src.name, function (result) {
                var out = result.outputs[0][0];
                dev.relocate(src);
                var slots = dev.writeBelow(src.track, src.slot, [out], lb.COLORS.humanize);
                return "humanized " + src.name + " into slot " + (slots[0] + 1);
            });
    });
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

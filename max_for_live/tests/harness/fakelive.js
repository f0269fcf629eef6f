// A fake Live set behind a fake LiveAPI, with the parts of the Live Object
// Model the devices use: the song (transport, time signature, tempo),
// tracks, devices, clip slots, clips with Live 11's extended note calls,
// scenes, the song view and this_device.
//
// It is strict where Live is: unknown properties and functions, note ids
// and out-of-range values in add_new_notes, create_clip on a full slot are
// errors. As in Max, an error is printed to the Max window (kept in
// `errors`) and the call returns nothing: the script is not interrupted.
// Paths and ids behave like Live's: an object keeps its id while its path
// follows its position in the set, and ids are new each time a set is
// opened (reopen()). Every change is an undo step (`undoSteps`), except
// that changes between Song.begin_undo_step and end_undo_step are one step,
// on a Live whose Song lists those functions (undoGrouping).
"use strict";

const NOTE_KEYS = [
  "pitch",
  "start_time",
  "duration",
  "velocity",
  "mute",
  "probability",
  "velocity_deviation",
  "release_velocity",
];

function checkNote(n) {
  for (const k of Object.keys(n)) {
    if (!NOTE_KEYS.includes(k)) throw new Error(`add_new_notes: unknown note key ${k}`);
  }
  const num = (k, lo, hi, required) => {
    const v = n[k];
    if (v === undefined && !required) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
      throw new Error(`add_new_notes: ${k} out of range: ${v}`);
    }
  };
  num("pitch", 0, 127, true);
  if (!Number.isInteger(n.pitch)) throw new Error(`add_new_notes: pitch must be an int: ${n.pitch}`);
  num("start_time", 0, 1e6, true);
  num("duration", 1e-9, 1e6, true);
  num("velocity", 0, 127, false);
  num("probability", 0, 1, false);
  num("velocity_deviation", -127, 127, false);
  num("release_velocity", 0, 127, false);
  if (n.mute !== undefined && ![0, 1, true, false].includes(n.mute)) {
    throw new Error(`add_new_notes: mute must be 0/1: ${n.mute}`);
  }
}

const FUNCTIONS = {
  Song: ["create_scene"],
  ClipSlot: ["create_clip"],
  Clip: ["get_notes_extended", "add_new_notes", "remove_notes_extended", "fire", "stop"],
};

class FakeLive {
  constructor({ firstId = 1, undoGrouping = false } = {}) {
    this.nextId = firstId;
    this.byId = new Map();
    this.nextNoteId = 1;
    this.calls = []; // every mutation, in order: [function, path]
    this.errors = []; // what Max would print to its window
    this.undoGrouping = undoGrouping;
    this.undoSteps = 0; // entries in Live's undo history
    this.openStep = null; // changes since begin_undo_step
    this.song = this.make("Song", {
      is_playing: 0,
      current_song_time: 0,
      signature_numerator: 4,
      signature_denominator: 4,
      tempo: 120, // bpm, a float: get, set and observe in the Live Object Model, 20..999
    });
    this.song.tracks = [];
    this.song.scenes = [];
    this.view = this.make("Song.View", { detail_clip: 0, selected_scene: 0, selected_track: 0 });
    this.thisDevice = null;
    const live = this;
    // Max prints a Live API error and returns nothing.
    const printed = (fn) => {
      try {
        return fn();
      } catch (e) {
        live.errors.push(String(e.message));
        return undefined;
      }
    };
    this.LiveAPI = class LiveAPI {
      constructor(a, b) {
        const path = typeof a === "string" ? a : b;
        this._obj = path === undefined ? null : printed(() => live.resolve(String(path))) || null;
      }
      get info() {
        if (this.id === "0") return "No object";
        const fns = [...(FUNCTIONS[this._obj.type] || [])];
        if (this._obj.type === "Song" && live.undoGrouping) fns.push("begin_undo_step", "end_undo_step");
        const props = Object.keys(this._obj.props).map((k) => `property ${k}`);
        return [`id ${this._obj.id}`, `type ${this._obj.type}`, ...props, ...fns.map((f) => `function ${f}`), "done"].join("\n");
      }
      get id() {
        return String(this._obj && live.byId.get(this._obj.id) === this._obj ? this._obj.id : 0);
      }
      get unquotedpath() {
        return this.id === "0" ? "" : live.pathOf(this._obj);
      }
      get path() {
        return this.id === "0" ? "" : `"${live.pathOf(this._obj)}"`;
      }
      get type() {
        return this.id === "0" ? "" : this._obj.type;
      }
      goto(path) {
        this._obj = printed(() => live.resolve(String(path))) || null;
      }
      get(prop) {
        return printed(() => live.get(this.live(), prop));
      }
      set(prop, value) {
        printed(() => live.set(this.live(), prop, value));
      }
      call(fn, ...args) {
        return printed(() => live.call(this.live(), fn, args));
      }
      getcount(child) {
        return printed(() => {
          const obj = this.live();
          const list = live.children(obj)[child];
          if (!list) throw new Error(`getcount: ${obj.type} has no list ${child}`);
          return list.length;
        });
      }
      live() {
        if (this.id === "0") throw new Error("LiveAPI: no object at this path (id 0)");
        return this._obj;
      }
    };
  }

  // One change by the device: an undo step of its own, or part of the open one.
  change(fn, path) {
    this.calls.push([fn, path]);
    if (this.openStep) this.openStep.changes += 1;
    else this.undoSteps += 1;
  }

  make(type, props) {
    const obj = { id: this.nextId++, type, props };
    this.byId.set(obj.id, obj);
    return obj;
  }

  // -- building a set -------------------------------------------------------
  addScene(name = "") {
    const scene = this.make("Scene", { name, color: 0 });
    this.song.scenes.push(scene);
    for (const t of this.song.tracks) t.slots.push(this.makeSlot(t));
    return scene;
  }

  makeSlot(track) {
    const slot = this.make("ClipSlot", {});
    slot.track = track;
    slot.clip = null;
    return slot;
  }

  addTrack({ name = "Track", drums = false } = {}) {
    const track = this.make("Track", { name, color: 0, has_midi_input: 1 });
    track.slots = this.song.scenes.map(() => this.makeSlot(track));
    track.devices = [];
    if (drums) track.devices.push(this.make("DrumGroupDevice", { name: "Drum Rack", class_name: "DrumGroupDevice" }));
    else track.devices.push(this.make("InstrumentGroupDevice", { name: "Keys", class_name: "InstrumentGroupDevice" }));
    for (const d of track.devices) d.track = track;
    this.song.tracks.push(track);
    return track;
  }

  // The Max for Live device running the script sits on this track.
  placeDevice(track) {
    const dev = this.make("MxDevice", { name: "Latent Bridge", class_name: "MxDeviceMidiEffect" });
    dev.track = track;
    track.devices.push(dev);
    this.thisDevice = dev;
    return dev;
  }

  addClip(track, slotIndex, { name = "clip", length = 8, notes = [], numerator = 4, denominator = 4, loopStart = 0 } = {}) {
    const slot = track.slots[slotIndex];
    if (slot.clip) throw new Error("fake: slot already has a clip");
    const clip = this.newClip(slot, length, { numerator, denominator });
    clip.props.name = name;
    clip.props.loop_start = loopStart;
    clip.props.loop_end = loopStart + length;
    clip.props.end_marker = loopStart + length;
    for (const n of notes) clip.notes.push(this.storeNote(n));
    return clip;
  }

  newClip(slot, length, { numerator = 4, denominator = 4 } = {}) {
    const clip = this.make("Clip", {
      name: "",
      color: 0,
      loop_start: 0,
      loop_end: length,
      start_marker: 0,
      end_marker: length,
      looping: 1,
      is_midi_clip: 1,
      signature_numerator: numerator,
      signature_denominator: denominator,
      is_playing: 0,
      playing_position: 0,
    });
    clip.slot = slot;
    clip.notes = [];
    clip.played = []; // what a listener heard: {at (beats since launch), note as it was}
    clip.heard = 0;
    slot.clip = clip;
    return clip;
  }

  storeNote(n) {
    return {
      note_id: this.nextNoteId++,
      pitch: n.pitch,
      start_time: n.start_time,
      duration: n.duration,
      velocity: n.velocity ?? 100,
      mute: n.mute ? 1 : 0,
      probability: n.probability ?? 1,
      velocity_deviation: n.velocity_deviation ?? 0,
      release_velocity: n.release_velocity ?? 64,
    };
  }

  select(clip) {
    this.view.props.detail_clip = clip ? clip.id : 0;
  }

  selectScene(index) {
    this.view.props.selected_scene = this.song.scenes[index].id;
  }

  // -- paths -------------------------------------------------------------------
  pathOf(obj) {
    const song = this.song;
    switch (obj.type) {
      case "Song":
        return "live_set";
      case "Song.View":
        return "live_set view";
      case "Track":
        return `live_set tracks ${song.tracks.indexOf(obj)}`;
      case "Scene":
        return `live_set scenes ${song.scenes.indexOf(obj)}`;
      case "ClipSlot":
        return `${this.pathOf(obj.track)} clip_slots ${obj.track.slots.indexOf(obj)}`;
      case "Clip":
        return `${this.pathOf(obj.slot)} clip`;
      default:
        return `${this.pathOf(obj.track)} devices ${obj.track.devices.indexOf(obj)}`;
    }
  }

  children(obj) {
    switch (obj.type) {
      case "Song":
        return { tracks: this.song.tracks, scenes: this.song.scenes };
      case "Track":
        return { clip_slots: obj.slots, devices: obj.devices };
      default:
        return {};
    }
  }

  resolve(path) {
    const words = path.replace(/"/g, "").trim().split(/\s+/);
    let obj;
    let i;
    if (words[0] === "id") {
      obj = this.byId.get(Number(words[1])) || null;
      i = 2;
    } else if (words[0] === "live_set") {
      obj = this.song;
      i = 1;
    } else if (words[0] === "this_device") {
      obj = this.thisDevice;
      i = 1;
    } else {
      throw new Error(`LiveAPI: bad path ${path}`);
    }
    while (obj && i < words.length) {
      const w = words[i];
      const list = this.children(obj)[w];
      if (list) {
        obj = list[Number(words[i + 1])] || null;
        i += 2;
      } else if (w === "view" && obj.type === "Song") {
        obj = this.view;
        i += 1;
      } else if (w === "clip" && obj.type === "ClipSlot") {
        obj = obj.clip;
        i += 1;
      } else if (w === "canonical_parent") {
        obj = obj.track || (obj.slot ? obj.slot : null) || this.song;
        i += 1;
      } else if (obj.props && typeof obj.props[w] === "number" && ["detail_clip", "selected_scene", "selected_track"].includes(w)) {
        obj = this.byId.get(obj.props[w]) || null;
        i += 1;
      } else {
        throw new Error(`LiveAPI: bad path ${path} at ${w}`);
      }
    }
    return obj;
  }

  // -- properties ----------------------------------------------------------------
  get(obj, prop) {
    if (obj.type === "ClipSlot" && prop === "has_clip") return [obj.clip ? 1 : 0];
    if (obj.type === "Clip" && prop === "length") return [obj.props.loop_end - obj.props.loop_start];
    if (obj.type === "Song.View" && prop in obj.props) {
      const id = obj.props[prop];
      return ["id", this.byId.get(id) ? id : 0];
    }
    if (prop === "canonical_parent" && obj.track) return ["id", obj.track.id];
    if (!(prop in obj.props)) throw new Error(`get: ${obj.type} has no property ${prop}`);
    return [obj.props[prop]];
  }

  set(obj, prop, value) {
    const writable = {
      Clip: ["name", "color", "loop_start", "loop_end", "start_marker", "end_marker", "looping"],
      Scene: ["name", "color"],
      Track: ["name", "color"],
      Song: ["current_song_time", "is_playing", "tempo"],
    }[obj.type] || [];
    if (!writable.includes(prop)) throw new Error(`set: ${obj.type}.${prop} is not writable`);
    if (Array.isArray(value)) value = value[0];
    if (obj.type === "Song" && prop === "tempo") value = this.checkTempo(value);
    if (prop === "color" && (!Number.isInteger(value) || value < 0 || value > 0xffffff)) {
      throw new Error(`set: bad colour ${value}`);
    }
    this.change(`set ${prop}`, this.pathOf(obj));
    obj.props[prop] = value;
  }

  // Live's tempo: a number of bpm in 20..999 (the Live Object Model's range).
  checkTempo(value) {
    const bpm = Number(value);
    if (typeof value === "string" || !Number.isFinite(bpm) || bpm < 20 || bpm > 999) {
      throw new Error(`set: tempo must be 20..999 bpm, got ${value}`);
    }
    return bpm;
  }

  // The musician sets the tempo in Live's transport bar (no device is involved).
  setTempo(bpm) {
    this.song.props.tempo = this.checkTempo(bpm);
  }

  call(obj, fn, args) {
    const path = this.pathOf(obj);
    if (obj.type === "Song" && this.undoGrouping && fn === "begin_undo_step") {
      if (this.openStep) throw new Error("begin_undo_step: a step is already open");
      this.openStep = { changes: 0 };
      return undefined;
    }
    if (obj.type === "Song" && this.undoGrouping && fn === "end_undo_step") {
      if (!this.openStep) throw new Error("end_undo_step: no step is open");
      if (this.openStep.changes) this.undoSteps += 1; // an empty step is not recorded
      this.openStep = null;
      return undefined;
    }
    if (obj.type === "Song" && fn === "create_scene") {
      let index = Number(args[0]);
      if (index === -1) index = this.song.scenes.length;
      if (!(index >= 0 && index <= this.song.scenes.length)) throw new Error(`create_scene: bad index ${args[0]}`);
      this.change(fn, path);
      const scene = this.make("Scene", { name: "", color: 0 });
      this.song.scenes.splice(index, 0, scene);
      for (const t of this.song.tracks) t.slots.splice(index, 0, this.makeSlot(t));
      return ["id", scene.id];
    }
    if (obj.type === "ClipSlot" && fn === "create_clip") {
      if (obj.clip) throw new Error("create_clip: the slot already has a clip");
      const length = Number(args[0]);
      if (!(length > 0)) throw new Error(`create_clip: bad length ${args[0]}`);
      this.change(fn, path);
      this.newClip(obj, length);
      return undefined;
    }
    if (obj.type === "Clip") {
      if (fn === "get_notes_extended") {
        const [fromPitch, pitchSpan, fromTime, timeSpan] = args.map(Number);
        if (args.length !== 4) throw new Error("get_notes_extended takes 4 arguments");
        const notes = obj.notes.filter(
          (n) =>
            n.pitch >= fromPitch &&
            n.pitch < fromPitch + pitchSpan &&
            n.start_time >= fromTime &&
            n.start_time < fromTime + timeSpan,
        );
        return JSON.stringify({ notes: notes.map((n) => ({ ...n })) });
      }
      if (fn === "add_new_notes") {
        const dict = args[0];
        if (args.length !== 1 || !dict || !Array.isArray(dict.notes)) {
          throw new Error("add_new_notes takes one dict {notes: [...]}");
        }
        dict.notes.forEach(checkNote);
        this.change(fn, path);
        const ids = dict.notes.map((n) => {
          const stored = this.storeNote(n);
          obj.notes.push(stored);
          return stored.note_id;
        });
        return ids;
      }
      if (fn === "fire" || fn === "stop") {
        // Launching is not an undo step in Live; the fake launches at once
        // (Live waits for the launch quantization).
        if (args.length) throw new Error(`${fn} takes no arguments`);
        obj.props.is_playing = fn === "fire" ? 1 : 0;
        obj.props.playing_position = obj.props.loop_start;
        obj.heard = 0;
        return undefined;
      }
      if (fn === "remove_notes_extended") {
        if (args.length !== 4) throw new Error("remove_notes_extended takes 4 arguments");
        const [fromPitch, pitchSpan, fromTime, timeSpan] = args.map(Number);
        this.change(fn, path);
        obj.notes = obj.notes.filter(
          (n) =>
            !(
              n.pitch >= fromPitch &&
              n.pitch < fromPitch + pitchSpan &&
              n.start_time >= fromTime &&
              n.start_time < fromTime + timeSpan
            ),
        );
        return undefined;
      }
    }
    throw new Error(`call: ${obj.type} has no function ${fn}`);
  }

  // -- time ------------------------------------------------------------------------------
  // The transport moves `beats` on: every playing clip's playhead loops
  // through its loop, and the notes it passes are "heard" as the clip holds
  // them at that moment.
  advance(beats) {
    this.song.props.is_playing = 1;
    this.song.props.current_song_time += beats;
    for (const track of this.song.tracks) {
      for (const slot of track.slots) {
        const clip = slot.clip;
        if (!clip || !clip.props.is_playing) continue;
        const start = clip.props.loop_start;
        const loop = clip.props.loop_end - start;
        const from = clip.heard;
        const until = from + beats;
        for (let k = Math.floor(from / loop); k <= Math.floor(until / loop); k++) {
          for (const n of clip.notes) {
            const at = k * loop + n.start_time - start;
            if (at >= from && at < until) clip.played.push({ at, pitch: n.pitch, velocity: n.velocity });
          }
        }
        clip.heard = until;
        clip.props.playing_position = start + (until % loop);
      }
    }
  }

  // -- looking at the set ------------------------------------------------------------
  clipAt(trackIndex, slotIndex) {
    const slot = this.song.tracks[trackIndex].slots[slotIndex];
    return slot ? slot.clip : null;
  }

  // The set saved and opened again: the same tracks, scenes, clips and
  // notes, every Live id new (ids of the old run point nowhere or elsewhere).
  reopen() {
    const live = new FakeLive({ firstId: this.nextId + 1000, undoGrouping: this.undoGrouping });
    for (const s of this.song.scenes) live.addScene(s.props.name);
    Object.assign(live.song.props, { ...this.song.props, is_playing: 0, current_song_time: 0 });
    this.song.tracks.forEach((t) => {
      const track = live.addTrack({ name: t.props.name, drums: t.devices.some((d) => d.type === "DrumGroupDevice") });
      Object.assign(track.props, t.props);
      if (this.thisDevice && this.thisDevice.track === t) live.placeDevice(track);
      t.slots.forEach((slot, i) => {
        if (!slot.clip) return;
        const clip = live.newClip(track.slots[i], 1);
        Object.assign(clip.props, slot.clip.props, { is_playing: 0 });
        clip.notes = slot.clip.notes.map((n) => live.storeNote(n));
      });
    });
    return live;
  }

  // Everything a device could change, as plain data.
  snapshot() {
    return JSON.stringify({
      scenes: this.song.scenes.map((s) => s.props),
      tracks: this.song.tracks.map((t) => ({
        props: t.props,
        slots: t.slots.map((s) => (s.clip ? { props: s.clip.props, notes: s.clip.notes } : null)),
      })),
    });
  }
}

module.exports = { FakeLive, NOTE_KEYS };

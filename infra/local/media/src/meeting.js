'use strict';
// One meeting on the media plane: its roster as the emulator says it is, the sessions of the
// browsers that joined it, and what is forwarded to whom (capabilities decide, live).
const { frames } = require('./protocol');
const { baseAttendeeId, maySend, mayReceive } = require('./capabilities');

const SPEAKER_INTERVAL_MS = 300;
const KEYFRAME_INTERVAL_MS = 3000;

class Meeting {
  constructor(meetingId, emulator, log) {
    this.meetingId = meetingId;
    this.emulator = emulator;
    this.log = (msg) => log(`meeting ${meetingId}: ${msg}`);
    this.sessions = new Map(); // session attendee id -> Session
    this.roster = new Map(); // attendee id -> {externalUserId, capabilities, connectedVia}
    this.audioStreamIds = new Map();
    this.presence = new Map(); // attendee id -> the AUDIO_STREAM_ID_INFO entry last sent
    this.nextStreamId = 1;
    this.groupIds = new Map();
    this.ended = false;
    this.onEmpty = null;
    this._refreshing = Promise.resolve();
    this._timers = [
      setInterval(() => this._pickSpeakers(), SPEAKER_INTERVAL_MS),
      setInterval(() => this._refreshKeyframes(), KEYFRAME_INTERVAL_MS),
    ];
  }

  caps(sessionAttendeeId) {
    const entry = this.roster.get(baseAttendeeId(sessionAttendeeId));
    return entry ? entry.capabilities : null;
  }

  // Re-read the roster from the emulator, then apply it: removed attendees' sessions end
  // ("removed"), a deleted meeting ends every session ("meeting ended").
  refresh() {
    this._refreshing = this._refreshing.then(() => this._refresh()).catch((err) => this.log(`roster refresh failed: ${err}`));
    return this._refreshing;
  }

  async _refresh() {
    if (this.ended) return;
    this.apply(await this.emulator.roster(this.meetingId));
  }

  // `attendees` as the emulator lists them, or null when the meeting no longer exists.
  apply(attendees) {
    if (this.ended) return;
    if (attendees === null) {
      this.end();
      return;
    }
    this.roster = new Map(attendees.map((a) => [a.AttendeeId, {
      externalUserId: a.ExternalUserId, capabilities: a.Capabilities, connectedVia: a.ConnectedVia,
    }]));
    for (const session of [...this.sessions.values()]) {
      if (!this.roster.has(session.baseAttendeeId)) session.terminate(411);
    }
    this.rosterChanged();
  }

  end() {
    if (this.ended) return;
    this.ended = true;
    for (const session of [...this.sessions.values()]) session.terminate(410);
    this._timers.forEach(clearInterval);
    this._forget();
  }

  // Tell the media plane this meeting holds no session any more (it is built anew on a join).
  _forget() {
    const onEmpty = this.onEmpty;
    this.onEmpty = null;
    if (onEmpty) onEmpty(this);
  }

  add(session) {
    const old = this.sessions.get(session.attendeeId);
    if (old) old.terminate(301); // joined again (another tab or a reconnect)
    this.sessions.set(session.attendeeId, session);
  }

  joined(session) {
    if (!this.audioStreamIds.has(session.attendeeId)) this.audioStreamIds.set(session.attendeeId, this.audioStreamIds.size + 1);
    session.send(frames.audioStreamIdInfo([...this.presence.values()]));
    this.rosterChanged();
  }

  left(session) {
    if (this.sessions.get(session.attendeeId) !== session) return;
    this.sessions.delete(session.attendeeId);
    this.rosterChanged();
    if (this.sessions.size === 0 && !this.ended) {
      this._timers.forEach(clearInterval);
      this.ended = true;
      this._forget();
    }
  }

  allocateVideo(session) {
    if (!this.groupIds.has(session.attendeeId)) this.groupIds.set(session.attendeeId, this.groupIds.size + 1);
    return { streamId: this.nextStreamId++, groupId: this.groupIds.get(session.attendeeId) };
  }

  publishingChanged() {
    this._sendIndexes();
  }

  // Capabilities, mute or presence changed: new INDEX where the visible sources changed,
  // presence and mute to everyone, and a new choice of whom each one hears.
  rosterChanged() {
    this._sendIndexes();
    this._sendPresence();
    this._pickSpeakers();
  }

  _visibleSources(receiver) {
    if (receiver.isContent) return [];
    const caps = this.caps(receiver.attendeeId);
    const sources = [];
    for (const p of this.sessions.values()) {
      if (p === receiver || !p.video || !p.joined) continue;
      if (p.isContent && p.baseAttendeeId === receiver.baseAttendeeId) continue; // own screen
      if (!maySend(this.caps(p.attendeeId), p.attendeeId, 'video')) continue;
      if (!mayReceive(caps, p.isContent, 'video')) continue;
      sources.push({ streamId: p.video.streamId, groupId: p.video.groupId, attendeeId: p.attendeeId,
        externalUserId: p.externalUserId, trackLabel: 'AmazonChimeExpressVideo' });
    }
    return sources;
  }

  _sendIndexes() {
    const count = [...this.sessions.values()].filter((s) => s.joined).length;
    for (const s of this.sessions.values()) {
      if (!s.joined) continue;
      const sources = this._visibleSources(s);
      const key = JSON.stringify([sources.map((x) => x.streamId), count]);
      if (key === s.lastIndexKey) continue;
      s.lastIndexKey = key;
      s.send(frames.index(sources, count));
    }
  }

  _sendPresence() {
    const current = new Map();
    const streamIdOf = (id) => {
      if (!this.audioStreamIds.has(id)) this.audioStreamIds.set(id, this.audioStreamIds.size + 1);
      return this.audioStreamIds.get(id);
    };
    for (const s of this.sessions.values()) {
      if (!s.joined) continue;
      const heard = maySend(this.caps(s.attendeeId), s.attendeeId, 'audio');
      current.set(s.attendeeId, { audioStreamId: streamIdOf(s.attendeeId), attendeeId: s.attendeeId,
        externalUserId: s.externalUserId, muted: s.muted || !heard });
    }
    // A dialled-in phone attendee is present although no browser session carries it.
    for (const [id, entry] of this.roster) {
      if (entry.connectedVia === 'phone' && !current.has(id)) {
        current.set(id, { audioStreamId: streamIdOf(id), attendeeId: id, externalUserId: entry.externalUserId,
          muted: !maySend(entry.capabilities, id, 'audio') });
      }
    }
    const changes = [];
    for (const [id, entry] of current) {
      const before = this.presence.get(id);
      if (!before || before.muted !== entry.muted) changes.push(entry);
    }
    for (const [id, before] of this.presence) {
      if (!current.has(id)) changes.push({ audioStreamId: before.audioStreamId });
    }
    this.presence = current;
    if (!changes.length) return;
    const frame = frames.audioStreamIdInfo(changes);
    for (const s of this.sessions.values()) if (s.joined) s.send(frame);
  }

  onRtp(from, kind, rtp) {
    if (this.ended || !maySend(this.caps(from.attendeeId), from.attendeeId, kind)) return;
    if (kind === 'audio') {
      // Active speaker by payload size: Opus packets of speech are far larger than silence.
      from.audioEnergy = from.audioEnergy * 0.95 + rtp.payload.length * 0.05;
      for (const s of this.sessions.values()) if (s.audioSource === from) s.sendAudio(rtp, from);
      return;
    }
    if (!from.video) return;
    for (const s of this.sessions.values()) {
      if (s === from || !mayReceive(this.caps(s.attendeeId), from.isContent, 'video')) continue;
      s.sendVideo(from.video.streamId, rtp);
    }
  }

  // Each attendee hears one stream: the other party's with two, the loudest other speaker
  // with three or more (an interpreter's call), never anyone its capabilities exclude.
  _pickSpeakers() {
    const senders = [...this.sessions.values()].filter((s) => s.joined
      && maySend(this.caps(s.attendeeId), s.attendeeId, 'audio'));
    for (const s of this.sessions.values()) {
      if (!mayReceive(this.caps(s.attendeeId), false, 'audio')) { s.audioSource = null; continue; }
      const others = senders.filter((o) => o !== s && o.baseAttendeeId !== s.baseAttendeeId);
      if (!others.length) { s.audioSource = null; continue; }
      const loudest = others.reduce((a, b) => (b.audioEnergy > a.audioEnergy ? b : a));
      const current = others.includes(s.audioSource) ? s.audioSource : null;
      // Hysteresis: switch only to a clearly louder speaker.
      s.audioSource = current && current.audioEnergy * 1.5 >= loudest.audioEnergy ? current : loudest;
    }
  }

  requestKeyframe(streamId) {
    for (const p of this.sessions.values()) if (p.video && p.video.streamId === streamId) p.keyframe();
  }

  _refreshKeyframes() {
    for (const p of this.sessions.values()) if (p.video) p.keyframe();
  }
}

module.exports = { Meeting };

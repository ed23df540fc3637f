'use strict';
// One browser's signaling connection: the frames of the Chime SDK's join/subscribe/leave
// sequence, handled one at a time, and that attendee's peer connection.
const { Type, decode, frames } = require('./protocol');
const { createPeer, answerOffer } = require('./peer');
const { describe } = require('./sdp');
const { isContent } = require('./capabilities');

class Session {
  constructor(meeting, ws, attendee) {
    this.meeting = meeting;
    this.ws = ws;
    this.attendeeId = attendee.attendeeId; // "<id>" or "<id>#content"
    this.baseAttendeeId = attendee.baseAttendeeId;
    this.externalUserId = attendee.externalUserId;
    this.isContent = isContent(this.attendeeId);
    this.joined = false;
    this.closed = false;
    this.muted = false;
    this.pc = null;
    this.audioTransceiver = null;
    this.cameraTransceiver = null;
    this.video = null; // {streamId, groupId} while publishing
    this.bindings = new Map(); // mid -> {streamId, sender}
    this.lastIndexKey = null;
    this.audioSource = null; // the Session whose audio this one hears
    this.lastAudioFrom = null;
    this.audioEnergy = 0;
    this.hookedTracks = new WeakSet();
    this._queue = Promise.resolve();
    ws.on('message', (data) => {
      this._queue = this._queue.then(() => this._handle(data)).catch((err) => {
        this.meeting.log(`frame handling failed: ${err && err.stack || err}`);
      });
    });
    ws.on('close', () => this._closed());
    ws.on('error', () => this._closed());
  }

  send(buf) {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(buf);
  }

  async _handle(data) {
    if (this.closed) return;
    const frame = decode(data);
    switch (frame.type) {
      case Type.JOIN:
        this.joined = true;
        this.send(frames.joinAck());
        this.meeting.joined(this);
        break;
      case Type.SUBSCRIBE:
        await this._subscribe(frame.sub);
        break;
      case Type.PING_PONG:
        this.send(frames.pong(frame.pingPong.pingId));
        break;
      case Type.AUDIO_CONTROL:
        this.muted = !!frame.audioControl.muted;
        this.meeting.rosterChanged();
        break;
      case Type.LEAVE:
        this.send(frames.leaveAck());
        this.meeting.left(this);
        break;
      default:
        break; // CLIENT_METRIC, DATA_MESSAGE, ...: nothing to do locally
    }
  }

  async _subscribe(sub) {
    if (!this.pc) this.pc = createPeer();
    const receiveIds = sub.receiveStreamIds || [];
    const sendsVideo = (sub.sendStreams || []).some((s) => s.mediaType === 2);
    const bindings = new Map();
    const answer = await answerOffer(this.pc, sub.sdpOffer, (offered, byMid) => {
      let videoIndex = 0;
      for (const m of offered) {
        const transceiver = byMid.get(m.mid);
        if (!transceiver || m.port === 0) { if (m.kind === 'video') videoIndex += 1; continue; }
        if (m.kind === 'audio') {
          if (!this.audioTransceiver) this.audioTransceiver = transceiver;
          transceiver.setDirection(transceiver === this.audioTransceiver ? 'sendrecv' : 'inactive');
          this._hookReceiver(transceiver, 'audio');
          continue;
        }
        const k = videoIndex++;
        const streamId = receiveIds[k] || 0;
        if (k === 0) {
          this.cameraTransceiver = transceiver;
          transceiver.setDirection('recvonly');
          this._hookReceiver(transceiver, 'video');
        } else if (streamId) {
          transceiver.setDirection('sendonly');
          transceiver.sender.streamId = `v_${m.mid}`;
          bindings.set(m.mid, { streamId, sender: transceiver.sender });
        } else {
          transceiver.setDirection('inactive');
        }
      }
    });
    // Publishing: the local camera m-line carries video and the SDK declared a send stream.
    const camera = this.cameraTransceiver;
    const publishing = sendsVideo && camera && ['sendrecv', 'sendonly'].includes(
      (describe(sub.sdpOffer).find((m) => m.mid === camera.mid) || {}).direction);
    const allocations = [];
    if (publishing) {
      if (!this.video) this.video = this.meeting.allocateVideo(this);
      const label = (sub.sendStreams.find((s) => s.mediaType === 2) || {}).trackLabel || 'AmazonChimeExpressVideo';
      allocations.push({ trackLabel: label, streamId: this.video.streamId, groupId: this.video.groupId });
    } else if (this.video) {
      this.video = null;
    }
    this.bindings = bindings;
    const tracks = [...bindings.entries()].map(([mid, b]) => ({ streamId: b.streamId, ssrc: b.sender.ssrc, trackLabel: `v_${mid}` }));
    this.send(frames.subscribeAck(answer, tracks, allocations));
    for (const b of bindings.values()) this.meeting.requestKeyframe(b.streamId);
    for (const b of bindings.values()) {
      if (!b.sender._plihooked) {
        b.sender._plihooked = true;
        b.sender.onPictureLossIndication.subscribe(() => {
          const bound = [...this.bindings.values()].find((x) => x.sender === b.sender);
          if (bound) this.meeting.requestKeyframe(bound.streamId);
        });
      }
    }
    this.meeting.publishingChanged();
  }

  _hookReceiver(transceiver, kind) {
    const hook = (track) => {
      if (this.hookedTracks.has(track)) return;
      this.hookedTracks.add(track);
      track.onReceiveRtp.subscribe((rtp) => this.meeting.onRtp(this, kind, rtp));
    };
    hook(transceiver.receiver.track);
    if (!transceiver._hooked) {
      transceiver._hooked = true;
      transceiver.onTrack.subscribe((track) => hook(track));
    }
  }

  // Ask this publisher's browser for a keyframe (a new subscriber needs one).
  keyframe() {
    const t = this.cameraTransceiver;
    if (!t) return;
    const ssrc = t.receiver.track && t.receiver.track.ssrc;
    if (ssrc) t.receiver.sendRtcpPLI(ssrc).catch(() => {});
  }

  sendAudio(rtp, from) {
    const sender = this.audioTransceiver && this.audioTransceiver.sender;
    if (!sender) return;
    if (from !== this.lastAudioFrom) {
      // Switching speakers: keep this stream's sequence numbers and timestamps continuous.
      sender.replaceRTP(rtp.header, true);
      this.lastAudioFrom = from;
    }
    sender.sendRtp(rtp.clone()).catch(() => {});
  }

  sendVideo(streamId, rtp) {
    for (const b of this.bindings.values()) {
      if (b.streamId === streamId) b.sender.sendRtp(rtp.clone()).catch(() => {});
    }
  }

  // End this session from the server side: `status` 410 (meeting ended) or 411 (removed).
  terminate(status) {
    if (this.closed) return;
    this.send(frames.audioStatus(status));
    const ws = this.ws;
    this._closed();
    setTimeout(() => { try { ws.close(1000, status === 410 ? 'meeting ended' : 'attendee removed'); } catch (_) { /* gone */ } }, 200);
  }

  _closed() {
    if (this.closed) return;
    this.closed = true;
    this.meeting.left(this);
    if (this.pc) this.pc.close().catch(() => {});
    this.pc = null;
  }
}

module.exports = { Session };

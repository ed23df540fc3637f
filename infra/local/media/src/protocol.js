'use strict';
// The Chime SDK's signaling frames, encoded with the codec the installed SDK itself ships
// (so the media plane always speaks the version of the SDK it serves; no copied schema).
const proto = require('amazon-chime-sdk-js/build/signalingprotocol/SignalingProtocol.js');

const { SdkSignalFrame } = proto;
const Type = SdkSignalFrame.Type;
// Every binary message is this byte followed by one encoded SdkSignalFrame.
const FRAME_PREFIX = 0x05;

function encode(fields) {
  const frame = SdkSignalFrame.create({ timestampMs: Date.now(), ...fields });
  const body = SdkSignalFrame.encode(frame).finish();
  const out = Buffer.alloc(body.length + 1);
  out[0] = FRAME_PREFIX;
  Buffer.from(body).copy(out, 1);
  return out;
}

function decode(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (buf.length < 1 || buf[0] !== FRAME_PREFIX) throw new Error('not a signaling frame');
  return SdkSignalFrame.decode(buf.subarray(1));
}

const frames = {
  joinAck: () => encode({
    type: Type.JOIN_ACK,
    // No TURN credentials: the SDK then uses host candidates, all of them loopback here.
    joinack: proto.SdkJoinAckFrame.create({ wantsCompressedSdp: false }),
  }),
  index: (sources, numParticipants) => encode({
    type: Type.INDEX,
    index: proto.SdkIndexFrame.create({
      atCapacity: false,
      numParticipants,
      sources: sources.map((s) => proto.SdkStreamDescriptor.create({
        streamId: s.streamId, groupId: s.groupId, attendeeId: s.attendeeId,
        externalUserId: s.externalUserId, mediaType: proto.SdkStreamMediaType.VIDEO,
        maxBitrateKbps: 1500, avgBitrateBps: 600000, framerate: 15, trackLabel: s.trackLabel,
      })),
    }),
  }),
  subscribeAck: (sdpAnswer, tracks, allocations) => encode({
    type: Type.SUBSCRIBE_ACK,
    suback: proto.SdkSubscribeAckFrame.create({
      duplex: proto.SdkStreamServiceType.DUPLEX,
      sdpAnswer,
      tracks: tracks.map((t) => proto.SdkTrackMapping.create(t)),
      allocations: allocations.map((a) => proto.SdkStreamAllocation.create(a)),
    }),
  }),
  pong: (pingId) => encode({
    type: Type.PING_PONG,
    pingPong: proto.SdkPingPongFrame.create({ type: proto.SdkPingPongType.PONG, pingId }),
  }),
  // `streams`: {audioStreamId, attendeeId, externalUserId, muted} for present attendees,
  // {audioStreamId} alone for one that left.
  audioStreamIdInfo: (streams) => encode({
    type: Type.AUDIO_STREAM_ID_INFO,
    audioStreamIdInfo: proto.SdkAudioStreamIdInfoFrame.create({
      streams: streams.map((s) => proto.SdkAudioStreamIdInfo.create(s)),
    }),
  }),
  audioMetadata: (states) => encode({
    type: Type.AUDIO_METADATA,
    audioMetadata: proto.SdkAudioMetadataFrame.create({
      attendeeStates: states.map((s) => proto.SdkAudioAttendeeState.create(s)),
    }),
  }),
  // 410: the meeting ended; 411: this attendee was removed (MeetingSessionStatus.fromAudioStatus).
  audioStatus: (status) => encode({
    type: Type.AUDIO_STATUS,
    audioStatus: proto.SdkAudioStatusFrame.create({ audioStatus: status }),
  }),
  leaveAck: () => encode({ type: Type.LEAVE_ACK, leaveAck: proto.SdkLeaveAckFrame.create({}) }),
};

module.exports = { Type, decode, frames, proto };

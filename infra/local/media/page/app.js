// The meeting page's script: the unmodified Chime SDK joining one meeting. window.meeting
// exposes its state to tests (status, tiles, presence, stats).
import {
  ConsoleLogger, DefaultDeviceController, DefaultMeetingSession, LogLevel, MeetingSessionConfiguration,
  MeetingSessionStatusCode,
} from 'amazon-chime-sdk-js';

const state = {
  status: 'idle', stopCode: null, stopStatus: null, joinMs: null,
  tiles: {}, present: {}, muted: {}, session: null,
};
window.meeting = state;

function setStatus(status) {
  state.status = status;
  document.getElementById('status').textContent = status;
}

async function join(info) {
  const started = performance.now();
  const logger = new ConsoleLogger('sdk', LogLevel.WARN);
  const devices = new DefaultDeviceController(logger);
  const configuration = new MeetingSessionConfiguration(info.meeting.Meeting || info.meeting, info.attendee.Attendee || info.attendee);
  const session = new DefaultMeetingSession(configuration, logger, devices);
  state.session = session;
  const av = session.audioVideo;
  av.addObserver({
    audioVideoDidStart: () => { state.joinMs = Math.round(performance.now() - started); setStatus('started'); },
    audioVideoDidStop: (status) => {
      state.stopCode = status.statusCode();
      state.stopStatus = MeetingSessionStatusCode[status.statusCode()];
      setStatus('stopped');
    },
    videoTileDidUpdate: (tile) => {
      if (tile.localTile) { av.bindVideoElement(tile.tileId, document.getElementById('local')); return; }
      if (!tile.boundAttendeeId) return;
      let el = document.getElementById(`tile-${tile.tileId}`);
      if (!el) {
        el = document.createElement('video');
        el.id = `tile-${tile.tileId}`;
        el.autoplay = true; el.muted = true; el.playsInline = true;
        document.getElementById('tiles').appendChild(el);
      }
      av.bindVideoElement(tile.tileId, el);
      state.tiles[tile.tileId] = { attendeeId: tile.boundAttendeeId, content: !!tile.isContent, active: !!tile.active };
    },
    videoTileWasRemoved: (tileId) => {
      delete state.tiles[tileId];
      const el = document.getElementById(`tile-${tileId}`);
      if (el) el.remove();
    },
  });
  av.realtimeSubscribeToAttendeeIdPresence((attendeeId, present) => {
    if (present) state.present[attendeeId] = true; else delete state.present[attendeeId];
    av.realtimeSubscribeToVolumeIndicator(attendeeId, (id, volume, muted) => {
      if (muted !== null) state.muted[id] = muted;
    });
  });
  const mics = await av.listAudioInputDevices();
  const cams = await av.listVideoInputDevices();
  if (mics.length) await av.startAudioInput(mics[0].deviceId);
  if (cams.length) await av.startVideoInput(cams[0].deviceId);
  await av.bindAudioElement(document.getElementById('audio'));
  setStatus('connecting');
  av.start();
  av.startLocalVideoTile();
}

// Media figures for tests and the bench: per remote video track, frames decoded and size;
// audio packets received; what this browser sends.
async function stats() {
  const pc = state.session && state.session.audioVideo && await state.session.audioVideo.getRTCPeerConnectionStats();
  const out = { video: [], audioPacketsReceived: 0, audioBytesReceived: 0, videoFramesSent: 0, audioPacketsSent: 0, remoteAddresses: [] };
  if (!pc) return out;
  const pairs = [];
  pc.forEach((r) => {
    if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pairs.push(r.remoteCandidateId);
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      out.video.push({ mid: r.mid, framesDecoded: r.framesDecoded || 0, width: r.frameWidth || 0, height: r.frameHeight || 0, fps: r.framesPerSecond || 0 });
    } else if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.audioPacketsReceived += r.packetsReceived || 0;
      out.audioBytesReceived += r.bytesReceived || 0;
    } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
      out.videoFramesSent += r.framesEncoded || 0;
    } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
      out.audioPacketsSent += r.packetsSent || 0;
    }
  });
  // Where this browser's media goes: the remote candidates of its working ICE pairs.
  pairs.forEach((id) => { const c = pc.get(id); if (c) out.remoteAddresses.push(c.address || c.ip); });
  return out;
}

// Share "the screen": a moving canvas, so tests need no screen-capture prompt. The SDK joins it
// as a second attendee, <AttendeeId>#content, as on AWS.
async function shareContent() {
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    n += 1;
    ctx.fillStyle = `hsl(${(n * 7) % 360}, 70%, 50%)`;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#fff';
    ctx.font = '48px sans-serif';
    ctx.fillText(`shared screen ${n}`, 40, 180);
  }, 66);
  await state.session.audioVideo.startContentShare(canvas.captureStream(15));
}

function leave() {
  if (state.session) state.session.audioVideo.stop();
}

window.joinMeeting = join;
window.meetingStats = stats;
window.leaveMeeting = leave;
window.shareContent = shareContent;
window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('join').onclick = () => join(JSON.parse(document.getElementById('joinInfo').value));
  document.getElementById('leave').onclick = leave;
});

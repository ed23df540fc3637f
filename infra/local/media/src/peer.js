'use strict';
// One attendee's WebRTC peer connection on the media plane (werift): loopback-only ICE,
// VP8 and Opus only, and answers fixed up for Chromium (see sdp.js).
const os = require('os');

// Loopback only: werift offers a host candidate for every address os.networkInterfaces()
// lists; listing none leaves just iceAdditionalHostAddresses (127.0.0.1). This process is the
// media plane alone, so nothing else depends on the real list.
os.networkInterfaces = () => ({});

const { RTCPeerConnection, useVP8, useOPUS, useSdesMid } = require('werift');
const { isLoopback, loopbackOnly, describe, fixAnswer } = require('./sdp');

function createPeer() {
  return new RTCPeerConnection({
    // No STUN or TURN server (werift would default to a public STUN server).
    iceServers: [],
    iceUseIpv4: true,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterStunResponse: (_message, address) => isLoopback(address[0]),
    iceFilterCandidatePair: (pair) => isLoopback(pair.remoteCandidate.host),
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') { unSubscribe(); resolve(); }
    });
  });
}

// werift registers a re-offer's SSRCs only on transceivers that were already receiving:
// make every m-line the browser sends on route its SSRCs to that transceiver's receiver.
function registerSsrcs(pc, offered) {
  for (const m of offered) {
    if (!['sendrecv', 'sendonly'].includes(m.direction) || !m.ssrcs.length) continue;
    const transceiver = pc.getTransceivers().find((t) => t.mid === m.mid);
    if (!transceiver) continue;
    for (const ssrc of m.ssrcs) {
      if (pc.router.ssrcTable[ssrc] !== transceiver.receiver) pc.router.registerRtpReceiver(transceiver.receiver, ssrc);
    }
  }
}

// Apply the browser's offer; `plan(offered, transceiverByMid)` sets each transceiver's direction
// and sender before the answer is made. Returns the fixed answer text.
async function answerOffer(pc, offerSdp, plan) {
  const offer = loopbackOnly(offerSdp);
  const offered = describe(offer);
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  // werift would otherwise hand an inactive transceiver's MID to the next new m-line.
  for (const t of pc.getTransceivers()) t.usedForSender = true;
  const byMid = new Map(pc.getTransceivers().map((t) => [t.mid, t]));
  plan(offered, byMid);
  registerSsrcs(pc, offered);
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await gatheringComplete(pc);
  return fixAnswer(pc.localDescription.sdp, offer);
}

module.exports = { createPeer, answerOffer };

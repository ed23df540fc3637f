'use strict';
// The media plane's peer connections gather one candidate: UDP on 127.0.0.1 (node --test).
const test = require('node:test');
const assert = require('node:assert');
const { createPeer } = require('../src/peer');

test('a peer connection offers only a 127.0.0.1 host candidate and no STUN or TURN server', async () => {
  const pc = createPeer();
  try {
    assert.deepStrictEqual(pc.config.iceServers, []);
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.iceGatheringStateChange.subscribe((state) => { if (state === 'complete') resolve(); });
    });
    const candidates = pc.localDescription.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    assert.strictEqual(candidates.length, 1);
    const parts = candidates[0].split(' ');
    assert.deepStrictEqual([parts[2], parts[4], parts[7]], ['udp', '127.0.0.1', 'host']);
  } finally {
    await pc.close();
  }
});

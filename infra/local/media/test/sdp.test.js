'use strict';
// Unit tests of the media plane's SDP and capability rules (node --test; no packages needed).
const test = require('node:test');
const assert = require('node:assert');
const { loopbackOnly, describe, fixAnswer, isLoopback } = require('../src/sdp');
const { maySend, mayReceive, baseAttendeeId } = require('../src/capabilities');

const OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv', 'a=ssrc:11 cname:x',
  'a=candidate:1 1 udp 2122260223 192.168.1.20 50000 typ host',
  'a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host',
  'a=candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active',
  'a=candidate:4 1 udp 2122129151 0a1b2c3d-1111-2222-3333-444455556666.local 50002 typ host',
  'a=candidate:5 1 udp 1686052607 203.0.113.7 50003 typ srflx raddr 192.168.1.20 rport 50000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=inactive',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=recvonly',
].join('\r\n') + '\r\n';

test('only UDP candidates on 127.x survive', () => {
  const candidates = loopbackOnly(OFFER).split('\r\n').filter((l) => l.startsWith('a=candidate:'));
  assert.deepStrictEqual(candidates, ['a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host']);
  assert.ok(isLoopback('127.0.0.1') && !isLoopback('127.0.0.1.example') && !isLoopback('10.0.0.1'));
});

test('describe reads mids, directions and ssrcs in m-line order', () => {
  const media = describe(OFFER);
  assert.deepStrictEqual(media.map((m) => [m.mid, m.kind, m.direction]), [
    ['0', 'audio', 'sendrecv'], ['1', 'video', 'inactive'], ['2', 'video', 'recvonly']]);
  assert.deepStrictEqual(media[0].ssrcs, [11]);
});

test('an answer keeps every offered m-line, the offer\'s BUNDLE and loopback candidates only', () => {
  const answer = [
    'v=0', 'o=- 3 4 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE 0 2 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=sendrecv',
    'a=candidate:1 1 udp 1 127.0.0.1 40000 typ host', 'a=candidate:2 1 udp 1 172.17.0.2 40001 typ host',
    'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=recvonly',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:2', 'a=sendonly',
  ].join('\r\n') + '\r\n';
  const fixed = fixAnswer(answer, OFFER);
  const lines = fixed.split('\r\n');
  assert.ok(lines.includes('a=group:BUNDLE 0 1 2'));
  assert.ok(lines.includes('m=video 9 UDP/TLS/RTP/SAVPF 96'));
  assert.ok(!lines.includes('m=video 0 UDP/TLS/RTP/SAVPF 96'));
  assert.deepStrictEqual(describe(fixed).map((m) => m.direction), ['sendrecv', 'inactive', 'sendonly']);
  assert.deepStrictEqual(lines.filter((l) => l.startsWith('a=candidate:')), ['a=candidate:1 1 udp 1 127.0.0.1 40000 typ host']);
});

test('capabilities: waiting sends and receives nothing, receive-only is exactly that', () => {
  const waiting = { Audio: 'None', Video: 'None', Content: 'None' };
  const muted = { Audio: 'Receive', Video: 'SendReceive', Content: 'SendReceive' };
  for (const kind of ['audio', 'video']) {
    assert.strictEqual(maySend(waiting, 'a', kind), false);
    assert.strictEqual(mayReceive(waiting, false, kind), false);
  }
  assert.strictEqual(maySend(muted, 'a', 'audio'), false);
  assert.strictEqual(mayReceive(muted, false, 'audio'), true);
  assert.strictEqual(maySend(muted, 'a', 'video'), true);
  assert.strictEqual(maySend(null, 'a', 'audio'), false);
});

test('a content share sends under its attendee\'s Content capability', () => {
  const noContent = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'Receive' };
  assert.strictEqual(baseAttendeeId('abc#content'), 'abc');
  assert.strictEqual(maySend(noContent, 'abc#content', 'video'), false);
  assert.strictEqual(maySend(noContent, 'abc', 'video'), true);
  assert.strictEqual(mayReceive({ Audio: 'SendReceive', Video: 'SendReceive', Content: 'None' }, true, 'video'), false);
});

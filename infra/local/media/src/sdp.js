'use strict';
// SDP text rules of the media plane: loopback-only candidates both ways, and the fixes a
// werift answer needs before Chromium and the Chime SDK accept it.

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function isLoopback(address) {
  return typeof address === 'string' && LOOPBACK.test(address);
}

function splitSections(sdp) {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const session = [];
  const media = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else if (media.length) media[media.length - 1].push(line);
    else session.push(line);
  }
  return { session, media };
}

function join({ session, media }) {
  return [...session, ...media.flat()].join('\r\n') + '\r\n';
}

// a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
function candidateIsLoopbackUdp(line) {
  const parts = line.slice('a=candidate:'.length).split(' ');
  return parts[2] && parts[2].toLowerCase() === 'udp' && isLoopback(parts[4]);
}

// Drop every candidate that is not UDP on 127.x.x.x (a browser offers its LAN, mDNS and
// TCP candidates too): the media plane never sends to another address.
function loopbackOnly(sdp) {
  const parsed = splitSections(sdp);
  parsed.media = parsed.media.map((section) => section.filter(
    (line) => !line.startsWith('a=candidate:') || candidateIsLoopbackUdp(line)));
  return join(parsed);
}

function attr(section, name) {
  const line = section.find((l) => l.startsWith(`a=${name}:`));
  return line ? line.slice(name.length + 3) : undefined;
}

const DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

// [{mid, kind, port, direction, ssrcs, msid}] in m-line order.
function describe(sdp) {
  return splitSections(sdp).media.map((section) => {
    const [kind, port] = section[0].slice(2).split(' ');
    const ssrcs = [...new Set(section.filter((l) => l.startsWith('a=ssrc:'))
      .map((l) => Number(l.slice(7).split(' ')[0])))];
    const group = attr(section, 'ssrc-group');
    const primary = group && group.startsWith('FID ') ? Number(group.split(' ')[1]) : ssrcs[0];
    return {
      mid: attr(section, 'mid'), kind, port: Number(port),
      direction: DIRECTIONS.find((d) => section.includes(`a=${d}`)) || 'sendrecv',
      ssrcs, primarySsrc: primary, msid: attr(section, 'msid'),
    };
  });
}

// Answer fixes: an m-line werift rejected with port 0 although the offer kept it becomes an
// inactive one (Chromium would stop that transceiver for good, and the SDK reuses it); the
// BUNDLE group is the offer's (werift adds MIDs the offer did not bundle); candidates are loopback.
function fixAnswer(answer, offer) {
  const offered = describe(offer);
  const offerGroup = splitSections(offer).session.find((l) => l.startsWith('a=group:BUNDLE'));
  const parsed = splitSections(answer);
  parsed.media = parsed.media.map((section, i) => {
    const mine = section;
    const theirs = offered[i];
    const [kind, port, ...rest] = mine[0].slice(2).split(' ');
    if (Number(port) === 0 && theirs && theirs.port !== 0) {
      mine[0] = `m=${kind} 9 ${rest.join(' ')}`;
      const out = mine.filter((l) => !DIRECTIONS.some((d) => l === `a=${d}`));
      out.push('a=inactive');
      return out;
    }
    return mine;
  });
  parsed.session = parsed.session.filter((l) => !l.startsWith('a=group:BUNDLE'));
  if (offerGroup) {
    const rejected = new Set(offered.filter((m) => m.port === 0).map((m) => m.mid));
    const mids = offerGroup.split(' ').slice(1).filter((mid) => !rejected.has(mid));
    parsed.session.push(`a=group:BUNDLE ${mids.join(' ')}`);
  }
  return loopbackOnly(join(parsed));
}

module.exports = { isLoopback, loopbackOnly, describe, fixAnswer };

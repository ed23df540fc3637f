'use strict';
// The local media plane (part of the local stack): serves the Chime SDK's signaling
// websocket on loopback, forwards media between the browsers of one meeting, and asks the
// emulator who may join and send what. Also serves a small page that joins a meeting.
//
//   node src/main.js --port 4568 --emulator http://127.0.0.1:4566
const http = require('http');
const { WebSocketServer } = require('ws');
const { Emulator } = require('./emulator');
const { Meeting } = require('./meeting');
const { Session } = require('./session');
const { CONTENT_SUFFIX } = require('./capabilities');
const { servePage } = require('./page');

function parseArgs(argv) {
  const args = { host: '127.0.0.1', port: 4568, emulator: 'http://127.0.0.1:4566' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args)) throw new Error(`unknown option ${argv[i]}`);
    args[key] = key === 'port' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return args;
}

function log(message) {
  process.stderr.write(`${new Date().toISOString()} media ${message}\n`);
}

const MEETING_PATH = /^\/control\/([0-9a-fA-F-]{36})$/;
const CHANGED_PATH = /^\/_internal\/meetings\/([0-9a-fA-F-]{36})\/changed$/;

function main() {
  const args = parseArgs(process.argv.slice(2));
  const emulator = new Emulator(args.emulator);
  const meetings = new Map();

  const meetingFor = (meetingId) => {
    const id = meetingId.toLowerCase();
    let meeting = meetings.get(id);
    if (!meeting) {
      meeting = new Meeting(id, emulator, log);
      meeting.onEmpty = (m) => {
        if (meetings.get(id) === m) meetings.delete(id);
      };
      meetings.set(id, meeting);
    }
    return meeting;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://local');
    if (req.method === 'GET' && url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', meetings: meetings.size }));
      return;
    }
    const changed = req.method === 'POST' && CHANGED_PATH.exec(url.pathname);
    if (changed) {
      const meeting = meetings.get(changed[1].toLowerCase());
      (meeting ? meeting.refresh() : Promise.resolve()).finally(() => { res.writeHead(204); res.end(); });
      return;
    }
    if (url.pathname === '/v1/client-events') {
      // The SDK's client events (EventIngestionUrl): accepted and dropped, as nothing reads them locally.
      res.writeHead(204, {
        'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST',
      });
      req.resume();
      res.end();
      return;
    }
    if (req.method === 'GET' && servePage(url.pathname, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });

  const wss = new WebSocketServer({
    noServer: true,
    // Chromium fails the handshake unless the server selects this subprotocol.
    handleProtocols: (protocols) => (protocols.has('_aws_wt_session') ? '_aws_wt_session' : false),
  });

  server.on('upgrade', async (req, socket, head) => {
    const url = new URL(req.url, 'http://local');
    const match = MEETING_PATH.exec(url.pathname);
    const protocols = String(req.headers['sec-websocket-protocol'] || '').split(',').map((p) => p.trim());
    const token = protocols[0] === '_aws_wt_session' ? protocols[1] : undefined;
    if (!match || !token) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const meetingId = match[1].toLowerCase();
    const content = token.endsWith(CONTENT_SUFFIX);
    const baseToken = content ? token.slice(0, -CONTENT_SUFFIX.length) : token;
    let attendee;
    let roster;
    try {
      roster = await emulator.roster(meetingId);
      attendee = roster ? await emulator.resolve(meetingId, baseToken) : null;
    } catch (err) {
      log(`emulator unreachable: ${err}`);
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The SDK maps close code 4410 to "meeting ended"; an unknown token is refused (4403).
      if (roster === null) { ws.close(4410, 'meeting ended'); return; }
      if (!attendee) { ws.close(4403, 'unknown join token'); return; }
      const meeting = meetingFor(meetingId);
      meeting.apply(roster); // what the token was checked against, before any frame is handled
      const session = new Session(meeting, ws, {
        attendeeId: attendee.AttendeeId + (content ? CONTENT_SUFFIX : ''),
        baseAttendeeId: attendee.AttendeeId,
        externalUserId: attendee.ExternalUserId,
      });
      meeting.add(session);
      meeting.refresh(); // a change pushed while the token was being checked is not lost
    });
  });

  server.listen(args.port, args.host, () => {
    log(`listening on ${args.host}:${server.address().port} (emulator ${args.emulator})`);
  });
  const stop = () => {
    for (const meeting of meetings.values()) meeting.end();
    server.close();
    setTimeout(() => process.exit(0), 300).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Die with the stack that started this process (Python children use prctl for that).
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop(); }, 1000).unref();
}

main();

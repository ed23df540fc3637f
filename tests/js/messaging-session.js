#!/usr/bin/env node
// Opens a real amazon-chime-sdk-js DefaultMessagingSession against the local stack and prints
// what it receives as JSON lines on stdout (diagnostics go to stderr):
//   {"event":"started"}                       messagingSessionDidStart
//   {"event":"message","type",…,"headers",…,"payload"}   every messagingSessionDidReceiveMessage
//   {"event":"stopped","code":…}              messagingSessionDidStop
//   {"event":"error","message":…}             start() rejected, or the time limit passed
//
// Usage: node messaging-session.js --endpoint http://127.0.0.1:4566 --user-arn ARN
//          [--region us-east-1] [--messages N] [--timeout-ms 30000] [--prefetch]
//          [--reconnect-timeout-ms N]
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
// (testing/testing when unset). Exits 0 after N CREATE_CHANNEL_MESSAGE events (default 1).
'use strict';

const { parseArgs } = require('node:util');
const WebSocketImpl = require('ws');
const { ChimeSDKMessagingClient } = require('@aws-sdk/client-chime-sdk-messaging');
const {
  DefaultMessagingSession,
  MessagingSessionConfiguration,
  PrefetchOn,
  LogLevel,
} = require('amazon-chime-sdk-js');

// Node 20 has no global CloseEvent; the SDK builds one when GetMessagingSessionEndpoint fails.
if (typeof globalThis.CloseEvent === 'undefined') {
  globalThis.CloseEvent = class CloseEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      this.code = init.code ?? 0;
      this.reason = init.reason ?? '';
      this.wasClean = init.wasClean ?? false;
    }
  };
}

const ReadyState = { None: 0, Connecting: 1, Open: 2, Closing: 3, Closed: 4 };

// The SDK hard-codes wss:// in the URL it signs; the local server speaks plain ws:// on
// 127.0.0.1. Only the scheme changes: host, path and the signed query stay as signed.
class LocalWebSocketAdapter {
  constructor(logger) {
    this.logger = logger;
    this.connection = undefined;
  }

  create(url, protocols) {
    const local = url.replace(/^wss:\/\//, 'ws://');
    this.connection = new WebSocketImpl(local, protocols);
    this.connection.binaryType = 'arraybuffer';
  }

  send(message) {
    if (!this.connection) return false;
    try {
      this.connection.send(message instanceof Uint8Array ? message.buffer : message);
      return true;
    } catch (err) {
      this.logger.debug(() => `send error: ${err.message}`);
      return false;
    }
  }

  close(code, reason) {
    if (this.connection) this.connection.close(code, reason);
  }

  destroy() {
    this.connection = undefined;
  }

  addEventListener(type, listener) {
    if (this.connection) this.connection.addEventListener(type, listener);
  }

  removeEventListener(type, listener) {
    if (this.connection) this.connection.removeEventListener(type, listener);
  }

  readyState() {
    if (!this.connection) return ReadyState.None;
    switch (this.connection.readyState) {
      case WebSocketImpl.CONNECTING:
        return ReadyState.Connecting;
      case WebSocketImpl.OPEN:
        return ReadyState.Open;
      case WebSocketImpl.CLOSING:
        return ReadyState.Closing;
      default:
        return ReadyState.Closed;
    }
  }
}

class StderrLogger {
  constructor(level) {
    this.level = level;
  }
  write(level, name, msg) {
    if (level >= this.level) {
      process.stderr.write(`[${name}] ${typeof msg === 'function' ? msg() : msg}\n`);
    }
  }
  debug(msg) { this.write(LogLevel.DEBUG, 'debug', msg); }
  info(msg) { this.write(LogLevel.INFO, 'info', msg); }
  warn(msg) { this.write(LogLevel.WARN, 'warn', msg); }
  error(msg) { this.write(LogLevel.ERROR, 'error', msg); }
  setLogLevel(level) { this.level = level; }
  getLogLevel() { return this.level; }
}

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      'user-arn': { type: 'string' },
      region: { type: 'string', default: 'us-east-1' },
      messages: { type: 'string', default: '1' },
      'timeout-ms': { type: 'string', default: '30000' },
      'reconnect-timeout-ms': { type: 'string' },
      prefetch: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (!values.endpoint || !values['user-arn']) {
    throw new Error('--endpoint and --user-arn are required');
  }
  const wanted = Number(values.messages);
  const logger = new StderrLogger(values.verbose ? LogLevel.DEBUG : LogLevel.WARN);

  const chimeClient = new ChimeSDKMessagingClient({
    region: values.region,
    endpoint: values.endpoint,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'testing',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'testing',
      sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
    },
  });
  const configuration = new MessagingSessionConfiguration(
    values['user-arn'], null, undefined, chimeClient,
  );
  if (values.prefetch) configuration.prefetchOn = PrefetchOn.Connect;
  if (values['reconnect-timeout-ms']) {
    configuration.reconnectTimeoutMs = Number(values['reconnect-timeout-ms']);
  }
  const session = new DefaultMessagingSession(
    configuration, logger, new LocalWebSocketAdapter(logger),
  );

  let received = 0;
  const done = new Promise((resolve) => {
    session.addObserver({
      messagingSessionDidStart() {
        emit({ event: 'started' });
      },
      messagingSessionDidReceiveMessage(message) {
        emit({ event: 'message', type: message.type, headers: message.headers, payload: message.payload });
        if (message.type === 'CREATE_CHANNEL_MESSAGE') {
          received += 1;
          if (received >= wanted) resolve(0);
        }
      },
      messagingSessionDidStop(event) {
        emit({ event: 'stopped', code: event.code, reason: event.reason });
        resolve(received >= wanted ? 0 : 3);
      },
    });
  });
  // When reconnecting gives up before SESSION_ESTABLISHED, the SDK rejects the promise of its
  // last retry, which nobody awaits (start()'s own promise never settles): in Node that is an
  // unhandled rejection, reported here as start() failing.
  process.on('unhandledRejection', (reason) => {
    if (reason && typeof reason.code === 'number') {
      emit({ event: 'error', message: 'start() rejected', code: reason.code });
      process.exit(1);
    }
    throw reason;
  });

  // One deadline for everything, start() included: a refused connection makes the SDK retry
  // until its own reconnect timeout.
  setTimeout(() => {
    emit({ event: 'error', message: `timed out after ${values['timeout-ms']} ms` });
    process.exit(2);
  }, Number(values['timeout-ms']));

  try {
    await session.start();
  } catch (closeEvent) {
    emit({ event: 'error', message: 'start() rejected', code: closeEvent && closeEvent.code });
    return 1;
  }
  const code = await done;
  session.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    emit({ event: 'error', message: String(err && err.stack ? err.stack : err) });
    process.exit(1);
  },
);

// The TypeScript client against a running local stack (tests/console/test_typescript_client.py
// starts one and passes its addresses in TELEHEALTH_TEST_STACK, a JSON file).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError, AuthSession, TelehealthMessagingSession, createTelehealthApi, unwrap } from '../dist/index.js';
import { NodeWebSocketAdapter } from './ws-adapter.mjs';

if (typeof globalThis.CloseEvent === 'undefined') {
  // Node 20 has none; the SDK builds one when a connection attempt fails.
  globalThis.CloseEvent = class CloseEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      this.code = init.code ?? 0;
      this.reason = init.reason ?? '';
      this.wasClean = init.wasClean ?? false;
    }
  };
}

const stack = JSON.parse(readFileSync(process.env.TELEHEALTH_TEST_STACK, 'utf8'));
const PASSWORD = 'Str0ng!Passw0rd-Ts';

async function outboxCode(email) {
  for (let i = 0; i < 100; i += 1) {
    const { messages } = await (await fetch(`${stack.endpoint}/_local/outbox/email`)).json();
    const found = messages.filter((m) => m.to === email && m.code);
    if (found.length) return found.at(-1).code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code e-mailed to ${email}`);
}

async function newPatient() {
  const api = createTelehealthApi(stack.services);
  const email = `ts-patient-${randomBytes(4).toString('hex')}@example.com`;
  const signedUp = unwrap(await api.identity.POST('/signup', {
    body: { email, password: PASSWORD, name: 'Tess Script', phone_number: '+14155550123', role: 'patient' },
  }));
  unwrap(await api.identity.POST('/confirm', { body: { email, code: await outboxCode(email) } }));
  await api.auth.signIn(email, PASSWORD);
  return { api, email, userId: signedUp.user_id };
}

async function doctor() {
  const api = createTelehealthApi(stack.services);
  await api.auth.signIn(stack.doctor.email, stack.doctor.password);
  return api;
}

let patient;
let doc;
before(async () => {
  patient = await newPatient();
  doc = await doctor();
});

async function until(condition, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function nextEvent(events, predicate, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching event')), timeoutMs);
    const check = () => {
      const found = events.find(predicate);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      } else setTimeout(check, 50);
    };
    check();
  });
}

test('a typed sign-up, sign-in and profile read', async () => {
  const me = unwrap(await patient.api.identity.GET('/me'));
  assert.equal(me.email, patient.email);
  assert.equal(me.role, 'patient');
  assert.equal(me.user_id, patient.userId);
});

test('errors arrive as ApiError with the API code, readable details and the request id', async () => {
  const result = await patient.api.identity.POST('/signup', {
    body: { email: 'not-an-address', password: 'x', name: 'A', phone_number: '1', role: 'patient' },
  });
  const error = ApiError.from(result.response, result.error);
  assert.equal(error.status, 400);
  assert.equal(error.code, 'ValidationError');
  assert.ok(error.details.some((d) => d.path === '$.email'));
  assert.match(error.readable, /email/);
  assert.ok(error.requestId);
  await assert.rejects(new AuthSession({ identityUrl: stack.services.identity }).signIn(patient.email, 'Wrong!Passw0rd1'),
    (e) => e instanceof ApiError && e.status === 401 && e.code === 'Unauthorized');
});

test('booking with an Idempotency-Key replays the same appointment', async () => {
  const found = unwrap(await doc.identity.GET('/patients', { params: { query: { email: patient.email } } }));
  assert.deepEqual(found.patients.map((p) => p.user_id), [patient.userId]);
  const key = randomUUID();
  const body = { patient_id: patient.userId, starts_at: new Date(Date.now() + 3_600_000).toISOString(), reason: 'Typed visit' };
  const first = await doc.scheduling.POST('/appointments', { body, headers: { 'Idempotency-Key': key } });
  const again = await doc.scheduling.POST('/appointments', { body, headers: { 'Idempotency-Key': key } });
  assert.equal(first.response.status, 201);
  assert.equal(again.data.appointment_id, first.data.appointment_id);
  assert.equal(again.response.headers.get('Idempotent-Replayed'), 'true');
  assert.equal(first.response.headers.get('Idempotent-Replayed'), null);
  const mine = unwrap(await patient.api.scheduling.GET('/appointments'));
  assert.ok(mine.appointments.some((a) => a.appointment_id === first.data.appointment_id));
});

test('the ID token is refreshed shortly before it expires', async () => {
  let offset = 0;
  const auth = new AuthSession({ identityUrl: stack.services.identity, now: () => Date.now() + offset });
  const api = createTelehealthApi(stack.services, { auth });
  await auth.signIn(patient.email, PASSWORD);
  unwrap(await api.identity.GET('/me'));
  assert.equal(auth.refreshCount, 0);
  offset = 3_600_000; // the clock says the hour-long token is about to expire
  const [a, b] = await Promise.all([api.identity.GET('/me'), api.messaging.GET('/session')]);
  assert.equal(a.response.status, 200);
  assert.equal(b.response.status, 200);
  assert.equal(auth.refreshCount, 1, 'concurrent callers share one refresh');
});

test('a refused token is refreshed once and the request retried', async () => {
  let spoiled = 0;
  const spoiling = async (input, init) => {
    const request = new Request(input, init);
    if (spoiled === 0 && request.headers.get('Authorization')) {
      spoiled += 1;
      request.headers.set('Authorization', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.forged');
    }
    return fetch(request);
  };
  const api = createTelehealthApi(stack.services, { fetch: spoiling });
  await api.auth.signIn(patient.email, PASSWORD);
  const me = await api.identity.GET('/me');
  assert.equal(spoiled, 1);
  assert.equal(me.response.status, 200);
  assert.equal(api.auth.refreshCount, 1);
  api.auth.signOut();
  const anonymous = await api.identity.GET('/me');
  assert.equal(anonymous.response.status, 401);
});

test('the messaging session receives chat live and reconnects with a fresh URL after a drop', async () => {
  const booked = unwrap(await doc.scheduling.POST('/appointments', {
    body: { patient_id: patient.userId, starts_at: new Date(Date.now() + 7_200_000).toISOString() },
  }));
  const id = booked.appointment_id;
  const events = [];
  const states = [];
  const socket = new NodeWebSocketAdapter();
  const session = new TelehealthMessagingSession({
    api: patient.api, webSocket: socket, onEvent: (e) => events.push(e), onStateChange: (s) => states.push(s),
  });
  try {
    await session.start();
    assert.equal(session.signer.fetched, 1);
    assert.match(socket.urls[0], /^wss?:\/\/.+\/connect\?.*X-Amz-Signature=/);
    unwrap(await doc.messaging.POST('/appointments/{appointment_id}/messages', {
      params: { path: { appointment_id: id } }, body: { content: 'First live line', client_id: 'c-1' },
    }));
    const first = await nextEvent(events, (e) => e.type === 'CREATE_CHANNEL_MESSAGE' && e.content === 'First live line');
    assert.equal(first.kind, 'chat');
    assert.equal(first.clientId, 'c-1');
    assert.equal(first.channelArn, booked.channel_arn);

    socket.drop();
    await nextEvent(states, (s) => s === 'reconnecting');
    await until(() => states.filter((s) => s === 'open').length >= 2);
    assert.ok(session.signer.fetched >= 2, 'each connection attempt asks the API for a new URL');
    assert.notEqual(socket.urls.at(-1), socket.urls[0]);
    unwrap(await doc.messaging.POST('/appointments/{appointment_id}/messages', {
      params: { path: { appointment_id: id } }, body: { content: 'After the drop' },
    }));
    await nextEvent(events, (e) => e.type === 'CREATE_CHANNEL_MESSAGE' && e.content === 'After the drop');
  } finally {
    session.stop();
  }
});

// CORS as a real browser enforces it: from the console's origin a booking with an
// Idempotency-Key passes its preflight and the exposed headers can be read; from another
// origin the same call fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { launch, person, stack } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function bookTwice(page, services, doctor, patientId) {
  return page.evaluate(async ({ services, doctor, patientId, key }) => {
    const signin = await fetch(`${services.identity}/signin`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: doctor.email, password: doctor.password }),
    });
    const { id_token: token } = await signin.json();
    const body = JSON.stringify({ patient_id: patientId, starts_at: new Date(Date.now() + 86_400_000).toISOString() });
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Request-Id': 'browser-test-0001' };
    const first = await fetch(`${services.scheduling}/appointments`, { method: 'POST', headers, body });
    const second = await fetch(`${services.scheduling}/appointments`, { method: 'POST', headers, body });
    return {
      statuses: [first.status, second.status],
      requestId: first.headers.get('x-request-id'),
      replayed: [first.headers.get('Idempotent-Replayed'), second.headers.get('Idempotent-Replayed')],
      same: (await first.json()).appointment_id === (await second.json()).appointment_id,
    };
  }, { services, doctor, patientId, key: randomUUID() });
}

test('from the console origin: preflight passes, exposed headers are readable', async () => {
  const { page, context } = await person(browser, 'cors');
  await page.goto(stack.console);
  const result = await bookTwice(page, stack.services, stack.doctor, stack.patient.user_id);
  assert.deepEqual(result.statuses, [201, 201]);
  assert.equal(result.requestId, 'browser-test-0001');
  assert.deepEqual(result.replayed, [null, 'true']);
  assert.ok(result.same);
  await context.close();
});

test('from another origin the browser refuses the call', async () => {
  const { page, context } = await person(browser, 'elsewhere');
  await page.goto(`${stack.endpoint}/_local/health`); // another port: another origin
  const outcome = await page.evaluate(async (identity) => {
    try {
      await fetch(`${identity}/signin`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return 'allowed';
    } catch (error) {
      return String(error);
    }
  }, stack.services.identity);
  assert.match(outcome, /Failed to fetch/);
  await context.close();
});

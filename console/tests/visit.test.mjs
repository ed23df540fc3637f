// A whole visit played through the web console by people in their own browser contexts: the
// clinic admin invites a doctor, who signs up with the e-mailed code; a patient signs up; then
// book, check in, chat, the meeting over the local media plane (fake camera and microphone),
// admit, see each other's video, complete. An axe-core scan and a screenshot of every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launch, outboxCode, person, screenshot, seriousViolations, stack, textedCode } from './browser.mjs';

const PASSWORD = 'Str0ng!Passw0rd-Web';
const patientEmail = `web-patient-${randomBytes(4).toString('hex')}@example.com`;
const patientName = 'Pat Browser';
const doctorEmail = `web-doctor-${randomBytes(4).toString('hex')}@example.com`;
const doctorName = 'Dr Grace Hopper';
const TIMEOUT = { timeout: 20_000 };

let browser;
let doctor;
let patient;

async function scan(who, name) {
  await screenshot(who.page, name);
  assert.deepEqual(await seriousViolations(who.page), [], `axe on ${name}`);
}

/** A test step whose failure leaves a screenshot of both people's pages behind. */
function step(name, options, fn) {
  if (!fn) [options, fn] = [{}, options];
  test(name, options, async () => {
    try {
      await fn();
    } catch (error) {
      const slug = name.replace(/[^a-z]+/gi, '-').slice(0, 40);
      for (const who of [doctor, patient]) await screenshot(who.page, `failed-${slug}-${who.name}`).catch(() => {});
      throw error;
    }
  });
}

before(async () => {
  browser = await launch();
  doctor = await person(browser, 'doctor');
  patient = await person(browser, 'patient');
});

after(async () => {
  await browser?.close();
});

step('the console is served with a strict Content-Security-Policy', async () => {
  const response = await patient.page.goto(stack.console);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /object-src 'none'/);
  await patient.page.getByRole('heading', { name: 'Sign in' }).waitFor(TIMEOUT);
  await scan(patient, 'sign-in');
});

step('a patient signs up, confirms the e-mailed code and signs in', async () => {
  const { page } = patient;
  await page.getByRole('button', { name: 'Create a patient account' }).click();
  await page.getByLabel('Full name').fill(patientName);
  await page.getByLabel('E-mail').fill(patientEmail);
  await page.getByLabel('Mobile phone').fill('+14155550142');
  await page.getByLabel('Password').fill('weak');
  await scan(patient, 'sign-up');
  await page.getByRole('button', { name: 'Sign up' }).click();
  // Bad input shows the API's readable error.
  await page.getByRole('alert').filter({ hasText: /password/i }).waitFor(TIMEOUT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Confirm your e-mail' }).waitFor(TIMEOUT);
  await page.getByLabel('Confirmation code').fill(await outboxCode(patientEmail));
  await scan(patient, 'confirm');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'confirmed' }).waitFor(TIMEOUT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My visits' }).waitFor(TIMEOUT);
  await page.getByText('Live', { exact: true }).waitFor(TIMEOUT);
  assert.ok(!page.url().includes(patientEmail) && !page.url().includes('@'), 'no patient data in the URL');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.equal(stored, '{}{}', 'tokens stay in memory');
  await scan(patient, 'patient-visits');
});

step('the invitation sign-up page', async () => {
  const page = await patient.context.newPage();
  await page.goto(stack.console);
  await page.getByRole('button', { name: 'I have an invitation code' }).click();
  await page.getByLabel('Invitation code').waitFor(TIMEOUT);
  await scan({ page }, 'invitation-sign-up');
  await page.close();
});

step('the clinic admin invites a doctor, who signs up with the e-mailed code', async () => {
  const admin = await person(browser, 'admin');
  await admin.page.goto(stack.console);
  await admin.page.getByLabel('E-mail').fill(stack.admin.email);
  await admin.page.getByLabel('Password').fill(stack.admin.password);
  await admin.page.getByRole('button', { name: 'Sign in' }).click();
  await admin.page.getByRole('heading', { name: 'Invitations' }).waitFor(TIMEOUT);
  await admin.page.getByLabel("Invitee's full name").fill(doctorName);
  await admin.page.getByLabel("Invitee's e-mail").fill(doctorEmail);
  await admin.page.getByRole('button', { name: 'Send invitation' }).click();
  await admin.page.getByRole('status').filter({ hasText: 'Invitation e-mailed' }).waitFor(TIMEOUT);
  await admin.page.getByRole('button', { name: 'Filter' }).click();
  await admin.page.getByRole('table', { name: 'Newest first' }).getByText('invitation.create').first().waitFor(TIMEOUT);
  await scan(admin, 'admin');
  assert.deepEqual(admin.problems, []);
  await admin.context.close();

  const { page } = doctor;
  await page.goto(stack.console);
  await page.getByRole('button', { name: 'I have an invitation code' }).click();
  await page.getByLabel('Full name').fill(doctorName);
  await page.getByLabel('E-mail').fill(doctorEmail);
  await page.getByLabel('Mobile phone').fill('+14155550177');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Invitation code').fill(await outboxCode(doctorEmail));
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Confirmation code').fill(await outboxCode(doctorEmail, 1));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('status').filter({ hasText: 'confirmed' }).waitFor(TIMEOUT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Book a visit' }).waitFor(TIMEOUT);
  await page.getByText('Live', { exact: true }).waitFor(TIMEOUT);
});

step('the doctor books a visit by the patient\'s e-mail', async () => {
  const { page } = doctor;
  await page.getByLabel("Patient's e-mail").fill(patientEmail.toUpperCase());
  // Soon enough that a guest's join code is already valid (from 15 minutes before the start).
  await page.getByLabel('Starts at').fill(new Date(Date.now() + 10 * 60_000).toISOString().slice(0, 16));
  await page.getByLabel('Reason (optional)').fill('Follow-up on test results');
  await page.getByRole('button', { name: 'Book visit' }).click();
  await page.getByRole('status').filter({ hasText: `Booked with ${patientName}` }).waitFor(TIMEOUT);
  await page.getByRole('button', { name: `Open visit with ${patientName}` }).waitFor(TIMEOUT);
  await scan(doctor, 'doctor-visits');
});

step('the patient checks in and the doctor sees it live', async () => {
  await patient.page.getByRole('button', { name: 'My visits' }).click();
  await patient.page.getByRole('button', { name: `Open visit with ${doctorName}` }).click();
  await patient.page.getByRole('heading', { name: `Visit with ${doctorName}` }).waitFor(TIMEOUT);
  await patient.page.getByRole('button', { name: 'Check in' }).click();
  await patient.page.getByRole('status').filter({ hasText: 'You are checked in.' }).waitFor(TIMEOUT);
  // No reload on the doctor's side: the check-in arrives over the messaging session.
  await doctor.page.getByText('Patient checked in', { exact: true }).waitFor(TIMEOUT);
  await scan(patient, 'patient-visit');
});

step('chat goes both ways and arrives live', async () => {
  await doctor.page.getByRole('button', { name: `Open visit with ${patientName}` }).click();
  await doctor.page.getByRole('heading', { name: `Visit with ${patientName}` }).waitFor(TIMEOUT);
  await doctor.page.getByLabel('Message', { exact: true }).fill('Hello, I can see you checked in.');
  await doctor.page.getByRole('button', { name: 'Send' }).click();
  await patient.page.getByRole('list', { name: 'Messages' }).getByText('Hello, I can see you checked in.').waitFor(TIMEOUT);
  await patient.page.getByLabel('Message', { exact: true }).fill('Thank you, doctor.');
  await patient.page.getByRole('button', { name: 'Send' }).click();
  await doctor.page.getByRole('list', { name: 'Messages' }).getByText('Thank you, doctor.').waitFor(TIMEOUT);
  await scan(doctor, 'doctor-visit');
});

step('the profile page', async () => {
  await patient.page.getByRole('button', { name: 'Profile' }).click();
  await patient.page.getByRole('heading', { name: 'Profile' }).waitFor(TIMEOUT);
  await patient.page.getByText(patientEmail).waitFor(TIMEOUT);
  await scan(patient, 'profile');
  await patient.page.getByRole('button', { name: 'My visits' }).click();
  await patient.page.getByRole('button', { name: `Open visit with ${doctorName}` }).click();
});

step('meeting: start, wait, admit, see each other, complete', async () => {
  await doctor.page.getByRole('button', { name: 'Start meeting' }).click();
  await doctor.page.getByRole('button', { name: 'End meeting' }).waitFor(TIMEOUT);
  // The patient joins once the invitation to the started meeting arrives in the chat.
  await patient.page.getByRole('list', { name: 'Messages' }).getByText('Video call invitation').waitFor(TIMEOUT);
  await patient.page.getByRole('button', { name: 'Join meeting' }).click();
  await patient.page.getByRole('heading', { name: 'Waiting for the doctor to let you in' }).waitFor(TIMEOUT);
  await scan(patient, 'patient-waiting');
  await doctor.page.getByRole('button', { name: 'Admit patient' }).click();
  await patient.page.getByRole('heading', { name: 'Waiting for the doctor to let you in' }).waitFor({ state: 'detached', ...TIMEOUT });
  for (const who of [doctor, patient]) {
    // Each sees a remote video tile that is really playing (frames from the other's fake camera).
    // (The component library marks remote tiles `ch-remote-video--<tile>`; the local ones are not.)
    await who.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="video-tiles"] [class*="ch-remote-video--"] video')]
      .some((v) => v.videoWidth > 0 && v.readyState >= 2 && !v.paused), undefined, TIMEOUT);
  }
  // The meeting's roster names the people in it.
  await doctor.page.locator('.roster').getByText(patientName).waitFor(TIMEOUT);
  await patient.page.locator('.roster').getByText(doctorName).waitFor(TIMEOUT);
  await scan(doctor, 'doctor-meeting');
  await scan(patient, 'patient-meeting');

  // The doctor mutes the patient: the roster the API returns says so.
  const participants = doctor.page.getByRole('list', { name: 'Participants' });
  await participants.getByRole('button', { name: 'Mute patient' }).click();
  await participants.getByRole('button', { name: 'Unmute patient' }).waitFor(TIMEOUT);
  await participants.getByText('admitted, muted', { exact: true }).waitFor(TIMEOUT);

  // An interpreter is invited as a guest; the one-time code goes out by text message.
  await doctor.page.getByLabel("Guest's name").fill('Ivy Interpreter');
  await doctor.page.getByLabel('Guest is a').selectOption('interpreter');
  await doctor.page.getByLabel("Guest's mobile phone or e-mail").fill('+14155550188');
  await doctor.page.getByRole('button', { name: 'Invite guest' }).click();
  const guests = doctor.page.getByRole('list', { name: 'Invited guests' });
  await guests.getByText('Ivy Interpreter (interpreter)').waitFor(TIMEOUT);
  await guests.getByText('invited', { exact: true }).waitFor(TIMEOUT);

  // The guest joins with the texted code, without an account, and the doctor admits them.
  const guest = await person(browser, 'guest');
  await guest.page.goto(stack.console);
  await guest.page.getByRole('button', { name: 'Join a visit as a guest' }).click();
  await guest.page.getByLabel('Join code').fill(await textedCode('+14155550188'));
  await scan(guest, 'guest-join');
  await guest.page.getByRole('button', { name: 'Join visit' }).click();
  await guest.page.getByRole('status').filter({ hasText: 'Nobody sees or hears you until the doctor lets you in.' }).waitFor(TIMEOUT);
  await participants.getByRole('button', { name: 'Admit guest' }).click();
  await participants.getByRole('listitem').filter({ hasText: 'guest' }).getByText('admitted', { exact: true }).waitFor(TIMEOUT);
  await guests.getByText('joined', { exact: true }).waitFor(TIMEOUT);
  // Once admitted, the guest's camera reaches the doctor: two remote tiles play.
  await doctor.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="video-tiles"] [class*="ch-remote-video--"] video')]
    .filter((v) => v.videoWidth > 0 && v.readyState >= 2 && !v.paused).length >= 2, undefined, TIMEOUT);
  await guest.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="video-tiles"] [class*="ch-remote-video--"] video')]
    .some((v) => v.videoWidth > 0 && v.readyState >= 2 && !v.paused), undefined, TIMEOUT);
  await scan(guest, 'guest-meeting');
  assert.deepEqual(guest.problems, []);
  await guest.context.close();

  await doctor.page.getByRole('button', { name: 'Complete visit' }).click();
  await doctor.page.getByText('Completed', { exact: true }).waitFor(TIMEOUT);
  await patient.page.getByText('Completed', { exact: true }).waitFor(TIMEOUT);
});

step('a second visit: moved, declined, joined and removed, refused as a no-show, cancelled', async () => {
  await doctor.page.getByRole('button', { name: 'Visits' }).click();
  await doctor.page.getByLabel("Patient's e-mail").fill(patientEmail);
  await doctor.page.getByLabel('Reason (optional)').fill('Second visit');
  await doctor.page.getByRole('button', { name: 'Book visit' }).click();
  await doctor.page.getByRole('status').filter({ hasText: `Booked with ${patientName}` }).waitFor(TIMEOUT);
  await doctor.page.getByRole('list', { name: 'Visits' }).getByRole('listitem').filter({ hasText: 'Scheduled' })
    .getByRole('button', { name: `Open visit with ${patientName}` }).click();
  await doctor.page.getByText('Second visit', { exact: true }).waitFor(TIMEOUT);

  // Moved three hours on (the browser's clock runs in UTC, as the datetime-local value is).
  const moved = new Date(Date.now() + 3 * 3_600_000);
  await doctor.page.getByLabel('New start time').fill(moved.toISOString().slice(0, 16));
  await doctor.page.getByRole('button', { name: 'Move visit' }).click();
  await doctor.page.locator('dl.facts').getByText(moved.toISOString().slice(11, 16)).waitFor(TIMEOUT);

  await patient.page.getByRole('button', { name: 'My visits' }).click();
  await patient.page.getByRole('list', { name: 'My visits' }).getByRole('listitem').filter({ hasText: 'Scheduled' })
    .getByRole('button', { name: `Open visit with ${doctorName}` }).click();
  await patient.page.getByText('Second visit', { exact: true }).waitFor(TIMEOUT);

  await doctor.page.getByRole('button', { name: 'Start meeting' }).click();
  await doctor.page.getByRole('button', { name: 'End meeting' }).waitFor(TIMEOUT);
  await patient.page.getByRole('list', { name: 'Messages' }).getByText('Video call invitation').waitFor(TIMEOUT);
  await patient.page.getByRole('button', { name: 'Decline meeting' }).click();
  await patient.page.getByRole('status').filter({ hasText: 'You declined the meeting.' }).waitFor(TIMEOUT);
  await doctor.page.getByRole('list', { name: 'Messages' }).getByText('Declined the video call').waitFor(TIMEOUT);

  // The patient changes their mind and joins; the doctor removes them from the waiting room.
  await patient.page.getByRole('button', { name: 'Join meeting' }).click();
  await patient.page.getByRole('heading', { name: 'Waiting for the doctor to let you in' }).waitFor(TIMEOUT);
  const participants = doctor.page.getByRole('list', { name: 'Participants' });
  await participants.getByRole('button', { name: 'Remove patient' }).click();
  await participants.getByRole('button', { name: 'Remove patient' }).waitFor({ state: 'detached', ...TIMEOUT });
  await doctor.page.getByRole('list', { name: 'Messages' }).getByText('Left the video call').waitFor(TIMEOUT);
  await patient.page.getByRole('status').filter({ hasText: 'You are no longer in the meeting.' }).waitFor(TIMEOUT);
  await patient.page.getByRole('heading', { name: 'Waiting for the doctor to let you in' }).waitFor({ state: 'detached', ...TIMEOUT });

  // Before its start a visit cannot be a no-show: the API's readable refusal is shown.
  await doctor.page.getByRole('button', { name: 'Mark no-show' }).click();
  await doctor.page.getByRole('alert').filter({ hasText: 'no-show after its start time' }).waitFor(TIMEOUT);
  await doctor.page.locator('dl.facts').getByText('Scheduled', { exact: true }).waitFor(TIMEOUT);

  // The patient cancels instead: the meeting ends and both see the visit cancelled.
  await patient.page.getByRole('button', { name: 'Cancel visit' }).click();
  await patient.page.getByRole('status').filter({ hasText: 'The visit is cancelled.' }).waitFor(TIMEOUT);
  await patient.page.locator('dl.facts').getByText('Cancelled', { exact: true }).waitFor(TIMEOUT);
  await doctor.page.locator('dl.facts').getByText('Cancelled', { exact: true }).waitFor(TIMEOUT);
});

step('no page error and no CSP violation happened', () => {
  assert.deepEqual([...doctor.problems, ...patient.problems], []);
});

// Shared by the browser tests: Debian's Chromium through playwright-core (no browser
// download), the axe-core scan, screenshots and the stack's addresses.
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const stack = JSON.parse(readFileSync(process.env.TELEHEALTH_TEST_STACK, 'utf8'));
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const screenshotDir = process.env.TELEHEALTH_SCREENSHOT_DIR;

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS, headless: true });
}

/** A browser context as one person; records CSP violations and page errors on `problems`. */
export async function person(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['camera', 'microphone'],
    timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`${name}: page error ${error.message} ${(error.stack ?? "").split("\n").slice(0, 4).join(" | ")}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && (process.env.CONSOLE_DEBUG || /Content Security Policy/i.test(message.text()))) problems.push(`${name}: ${message.text()}`);
  });
  return { context, page, problems, name };
}

/** axe-core on the current page: the serious and critical violations (injected over CDP, so
 *  the console's CSP, which forbids inline scripts, stays in force). */
export async function seriousViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page, name) {
  if (!screenshotDir) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** The code of the (after+1)-th e-mail with a code sent to `email`, once it arrives. */
export async function outboxCode(email, after = 0) {
  for (let i = 0; i < 200; i += 1) {
    const { messages } = await (await fetch(`${stack.endpoint}/_local/outbox/email`)).json();
    const found = messages.filter((m) => m.to === email && m.code);
    if (found.length > after) return found[after].code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code e-mailed to ${email}`);
}

/** The code of the last text message with a code sent to `phone` (guests' join codes). */
export async function textedCode(phone) {
  for (let i = 0; i < 200; i += 1) {
    const { messages } = await (await fetch(`${stack.endpoint}/_local/outbox/sms`)).json();
    const found = messages.filter((m) => m.to === phone && m.code);
    if (found.length) return found.at(-1).code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code texted to ${phone}`);
}

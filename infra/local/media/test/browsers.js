'use strict';
// A small bridge that lets Python tests drive headless Chromium (Debian's, via playwright-core;
// no browser download): one JSON command per stdin line, one JSON answer per stdout line.
//   {"id": 1, "op": "open", "name": "doctor", "url": "http://127.0.0.1:4568/meeting/"}
//   {"id": 2, "op": "eval", "name": "doctor", "expr": "window.meeting.status"}
//   {"id": 3, "op": "close", "name": "doctor"}     {"id": 4, "op": "quit"}
const readline = require('readline');
const { chromium } = require('playwright-core');

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

let browser = null;
const pages = new Map();
const logs = new Map();

async function handle(cmd) {
  switch (cmd.op) {
    case 'open': {
      if (!browser) {
        browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS, headless: true });
      }
      const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
      const page = await context.newPage();
      const lines = [];
      logs.set(cmd.name, lines);
      page.on('console', (msg) => { if (lines.length < 500) lines.push(`${msg.type()}: ${msg.text()}`); });
      page.on('pageerror', (err) => lines.push(`pageerror: ${err.message}`));
      await page.goto(cmd.url);
      pages.set(cmd.name, { context, page });
      return null;
    }
    case 'eval': {
      const { page } = pages.get(cmd.name);
      return page.evaluate(`(async () => (${cmd.expr}))()`);
    }
    case 'log':
      return logs.get(cmd.name) || [];
    case 'close': {
      const entry = pages.get(cmd.name);
      if (entry) { pages.delete(cmd.name); await entry.context.close(); }
      return null;
    }
    case 'quit':
      if (browser) await browser.close();
      browser = null;
      return null;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let cmd;
    try {
      cmd = JSON.parse(line);
      const result = await handle(cmd);
      process.stdout.write(`${JSON.stringify({ id: cmd.id, result: result === undefined ? null : result })}\n`);
      if (cmd.op === 'quit') process.exit(0);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ id: cmd && cmd.id, error: String(err && err.message || err) })}\n`);
    }
  });
});
rl.on('close', async () => { if (browser) await browser.close(); process.exit(0); });

'use strict';
// The page the media plane serves at /meeting/: the unmodified Chime SDK for JavaScript,
// bundled once on first request with esbuild, joining with the {meeting, attendee} our
// calling service returned. Tests drive it; people open it in two browsers.
const fs = require('fs');
const path = require('path');

const PAGE_DIR = path.join(__dirname, '..', 'page');
let bundle = null;

// The SDK's messaging client drags in Node-only credential providers it never runs in a
// browser; their `node:` imports become empty modules.
const nodeBuiltinsEmpty = {
  name: 'node-builtins-empty',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'empty' }));
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

function buildBundle() {
  if (!bundle) {
    const esbuild = require('esbuild');
    bundle = esbuild.build({
      entryPoints: [path.join(PAGE_DIR, 'app.js')],
      bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome110',
      minify: true, logLevel: 'silent', plugins: [nodeBuiltinsEmpty], define: { global: 'globalThis' },
    }).then((result) => Buffer.from(result.outputFiles[0].contents));
  }
  return bundle;
}

function servePage(pathname, res) {
  if (pathname === '/meeting' || pathname === '/meeting/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(fs.readFileSync(path.join(PAGE_DIR, 'index.html')));
    return true;
  }
  if (pathname === '/meeting/app.js') {
    buildBundle().then((body) => {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    }, (err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`bundle failed: ${err.message}`);
    });
    return true;
  }
  return false;
}

module.exports = { servePage, buildBundle };

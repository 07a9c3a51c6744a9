// Shared helpers for pmkb's browser tests: the real pmkb binary (PMKB_BIN)
// serving postmortems on 127.0.0.1, driven through Debian's Chromium with
// playwright-core. Nothing is mocked.
//
// Every page opened through openPage() records console errors, uncaught
// exceptions, dialogs and Content-Security-Policy violations; closing it
// asserts that there were none.
//
// Screenshots land in PMKB_SCREENSHOTS (meson sets build/screenshots;
// default tests/browser/screenshots), not committed.
//
// The tests live one file per page (*.test.mjs); node's test runner runs
// each file in its own process, so each file starts its own browser and
// server through pageSuite(); gitRepo() makes a real repository for the
// tests of `pmkb serve --repo`.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.PMKB_SOURCE_ROOT || path.resolve(HERE, '..', '..');
const BIN = process.env.PMKB_BIN || path.join(ROOT, 'build', 'pmkb');
export const SAMPLES = path.join(ROOT, 'postmortems');

// A new access token named name in the index db (pmkb token create).
export function createToken(db, name) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['token', '--db', db, 'create', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').pop()) : reject(new Error(`token create: ${err}`))));
  });
}
export const SHOTS = process.env.PMKB_SCREENSHOTS || path.join(HERE, 'screenshots');
const CHROMIUM = process.env.PMKB_CHROMIUM || '/usr/bin/chromium';

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

// ---- the server ---------------------------------------------------------

// Starts `pmkb serve` on a free loopback port with its own database.
export async function startServer(dir, extra = []) {
  const tmp = await mkdtemp(path.join(tmpdir(), 'pmkb-browser-'));
  const proc = spawn(BIN, ['serve', '--db', path.join(tmp, 'pmkb.db'), '--dir', dir, '--listen', '127.0.0.1:0', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pmkb serve did not start:\n${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pmkb serve exited with ${code}:\n${stderr}`));
    });
  });
  return {
    base,
    db: path.join(tmp, 'pmkb.db'),
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(tmp, { recursive: true, force: true });
    },
    stderr: () => stderr,
  };
}

export async function getJson(base, p) {
  const r = await fetch(base + p);
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
}

// ---- a followed git repository --------------------------------------------

// A real bare repository on branch, with a work clone to commit in (the
// postmortems under postmortems/), as a team's repository would be.
// Nothing is mocked: pmkb serve --repo fetches from remote itself.
export async function gitRepo(branch = 'main') {
  const tmp = await mkdtemp(path.join(tmpdir(), 'pmkb-browser-git-'));
  const remote = path.join(tmp, 'remote.git');
  const work = path.join(tmp, 'work');
  const env = {
    ...process.env, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada Lovelace', GIT_COMMITTER_EMAIL: 'ada@example.com',
  };
  const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  await mkdir(remote);
  git(remote, 'init', '-q', '--bare', '-b', branch);
  git(tmp, 'clone', '-q', remote, work);
  git(work, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`);
  return {
    remote,
    // Writes data (a string or bytes) at postmortems/rel in the clone.
    async write(rel, data) {
      const file = path.join(work, 'postmortems', rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
    },
    // Commits everything; returns the commit id.
    commit(message) {
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', message);
      return git(work, 'rev-parse', 'HEAD');
    },
    // Pushes; hooks in remote see extraEnv (a webhook secret).
    push(extraEnv = {}) {
      execFileSync('git', ['push', '-q', 'origin', branch], { cwd: work, env: { ...env, ...extraEnv }, stdio: 'ignore' });
    },
    // The post-receive hook the README shows: `pmkb notify` to server.
    async notifyOnPush(server) {
      const hook = path.join(remote, 'hooks', 'post-receive');
      await writeFile(hook, `#!/bin/sh\nexec "${path.resolve(BIN)}" notify --server ${server}\n`);
      await chmod(hook, 0o755);
    },
    async close() {
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

// Waits until the server following a repository has indexed commit and
// has no sync running or queued.
export async function synced(base, commit, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const s = await getJson(base, '/api/sync');
    if (!s.running && !s.pending && s.last?.commit === commit) return s;
    if (Date.now() > end) throw new Error(`not synced to ${commit}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- the browser --------------------------------------------------------

let browser;

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Opens base + urlPath in a fresh context (own storage, language and
// colour scheme) and watches it for anything that went wrong.
export async function openPage(base, urlPath, { locale = 'en-US', colorScheme = 'light', viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ baseURL: base, locale, colorScheme, viewport });
  const problems = [];
  await context.exposeBinding('__pmkbReport', (_source, what) => problems.push(what));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__pmkbReport(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} `
        + `in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.goto(urlPath);
  return {
    page,
    context,
    problems,
    async close() {
      // Let late events (a violation report, an error) arrive first.
      await page.waitForTimeout(100);
      await context.close();
      assert.deepEqual(problems, [], 'no console errors, exceptions, dialogs or CSP violations');
    },
  };
}

// Waits until the search page shows the state whose URL is want.
export function searchShown(page, want) {
  return page.waitForFunction((w) => document.querySelector('.search-page')?.dataset.rendered === w, want);
}

// The trends page shows want's state, its charts drawn: a chart draws on
// the animation frame after the page marks itself rendered (chart.js).
export function trendsShown(page, want) {
  return page.waitForFunction((w) => {
    const view = document.querySelector('.trends-page');
    return view?.dataset.rendered === w &&
      [...view.querySelectorAll('.chart')].every((c) => c.querySelector('svg'));
  }, want);
}

export function postmortemShown(page, slug) {
  return page.waitForFunction((s) => document.querySelector('.pm-page')?.dataset.slug === s, slug);
}

// The WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)").
export function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The least WCAG contrast against the page of the shapes matching
// selector: each one's fill or, for a fill close to the background, its
// edge (when at least 1px wide). Returns {fill, best}.
export async function worstContrast(page, selector) {
  const { bg, shapes } = await page.evaluate((sel) => ({
    bg: getComputedStyle(document.body).backgroundColor,
    shapes: [...document.querySelectorAll(sel)].map((r) => {
      const st = getComputedStyle(r);
      return { fill: st.fill, stroke: st.stroke, width: Number(st.strokeWidth.replace('px', '')) };
    }),
  }), selector);
  return shapes.map((s) => ({ fill: s.fill, best: Math.max(contrast(s.fill, bg), s.width >= 1 ? contrast(s.stroke, bg) : 0) }))
    .sort((a, b) => a.best - b.best)[0];
}

export async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

export const activeId = (page) => page.evaluate(() => document.activeElement?.id || '');

// The links of the search results shown, in order.
export const resultLinks = (page) => page.locator('ol.results a.title')
  .evaluateAll((as) => as.map((a) => a.getAttribute('href')));

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// One browser per test file; each test opens its own context.
function useBrowser() {
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
}

// Starts a server on dir (the samples by default) for the enclosing
// describe(); the returned object's base is set once it is up.
function useServer(dir = SAMPLES, extra = []) {
  const s = { base: '', server: null };
  before(async () => {
    s.server = await startServer(typeof dir === 'function' ? await dir() : dir, extra);
    s.base = s.server.base;
  });
  after(async () => {
    await s.server?.stop();
  });
  return s;
}

// A test file's suite: one browser, and one server on opts.dir (the
// samples by default; a function returning a directory is awaited) with
// opts.extra added to `pmkb serve`. body(srv) declares the tests; srv.base
// is the server's URL once the suite has started.
export function pageSuite(title, body, { dir = SAMPLES, extra = [] } = {}) {
  useBrowser();
  describe(title, () => body(useServer(dir, extra)));
}

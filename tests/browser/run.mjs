// pmkb's browser tests: the real pmkb binary (PMKB_BIN) serving the sample
// postmortems (PMKB_SOURCE_ROOT/postmortems) on 127.0.0.1, driven through
// Debian's Chromium with playwright-core. Nothing is mocked.
//
// Every page opened through openPage() records console errors, uncaught
// exceptions, dialogs and Content-Security-Policy violations; closing it
// asserts that there were none.
//
// Screenshots land in tests/browser/screenshots/ (not committed), with
// timings.json holding the keystroke → rendered results measurements.
//
// Run: node --test run.mjs   (or through meson: --suite browser)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.PMKB_SOURCE_ROOT || path.resolve(HERE, '..', '..');
const BIN = process.env.PMKB_BIN || path.join(ROOT, 'build', 'pmkb');
const SAMPLES = path.join(ROOT, 'postmortems');
const SHOTS = path.join(HERE, 'screenshots');
const CHROMIUM = process.env.PMKB_CHROMIUM || '/usr/bin/chromium';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// ---- the server ---------------------------------------------------------

// Starts `pmkb serve` on a free loopback port with its own database.
async function startServer(dir) {
  const tmp = await mkdtemp(path.join(tmpdir(), 'pmkb-browser-'));
  const proc = spawn(BIN, ['serve', '--db', path.join(tmp, 'pmkb.db'), '--dir', dir, '--listen', '127.0.0.1:0'],
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

async function getJson(base, p) {
  const r = await fetch(base + p);
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.json();
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
async function openPage(base, urlPath, { locale = 'en-US', colorScheme = 'light', viewport = DESKTOP } = {}) {
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
function searchShown(page, want) {
  return page.waitForFunction((w) => document.querySelector('.search-page')?.dataset.rendered === w, want);
}

function trendsShown(page, want) {
  return page.waitForFunction((w) => document.querySelector('.trends-page')?.dataset.rendered === w, want);
}

function postmortemShown(page, slug) {
  return page.waitForFunction((s) => document.querySelector('.pm-page')?.dataset.slug === s, slug);
}

async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

const activeId = (page) => page.evaluate(() => document.activeElement?.id || '');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// One browser for the whole run; each test opens its own context.
before(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

// ---- the sample set -----------------------------------------------------

describe('pmkb UI on the sample postmortems', () => {
  let server;
  let base;
  const timings = [];

  before(async () => {
    server = await startServer(SAMPLES);
    base = server.base;
  });

  after(async () => {
    if (timings.length) {
      await writeFile(path.join(SHOTS, 'timings.json'), `${JSON.stringify({
        what: 'keystroke → rendered results, ms (performance.measure in the page, debounce included)',
        samples: timings,
        median: median(timings.map((t) => t.ms)),
        max: Math.max(...timings.map((t) => t.ms)),
      }, null, 2)}\n`);
    }
    await server?.stop();
  });

  test('a Japanese query finds the expected postmortem first, as you type', async (t) => {
    const p = await openPage(base, '/');
    const { page } = p;
    await searchShown(page, '/');
    assert.equal(await activeId(page), 'pmkb-q', 'the search box has focus on load');
    await shot(page, 'search-empty');

    await page.keyboard.type('二重課金', { delay: 30 });
    await searchShown(page, `/?q=${encodeURIComponent('二重課金')}`);
    const first = page.locator('ol.results .result').first();
    assert.equal(await first.locator('a.title').getAttribute('href'), '/p/2018-06-19-batch-rerun-double-billing');
    assert.ok(await page.locator('ol.results mark').count() > 0, 'the match is highlighted');
    assert.equal(new URL(page.url()).searchParams.get('q'), '二重課金', 'the URL holds the query');

    // More queries, for the timing report: Japanese, mixed, English.
    for (const q of ['二重課金', 'フェイルオーバー', 'Aurora フェイルオーバー', '証明書 期限切れ', 'deploy', 'redis eviction']) {
      await page.fill('#pmkb-q', '');
      await searchShown(page, '/');
      await page.evaluate(() => performance.clearMeasures('pmkb:keystroke-to-results'));
      await page.locator('#pmkb-q').pressSequentially(q, { delay: 25 });
      await searchShown(page, `/?q=${encodeURIComponent(q).replace(/%20/g, '+')}`);
      // The page measures once the frame with the results is painted.
      const handle = await page.waitForFunction(() => {
        const m = performance.getEntriesByName('pmkb:keystroke-to-results');
        return m.length ? m[m.length - 1].duration : null;
      });
      const ms = await handle.jsonValue();
      timings.push({ q, ms: Math.round(ms * 10) / 10 });
    }
    const worst = Math.max(...timings.map((x) => x.ms));
    t.diagnostic(`keystroke → results: median ${median(timings.map((x) => x.ms))} ms, max ${worst} ms`);
    assert.ok(worst < 1500, `results within 1.5 s of the last keystroke (worst ${worst} ms)`);
    await shot(page, 'search-results');
    await p.close();
  });

  test('clicking a facet filters the results and can be undone', async () => {
    const p = await openPage(base, '/?q=aurora');
    const { page } = p;
    await searchShown(page, '/?q=aurora');
    const facet = page.locator('button.facet[data-facet="cause"][data-value="infrastructure"]');
    const api = await getJson(base, '/api/search?q=aurora&limit=1');
    const want = api.facets.cause.find((f) => f.value === 'infrastructure').count;
    assert.equal(Number(await facet.locator('.count').textContent()), want, 'the facet shows the API count');

    await facet.click();
    await searchShown(page, '/?q=aurora&cause=infrastructure');
    assert.equal(await facet.getAttribute('aria-pressed'), 'true');
    const filtered = await getJson(base, '/api/search?q=aurora&cause=infrastructure&limit=20');
    const slugs = await page.$$eval('ol.results a.title', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(slugs, filtered.results.map((r) => r.url), 'the results are the filtered search');
    assert.ok(await page.locator('.chips .chip').count() >= 1, 'the active filter is shown');
    await shot(page, 'search-facet');

    // Year facets filter by date.
    const year = page.locator('button.facet[data-facet="year"]').first();
    const y = await year.getAttribute('data-value');
    await year.click();
    await searchShown(page, `/?q=aurora&cause=infrastructure&year=${y}`);
    const dates = await page.$$eval('ol.results time', (ts) => ts.map((x) => x.textContent));
    assert.ok(dates.length > 0 && dates.every((d) => d.startsWith(y)), `all results from ${y}`);

    await page.goBack();
    await searchShown(page, '/?q=aurora&cause=infrastructure');
    await page.locator('.chips .chip').first().click();
    await searchShown(page, '/?q=aurora');
    await p.close();
  });

  test('a bad query explains itself', async () => {
    const p = await openPage(base, '/');
    const { page } = p;
    await searchShown(page, '/');
    // The 400 is expected here; the browser logs failed requests as errors.
    await page.locator('#pmkb-q').pressSequentially('"unclosed', { delay: 10 });
    await searchShown(page, `/?q=${encodeURIComponent('"unclosed')}`);
    const alert = await page.locator('.notice.error').textContent();
    assert.match(alert, /quote/i);
    p.problems.splice(0, p.problems.length, ...p.problems.filter((x) => !/status of 400/.test(x)));
    await p.close();
  });

  test('a postmortem renders its table, action items and facts', async () => {
    const slug = '2018-02-14-aurora-failover-14min';
    const api = await getJson(base, `/api/postmortems/${slug}`);
    const p = await openPage(base, `/p/${slug}`);
    const { page } = p;
    await postmortemShown(page, slug);
    assert.equal(await page.locator('.pm-head h1').textContent(), api.title);
    assert.equal(await page.title(), `${api.title} — pmkb`);

    assert.ok(await page.locator('.doc table').count() >= 2, 'GFM tables are rendered');
    const timeline = await page.locator('.doc h2#timeline + .table-scroll table tbody tr').allTextContents();
    assert.ok(timeline.some((row) => row.includes('09:28')), 'the timeline table has its rows');
    assert.ok(await page.locator('.doc pre code').count() >= 1, 'code blocks are rendered');
    assert.ok(await page.locator('.toc a').count() >= 3, 'a table of contents');
    assert.equal(await page.locator('.doc h2#timeline a.anchor').getAttribute('href'), '#timeline');

    const states = await page.$$eval('.actions .item', (lis) => lis.map((li) => li.dataset.state));
    assert.deepEqual(states, api.action_items.map((a) => (a.done ? 'done' : a.overdue ? 'overdue' : 'open')));
    const texts = await page.$$eval('.actions .item .text', (s) => s.map((x) => x.textContent));
    assert.deepEqual(texts, api.action_items.map((a) => a.text));

    const facts = await page.locator('.facts dl').textContent();
    assert.match(facts, /Time to detect3 min/);
    assert.match(facts, /Time to resolve14 min/);
    assert.match(facts, /2018-02-14 09:28/, 'times in the reporting time zone (Asia/Tokyo)');
    await shot(page, 'postmortem', true);

    // A link to a sibling .md file opens that postmortem inside the app.
    await page.evaluate(() => { window.__sameDocument = true; });
    const sibling = page.locator('.doc a[href="/p/2017-06-01-migration-locked-orders-table"]');
    assert.equal(await sibling.count(), 1, 'relative .md links point at their pages');
    await sibling.click();
    await postmortemShown(page, '2017-06-01-migration-locked-orders-table');
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no full page load');
    await page.goBack();
    await postmortemShown(page, slug);

    // Copy link.
    await p.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator('.pm-head .tools button').click();
    await page.waitForFunction(() => document.querySelector('.copy-status')?.textContent);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${base}/p/${slug}`);
    await p.close();
  });

  test('the trends chart draws exactly the stats API numbers', async () => {
    const p = await openPage(base, '/trends');
    const { page } = p;

    async function checkChart(want, apiPath, mode) {
      await trendsShown(page, want);
      const api = await getJson(base, apiPath);
      const bars = await page.$$eval('.trends-page .card:first-child .chart g.bar', (gs) => gs.map((g) => ({
        id: g.dataset.bar,
        total: Number(g.dataset.total),
        segs: [...g.querySelectorAll('rect.seg')].map((r) => ({
          cause: r.dataset.series, value: Number(r.dataset.value), height: Number(r.getAttribute('height')),
        })),
      })));
      assert.deepEqual(bars.map((b) => b.id), api.rows.map((r) => r.period), `${apiPath}: one bar per period`);
      const perUnit = [];
      api.rows.forEach((row, i) => {
        const drawn = Object.fromEntries(bars[i].segs.map((s) => [s.cause, s.value]));
        const expected = Object.fromEntries(Object.entries(row.by_cause).filter(([, n]) => n > 0));
        assert.deepEqual(drawn, expected, `${apiPath}: ${row.period} segments`);
        const sum = Object.values(expected).reduce((a, b) => a + b, 0);
        assert.equal(bars[i].total, sum);
        if (mode === 'primary') assert.equal(sum, row.total, `${row.period}: primary causes add up to the total`);
        for (const s of bars[i].segs) perUnit.push(s.height / s.value);
      });
      // Heights are proportional to the values: the same pixels per incident.
      assert.ok(Math.max(...perUnit) - Math.min(...perUnit) < 0.01, 'bar heights are proportional');
      const table = await page.$$eval('.causes-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.deepEqual(table.map((r) => Number(r[1])), api.rows.map((r) => r.total), 'the table shows the totals');
      return api;
    }

    const half = await checkChart('/trends', '/api/stats/causes?period=half&mode=primary', 'primary');
    // The example from the stats issue: total / infrastructure per half.
    const infra = Object.fromEntries(half.rows.map((r) => [r.label, `${r.total}/${r.by_cause.infrastructure}`]));
    assert.deepEqual(infra, {
      '2016 H2': '12/5', '2017 H1': '20/6', '2017 H2': '12/4', '2018 H1': '10/0', '2018 H2': '16/0',
    });

    // Hover and keyboard focus show the numbers.
    const firstBar = page.locator('.trends-page .card:first-child .chart g.bar').first();
    await firstBar.hover();
    const tip = page.locator('.trends-page .card:first-child .tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.textContent(), /2016 H2.*12 incidents.*Infrastructure: 5/);
    await firstBar.focus();
    await page.keyboard.press('ArrowRight');
    assert.match(await tip.textContent(), /2017 H1.*20 incidents/);
    await shot(page, 'trends-tooltip');

    // The durations chart: median time to detect per period.
    const durations = await getJson(base, '/api/stats/durations?period=half');
    const ttd = await page.$$eval('figure[data-metric="ttd"] g.bar', (gs) => gs.map((g) => Number(g.querySelector('rect.seg')?.dataset.value || 0)));
    assert.deepEqual(ttd, durations.rows.map((r) => r.ttd.median || 0));

    // Downloads come from the API.
    for (const [format, type] of [['csv', /text\/csv/], ['md', /text\/markdown/]]) {
      const href = await page.locator(`.downloads a[href*="format=${format}"]`).getAttribute('href');
      const r = await fetch(base + href);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), type);
    }
    await shot(page, 'trends', true);

    await page.locator('label[for="pmkb-period-quarter"]').click();
    await checkChart('/trends?period=quarter', '/api/stats/causes?period=quarter&mode=primary', 'primary');
    await page.locator('label[for="pmkb-mode-any"]').click();
    await checkChart('/trends?period=quarter&mode=any', '/api/stats/causes?period=quarter&mode=any', 'any');
    await page.locator('label[for="pmkb-period-month"]').click();
    await checkChart('/trends?period=month&mode=any', '/api/stats/causes?period=month&mode=any', 'any');
    await shot(page, 'trends-month-any');
    await page.locator('label[for="pmkb-period-year"]').click();
    await checkChart('/trends?period=year&mode=any', '/api/stats/causes?period=year&mode=any', 'any');

    // The cause filter: only infrastructure.
    await page.locator('.cause-filter .all-none button').nth(1).click();
    await trendsShown(page, '/trends?period=year&mode=any&causes=%2C');
    await page.locator('#pmkb-cause-infrastructure').check();
    await trendsShown(page, '/trends?period=year&mode=any&causes=infrastructure');
    const causes = await page.$$eval('.trends-page .card:first-child rect.seg', (rs) => [...new Set(rs.map((r) => r.dataset.series))]);
    assert.deepEqual(causes, ['infrastructure']);
    await p.close();
  });

  test('the action items page groups open items by postmortem and filters by owner', async () => {
    const all = await getJson(base, '/api/action-items?status=open&limit=5000');
    const p = await openPage(base, '/actions');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions');
    assert.equal(await page.locator('.group .item').count(), all.total);
    assert.equal(await page.locator('.group').count(), new Set(all.items.map((i) => i.slug)).size);
    await shot(page, 'actions');

    await page.selectOption('#pmkb-owner', 'tanaka');
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions?owner=tanaka');
    const mine = await getJson(base, '/api/action-items?status=open&owner=tanaka&limit=5000');
    assert.equal(await page.locator('.group .item').count(), mine.total);

    await page.locator('label[for="pmkb-status-overdue"]').click();
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions?status=overdue&owner=tanaka');
    const overdue = await getJson(base, '/api/action-items?status=open&overdue=true&owner=tanaka&limit=5000');
    const states = await page.$$eval('.group .item', (lis) => lis.map((li) => li.dataset.state));
    assert.equal(states.length, overdue.total);
    assert.ok(states.every((s) => s === 'overdue'));
    await p.close();
  });

  test('the problems page and the feed link', async () => {
    const p = await openPage(base, '/problems');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.problems-page')?.dataset.rendered === '/problems');
    const api = await getJson(base, '/api/problems');
    assert.equal(await page.locator('.problems-table tbody tr').count(), api.problems.length);
    assert.equal(await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href'), '/feed.atom');
    await shot(page, 'problems');

    // The feed is well-formed Atom with the newest postmortems.
    const feed = await page.evaluate(async () => {
      const r = await fetch('/feed.atom');
      const doc = new DOMParser().parseFromString(await r.text(), 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      return {
        type: r.headers.get('content-type'),
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI + ' ' + doc.documentElement.localName,
        entries: [...doc.getElementsByTagNameNS(ns, 'entry')].map((e) => ({
          title: e.getElementsByTagNameNS(ns, 'title')[0]?.textContent,
          link: e.getElementsByTagNameNS(ns, 'link')[0]?.getAttribute('href'),
          updated: e.getElementsByTagNameNS(ns, 'updated')[0]?.textContent,
        })),
      };
    });
    assert.match(feed.type, /application\/atom\+xml/);
    assert.equal(feed.error, 0);
    assert.equal(feed.root, 'http://www.w3.org/2005/Atom feed');
    assert.ok(feed.entries.length > 0 && feed.entries.length <= 50);
    assert.ok(feed.entries.every((e) => e.title && e.link.startsWith(`${base}/p/`) && /Z$/.test(e.updated)));
    await p.close();
  });

  test('labels follow the browser language, and the switch is remembered', async () => {
    const p = await openPage(base, '/trends', { locale: 'ja-JP' });
    const { page } = p;
    await trendsShown(page, '/trends');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
    assert.equal(await page.locator('nav.main-nav a[data-nav="search"]').textContent(), '検索');
    assert.equal(await page.locator('.trends-page h1').textContent(), '原因別のインシデント数');
    const ticks = await page.locator('.trends-page .card:first-child .x-axis text').allTextContents();
    assert.ok(ticks.includes('2017年上期'), 'Japanese period labels');
    await shot(page, 'trends-ja', true);

    await page.locator('#pmkb-lang').click();
    await trendsShown(page, '/trends');
    await page.waitForFunction(() => document.querySelector('.trends-page h1')?.textContent === 'Incidents by cause');
    assert.equal(await page.locator('nav.main-nav a[data-nav="search"]').textContent(), 'Search');
    assert.equal(await activeId(page), 'pmkb-lang', 'focus stays on the switch');

    await page.reload();
    await trendsShown(page, '/trends');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'the choice survives a reload');
    await page.locator('#pmkb-lang').click();
    await page.goto('/p/2018-02-14-aurora-failover-14min');
    await postmortemShown(page, '2018-02-14-aurora-failover-14min');
    assert.match(await page.locator('.facts dl').textContent(), /検知までの時間3分/);
    await shot(page, 'postmortem-ja');
    await p.close();
  });

  test('back and forward retrace searches and pages', async () => {
    const p = await openPage(base, '/');
    const { page } = p;
    await searchShown(page, '/');
    await page.locator('#pmkb-q').pressSequentially('aurora', { delay: 20 });
    await searchShown(page, '/?q=aurora');
    const href = await page.locator('ol.results a.title').first().getAttribute('href');
    await page.locator('ol.results a.title').first().click();
    const slug = decodeURIComponent(href.slice(3));
    await postmortemShown(page, slug);
    assert.equal(new URL(page.url()).pathname, href);

    await page.goBack();
    await searchShown(page, '/?q=aurora');
    assert.equal(await page.inputValue('#pmkb-q'), 'aurora');
    assert.ok(await page.locator('ol.results .result').count() > 0);

    await page.goForward();
    await postmortemShown(page, slug);
    await page.locator('a.back').click();
    await searchShown(page, '/?q=aurora');

    await page.locator('nav.main-nav a[data-nav="trends"]').click();
    await trendsShown(page, '/trends');
    await page.goBack();
    await searchShown(page, '/?q=aurora');
    await page.goForward();
    await trendsShown(page, '/trends');
    await p.close();
  });

  test('"/" focuses search from anywhere; arrows walk the results', async () => {
    const p = await openPage(base, '/p/2018-02-14-aurora-failover-14min');
    const { page } = p;
    await postmortemShown(page, '2018-02-14-aurora-failover-14min');
    assert.notEqual(await activeId(page), 'pmkb-q');
    await page.keyboard.press('/');
    assert.equal(await activeId(page), 'pmkb-q');
    await page.keyboard.type('redis', { delay: 20 });
    await searchShown(page, '/?q=redis');
    assert.equal(await page.inputValue('#pmkb-q'), 'redis', '"/" itself is not typed');

    await page.keyboard.press('ArrowDown');
    const links = await page.$$eval('ol.results a.title', (as) => as.map((a) => a.getAttribute('href')));
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), links[0]);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), links[1]);
    await page.keyboard.press('Enter');
    await postmortemShown(page, decodeURIComponent(links[1].slice(3)));

    await page.goto('/actions');
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered);
    await page.keyboard.press('/');
    assert.equal(await activeId(page), 'pmkb-q');
    await p.close();
  });

  test('phone and dark layouts', async () => {
    let p = await openPage(base, '/?q=%E9%9A%9C%E5%AE%B3', { viewport: PHONE });
    await searchShown(p.page, '/?q=%E9%9A%9C%E5%AE%B3');
    const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px)`);
    await shot(p.page, 'search-phone');
    await p.page.goto('/p/2018-02-14-aurora-failover-14min');
    await postmortemShown(p.page, '2018-02-14-aurora-failover-14min');
    assert.ok(await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0);
    await shot(p.page, 'postmortem-phone');
    await p.page.goto('/trends');
    await trendsShown(p.page, '/trends');
    assert.ok(await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0);
    await shot(p.page, 'trends-phone');
    await p.close();

    p = await openPage(base, '/trends', { colorScheme: 'dark' });
    await trendsShown(p.page, '/trends');
    const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(21, 24, 28)', 'the dark palette follows the system');
    await shot(p.page, 'trends-dark');
    await p.page.goto('/p/2018-02-14-aurora-failover-14min');
    await postmortemShown(p.page, '2018-02-14-aurora-failover-14min');
    await shot(p.page, 'postmortem-dark');
    await p.close();
  });

  test('every page loads without console errors or CSP violations', async () => {
    const p = await openPage(base, '/');
    const { page } = p;
    await searchShown(page, '/');
    const pages = [
      ['/?q=aurora&sort=date', () => searchShown(page, '/?q=aurora&sort=date')],
      ['/?q=%E9%9A%9C%E5%AE%B3&page=2', () => searchShown(page, '/?q=%E9%9A%9C%E5%AE%B3&page=2')],
      ['/p/2016-07-12-aurora-failover-stalled', () => postmortemShown(page, '2016-07-12-aurora-failover-stalled')],
      ['/trends?period=month', () => trendsShown(page, '/trends?period=month')],
      ['/actions?status=all', () => page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions?status=all')],
      ['/problems', () => page.waitForFunction(() => document.querySelector('.problems-page')?.dataset.rendered)],
    ];
    for (const [url, shown] of pages) {
      await page.goto(url);
      await shown();
    }
    // The server's headers hold the policy the pages were tested under.
    const r = await fetch(`${base}/`);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
    assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    await p.close();
  });
});

// ---- hostile content ----------------------------------------------------

const EVIL_TITLE = '<script>window.__pwned=1</script> Evil & <img src=x onerror="window.__pwned=2">';

const EVIL = `---
title: '${EVIL_TITLE}'
started_at: 2019-01-01T10:00:00Z
cause: security
severity: SEV2
services: ['<svg onload=window.__pwned=3>']
summary: '</script><script>window.__pwned=4</script> summary'
---
# Hostile postmortem

<script>window.__pwned = 5</script>

<img src="x" onerror="window.__pwned=6">

<a href="javascript:window.__pwned=7">raw anchor</a>

- [js link](javascript:window.__pwned=8)
- [upper case](JAVASCRIPT:window.__pwned=9)
- [entity](&#106;avascript:window.__pwned=10)
- [tab](java\tscript:window.__pwned=11)
- [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
- [vbscript](vbscript:msgbox)
- <javascript:window.__pwned=12>
- [fine](https://example.com/ok)
- ![tracking pixel](https://evil.example/pixel.png)

<iframe src="https://evil.example/"></iframe>
<style>body { display: none }</style>

| a | b |
|---|---|
| <script>window.__pwned=13</script> | \`<b>code</b>\` |

## Action items

- [ ] @mallory due:2019-02-01 <img src=x onerror="window.__pwned=14"> fix it
`;

const BROKEN = `---
title: [unclosed
started_at: 2019-01-02
---
# Broken front matter
`;

describe('pmkb UI on hostile postmortems', () => {
  let server;
  let base;
  let dir;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pmkb-evil-'));
    await writeFile(path.join(dir, 'evil.md'), EVIL);
    await writeFile(path.join(dir, 'broken.md'), BROKEN);
    server = await startServer(dir);
    base = server.base;
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('<script>, event handlers and javascript: links render inert', async () => {
    const p = await openPage(base, '/p/evil');
    const { page } = p;
    await postmortemShown(page, 'evil');
    assert.equal(await page.locator('.pm-head h1').textContent(), EVIL_TITLE, 'the title is shown as text');
    const found = await page.evaluate(() => {
      const root = document.querySelector('.pm-page');
      const attrs = [...root.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name))
        .filter((n) => n.startsWith('on') || n === 'style' || n === 'srcdoc');
      return {
        elements: [...root.querySelectorAll('script, iframe, style, img, object, embed, svg:not(.swatch)')].map((e) => e.outerHTML),
        attrs,
        hrefs: [...root.querySelectorAll('a[href]')].map((a) => a.href),
        pwned: window.__pwned,
      };
    });
    assert.deepEqual(found.elements, [], 'no active elements');
    assert.deepEqual(found.attrs, [], 'no event handler attributes');
    for (const h of found.hrefs) assert.match(h, /^(https?:|mailto:)/, `link ${h} is inert`);
    assert.ok(found.hrefs.includes('https://example.com/ok'), 'ordinary links survive');
    for (const text of ['raw anchor', 'js link', 'upper case', 'entity', 'tab', 'data', 'vbscript']) {
      const link = page.locator('.doc a', { hasText: text });
      if (await link.count()) await link.first().click();
    }
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing ran');
    assert.equal(new URL(page.url()).pathname, '/p/evil', 'no link navigated anywhere');
    await shot(page, 'postmortem-hostile', true);

    // The same strings in search results, action items and the feed.
    await page.goto('/?q=hostile');
    await searchShown(page, '/?q=hostile');
    assert.equal(await page.locator('ol.results a.title').first().textContent(), EVIL_TITLE);
    const snippetTags = await page.$$eval('ol.results .snippet *', (es) => es.map((e) => e.tagName));
    assert.ok(snippetTags.every((tag) => tag === 'MARK'), 'snippets hold only <mark>');

    await page.goto('/actions');
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered);
    // The indexer keeps the item's text without the raw HTML.
    assert.match(await page.locator('.group .item .text').first().textContent(), /fix it/);
    assert.equal(await page.locator('.actions-page img').count(), 0);

    const feed = await page.evaluate(async () => {
      const doc = new DOMParser().parseFromString(await (await fetch('/feed.atom')).text(), 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      return {
        error: doc.getElementsByTagName('parsererror').length,
        titles: [...doc.getElementsByTagNameNS(ns, 'entry')].map((e) => e.getElementsByTagNameNS(ns, 'title')[0].textContent),
      };
    });
    assert.equal(feed.error, 0, 'the feed stays well-formed');
    assert.ok(feed.titles.includes(EVIL_TITLE), 'the feed carries the title as text');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await p.close();
  });

  test('the problems page lists the file that did not parse', async () => {
    const p = await openPage(base, '/problems');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.problems-page')?.dataset.rendered === '/problems');
    const rows = await page.locator('.problems-table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('broken.md:')), `broken.md is listed: ${rows.join(' | ')}`);
    await shot(page, 'problems-hostile');
    await p.close();
  });
});

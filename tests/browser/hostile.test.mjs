// pmkb's browser tests: hostile postmortems render inert, and a file that
// does not parse is listed on the problems page.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { openPage, postmortemShown, searchShown, shot, pageSuite } from './lib.mjs';

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

// Resolved before it started: a typo a reader must notice.
const BACKWARDS = `---
title: Backwards clock
started_at: 2019-03-01T10:00:00Z
resolved_at: 2019-03-01T09:00:00Z
cause: infrastructure
---
# Backwards clock
`;

let dir;
async function hostileDir() {
  dir = await mkdtemp(path.join(tmpdir(), 'pmkb-evil-'));
  await writeFile(path.join(dir, 'evil.md'), EVIL);
  await writeFile(path.join(dir, 'broken.md'), BROKEN);
  await writeFile(path.join(dir, 'backwards.md'), BACKWARDS);
  return dir;
}

pageSuite('pmkb UI on hostile postmortems', (srv) => {
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('<script>, event handlers and javascript: links render inert', async () => {
    const p = await openPage(srv.base, '/p/evil');
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

  test('a resolution before the start shows as invalid, not as 0 s', async () => {
    for (const [locale, want] of [['en-US', /Time to resolveinvalid/], ['ja-JP', /解決までの時間不正/]]) {
      const p = await openPage(srv.base, '/p/backwards', { locale });
      await postmortemShown(p.page, 'backwards');
      const facts = await p.page.locator('.facts dl').textContent();
      assert.match(facts, want);
      assert.doesNotMatch(facts, /0 s|0秒/);
      await p.close();
    }
    // In the result list it has no time to resolve at all.
    const p = await openPage(srv.base, '/?sort=ttr');
    await searchShown(p.page, '/?sort=ttr');
    const result = p.page.locator('ol.results .result', { has: p.page.locator('a[href="/p/backwards"]') });
    assert.equal(await result.count(), 1);
    assert.equal(await result.locator('.ttr').count(), 0);
    assert.doesNotMatch(await p.page.locator('ol.results').textContent(), /resolved in invalid/);
    await p.close();
  });

  test('the problems page lists the file that did not parse', async () => {
    const p = await openPage(srv.base, '/problems');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.problems-page')?.dataset.rendered === '/problems');
    const rows = await page.locator('.problems-table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('broken.md:')), `broken.md is listed: ${rows.join(' | ')}`);
    await shot(page, 'problems-hostile');
    await p.close();
  });
}, { dir: hostileDir });

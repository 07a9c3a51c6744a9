// pmkb's browser tests: how faithfully the postmortem page renders what a
// forge would show: repository images (served by pmkb under /files/),
// footnotes, code blocks (highlighted), a Mermaid block, the source link in
// --dir mode.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';

import {
  contrast, openPage, pageSuite, PHONE, postmortemShown, shot,
} from './lib.mjs';

// A real PNG: a small bar chart, as a postmortem's graph would be.
function png(width, height, pixel) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind, data) => {
    const body = Buffer.concat([Buffer.from(kind, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(...pixel(x, y));
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const GRAPH = png(240, 120, (x, y) => {
  const bar = Math.floor(x / 30);
  const height = [20, 35, 30, 110, 100, 40, 25, 20][bar];
  return 120 - y <= height && x % 30 > 4 ? [31, 119, 180] : [255, 255, 255];
});

const RICH = `---
title: Checkout latency during the cache migration
started_at: 2024-05-02T10:00:00Z
detected_at: 2024-05-02T10:06:00Z
resolved_at: 2024-05-02T11:10:00Z
cause: infrastructure
severity: SEV2
customer_impact: 2% of checkouts failed
regions: [ap-northeast-1, us-east-1]
incident_commander: "<b>sato</b>"
runbook: {url: https://runbooks.example.com/cache}
---
# Checkout latency during the cache migration

## Impact

p99 latency of checkout rose to 4 s[^slo] while the cache was cold.

![p99 latency of checkout](img/latency.png)

An external dashboard: ![dashboard](https://grafana.example.com/d/abc.png)

Outside the repository: ![outside](../../etc/passwd.png)

## Timeline

\`\`\`mermaid
sequenceDiagram
  deploy->>cache: flush
  cache-->>checkout: miss
\`\`\`

## Fix

\`\`\`sh
# Rebalance the slots, then look at every node
redis-cli --cluster rebalance 10.0.0.1:6379
for node in 10.0.0.1 10.0.0.2; do
  redis-cli -h "$node" info keyspace
done
\`\`\`

\`\`\`yaml
cache:
  warm_before_switch: true  # was false
\`\`\`

\`\`\`diff
--- a/cache/config.yml
+++ b/cache/config.yml
@@ -1,2 +1,2 @@
-  warm_before_switch: false
+  warm_before_switch: true
\`\`\`

## Action items

- [x] Warm the cache before the switch @tanaka due:2024-05-20
- [ ] Alert on the cache hit ratio @sato due:2024-06-30

[^slo]: The SLO is 800 ms at p99.
`;

let dir;
async function richDir() {
  dir = await mkdtemp(path.join(tmpdir(), 'pmkb-rich-'));
  await mkdir(path.join(dir, 'img'));
  await writeFile(path.join(dir, 'img', 'latency.png'), GRAPH);
  await writeFile(path.join(dir, 'rich.md'), RICH);
  return dir;
}

pageSuite('the postmortem page renders like the forge', (srv) => {
  test('repository images load from pmkb; others become links', async () => {
    const p = await openPage(srv.base, '/p/rich');
    const { page } = p;
    await postmortemShown(page, 'rich');
    const img = page.locator('.doc img');
    assert.equal(await img.count(), 1, 'only the repository image is an <img>');
    assert.equal(await img.getAttribute('src'), '/files/img/latency.png');
    assert.equal(await img.getAttribute('alt'), 'p99 latency of checkout');
    await page.waitForFunction(() => document.querySelector('.doc img')?.complete);
    assert.equal(await img.evaluate((i) => i.naturalWidth), 240, 'the image loaded (same origin, CSP allows it)');
    assert.equal(await page.locator('.doc a.image-full').getAttribute('href'), '/files/img/latency.png');
    const external = page.locator('.doc a.image-link');
    assert.equal(await external.getAttribute('href'), 'https://grafana.example.com/d/abc.png');
    assert.equal(await external.getAttribute('rel'), 'noopener noreferrer');
    assert.match(await page.locator('.doc span.image-link').textContent(), /outside/,
      'an image outside the repository is named, not loaded');
    await shot(page, 'render', true);
    await page.setViewportSize(PHONE);
    // On a phone the facts and the action items come before the body.
    await page.locator('.similar-box').waitFor({ state: 'visible' });
    const top = (sel) => page.locator(sel).evaluate((e) => e.getBoundingClientRect().top);
    assert.ok(await top('.facts') < await top('.pm-body'), 'facts before the body');
    assert.ok(await top('.side-block.actions') < await top('.pm-body'), 'action items before the body');
    assert.ok(await top('.similar-box') > await top('.pm-body'), 'similar postmortems after it');
    await shot(page, 'render-phone', true);
    await page.setViewportSize({ width: 1366, height: 900 });
    assert.ok(await page.locator('.facts').evaluate((e) => e.getBoundingClientRect().left) > 800, 'beside the body on a desktop');
    await p.close();
  });

  test('front matter pmkb does not know is a fact table, as text', async () => {
    for (const [viewport, name] of [[undefined, 'render-facts'], [PHONE, 'render-facts-phone']]) {
      const p = await openPage(srv.base, '/p/rich', viewport ? { viewport } : {});
      const { page } = p;
      await postmortemShown(page, 'rich');
      const rows = await page.$$eval('.facts table.front-matter tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.deepEqual(rows, [
        ['customer_impact', '2% of checkouts failed'],
        ['regions', 'ap-northeast-1, us-east-1'],
        ['incident_commander', '<b>sato</b>'],
      ], 'scalars and lists, in file order; nested mappings left out');
      assert.equal(await page.locator('.facts table.front-matter b').count(), 0, 'values are text, never markup');
      assert.equal(await page.locator('.doc table.front-matter').count(), 0, 'not in the body');
      assert.equal(await page.locator('.doc h1').count(), 0, 'the title heading is still dropped from the body');
      assert.equal(await page.locator('.facts h3').textContent(), 'More from the front matter');
      await page.locator('.facts').scrollIntoViewIfNeeded();
      await shot(page, name);
      await p.close();
    }
  });

  test('task-list items are labelled; owner and due markers are not raw text', async () => {
    for (const [locale, done, open, due] of [['en-US', 'done', 'open', 'due 2024-05-20'], ['ja-JP', '完了', '未完了', '期限 2024-05-20']]) {
      const p = await openPage(srv.base, '/p/rich', { locale });
      const { page } = p;
      await postmortemShown(page, 'rich');
      const boxes = page.locator('.doc li > input[type="checkbox"]');
      assert.equal(await boxes.count(), 2);
      assert.equal(await boxes.nth(0).getAttribute('aria-label'), done);
      assert.equal(await boxes.nth(1).getAttribute('aria-label'), open);
      const first = page.locator('.doc li:has(> input[type="checkbox"])').first();
      assert.doesNotMatch(await first.textContent(), /due:/, 'no raw due: marker');
      assert.equal(await first.locator('.owner').textContent(), '@tanaka');
      assert.equal(await first.locator('.due').textContent(), due);
      assert.match(await first.textContent(), /Warm the cache before the switch/);
      await p.close();
    }
  });

  test('footnotes link both ways and speak the page language', async () => {
    for (const [locale, back] of [['en-US', 'Back to the text'], ['ja-JP', '本文に戻る']]) {
      const p = await openPage(srv.base, '/p/rich', { locale });
      const { page } = p;
      await postmortemShown(page, 'rich');
      const ref = page.locator('.doc sup.footnote-ref a');
      assert.equal(await ref.textContent(), '1');
      await ref.click();
      await page.waitForFunction(() => location.hash === '#fn-slo');
      assert.match(await page.locator('.doc .footnotes li#fn-slo').textContent(), /The SLO is 800 ms at p99/);
      assert.ok(await page.locator('.doc .footnotes li#fn-slo').isVisible());
      const backref = page.locator('.doc .footnote-backref');
      assert.equal(await backref.getAttribute('aria-label'), back);
      await backref.click();
      await page.waitForFunction(() => location.hash === '#fnref-slo');
      assert.equal(await page.locator('.pm-page').getAttribute('data-slug'), 'rich', 'still the same page');
      await p.close();
    }
  });

  test('code keeps its language; a Mermaid block is labelled as a diagram', async () => {
    const p = await openPage(srv.base, '/p/rich');
    const { page } = p;
    await postmortemShown(page, 'rich');
    assert.match(await page.locator('.doc pre[lang="sh"] code').textContent(), /redis-cli --cluster rebalance/);
    const diagram = page.locator('.doc pre[lang="mermaid"]');
    assert.match(await diagram.textContent(), /deploy->>cache: flush/);
    assert.equal(await diagram.getAttribute('aria-label'), 'Diagram (Mermaid source)');
    assert.equal(await page.locator('.doc .diagram-label').textContent(), 'Diagram (Mermaid source)');
    await p.close();
  });

  test('code is highlighted by language, readable in both themes', async (t) => {
    const want = ['keyword', 'string', 'comment', 'number', 'key', 'add', 'del', 'meta'];
    for (const colorScheme of ['light', 'dark']) {
      const p = await openPage(srv.base, '/p/rich', { colorScheme });
      const { page } = p;
      await postmortemShown(page, 'rich');
      const sh = page.locator('.doc pre[lang="sh"] code');
      assert.deepEqual(await sh.locator('.hl-keyword').allTextContents(), ['for', 'in', 'do', 'done']);
      assert.deepEqual(await sh.locator('.hl-string').allTextContents(), ['"$node"']);
      assert.deepEqual(await sh.locator('.hl-comment').allTextContents(), ['# Rebalance the slots, then look at every node']);
      assert.ok(await sh.locator('.hl-number').count() >= 4, 'addresses and ports are numbers');
      const yaml = page.locator('.doc pre[lang="yaml"] code');
      assert.deepEqual(await yaml.locator('.hl-key').allTextContents(), ['cache', 'warm_before_switch']);
      assert.deepEqual(await yaml.locator('.hl-keyword').allTextContents(), ['true']);
      const diff = page.locator('.doc pre[lang="diff"] code');
      assert.deepEqual(await diff.locator('.hl-del').allTextContents(), ['-  warm_before_switch: false']);
      assert.deepEqual(await diff.locator('.hl-add').allTextContents(), ['+  warm_before_switch: true']);
      assert.equal(await diff.locator('.hl-meta').count(), 3);
      assert.equal(await page.locator('.doc pre[lang="mermaid"] [class^="hl-"]').count(), 0, 'a diagram is not code');
      // Each token's colour against its block, and against the block's plain text.
      const spans = await page.$$eval('.doc pre code [class^="hl-"]', (els) => els.map((span) => ({
        cls: span.className.slice(3),
        colour: getComputedStyle(span).color,
        plain: getComputedStyle(span.parentElement).color,
        back: getComputedStyle(span.closest('pre')).backgroundColor,
      })));
      const seen = {};
      for (const s of spans) {
        s.contrast = contrast(s.colour, s.back);
        if (!seen[s.cls] || s.contrast < seen[s.cls].contrast) seen[s.cls] = s;
      }
      assert.deepEqual(Object.keys(seen).sort(), [...want].sort(), 'every kind of token is on the page');
      for (const [cls, s] of Object.entries(seen)) {
        t.diagnostic(`${colorScheme} hl-${cls}: ${s.colour} on ${s.back}, ${s.contrast.toFixed(2)}:1`);
        assert.notEqual(s.colour, s.plain, `${colorScheme}: hl-${cls} has a colour of its own`);
        assert.ok(s.contrast >= 4.5, `${colorScheme}: hl-${cls} is ${s.contrast.toFixed(2)}:1 on the code block`);
      }
      await page.locator('.doc pre[lang="sh"]').scrollIntoViewIfNeeded();
      await shot(page, `render-code-${colorScheme}`);
      await p.close();
    }
  });

  test('the source link opens the file pmkb serves in --dir mode', async () => {
    const p = await openPage(srv.base, '/p/rich');
    const { page } = p;
    await postmortemShown(page, 'rich');
    const link = page.locator('.facts .links a');
    assert.equal(await link.getAttribute('href'), '/files/rich.md');
    assert.equal(await link.textContent(), 'Markdown source', 'no commit to name in --dir mode');
    const r = await fetch(`${srv.base}/files/rich.md`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), RICH);
    await p.close();
  });
}, { dir: richDir });

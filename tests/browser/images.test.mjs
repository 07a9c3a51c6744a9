// pmkb's browser tests: a postmortem's images when pmkb follows a git
// repository (--repo). Relative images come from the indexed commit
// through /files/; a path out of the directory and an image from another
// site are never fetched; a pushed image replaces the old one once the
// push is synced (the post-receive hook runs `pmkb notify`).
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';

import {
  gitRepo, openPage, pageSuite, postmortemShown, shot, synced,
} from './lib.mjs';

// A real PNG of width × height in one colour.
function png(width, height, [r, g, b]) {
  const chunk = (kind, data) => {
    const out = Buffer.alloc(data.length + 12);
    out.writeUInt32BE(data.length, 0);
    out.write(kind, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, data.length + 8)), data.length + 8);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.from([0, ...Array.from({ length: width }, () => [r, g, b]).flat()]);
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array(height).fill(row)))), chunk('IEND', Buffer.alloc(0))]);
}

const SLUG = '2024-02-01-queue-backlog';
const SECRET = 'browser tests\' webhook secret';
// The server started by pageSuite and the hook's `pmkb notify` share it.
process.env.PMKB_WEBHOOK_SECRET = SECRET;

const repo = await gitRepo();
after(() => repo.close());
await repo.write(`${SLUG}.md`, `---
title: Queue backlog
started_at: 2024-02-01
cause: infrastructure
---
# Queue backlog

![queue depth](img/queue.png)

![message flow](img/diagrams/flow.svg)

Outside the repository: ![passwd](../../etc/passwd.png)

A dashboard elsewhere: ![dashboard](https://example.com/x.png)
`);
await repo.write('img/queue.png', png(40, 20, [31, 119, 180]));
await repo.write('img/diagrams/flow.svg',
  '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><rect width="60" height="30" fill="#ff7f0e"/></svg>\n');
const FIRST = repo.commit('a postmortem with images');
repo.push();

// Waits for each of the page's <img> to be loaded; returns what each shows.
async function images(page) {
  const imgs = page.locator('.doc img');
  for (let i = 0; i < await imgs.count(); i++) await imgs.nth(i).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll('.doc img')].every((i) => i.complete));
  return imgs.evaluateAll((is) => is.map((i) => ({
    src: i.getAttribute('src'), sameOrigin: new URL(i.currentSrc).origin === location.origin, width: i.naturalWidth,
  })));
}

pageSuite('images of a followed repository', (srv) => {
  test('relative images load from the indexed commit, others are never fetched, a push replaces one', async () => {
    await synced(srv.base, FIRST);
    await repo.notifyOnPush(srv.base);
    const p = await openPage(srv.base, `/p/${SLUG}`);
    const { page } = p;
    await postmortemShown(page, SLUG);
    assert.deepEqual(await images(page), [
      { src: '/files/img/queue.png', sameOrigin: true, width: 40 },
      { src: '/files/img/diagrams/flow.svg', sameOrigin: true, width: 60 },
    ], 'both repository images loaded, from pmkb');
    assert.deepEqual(await page.locator('.doc a.image-full').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
      ['/files/img/queue.png', '/files/img/diagrams/flow.svg']);

    // The path out of the repository is named, not loaded.
    assert.equal(await page.locator('.doc span.image-link').textContent(), 'image: passwd');
    // The other site's image is a link to it, not a broken image.
    const external = page.locator('.doc a.image-link');
    assert.equal(await external.getAttribute('href'), 'https://example.com/x.png');
    assert.equal(await external.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await external.textContent(), 'image: dashboard');
    assert.equal(await page.locator('.doc img').count(), 2, 'no other <img>');
    // Nothing but pmkb was asked, and no file but those two (a refused
    // load would also show as a console error or CSP violation).
    const asked = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    assert.ok(asked.every((u) => u.startsWith(`${srv.base}/`)), asked.join('\n'));
    assert.deepEqual(asked.map((u) => new URL(u).pathname).filter((x) => x.startsWith('/files/')).sort(),
      ['/files/img/diagrams/flow.svg', '/files/img/queue.png']);
    for (const bad of ['/files/../../etc/passwd.png', '/files/..%2f..%2fetc%2fpasswd.png']) {
      assert.ok((await fetch(srv.base + bad)).status >= 400, `${bad} refused`);
    }
    await shot(page, 'images-repo');

    // A push changes the graph; its post-receive hook has pmkb sync it.
    await repo.write('img/queue.png', png(80, 30, [214, 39, 40]));
    const next = repo.commit('a wider graph');
    repo.push({ PMKB_WEBHOOK_SECRET: SECRET });
    const s = await synced(srv.base, next);
    assert.equal(s.last.reason, 'git', 'the hook\'s notification synced it');
    await page.reload();
    await postmortemShown(page, SLUG);
    assert.deepEqual((await images(page)).map((i) => i.width), [80, 60], 'the new graph, the same diagram');
    await p.close();
  });
}, { dir: 'postmortems', extra: ['--repo', repo.remote] });

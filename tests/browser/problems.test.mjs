// pmkb's browser tests: the problems page and the Atom feed.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getJson, openPage, pageSuite, shot,
} from './lib.mjs';

pageSuite('the problems page and the feed', (srv) => {
  test('the problems page and the feed link', async () => {
    const p = await openPage(srv.base, '/problems');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.problems-page')?.dataset.rendered === '/problems');
    const api = await getJson(srv.base, '/api/problems');
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
    assert.ok(feed.entries.every((e) => e.title && e.link.startsWith(`${srv.base}/p/`) && /Z$/.test(e.updated)));
    await p.close();
  });
});

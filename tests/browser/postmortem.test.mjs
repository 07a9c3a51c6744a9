// pmkb's browser tests: the postmortem page.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getJson, openPage, pageSuite, postmortemShown, shot,
} from './lib.mjs';

pageSuite('the postmortem page', (srv) => {
  test('a postmortem renders its table, action items and facts', async () => {
    const slug = '2018-02-14-aurora-failover-14min';
    const api = await getJson(srv.base, `/api/postmortems/${slug}`);
    const p = await openPage(srv.base, `/p/${slug}`);
    const { page } = p;
    await postmortemShown(page, slug);
    assert.equal(await page.locator('.pm-head h1').textContent(), api.title);
    assert.equal(await page.locator('.pm-head h1').getAttribute('lang'), null, 'an English title carries no lang');
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
    // A done item shows the day written in it (done:DATE), as the API says.
    const doneOn = await page.$$eval('.actions .item', (lis) => lis.map((li) => li.querySelector('.done-on')?.textContent ?? null));
    assert.deepEqual(doneOn, api.action_items.map((a) => (a.done && a.done_on ? `done ${a.done_on}` : null)));
    assert.ok(doneOn.filter(Boolean).length >= 2, 'the sample writes done: dates');
    // A tracker reference (trackers: in .pmkb.yml) is a link in the item.
    assert.equal(await page.locator('.actions .item .text a[href="https://jira.example.com/browse/OPS-1423"]').textContent(), 'OPS-1423');
    // recurrence_of: flags the page, with the earlier items still open.
    const rec = page.locator('.pm-head .recurrence');
    assert.equal(await rec.locator('a[href="/p/2016-07-12-aurora-failover-stalled"]').count(), 1);
    assert.match(await rec.textContent(), /recurred with 3 action items still open/);
    // Relations both ways: the .md link in the body is listed under "Links to".
    assert.equal(await page.locator('.relations a[href="/p/2017-06-01-migration-locked-orders-table"]').count(), 1);

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
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${srv.base}/p/${slug}`);
    await p.close();
  });

  test('similar postmortems are listed with why', async () => {
    const slug = '2018-02-14-aurora-failover-14min';
    const api = await getJson(srv.base, `/api/postmortems/${slug}/similar`);
    const want = api.results || api.similar;
    assert.ok(want.length > 0 && want.every((r) => (r.reasons || r.why || []).length > 0),
      'the samples give this one similar postmortems, each with a reason');
    const p = await openPage(srv.base, `/p/${slug}`);
    const { page } = p;
    await postmortemShown(page, slug);
    await page.waitForSelector('ul.similar > li');
    const shown = await page.$$eval('ul.similar > li', (lis) => lis.map((li) => ({
      href: li.querySelector('a').getAttribute('href'),
      why: [...li.querySelectorAll('ul.why li')].map((x) => x.textContent),
    })));
    assert.deepEqual(shown.map((x) => x.href), want.map((r) => r.url || `/p/${r.slug}`));
    shown.forEach((x, i) => {
      const reasons = want[i].reasons || want[i].why;
      assert.equal(x.why.length, reasons.length, x.href);
      reasons.forEach((r, j) => {
        const values = r.values || r.terms || [];
        const label = {
          service: 'Same services', cause: 'Same cause', terms: 'Shared words', related: 'Linked',
        }[r.kind];
        assert.ok(label, `a known reason: ${r.kind}`);
        assert.ok(x.why[j].startsWith(values.length ? `${label}: ` : label), x.why[j]);
        if (r.kind !== 'cause') assert.ok(values.every((v) => x.why[j].includes(v)), `${x.why[j]} names ${values}`);
      });
    });
    await p.close();
  });
});

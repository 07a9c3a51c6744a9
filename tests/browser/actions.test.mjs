// pmkb's browser tests: the action items page.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getJson, openPage, pageSuite, shot,
} from './lib.mjs';

pageSuite('the action items page', (srv) => {
  test('the action items page groups open items by postmortem and filters by owner', async () => {
    const all = await getJson(srv.base, '/api/action-items?status=open&limit=5000');
    const p = await openPage(srv.base, '/actions');
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions');
    assert.equal(await page.locator('.group .item').count(), all.total);
    assert.equal(await page.locator('.group').count(), new Set(all.items.map((i) => i.slug)).size);
    await shot(page, 'actions');

    await page.selectOption('#pmkb-owner', 'tanaka');
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions?owner=tanaka');
    const mine = await getJson(srv.base, '/api/action-items?status=open&owner=tanaka&limit=5000');
    assert.equal(await page.locator('.group .item').count(), mine.total);

    await page.locator('label[for="pmkb-status-overdue"]').click();
    await page.waitForFunction(() => document.querySelector('.actions-page')?.dataset.rendered === '/actions?status=overdue&owner=tanaka');
    const overdue = await getJson(srv.base, '/api/action-items?status=open&overdue=true&owner=tanaka&limit=5000');
    const states = await page.$$eval('.group .item', (lis) => lis.map((li) => li.dataset.state));
    assert.equal(states.length, overdue.total);
    assert.ok(states.every((s) => s === 'overdue'));
    await p.close();
  });
});

// pmkb's browser tests: the trends page.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getJson, openPage, pageSuite, shot, trendsShown,
} from './lib.mjs';

pageSuite('the trends page', (srv) => {
  test('the trends chart draws exactly the stats API numbers', async () => {
    const p = await openPage(srv.base, '/trends');
    const { page } = p;

    async function checkChart(want, apiPath, mode) {
      await trendsShown(page, want);
      const api = await getJson(srv.base, apiPath);
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

    // The durations chart: a strip per period, every value a dot, the
    // median and its 90% interval as the API gives them.
    const durations = await getJson(srv.base, '/api/stats/durations?period=half');
    const ttd = await page.$$eval('figure[data-metric="ttd"] g.period', (gs) => gs.map((g) => ({
      period: g.dataset.period,
      dots: [...g.querySelectorAll('circle.dot')].map((c) => Number(c.dataset.value)),
      median: g.querySelector('line.median') ? Number(g.querySelector('line.median').dataset.value) : null,
      ci: g.querySelector('line.ci') ? [Number(g.querySelector('line.ci').dataset.low), Number(g.querySelector('line.ci').dataset.high)] : null,
      few: g.dataset.tooFew === 'true',
    })));
    assert.deepEqual(ttd, durations.rows.map((r) => ({
      period: r.period, dots: r.ttd.values, median: r.ttd.median, ci: r.ttd.ci90, few: r.ttd.too_few,
    })));
    // Months of the samples include periods too few to call a trend.
    const monthly = await getJson(srv.base, '/api/stats/durations?period=month');
    const fewMonths = monthly.rows.filter((r) => r.ttd.too_few && r.ttd.count > 0).map((r) => r.period);
    assert.ok(fewMonths.length > 0);

    // Downloads come from the API.
    for (const [format, type] of [['csv', /text\/csv/], ['md', /text\/markdown/]]) {
      const href = await page.locator(`.downloads a[href*="format=${format}"]`).getAttribute('href');
      const r = await fetch(srv.base + href);
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
    // Months with too few incidents are drawn faded and say so.
    const drawnFew = await page.$$eval('figure[data-metric="ttd"] g.period.few', (gs) => gs
      .filter((g) => g.querySelector('text.few-label')?.textContent === 'too few').map((g) => g.dataset.period));
    assert.deepEqual(drawnFew, fewMonths);
    assert.match(await page.locator('#pmkb-dur-title + p').textContent(), new RegExp(`fewer than ${monthly.min_n} `));
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
});

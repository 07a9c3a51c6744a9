// pmkb's browser tests: the trends page.
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  getJson, openPage, pageSuite, PHONE, searchShown, shot, trendsShown, worstContrast,
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
    // Both charts: time to detect and the median time to resolve.
    const durations = await getJson(srv.base, '/api/stats/durations?period=half');
    for (const metric of ['ttd', 'ttr']) {
      const drawn = await page.$$eval(`figure[data-metric="${metric}"] g.period`, (gs) => gs.map((g) => ({
        period: g.dataset.period,
        dots: [...g.querySelectorAll('circle.dot')].map((c) => Number(c.dataset.value)),
        median: g.querySelector('line.median') ? Number(g.querySelector('line.median').dataset.value) : null,
        ci: g.querySelector('line.ci') ? [Number(g.querySelector('line.ci').dataset.low), Number(g.querySelector('line.ci').dataset.high)] : null,
        few: g.dataset.tooFew === 'true',
      })));
      assert.ok(drawn.length > 0, metric);
      assert.deepEqual(drawn, durations.rows.map((r) => ({
        period: r.period, dots: r[metric].values, median: r[metric].median, ci: r[metric].ci90, few: r[metric].too_few,
      })), metric);
    }
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

  // The bars of the causes chart: per period, the drawn segments.
  const segments = (page) => page.$$eval('.trends-page .card:first-child .chart g.bar', (gs) => Object.fromEntries(gs.map((g) => [
    g.dataset.bar, Object.fromEntries([...g.querySelectorAll('rect.seg')].map((r) => [r.dataset.series, Number(r.dataset.value)]))])));

  test('tooltips list every cause, zeros too; every-cause mode says mentions', async () => {
    const p = await openPage(srv.base, '/trends');
    const { page } = p;
    await trendsShown(page, '/trends');
    const api = await getJson(srv.base, '/api/stats/causes?period=half&mode=primary');
    const i = api.rows.findIndex((r) => r.period === '2018-H1');
    assert.equal(api.rows[i].by_cause.infrastructure, 0, 'the samples: no infrastructure incident in 2018 H1');
    const tip = page.locator('.trends-page .card:first-child .tooltip');
    await page.locator('.trends-page .card:first-child .chart g.bar').nth(i).hover();
    await tip.waitFor({ state: 'visible' });
    const lines = await tip.locator('div').allTextContents();
    assert.equal(lines.length, 1 + api.causes.length, 'a line for the count and one per cause');
    assert.ok(lines.includes('Infrastructure: 0'), lines.join(' | '));
    assert.equal(await tip.locator('div.zero').count(), Object.values(api.rows[i].by_cause).filter((n) => !n).length);
    await shot(page, 'trends-tooltip-zero');

    await page.locator('label[for="pmkb-mode-any"]').click();
    await trendsShown(page, '/trends?mode=any');
    const any = await getJson(srv.base, '/api/stats/causes?period=half&mode=any');
    const row = any.rows[0];
    const mentions = Object.values(row.by_cause).reduce((a, b) => a + b, 0);
    await page.locator('.trends-page .card:first-child .chart g.bar').first().hover();
    await page.waitForFunction(() => !document.querySelector('.trends-page .card:first-child .tooltip').hidden);
    assert.match(await tip.textContent(), new RegExp(`${mentions} cause mentions in ${row.total} incidents`));
    await p.close();
  });

  test('a click on a segment lists that cause in that period', async () => {
    const p = await openPage(srv.base, '/trends?mode=any');
    const { page } = p;
    await trendsShown(page, '/trends?mode=any');
    const drawn = await segments(page);
    const value = drawn['2017-H1'].infrastructure;
    assert.ok(value > 0);
    await page.locator('.chart g.bar[data-bar="2017-H1"] rect.seg[data-series="infrastructure"]').click();
    const want = '/?cause=infrastructure&from=2017-01-01&to=2017-06-30';
    await searchShown(page, want);
    // Every cause counted on the chart, and any cause matches in search:
    // the same incidents.
    const listed = await getJson(srv.base, '/api/postmortems?cause=infrastructure&from=2017-01-01&to=2017-06-30');
    assert.equal(listed.total, value);
    assert.equal(await page.locator('.search-page .results > li').count(), value);
    assert.match(await page.locator('.chips .chip.range').textContent(), /2017-01-01 – 2017-06-30/);
    await shot(page, 'trends-drill-search');
    await page.goBack();
    await trendsShown(page, '/trends?mode=any');

    // The table's numbers are links too (the keyboard's way in).
    await page.locator('.causes-table tr[data-period="2016-H2"] a[href*="cause=infrastructure"]').click();
    await searchShown(page, '/?cause=infrastructure&from=2016-07-01&to=2016-12-31');
    // Removing the date chip keeps the cause.
    await page.locator('.chips .chip.range').click();
    await searchShown(page, '/?cause=infrastructure');
    await p.close();
  });

  test('cause groups show infrastructure going to zero while product remains', async () => {
    for (const [viewport, name] of [[undefined, 'trends-groups'], [PHONE, 'trends-groups-phone']]) {
      const p = await openPage(srv.base, '/trends', viewport ? { viewport } : {});
      const { page } = p;
      await trendsShown(page, '/trends');
      await page.locator('label[for="pmkb-by-group"]').click();
      await trendsShown(page, '/trends?by=group');
      const api = await getJson(srv.base, '/api/stats/causes?period=half&mode=primary');
      const groupOf = Object.fromEntries(api.causes.map((c) => [c.id, c.group || '']));
      const drawn = await segments(page);
      for (const r of api.rows) {
        const sums = {};
        for (const [cause, n] of Object.entries(r.by_cause)) {
          if (n) sums[`group:${groupOf[cause]}`] = (sums[`group:${groupOf[cause]}`] || 0) + n;
        }
        assert.deepEqual(drawn[r.period], sums, `${r.period}: groups add up their causes`);
      }
      assert.equal(drawn['2018-H2']['group:infrastructure'], undefined, 'no infrastructure incident in 2018 H2');
      assert.ok(drawn['2018-H2']['group:product'] > 0, 'product incidents remain');
      const head = await page.$$eval('.causes-table thead th', (ths) => ths.map((th) => th.textContent));
      assert.ok(head.includes('infrastructure') && head.includes('product'), head.join(' | '));
      await shot(page, name, true);
      await p.close();
    }
  });

  test('every cause swatch stands out from the page on both themes', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const p = await openPage(srv.base, '/trends', { colorScheme });
      const { page } = p;
      await trendsShown(page, '/trends');
      // WCAG contrast of the swatch against the page: its fill or, for
      // colours close to the background, its edge must reach 3:1.
      const worst = await worstContrast(page, '.cause-filter .swatch rect');
      assert.ok(worst.best >= 3, `${colorScheme}: ${worst.fill} reaches only ${worst.best.toFixed(2)}:1`);
      await p.close();
    }
  });

  test('the follow-through chart beside the causes draws the API numbers', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const p = await openPage(srv.base, '/trends?period=year', { colorScheme });
      const { page } = p;
      await trendsShown(page, '/trends?period=year');
      const api = await getJson(srv.base, '/api/stats/follow-through?period=year');
      const bars = await page.$$eval('.follow .chart g.bar', (gs) => gs.map((g) => ({
        id: g.dataset.bar,
        total: Number(g.dataset.total),
        segs: Object.fromEntries([...g.querySelectorAll('rect.seg')].map((r) => [r.dataset.series, Number(r.dataset.value)])),
      })));
      assert.deepEqual(bars.map((b) => b.id), api.rows.map((r) => r.period), 'one bar per period');
      api.rows.forEach((r, i) => {
        const want = Object.fromEntries(Object.entries({
          done_on_time: r.done_on_time,
          done_late: r.done_late,
          done_no_due: r.done_no_due,
          done_undated: r.done_undated,
          open: r.still_open - r.overdue,
          overdue: r.overdue,
        }).filter(([, n]) => n > 0));
        assert.deepEqual(bars[i].segs, want, `${r.period} segments`);
        assert.equal(bars[i].total, r.opened, `${r.period}: the bar is every item opened`);
      });
      // The samples have open, overdue and done items in every year.
      assert.ok(api.rows.every((r) => r.overdue > 0 && r.done > 0));
      const table = await page.$$eval('.follow-table tbody tr', (trs) => trs.map((tr) => Number(tr.children[1].textContent)));
      assert.deepEqual(table, api.rows.map((r) => r.opened), 'the table lists the items opened');
      // Side by side with the cause chart on a wide screen.
      const [causes, follow] = await page.$$eval('.beside > .card', (cs) => cs.map((c) => c.getBoundingClientRect().toJSON()));
      assert.ok(follow.left >= causes.right - 1 && Math.abs(follow.top - causes.top) < 2, 'beside the cause chart');
      // Every segment colour reaches 3:1 against the page.
      const worst = await worstContrast(page, '.follow .legend .swatch rect');
      assert.ok(worst.best >= 3, `${colorScheme}: ${worst.fill} reaches only ${worst.best.toFixed(2)}:1`);
      await shot(page, `trends-follow-${colorScheme}`);
      await p.close();
    }
  });

  test('as of a past revision: the field sets as_of, and a directory server explains why it cannot', async () => {
    const p = await openPage(srv.base, '/trends');
    const { page } = p;
    await page.waitForSelector('.trends-page #pmkb-as-of');
    await page.fill('#pmkb-as-of', '2018-01-01');
    await page.locator('.trends-page form.as-of button[type=submit]').click();
    await page.waitForSelector('.trends-page p.status.error');
    assert.equal(new URL(page.url()).searchParams.get('as_of'), '2018-01-01');
    const api = await fetch(`${srv.base}/api/stats/causes?as_of=2018-01-01`);
    assert.equal(api.status, 400);
    const { error } = await api.json();
    assert.match(await page.locator('.trends-page p.status.error').textContent(), /--repo/);
    assert.ok((await page.locator('.trends-page p.status.error').textContent()).includes(error));
    // Chromium logs the three 400 answers; nothing else may go wrong.
    const logged = p.problems.filter((m) => /status of 400 .*as_of=2018-01-01/.test(m));
    assert.equal(logged.length, 3, 'causes, durations and follow-through asked with as_of');
    p.problems.splice(0, p.problems.length, ...p.problems.filter((m) => !logged.includes(m)));
    // The field keeps the revision, and "back to now" leaves as_of.
    assert.equal(await page.inputValue('#pmkb-as-of'), '2018-01-01');
    await page.locator('.trends-page form.as-of a.now').click();
    await page.waitForSelector('.trends-page .card .chart');
    assert.equal(new URL(page.url()).searchParams.get('as_of'), null);
    await p.close();
  });

  test('filters by service, severity and range, and outlines every incident behind the chosen causes', async () => {
    const bars = (page) => page.$$eval('.trends-page .card:first-child .chart g.bar', (gs) => gs.map((g) => ({
      id: g.dataset.bar,
      total: Number(g.dataset.total),
      outline: g.querySelector('rect.outline') ? Number(g.querySelector('rect.outline').dataset.total) : null,
      causes: [...g.querySelectorAll('rect.seg')].map((r) => r.dataset.series),
    })));
    const p = await openPage(srv.base, '/trends?period=year&service=web-frontend&severity=SEV2&from=2017&to=2018');
    const { page } = p;
    await trendsShown(page, '/trends?period=year&service=web-frontend&severity=SEV2&from=2017&to=2018');
    let api = await getJson(srv.base, '/api/stats/causes?period=year&service=web-frontend&severity=SEV2&from=2017&to=2018');
    const all = await getJson(srv.base, '/api/stats/causes?period=year&from=2017&to=2018');
    assert.ok(api.total > 0 && api.total < all.total, 'the filters keep some incidents, not all');
    assert.deepEqual((await bars(page)).map((b) => [b.id, b.total]), api.rows.map((r) => [r.period, r.total]));
    assert.equal(await page.inputValue('#pmkb-trends-service'), 'web-frontend');
    assert.equal(await page.inputValue('#pmkb-trends-severity'), 'SEV2');
    assert.equal(await page.inputValue('#pmkb-trends-from'), '2017');
    // A drill-down keeps the service and severity for the search.
    const href = await page.$eval('.causes-table tbody td a', (a) => a.getAttribute('href'));
    assert.match(href, /service=web-frontend/);
    assert.match(href, /severity=SEV2/);
    await shot(page, 'trends-filtered');
    // Any severity: the page asks again without it.
    await page.selectOption('#pmkb-trends-severity', '');
    await trendsShown(page, '/trends?period=year&service=web-frontend&from=2017&to=2018');
    api = await getJson(srv.base, '/api/stats/causes?period=year&service=web-frontend&from=2017&to=2018');
    assert.deepEqual((await bars(page)).map((b) => [b.id, b.total]), api.rows.map((r) => [r.period, r.total]));

    // Total vs selected cause: only infrastructure, inside every incident.
    await page.goto('/trends?period=year&causes=infrastructure');
    await trendsShown(page, '/trends?period=year&causes=infrastructure');
    api = await getJson(srv.base, '/api/stats/causes?period=year');
    const drawn = await bars(page);
    assert.deepEqual(drawn.map((b) => [b.id, b.outline]), api.rows.map((r) => [r.period, r.total]), 'outlines are the totals');
    assert.deepEqual(drawn.map((b) => b.total), api.rows.map((r) => r.by_cause.infrastructure || 0), 'bars are the chosen cause');
    assert.ok(drawn.every((b) => b.causes.every((c) => c === 'infrastructure')));
    assert.equal(await page.locator('.trends-page .outline-note').count(), 1);
    await shot(page, 'trends-total-vs-selected', true);
    // Every cause chosen: no outline.
    await page.goto('/trends?period=year');
    await trendsShown(page, '/trends?period=year');
    assert.ok((await bars(page)).every((b) => b.outline === null));
    await p.close();
  });
});

// pmkb's browser tests: screenshots of every page for review, at phone
// (390×844) and desktop (1366×900) size, in Japanese and English, named
// screen-<page>-<ja|en>-<phone|desktop>.png in PMKB_SCREENSHOTS. English
// on a desktop is left to each page's own test (search-results,
// postmortem, trends-filtered, actions, problems), as is the Japanese
// login page on a desktop (login-ja, in app.test.mjs).
//
// Each page is loaded at its size, as a phone would load it, and shot
// with its main element in view (on a phone the chart of Trends comes
// after its filters); each must show its main element, fit the
// width without sideways scrolling, and log no console error or CSP
// violation (openPage checks that on close).
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DESKTOP, openPage, pageSuite, PHONE, postmortemShown, SAMPLES, searchShown, shot, startServer, trendsShown,
} from './lib.mjs';

const SLUG = '2018-02-14-aurora-failover-14min';
const TRENDS = '/trends?period=year&service=web-frontend&severity=SEV2&from=2017&to=2018';
const rendered = (page, cls, url) => page.waitForFunction(
  ([c, u]) => document.querySelector(c)?.dataset.rendered === u, [cls, url]);

// Each page: its name, its URL in each language, how to know it is shown,
// and the element that must then be visible.
const PAGES = [
  {
    name: 'search',
    url: { en: '/?q=aurora', ja: '/?q=%E9%9A%9C%E5%AE%B3' },
    shown: (page, url) => searchShown(page, url),
    key: 'ol.results .result',
  },
  { name: 'postmortem', url: `/p/${SLUG}`, shown: (page) => postmortemShown(page, SLUG), key: '.pm-head h1' },
  { name: 'trends', url: TRENDS, shown: (page, url) => trendsShown(page, url), key: '.trends-page .card .chart' },
  { name: 'actions', url: '/actions', shown: (page, url) => rendered(page, '.actions-page', url), key: '.group .item' },
  { name: 'problems', url: '/problems', shown: (page, url) => rendered(page, '.problems-page', url), key: '.problems-table' },
];

const SIZES = { phone: PHONE, desktop: DESKTOP };
const LANGS = { ja: 'ja-JP', en: 'en-US' };

// The page fits the width of the screen: nothing to scroll sideways.
async function assertFits(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${what}: ${scroll}px wide in a ${inner}px window`);
}

pageSuite('screenshots of every page at both sizes and languages', (srv) => {
  for (const [lang, locale] of Object.entries(LANGS)) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      if (lang === 'en' && size === 'desktop') continue;
      test(`every page, ${lang}, ${size}`, async () => {
        const urlOf = (url) => (typeof url === 'string' ? url : url[lang]);
        const p = await openPage(srv.base, urlOf(PAGES[0].url), { locale, viewport });
        const { page } = p;
        for (const [i, { name, url, shown, key }] of PAGES.entries()) {
          const u = urlOf(url);
          const what = `${name} (${lang}, ${size})`;
          if (i) await page.goto(u);
          await shown(page, u);
          assert.equal(await page.evaluate(() => document.documentElement.lang), lang, what);
          const main = page.locator(key).first();
          assert.ok(await main.isVisible(), `${what}: ${key} is shown`);
          await assertFits(page, what);
          await main.scrollIntoViewIfNeeded();
          await shot(page, `screen-${name}-${lang}-${size}`);
          if (name === 'search' && size === 'phone') {
            // The phone's Filters panel, open.
            await page.locator('.search-page .filters-toggle').click();
            assert.ok(await page.locator('.search-page .facets').isVisible(), `${what}: the facets open`);
            await assertFits(page, `${what} with the filters open`);
            await shot(page, `screen-search-filters-${lang}-${size}`);
          }
        }
        await p.close();
      });
    }
  }

  test('the login page in Japanese on a phone', async () => {
    const locked = await startServer(SAMPLES, ['--auth', 'token']);
    try {
      const p = await openPage(locked.base, '/login', { locale: 'ja-JP', viewport: PHONE });
      const { page } = p;
      assert.equal(await page.getAttribute('html', 'lang'), 'ja');
      assert.ok(await page.locator('main.login input[name=token]').isVisible(), 'the token field');
      assert.match(await page.locator('main.login label').textContent(), /アクセストークン/);
      await assertFits(page, 'login (ja, phone)');
      await shot(page, 'screen-login-ja-phone');
      await p.close();
    } finally {
      await locked.stop();
    }
  });
});

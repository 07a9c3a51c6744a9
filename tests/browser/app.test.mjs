// pmkb's browser tests: what every page shares (language, history, keyboard, phone and dark layouts, CSP).
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  activeId, createToken, openPage, pageSuite, PHONE, postmortemShown, resultLinks, SAMPLES, searchShown, shot, startServer,
  trendsShown,
} from './lib.mjs';

pageSuite('the whole app: language, history, keyboard, layouts', (srv) => {
  test('labels follow the browser language, and the switch is remembered', async () => {
    const p = await openPage(srv.base, '/trends', { locale: 'ja-JP' });
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
    const p = await openPage(srv.base, '/');
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
    const p = await openPage(srv.base, '/p/2018-02-14-aurora-failover-14min');
    const { page } = p;
    await postmortemShown(page, '2018-02-14-aurora-failover-14min');
    assert.notEqual(await activeId(page), 'pmkb-q');
    await page.keyboard.press('/');
    assert.equal(await activeId(page), 'pmkb-q');
    await page.keyboard.type('redis', { delay: 20 });
    await searchShown(page, '/?q=redis');
    assert.equal(await page.inputValue('#pmkb-q'), 'redis', '"/" itself is not typed');

    await page.keyboard.press('ArrowDown');
    const links = await resultLinks(page);
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
    let p = await openPage(srv.base, '/?q=%E9%9A%9C%E5%AE%B3', { viewport: PHONE });
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

    p = await openPage(srv.base, '/trends', { colorScheme: 'dark' });
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
    const p = await openPage(srv.base, '/');
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
    const r = await fetch(`${srv.base}/`);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
    assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    await p.close();
  });

  test('an unknown /p/slug answers 404 with the app saying so', async () => {
    const r = await fetch(`${srv.base}/p/no-such-postmortem`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(await r.text(), /<script type="module"/, 'the app itself, not a bare error');
    const known = await fetch(`${srv.base}/p/2018-02-14-aurora-failover-14min`);
    assert.equal(known.status, 200);

    for (const [locale, want] of [['en-US', /not found|no postmortem/i], ['ja-JP', /見つかりません|ありません/]]) {
      const p = await openPage(srv.base, '/p/no-such-postmortem', { locale });
      const { page } = p;
      const notice = page.locator('.pm-page .status.error');
      await notice.waitFor({ state: 'visible' });
      assert.match(await notice.textContent(), want);
      assert.match(await notice.textContent(), /no-such-postmortem/);
      assert.match(await page.title(), /Not found|見つかりません/);
      await shot(page, `notfound-${locale.slice(0, 2)}`);
      await page.setViewportSize(PHONE);
      await shot(page, `notfound-${locale.slice(0, 2)}-phone`);
      // The browser logs the expected 404s (page and API) as failed loads.
      p.problems.splice(0, p.problems.length, ...p.problems.filter((x) => !/status of 404/.test(x)));
      await p.close();
    }
  });

  test('the login page speaks the browser\'s Japanese, and "Sign out" ends the session', async () => {
    const locked = await startServer(SAMPLES, ['--auth', 'token']);
    try {
      const token = await createToken(locked.db, 'reviewer');
      const p = await openPage(locked.base, '/login?next=%2Ftrends', { locale: 'ja-JP' });
      const { page } = p;
      assert.equal(await page.getAttribute('html', 'lang'), 'ja');
      assert.equal(await page.title(), 'ログイン · pmkb');
      assert.match(await page.locator('main.login label').textContent(), /アクセストークン/);
      await shot(page, 'login-ja');
      // A wrong token: the message is Japanese too.
      await page.fill('input[name=token]', 'not-a-token');
      await page.locator('main.login button[type=submit]').click();
      await page.waitForSelector('main.login p.error');
      assert.equal(await page.locator('main.login p.error').textContent(), 'このトークンは無効です。');
      assert.equal(await page.getAttribute('html', 'lang'), 'ja');
      // The right one opens the page asked for, with "Sign out" in the header.
      await page.fill('input[name=token]', token);
      await page.locator('main.login button[type=submit]').click();
      await page.waitForURL(`${locked.base}/trends`);
      const out = page.locator('#pmkb-logout button');
      await out.waitFor({ state: 'visible' });
      assert.equal(await out.textContent(), 'ログアウト');
      assert.equal(await page.locator('#pmkb-logout').getAttribute('title'), 'reviewer');
      await out.click();
      await page.waitForURL(/\/login$/);
      assert.equal(await page.getAttribute('html', 'lang'), 'ja');
      const after = await page.evaluate(async () => (await fetch('/api/search?q=db')).status);
      assert.equal(after, 401, 'the session ended');
      // Chromium logs the 401s of the wrong token and of the last fetch.
      p.problems.splice(0, p.problems.length, ...p.problems.filter((x) => !/status of 401/.test(x)));
      await p.close();
      // An English browser gets the English page, and no "Sign out" without a session.
      const en = await openPage(locked.base, '/login');
      assert.equal(await en.page.getAttribute('html', 'lang'), 'en');
      assert.match(await en.page.locator('main.login label').textContent(), /Access token/);
      await en.close();
    } finally {
      await locked.stop();
    }
  });

  test('/favicon.ico is served without logging in', async () => {
    const locked = await startServer(SAMPLES, ['--auth', 'token']);
    try {
      assert.equal((await fetch(`${locked.base}/`)).status, 401, 'the app itself needs a token');
      const r = await fetch(`${locked.base}/favicon.ico`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^image\//);
      assert.ok((await r.arrayBuffer()).byteLength > 0);
    } finally {
      await locked.stop();
    }
  });
});

// pmkb's browser tests: edit, history and blame links on the postmortem
// page when --source-url is a GitHub, GitLab or Gitea/Forgejo file link.
// pmkb follows a real git repository (--repo): the links name the branch
// (edit, history) or the commit that last changed the file (blame).
// See lib.mjs for how pages are opened and checked.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import {
  gitRepo, openPage, pageSuite, postmortemShown, startServer, synced,
} from './lib.mjs';

const BRANCH = 'trunk';
const repo = await gitRepo(BRANCH);
after(() => repo.close());

const pm = (title) => `---\ntitle: ${title}\nstarted_at: 2024-03-01\ncause: infrastructure\n---\n# ${title}\n\nThe disk filled up.\n`;
await repo.write('2024-03-01-disk-full.md', pm('Disk full on the primary'));
await repo.write('2024-03-02-disk-again.md', pm('Disk full again'));
const FIRST = repo.commit('two postmortems');
// A later commit changes only the second file: the first keeps FIRST.
await repo.write('2024-03-02-disk-again.md', `${pm('Disk full again')}\nIt was the logs.\n`);
const SECOND = repo.commit('the cause of the second');
repo.push();

const SLUG = '2024-03-01-disk-full';
const FILE = 'postmortems/2024-03-01-disk-full.md';

// Each forge's file link as --source-url, and the links its page must
// show, written out as that forge spells them.
const FORGES = {
  GitHub: {
    template: 'https://github.example.com/sre/pm/blob/{commit}/{path}',
    file: `https://github.example.com/sre/pm/blob/${FIRST}/${FILE}`,
    edit: `https://github.example.com/sre/pm/edit/${BRANCH}/${FILE}`,
    history: `https://github.example.com/sre/pm/commits/${BRANCH}/${FILE}`,
    blame: `https://github.example.com/sre/pm/blame/${FIRST}/${FILE}`,
  },
  GitLab: {
    template: 'https://gitlab.example.com/sre/pm/-/blob/{commit}/{path}',
    file: `https://gitlab.example.com/sre/pm/-/blob/${FIRST}/${FILE}`,
    edit: `https://gitlab.example.com/sre/pm/-/edit/${BRANCH}/${FILE}`,
    history: `https://gitlab.example.com/sre/pm/-/commits/${BRANCH}/${FILE}`,
    blame: `https://gitlab.example.com/sre/pm/-/blame/${FIRST}/${FILE}`,
  },
  Gitea: {
    template: 'https://gitea.example.com/sre/pm/src/commit/{commit}/{path}',
    file: `https://gitea.example.com/sre/pm/src/commit/${FIRST}/${FILE}`,
    edit: `https://gitea.example.com/sre/pm/_edit/${BRANCH}/${FILE}`,
    history: `https://gitea.example.com/sre/pm/commits/branch/${BRANCH}/${FILE}`,
    blame: `https://gitea.example.com/sre/pm/blame/commit/${FIRST}/${FILE}`,
  },
};

const NAMES = {
  'en-US': { file: 'File at this commit', edit: 'Edit', history: 'History', blame: 'Blame' },
  'ja-JP': { file: 'このコミットのファイル', edit: '編集', history: '履歴', blame: 'Blame(行ごとの変更)' },
};

// Starts pmkb following the repository with extra arguments, synced.
async function follow(extra) {
  const s = await startServer('postmortems', ['--repo', repo.remote, '--branch', BRANCH, ...extra]);
  await synced(s.base, SECOND);
  return s;
}

// The source entry's links as the accessibility tree has them (only
// what is shown is in it): one '- link "name":' line with its '/url:'
// each, compared with want, a list of [name, href].
async function assertLinks(page, want, what) {
  assert.equal(await page.locator('.facts .links').ariaSnapshot(),
    want.map(([name, href]) => `- link "${name}":\n  - /url: ${href}`).join('\n'), what);
  assert.ok(await page.locator('.facts .links a').evaluateAll((as) => as.every((a) => a.checkVisibility())), what);
}

// The server for the suite follows the repository without --source-url.
pageSuite('forge links on the postmortem page', (srv) => {
  for (const [forge, want] of Object.entries(FORGES)) {
    test(`${forge}: edit, history and blame open the file on the forge`, async () => {
      const s = await follow(['--source-url', want.template]);
      try {
        // Gitea's page opens in a Japanese browser, the others switch to
        // Japanese after English.
        const locales = forge === 'Gitea' ? ['ja-JP', 'en-US'] : ['en-US', 'ja-JP'];
        const p = await openPage(s.base, `/p/${SLUG}`, { locale: locales[0] });
        const { page } = p;
        await postmortemShown(page, SLUG);
        for (const locale of locales) {
          const names = NAMES[locale];
          if (locale !== locales[0]) {
            await page.locator('#pmkb-lang').click();
            await page.waitForFunction((n) => document.querySelector('.facts a.edit')?.textContent === n, names.edit);
          }
          await assertLinks(page, ['file', 'edit', 'history', 'blame'].map((k) => [names[k], want[k]]), `${forge} in ${locale}`);
        }
        if (forge === 'GitHub') {
          // The other file was changed later: its blame names that commit.
          await page.goto('/p/2024-03-02-disk-again');
          await postmortemShown(page, '2024-03-02-disk-again');
          assert.equal(await page.locator('.facts a.blame').getAttribute('href'),
            want.blame.replace(FIRST, SECOND).replace('2024-03-01-disk-full', '2024-03-02-disk-again'));
        }
        await p.close();
      } finally {
        await s.stop();
      }
    });
  }

  test('without --source-url no edit, history or blame link is shown', async () => {
    await synced(srv.base, SECOND);
    // A Japanese browser gets the Japanese page by itself.
    const p = await openPage(srv.base, `/p/${SLUG}`, { locale: 'ja-JP' });
    const { page } = p;
    await postmortemShown(page, SLUG);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
    assert.match(await page.locator('.facts code.path').textContent(), /2024-03-01-disk-full\.md$/);
    assert.equal(await page.locator('.facts .links a').count(), 0, 'no source links at all');
    for (const names of Object.values(NAMES)) {
      for (const k of ['edit', 'history', 'blame']) {
        assert.equal(await page.getByRole('link', { name: names[k], exact: true }).count(), 0, names[k]);
      }
    }
    await p.close();
  });
}, { dir: 'postmortems', extra: ['--repo', repo.remote, '--branch', BRANCH] });

"""Reports as the repository stood then (as_of): a repository whose second
commit renames a cause in .pmkb.yml, edits a postmortem and adds one. The
statistics as of the first commit, named by a commit prefix or by a day,
must equal those of a fresh server following a branch that ends at that
commit; the CLI gives the same; bad revisions are clear errors.
"""
import json
import os
import unittest
from datetime import datetime, timedelta, timezone

from gittest import Repo, close_server, git, git_server, wait_idle
from pmkbtest import SAMPLES, Server, main, pmkb

JST = timezone(timedelta(hours=9))
SETTINGS_1 = """\
time_zone: Asia/Tokyo
causes:
  - {id: infra, label: Infra}
  - {id: app, label: App}
"""
# The second revision renames infra to infrastructure.
SETTINGS_2 = """\
time_zone: Asia/Tokyo
causes:
  - {id: infrastructure, label: Infrastructure, aliases: [infra]}
  - {id: app, label: App}
"""


def pm(title, started, cause, items=''):
    return (f'---\ntitle: {title}\nstarted_at: {started}\ncause: {cause}\n'
            f'resolved_at: {started[:10]}T23:00:00+09:00\n---\n# {title}\n'
            f'\n## Action items\n{items}')


ENDPOINTS = [
    ('/api/stats/causes', {'period': 'half'}),
    ('/api/stats/durations', {'period': 'quarter'}),
    ('/api/stats/follow-through', {'period': 'year'}),
    ('/api/action-items', {'period': 'quarter', 'limit': '50'}),
]


def without_as_of(j):
    j = json.loads(json.dumps(j))
    if j.get('provenance'):
        j['provenance'].pop('as_of', None)
    return j


class AsOf(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS_1)
        cls.repo.write('2023-10-01-disk.md', pm(
            'Disk full', '2023-10-01T10:00:00+09:00', 'infra',
            '- [ ] @ops add disk alerts due:2023-11-01\n'))
        cls.repo.write('2024-01-05-login.md', pm(
            'Login loop', '2024-01-05T10:00:00+09:00', 'app',
            '- [x] @web fix the redirect\n'))
        cls.first = cls.repo.commit_at(
            datetime(2024, 1, 15, 12, tzinfo=JST), 'first')
        cls.repo.write('.pmkb.yml', SETTINGS_2)
        cls.repo.write('2024-01-05-login.md', pm(
            'Login loop', '2024-01-05T10:00:00+09:00', 'infra',
            '- [x] @web fix the redirect\n- [ ] @web add a test\n'))
        cls.repo.write('2024-02-20-dns.md', pm(
            'DNS outage', '2024-02-20T10:00:00+09:00', 'infrastructure'))
        cls.second = cls.repo.commit_at(
            datetime(2024, 3, 1, 12, tzinfo=JST), 'second')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo, env={'PMKB_NOW': '2024-06-01'})
        cls.srv.start()
        wait_idle(cls.srv)
        # A fresh server following a branch that ends at the first commit.
        cls.old = Repo()
        git(cls.repo.work, 'push', '-q', cls.old.remote,
            f'{cls.first}:refs/heads/main')
        cls.fresh = git_server(cls.old, env={'PMKB_NOW': '2024-06-01'})
        cls.fresh.start()
        wait_idle(cls.fresh)

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        close_server(cls.fresh)
        cls.repo.close()
        cls.old.close()

    def test_as_of_a_commit_equals_a_fresh_read_of_it(self):
        for path, params in ENDPOINTS:
            want = self.fresh.get_json(path, **params)
            got = self.srv.get_json(path, as_of=self.first[:8], **params)
            self.assertEqual(got['provenance']['commit'], self.first, path)
            self.assertEqual(got['provenance']['as_of'], self.first[:8])
            self.assertEqual(without_as_of(got), want, path)
        # The renamed cause: then "infra", now "infrastructure".
        then = self.srv.get_json('/api/stats/causes', period='year',
                                 as_of=self.first)
        now = self.srv.get_json('/api/stats/causes', period='year')
        self.assertIn('infra', [c['id'] for c in then['causes']])
        self.assertNotIn('infra', [c['id'] for c in now['causes']])
        self.assertEqual(now['provenance']['commit'], self.second)

    def test_as_of_a_day(self):
        # The end of 2024-02-01 in UTC: the first commit is the newest.
        got = self.srv.get_json('/api/stats/causes', period='half',
                                as_of='2024-02-01')
        self.assertEqual(got['provenance']['commit'], self.first)
        self.assertEqual(without_as_of(got), self.fresh.get_json(
            '/api/stats/causes', period='half'))
        got = self.srv.get_json('/api/stats/causes', as_of='2024-03-01')
        self.assertEqual(got['provenance']['commit'], self.second)

    def test_bad_revisions_are_clear_errors(self):
        for rev, status, words in (
                ('HEAD~1', 400, 'hex digits'),
                ('abc', 400, 'hex digits'),
                ('2024-13-01', 400, 'hex digits'),
                ('deadbeefdeadbeef', 404, 'no commit'),
                ('2023-01-01', 404, 'no commit on main by the end of')):
            r = self.srv.get('/api/stats/causes', as_of=rev)
            self.assertEqual(r.status, status, rev)
            self.assertIn(words, r.json()['error'], rev)

    def test_reading_the_past_leaves_the_syncers_locks_alone(self):
        # A ref lock as the syncer holds it while a fetch updates the
        # branch: an as_of read (and pmkb stats --as-of, another process)
        # must neither remove it nor need it.
        lock = os.path.join(os.path.dirname(self.srv.db), 'repo.git',
                            'refs', 'pmkb', 'heads', 'held.lock')
        os.makedirs(os.path.dirname(lock), exist_ok=True)
        with open(lock, 'w') as f:
            f.write('0' * 40 + '\n')
        try:
            self.srv.get_json('/api/stats/causes', as_of='2024-02-01')
            r = pmkb('stats', '--db', self.srv.db, '--as-of',
                     self.first[:8], '--format', 'json')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(lock), 'the lock is still there')
        finally:
            os.unlink(lock)

    def test_a_directory_server_says_as_of_needs_git(self):
        with Server(SAMPLES) as srv:
            r = srv.get('/api/stats/causes', as_of='2018-01-01')
            self.assertEqual(r.status, 400)
            self.assertIn('--repo', r.json()['error'])

    def test_cli_gives_the_same(self):
        want = self.srv.get_json('/api/stats/causes', period='half',
                                 as_of=self.first)
        r = pmkb('stats', 'causes', '--db', self.srv.db, '--period', 'half',
                 '--format', 'json', '--as-of', self.first[:10])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(without_as_of(json.loads(r.stdout)),
                         without_as_of(want))
        r = pmkb('stats', '--db', self.srv.db, '--as-of', 'nope')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--as-of', r.stderr)
        # It leaves nothing behind in the data directory.
        left = [n for n in os.listdir(os.path.dirname(self.srv.db))
                if n.startswith('asof-')]
        self.assertEqual(left, [])


if __name__ == '__main__':
    main()

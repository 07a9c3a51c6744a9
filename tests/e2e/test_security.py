"""Hostile repositories and bad luck: links out of the postmortem
directory, Markdown built to stall a parser, a ref lock left by a killed
fetch, and provenance that must not depend on how the history was read.

Everything runs the real binary against real git repositories.
"""
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from gittest import (Repo, close_server, found, git, git_server,
                     postmortem, wait_for, wait_idle, SECRET)
from opstest import create_token
from pmkbtest import Server, main, pmkb


def first_repo():
    """A repository with one postmortem (word: flamingo), pushed."""
    repo = Repo()
    repo.write('2024-01-10-first.md', postmortem('First outage', 'flamingo'))
    repo.commit('first')
    repo.push()
    return repo


def dated(when):
    """git's environment for a commit made at when (ISO 8601)."""
    return {'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when}


class Provenance(unittest.TestCase):
    """An undated file added on 2017-03-01 and edited on 2018-11-20: the
    server that saw both pushes and a replica that reads the history at
    once must agree on every field."""

    SLUG = 'quokka-outage'

    def setUp(self):
        self.repo = Repo()
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            close_server(srv)
        self.repo.close()

    def start(self):
        srv = git_server(self.repo).start()
        self.servers.append(srv)
        wait_idle(srv)
        return srv

    def commit(self, text, when, msg):
        self.repo.write(self.SLUG + '.md', text)
        git(self.repo.work, 'add', '-A')
        git(self.repo.work, 'commit', '-q', '-m', msg, env=dated(when))
        return self.repo.head()

    def record(self, srv):
        j = srv.get_json('/api/postmortems/' + self.SLUG)
        return {k: v for k, v in j.items() if k not in ('indexed_at',)}

    def test_full_and_incremental_agree(self):
        added = self.commit('# Quokka outage\n\nThe quokka failed.\n',
                            '2017-03-01T10:00:00+00:00', 'add')
        self.repo.push()
        live = self.start()
        self.repo.install_post_receive(live.base)
        edited = self.commit('# Quokka outage\n\nThe quokka failed '
                             'twice.\n', '2018-11-20T10:00:00+00:00',
                             'edit')
        self.repo.push()
        wait_for(lambda: live.get_json('/api/sync')['last']
                 and live.get_json('/api/sync')['last']['commit'] == edited)
        wait_idle(live)
        self.assertEqual(live.get_json('/api/sync')['last']['mode'],
                         'incremental')
        replica = self.start()
        self.assertEqual(replica.get_json('/api/sync')['last']['mode'],
                         'full')
        a, b = self.record(live), self.record(replica)
        self.assertEqual(a['source']['first_commit'], added)
        self.assertEqual(a['source']['commit'], edited)
        for k in sorted(set(a) | set(b)):
            self.assertEqual(a.get(k), b.get(k), k)
        # A force-push makes the live server read the history at once.
        self.repo.write('other.md', '# Other\n\nThe wombat failed.\n')
        git(self.repo.work, 'add', '-A')
        git(self.repo.work, 'commit', '-q', '-m', 'other')
        self.repo.push()
        wait_idle(live)
        git(self.repo.work, 'reset', '-q', '--hard', edited)
        self.repo.push('--force', 'main')
        wait_for(lambda: live.get_json('/api/sync')['last']['commit']
                 == edited)
        wait_idle(live)
        self.assertEqual(live.get_json('/api/sync')['last']['mode'],
                         'full')
        c = self.record(live)
        for k in sorted(set(c) | set(b)):
            self.assertEqual(c.get(k), b.get(k), k)
        # The incident counts in the year it was added, on both.
        years = [json.dumps(srv.get_json('/api/stats/causes',
                                         period='year'))
                 for srv in (live, replica)]
        self.assertEqual(years[0], years[1])
        self.assertIn('2017', years[0])
        self.assertNotIn('2018', years[0])


class Links(unittest.TestCase):
    """A postmortem directory is often a checkout anyone can commit to:
    its links must never bring in what lies outside it."""

    SECRET = 'zanzibar-webhook-secret-0123456789'

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-links-')
        self.dir = os.path.join(self.tmp, 'postmortems')
        outside = os.path.join(self.tmp, 'outside')
        os.makedirs(self.dir)
        os.makedirs(outside)
        with open(os.path.join(self.dir, '2024-01-10-real.md'), 'w') as f:
            f.write(postmortem('Real outage', 'flamingo'))
        with open(os.path.join(outside, 'secret.md'), 'w') as f:
            f.write(postmortem('Secret', 'quagmire'))
        links = {'secret.md': os.path.join(outside, 'secret.md'),
                 'passwd.md': '/etc/passwd',
                 'etc': '/etc',
                 'environ.md': '/proc/self/environ',
                 'outside': outside,
                 'dangling.md': os.path.join(self.tmp, 'nothing')}
        for name, target in links.items():
            os.symlink(target, os.path.join(self.dir, name))
        self.links = sorted(links)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_serve_indexes_nothing_behind_a_link(self):
        with Server(directory=self.dir,
                    env={'PMKB_WEBHOOK_SECRET': self.SECRET}) as srv:
            self.assertEqual(srv.get_json('/api/search', q='flamingo')
                             ['total'], 1)
            for q in ('quagmire', 'zanzibar', 'root', 'PMKB_WEBHOOK_SECRET',
                      'nologin', 'bash'):
                self.assertEqual(srv.get_json('/api/search', q=q)['total'],
                                 0, q)
            listed = srv.get_json('/api/postmortems')
            self.assertEqual(listed['total'], 1, listed)
            for slug in ('secret', 'passwd', 'environ', 'etc/passwd'):
                self.assertEqual(srv.get('/api/postmortems/' + slug).status,
                                 404, slug)
            problems = json.dumps(srv.get_json('/api/problems'))
            for name in self.links:
                self.assertIn(name, problems)
            self.assertIn('symbolic link', problems)
            self.assertNotIn(self.SECRET, problems)

    def test_import_and_lint_report_each_link(self):
        db = os.path.join(self.tmp, 'pmkb.db')
        r = pmkb('import', '--db', db, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = pmkb('search', '--db', db, 'quagmire')
        self.assertNotIn('Secret', r.stdout)
        r = pmkb('lint', self.dir)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for name in self.links:
            self.assertIn(os.path.join(self.dir, name) + ':0: error: ',
                          r.stdout)
        self.assertNotIn('quagmire', r.stdout)
        self.assertNotIn('root:', r.stdout)


BRACKETS = ('# Bracket storm\n\nThe kookaburra failed.\n\n'
            + '![[]()' * 60000 + '\n')  # 360 KB: minutes in cmark-gfm 0.29
WIDE = ('# Wide table\n\nThe pangolin failed.\n\n'
        + '|'.join(['a'] * 20000) + '\n' + '|'.join(['-'] * 20000) + '\n'
        + 'x\n' * 50 + '\n')

# Passes the checks before parsing (each line is a paragraph of its own),
# so cmark-gfm runs until the parse budget's 5 s of CPU time are spent.
SLOW = ('# Brackets\n\nThe wombat failed.\n\n'
        + ('![[]()' * 4999 + '\n\n') * 130)


class Pathological(unittest.TestCase):
    """Markdown built to stall the parser is refused before parsing: the
    sync finishes, logins and probes answer, SIGTERM exits at once."""

    def setUp(self):
        self.repo = first_repo()
        self.tmp = tempfile.mkdtemp(prefix='pmkb-md-')
        self.db = os.path.join(self.tmp, 'pmkb.db')
        self.token = create_token(self.db, 'reader')
        self.srv = None

    def tearDown(self):
        if self.srv:
            close_server(self.srv)
        self.repo.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def api(self, path, **params):
        if params:
            path += '?' + urllib.parse.urlencode(params)
        r = self.srv.request('GET', path, headers={
            'Authorization': 'Bearer ' + self.token})
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    def login(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.srv.port,
                                          timeout=10)
        try:
            r = self.srv.request(
                'POST', '/login', conn=conn,
                body=urllib.parse.urlencode({'token': self.token}),
                headers={'Content-Type':
                         'application/x-www-form-urlencoded'})
        finally:
            conn.close()
        return r.status

    def test_push_of_pathological_files(self):
        self.srv = git_server(self.repo, db=self.db,
                              args=['--auth', 'token']).start()
        self.repo.install_post_receive(self.srv.base)
        self.repo.write('bracket-storm.md', BRACKETS)
        self.repo.write('wide-table.md', WIDE)
        sha = self.repo.commit('pathological')
        self.repo.push()
        # While the sync runs (and after): logins and probes answer.
        self.assertEqual(self.login(), 303)
        self.assertEqual(self.srv.get('/healthz').status, 200)
        # Ten seconds would not even cover a tenth of the uncapped parse.
        wait_for(lambda: self.api('/api/sync')['last']['commit'] == sha,
                 timeout=10)
        problems = json.dumps(self.api('/api/problems'))
        for name, what in (('bracket-storm.md', "'['"),
                           ('wide-table.md', '20000 columns')):
            self.assertIn(name, problems)
            self.assertIn(what, problems)
        self.assertIn('capped', problems)
        for word in ('kookaburra', 'pangolin', 'flamingo'):
            self.assertEqual(self.api('/api/search', q=word)['total'], 1,
                             word)
        page = self.api('/api/postmortems/bracket-storm')
        self.assertTrue(page['html'].startswith('<pre>'))
        self.assertEqual(self.login(), 303)
        self.assertEqual(self.srv.stop(timeout=10), 0)

    def test_login_during_a_long_sync(self):
        """Files that each use their whole parse budget keep a sync busy
        for seconds, holding the index's writer; a login meanwhile answers
        at once, because sessions are written elsewhere."""
        self.srv = git_server(self.repo, db=self.db,
                              args=['--auth', 'token']).start()
        self.repo.install_post_receive(self.srv.base)
        for i in range(3):  # 5 s of CPU each, then capped
            self.repo.write(f'slow-{i}.md', SLOW)
        sha = self.repo.commit('three slow files')
        self.repo.push()
        wait_for(lambda: self.api('/api/sync')['running'], timeout=10)
        # Logins a second apart, each answered while the sync still holds
        # the writer (no clock involved: a login that waited for the
        # writer would come back after the sync).
        for _ in range(5):
            self.assertEqual(self.login(), 303)
            sync = self.api('/api/sync')
            self.assertTrue(sync['running'] and
                            sync['last']['commit'] != sha,
                            'the login waited for the sync')
            time.sleep(1)
        wait_for(lambda: self.api('/api/sync')['last']['commit'] == sha,
                 timeout=90)
        self.assertEqual(self.login(), 303)

    def test_pre_receive_rejects_at_once(self):
        self.repo.install_pre_receive()
        self.repo.write('bracket-storm.md', BRACKETS)
        self.repo.write('wide-table.md', WIDE)
        self.repo.commit('pathological')
        r = self.repo.push(check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('capped', r.stderr)
        self.assertIn('bracket-storm.md', r.stderr)
        self.assertIn('wide-table.md', r.stderr)

    def test_import_and_lint(self):
        d = os.path.join(self.tmp, 'pm')
        os.makedirs(d)
        for name, text in (('bracket-storm.md', BRACKETS),
                           ('wide-table.md', WIDE)):
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
        r = pmkb('lint', d, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.count('capped'), 2, r.stdout)
        r = pmkb('import', '--db', self.db, d, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = pmkb('search', '--db', self.db, 'pangolin', timeout=10)
        self.assertIn('Wide', r.stdout)

    def test_every_parse_is_on_a_budget(self):
        """Shapes the checks before parsing let through still end: past
        256 MiB or 5 s of CPU time the parse is abandoned."""
        d = os.path.join(self.tmp, 'pm')
        os.makedirs(d)
        files = {  # nearly 4 MiB each, the largest file indexed
            'stars.md': ('# Stars\n\nThe narwhal failed.\n\n'
                         + '*_' * 1990000 + '\n', 'memory'),
            'brackets.md': (SLOW, 'CPU time'),
        }
        for name, (text, _) in files.items():
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
        r = pmkb('lint', d, timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout)
        for name, (_, what) in files.items():
            self.assertRegex(r.stdout, name + r':1: error: .*' + what)
        r = pmkb('import', '--db', self.db, d, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        for word in ('narwhal', 'wombat'):
            r = pmkb('search', '--db', self.db, word, timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, 'Stars|Brackets')


class StaleLock(unittest.TestCase):
    """A fetch killed at the wrong moment leaves libgit2's ref lock."""

    def setUp(self):
        self.repo = first_repo()
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            close_server(srv)
        self.repo.close()

    def start(self, db=None):
        srv = git_server(self.repo, db=db).start()
        self.servers.append(srv)
        self.repo.install_post_receive(srv.base)
        return srv

    @staticmethod
    def lock_path(srv):
        return os.path.join(os.path.dirname(srv.db), 'repo.git', 'refs',
                            'pmkb', 'heads', 'main.lock')

    def push(self, srv, word):
        before = srv.get_json('/api/sync')['syncs']
        self.repo.write(f'2024-02-01-{word}.md', postmortem(word, word))
        self.repo.commit(word)
        self.repo.push()
        wait_for(lambda: srv.get_json('/api/sync')['syncs'] > before)
        wait_idle(srv)
        return srv.get_json('/api/sync')['last']

    def test_lock_left_before_start_is_removed(self):
        first = self.start()
        wait_idle(first)
        self.assertEqual(first.stop(), 0)
        lock = self.lock_path(first)
        with open(lock, 'w') as f:
            f.write('0' * 40 + '\n')
        srv = self.start(db=first.db)
        wait_idle(srv)
        self.assertFalse(os.path.exists(lock))
        self.assertIn('sync.stale_lock', srv.stderr())
        self.assertTrue(self.push(srv, 'narwhal')['ok'])
        wait_for(found(srv, 'narwhal'))
        self.assertEqual(srv.get('/readyz').status, 200)

    def test_sync_that_keeps_failing_is_not_ready(self):
        srv = self.start()
        wait_idle(srv)
        self.assertEqual(srv.get('/readyz').status, 200)
        lock = self.lock_path(srv)
        with open(lock, 'w') as f:  # newer than the process: kept
            f.write('0' * 40 + '\n')
        for word in ('okapi', 'tapir', 'dugong'):
            self.assertFalse(self.push(srv, word)['ok'])
        r = srv.get('/readyz')
        self.assertEqual(r.status, 503)
        self.assertIn('main.lock', r.json()['checks']['sync'])
        os.remove(lock)
        self.assertTrue(self.push(srv, 'axolotl')['ok'])
        self.assertEqual(srv.get('/readyz').status, 200)
        wait_for(found(srv, 'dugong'))


if __name__ == '__main__':
    main()

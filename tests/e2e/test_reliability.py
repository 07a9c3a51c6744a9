"""Reliability and hardening end to end: caching under access control,
file names that are not UTF-8, cross-site requests to the login form and
liveness while every worker is stuck."""
import json
import os
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from opstest import create_token
from pmkbtest import BIN, Server, main

FORM = {'Content-Type': 'application/x-www-form-urlencoded'}

NOTE = ('---\ntitle: {title}\nseverity: SEV2\nstarted_at: 2024-01-10\n'
        '---\n# {title}\n\nThe {word} queue stalled.\n')


class CacheUnderAuth(unittest.TestCase):
    """With --auth token every answer is somebody's: no shared cache may
    keep it."""

    ROUTES = ('/feed.atom', '/', '/p/x', '/trends', '/app.js',
              '/api/search?q=db', '/api/postmortems', '/metrics',
              '/api/stats/causes', '/healthz', '/readyz', '/login')

    def check(self, args, want_private):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-cache-')
        try:
            db = os.path.join(tmp, 'pmkb.db')
            token = create_token(db, 'reader')
            with Server(db=db, args=args) as srv:
                seen = 0
                for path in self.ROUTES:
                    r = srv.request('GET', path, headers={
                        'Authorization': 'Bearer ' + token})
                    cc = r.header('Cache-Control') or ''
                    if 'no-store' in cc:
                        continue
                    seen += 1
                    if want_private:
                        self.assertIn('private', cc, path)
                        self.assertNotIn('public', cc, path)
                self.assertGreater(seen, 0)
                return srv
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_token_mode_is_private(self):
        self.check(['--auth', 'token'], True)

    def test_open_mode_keeps_public_feed(self):
        with Server() as srv:
            r = srv.get('/feed.atom')
            self.assertEqual(r.status, 200)
            self.assertIn('public', r.header('Cache-Control'))


class BadFileNames(unittest.TestCase):
    """A file name in another encoding (Latin-1 from an old checkout)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-utf8-')
        self.dir = os.path.join(self.tmp, 'pm')
        os.mkdir(self.dir)
        name = b'2024-01-10-caf\xe9-outage.md'
        with open(os.path.join(os.fsencode(self.dir), name), 'w') as f:
            f.write(NOTE.format(title='Cafe outage', word='espresso'))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_slug_url_and_lint(self):
        with Server(directory=self.dir) as srv:
            listed = srv.get_json('/api/postmortems')
            self.assertEqual(listed['total'], 1, listed)
            item = listed['results'][0]
            self.assertEqual(item['slug'], '2024-01-10-caf\ufffd-outage')
            self.assertEqual(item['url'], '/p/' + urllib.parse.quote(
                item['slug'], safe=''))
            self.assertNotIn('undefined', item['url'])
            got = srv.get_json('/api/postmortems/' + urllib.parse.quote(
                item['slug'], safe=''))
            self.assertEqual(got['title'], 'Cafe outage')
            self.assertEqual(srv.get_json('/api/search', q='espresso')
                             ['total'], 1)
            problems = json.dumps(srv.get_json('/api/problems'),
                                  ensure_ascii=False)
            self.assertIn('not valid UTF-8', problems)
        # lint names the file as it is on disk, bytes and all.
        r = subprocess.run([BIN, 'lint', self.dir], capture_output=True,
                           timeout=120)
        self.assertIn(b'caf\xe9-outage.md', r.stdout)
        self.assertIn(b'not valid UTF-8', r.stdout)

    def test_invalid_utf8_in_api_path_is_a_json_error(self):
        with Server() as srv:
            for path in ('/api/postmortems/%ff', '/api/postmortems/a%c3',
                         '/api/postmortems/%ff/similar'):
                r = srv.get(path)
                self.assertIn(r.status, (400, 404), path)
                self.assertIn('error', r.json(), path)


class LoginCsrf(unittest.TestCase):
    """A page on another site must not sign a visitor in (or out)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-csrf-')
        cls.db = os.path.join(cls.tmp, 'pmkb.db')
        cls.token = create_token(cls.db, 'attacker')
        cls.srv = Server(db=cls.db, args=['--auth', 'token']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.srv.tmp, ignore_errors=True)

    def post(self, path, **headers):
        h = dict(FORM)
        h.update(headers)
        return self.srv.request('POST', path, headers=h, body=urllib.parse
                                .urlencode({'token': self.token,
                                            'next': '/'}))

    def test_foreign_origin_is_refused(self):
        for path in ('/login', '/logout'):
            for headers in ({'Origin': 'https://evil.example'},
                            {'Origin': 'null'},
                            {'Sec-Fetch-Site': 'cross-site'},
                            {'Origin': f'http://127.0.0.1:{self.srv.port}',
                             'Sec-Fetch-Site': 'cross-site'},
                            {'Origin': 'http://127.0.0.1:1'}):
                r = self.post(path, **headers)
                self.assertEqual(r.status, 403, (path, headers))
                self.assertIsNone(r.header('Set-Cookie'), (path, headers))
                self.assertIn('cross-site', r.json()['error'])

    def test_same_origin_and_plain_clients_work(self):
        own = f'http://127.0.0.1:{self.srv.port}'
        # Behind a proxy that rewrites Host, Sec-Fetch-Site or
        # X-Forwarded-Host still say it is the same site.
        proxied = 'https://pmkb.example.com'
        for headers in ({'Origin': own, 'Sec-Fetch-Site': 'same-origin'},
                        {'Origin': own}, {},
                        {'Origin': proxied, 'Sec-Fetch-Site': 'same-origin'},
                        {'Origin': proxied,
                         'X-Forwarded-Host': 'pmkb.example.com'}):
            r = self.post('/login', **headers)
            self.assertEqual(r.status, 303, (headers, r.body))
            self.assertIn('pmkb_session=', r.header('Set-Cookie'))


class LivenessUnderLoad(unittest.TestCase):
    """/healthz and reads answer while every worker waits: logins are stuck
    on the sessions database's write lock, which this test holds."""

    def connect(self, port, request):
        s = socket.create_connection(('127.0.0.1', port), timeout=60)
        s.sendall(request)
        return s

    def answer(self, port, request):
        """The head and body of the answer to a request that closes."""
        s = self.connect(port, request)
        got = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        return got

    def test_healthz_while_every_worker_is_blocked(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-live-')
        db = os.path.join(tmp, 'pmkb.db')
        token = create_token(db, 'prober')
        body = urllib.parse.urlencode({'token': token}).encode()
        login = (b'POST /login HTTP/1.1\r\nHost: x\r\n'
                 b'Content-Type: application/x-www-form-urlencoded\r\n'
                 b'Content-Length: %d\r\nConnection: close\r\n\r\n'
                 % len(body)) + body
        lock = None
        stuck = []
        try:
            with Server(db=db, args=['--auth', 'token',
                                     '--threads', '2']) as srv:
                # A login writes its session into the sessions database
                # (the index's own write lock would hold up none: a login
                # only tries that one). With the sessions database's
                # write lock held here, each login waits in a worker, up
                # to the 10 s busy timeout, or for the one that waits.
                # Eight of them fill both workers and both of the threads
                # that read requests, if those ran handlers. One login
                # first creates the sessions database.
                first = self.answer(srv.port, login)
                self.assertTrue(first.startswith(b'HTTP/1.1 303'), first)
                cookie = re.search(rb'Set-Cookie: (pmkb_session=[^;]+)',
                                   first).group(1)
                lock = sqlite3.connect(db + '-sessions',
                                       isolation_level=None, timeout=30)
                lock.execute('BEGIN IMMEDIATE')
                stuck = [self.connect(srv.port, login) for _ in range(8)]
                answer = self.answer(
                    srv.port, b'GET /healthz HTTP/1.1\r\nHost: x\r\n'
                    b'Connection: close\r\n\r\n')
                self.assertTrue(answer.startswith(b'HTTP/1.1 200'), answer)
                # A search by the person who logged in first: the session
                # is looked up while the logins hold the sessions
                # database, and the search is not queued behind them.
                answer = self.answer(
                    srv.port, b'GET /api/search?q=outage HTTP/1.1\r\n'
                    b'Host: x\r\nCookie: ' + cookie + b'\r\n'
                    b'Connection: close\r\n\r\n')
                self.assertTrue(answer.startswith(b'HTTP/1.1 200'), answer)
                self.assertIn(b'"total":', answer)
                # Without the session, the same search is refused.
                answer = self.answer(
                    srv.port, b'GET /api/search?q=outage HTTP/1.1\r\n'
                    b'Host: x\r\nConnection: close\r\n\r\n')
                self.assertTrue(answer.startswith(b'HTTP/1.1 401'), answer)
                # Not one login has been answered: every worker is still
                # waiting for the lock.
                ready, _, _ = select.select(stuck, [], [], 0)
                self.assertEqual(ready, [], 'a login was answered first')
                lock.execute('ROLLBACK')
                for s in stuck:
                    got = s.recv(4096)
                    self.assertTrue(got.startswith(b'HTTP/1.1 303'), got)
        finally:
            for s in stuck:
                s.close()
            if lock:
                lock.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()

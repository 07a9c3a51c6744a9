"""Access control end to end: the open, token and proxy modes, tokens
from the command line, the login page and its cookie, and the limit on
failed authentications."""
import os
import shutil
import sqlite3
import tempfile
import unittest
import urllib.parse

from opstest import create_token, metric, parse_metrics
from pmkbtest import SAMPLES, Server, main, pmkb


def form(**fields):
    return urllib.parse.urlencode(fields)


FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


class OpenMode(unittest.TestCase):
    def test_loopback_is_open_by_default(self):
        with Server() as srv:
            self.assertEqual(srv.get('/api/search?q=db').status, 200)
            self.assertEqual(srv.get('/metrics').status, 200)

    def test_refuses_a_non_loopback_address(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        try:
            r = pmkb('serve', '--db', os.path.join(tmp, 'x.db'), '--dir',
                     SAMPLES, '--listen', '0.0.0.0:0', timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('--auth token', r.stderr)
            self.assertIn('--allow-open-network', r.stderr)
            self.assertNotIn('http://', r.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_proxy_mode_needs_trusted_proxies(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        try:
            r = pmkb('serve', '--db', os.path.join(tmp, 'x.db'), '--dir',
                     SAMPLES, '--listen', '127.0.0.1:0', '--auth', 'proxy',
                     timeout=60)
            self.assertEqual(r.returncode, 1)
            self.assertIn('--trusted-proxy', r.stderr)
            r = pmkb('serve', '--db', os.path.join(tmp, 'x.db'), '--dir',
                     SAMPLES, '--listen', '127.0.0.1:0', '--auth', 'magic',
                     timeout=60)
            self.assertEqual(r.returncode, 2, 'a usage error, as any bad '
                             'option value')
            self.assertIn('open, token or proxy', r.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class TokenMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-auth-')
        cls.db = os.path.join(cls.tmp, 'pmkb.db')
        cls.reader = create_token(cls.db, 'reader')
        cls.admin = create_token(cls.db, 'ops', 'admin')
        cls.srv = Server(db=cls.db, args=[
            '--auth', 'token', '--auth-fail-limit', '5',
            '--trusted-proxy', '127.0.0.1']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        log = cls.srv.stderr()
        cls.srv.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        shutil.rmtree(cls.srv.tmp, ignore_errors=True)
        for secret in (cls.reader, cls.admin):
            assert secret not in log, 'a token was logged'

    def get(self, path, token=None, cookie=None, client=None, **headers):
        h = dict(headers)
        if token:
            h['Authorization'] = 'Bearer ' + token
        if cookie:
            h['Cookie'] = cookie
        if client:
            h['X-Forwarded-For'] = client
        return self.srv.request('GET', path, headers=h)

    def test_tokens_are_printed_once_and_stored_hashed(self):
        for t in (self.reader, self.admin):
            self.assertRegex(t, r'^pmkb_[A-Za-z0-9_-]{43}$')
        db = sqlite3.connect(self.db)
        try:
            rows = db.execute('SELECT name, scope, hash FROM tokens '
                              'ORDER BY name').fetchall()
        finally:
            db.close()
        self.assertEqual([(n, s) for n, s, _ in rows],
                         [('ops', 'admin'), ('reader', 'read')])
        for _, _, h in rows:
            self.assertRegex(h, r'^[0-9a-f]{64}$')
            self.assertNotIn(h, (self.reader, self.admin))
        for name in ('pmkb.db', 'pmkb.db-wal'):
            path = os.path.join(self.tmp, name)
            if os.path.exists(path):
                with open(path, 'rb') as f:
                    data = f.read()
                self.assertNotIn(self.reader[5:].encode(), data)
        listing = pmkb('token', '--db', self.db, 'list')
        self.assertEqual(listing.returncode, 0)
        self.assertIn('reader', listing.stdout)
        self.assertIn('admin', listing.stdout)
        self.assertNotIn(self.reader, listing.stdout)

    def test_duplicate_and_bad_names(self):
        r = pmkb('token', '--db', self.db, 'create', 'reader')
        self.assertEqual(r.returncode, 1)
        self.assertIn('exists', r.stderr)
        self.assertEqual(r.stdout, '')
        r = pmkb('token', '--db', self.db, 'create', 'x', '--scope', 'root')
        self.assertEqual(r.returncode, 2)
        r = pmkb('token', '--db', self.db, 'frobnicate')
        self.assertEqual(r.returncode, 2)

    def test_without_credentials(self):
        r = self.get('/api/search?q=db')
        self.assertEqual(r.status, 401)
        self.assertIn('error', r.json())
        self.assertEqual(r.header('WWW-Authenticate'), 'Bearer realm="pmkb"')
        for path in ('/api/postmortems', '/metrics', '/api/stats/causes',
                     '/feed.atom', '/no/such/page'):
            self.assertEqual(self.get(path).status, 401, path)

    def test_a_browser_is_sent_to_the_login_page(self):
        r = self.get('/p/some-incident', Accept='text/html,*/*')
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header('Location'),
                         '/login?next=%2Fp%2Fsome-incident')
        page = self.get('/login?next=/p/some-incident')
        self.assertEqual(page.status, 200)
        self.assertIn(b'<form method="post" action="/login">', page.body)
        self.assertIn(b'value="/p/some-incident"', page.body)
        self.assertNotIn(b'<script', page.body)

    def test_public_routes(self):
        for path in ('/healthz', '/readyz', '/login', '/app.css'):
            r = self.get(path)
            self.assertEqual(r.status, 200, path)

    def test_bearer_tokens(self):
        r = self.get('/api/search?q=db', token=self.reader)
        self.assertEqual(r.status, 200)
        self.assertIn('results', r.json())
        self.assertEqual(self.get('/metrics', token=self.admin).status, 200)
        bad = self.reader[:-1] + ('A' if self.reader[-1] != 'A' else 'B')
        r = self.get('/api/search?q=db', token=bad, client='192.0.2.50')
        self.assertEqual(r.status, 401)
        self.assertIn('not valid', r.json()['error'])

    def test_login_sets_a_strict_cookie(self):
        r = self.srv.request('POST', '/login',
                             body=form(token=self.reader, next='/trends'),
                             headers=FORM)
        self.assertEqual(r.status, 303, r.body)
        self.assertEqual(r.header('Location'), '/trends')
        cookie = r.header('Set-Cookie')
        self.assertRegex(cookie, r'^pmkb_session=[A-Za-z0-9_-]{43}; ')
        for attr in ('HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age='):
            self.assertIn(attr, cookie)
        self.assertNotIn('Secure', cookie, 'plain HTTP: no Secure')
        session = cookie.split(';')[0]
        self.assertEqual(self.get('/api/search?q=db',
                                  cookie=session).status, 200)
        # Logging out ends the session on the server, not only the cookie.
        out = self.srv.request('POST', '/logout',
                               headers={'Cookie': session})
        self.assertEqual(out.status, 303)
        self.assertIn('Max-Age=0', out.header('Set-Cookie'))
        self.assertEqual(self.get('/api/search?q=db',
                                  cookie=session).status, 401)

    def test_secure_cookie_behind_an_https_proxy(self):
        r = self.srv.request('POST', '/login', body=form(token=self.reader),
                             headers=dict(FORM, **{
                                 'X-Forwarded-Proto': 'https'}))
        self.assertEqual(r.status, 303)
        self.assertIn('; Secure', r.header('Set-Cookie'))

    def test_login_only_redirects_to_this_site(self):
        for evil in ('//evil.example', 'https://evil.example/', '/\\evil',
                     'javascript:alert(1)'):
            r = self.srv.request('POST', '/login',
                                 body=form(token=self.reader, next=evil),
                                 headers=FORM)
            self.assertEqual(r.status, 303)
            self.assertEqual(r.header('Location'), '/', evil)

    def test_wrong_login(self):
        r = self.srv.request('POST', '/login',
                             body=form(token='pmkb_nope', next='/'),
                             headers=dict(FORM, **{
                                 'X-Forwarded-For': '192.0.2.60'}))
        self.assertEqual(r.status, 401)
        self.assertIn(b'not valid', r.body)
        self.assertIsNone(r.header('Set-Cookie'))

    def test_failures_are_limited_per_address(self):
        # The server trusts 127.0.0.1 as a proxy, so X-Forwarded-For
        # stands for distinct clients.
        attacker, other = '198.51.100.7', '198.51.100.8'
        for i in range(5):
            r = self.get('/api/search', token='pmkb_' + 'x' * 43,
                         client=attacker)
            self.assertEqual(r.status, 401, i)
        r = self.get('/api/search?q=db', token=self.reader, client=attacker)
        self.assertEqual(r.status, 429)
        self.assertTrue(0 < int(r.header('Retry-After')) <= 60)
        r = self.srv.request('POST', '/login', body=form(token=self.reader),
                             headers=dict(FORM, **{
                                 'X-Forwarded-For': attacker}))
        self.assertEqual(r.status, 429, 'the login page is limited too')
        self.assertEqual(self.get('/api/search?q=db', token=self.reader,
                                  client=other).status, 200)
        # A browser without credentials is not an attacker.
        for _ in range(10):
            self.assertEqual(self.get('/api/search', client=other).status,
                             401)
        self.assertEqual(self.get('/api/search?q=db', token=self.reader,
                                  client=other).status, 200)
        m = parse_metrics(self.get('/metrics', token=self.reader,
                                   client=other).body.decode())
        self.assertGreaterEqual(metric(m, 'pmkb_auth_failures_total',
                                       result='denied'), 5)
        self.assertGreaterEqual(metric(m, 'pmkb_auth_failures_total',
                                       result='rate_limited'), 2)

    def test_revoking_ends_tokens_and_sessions(self):
        tok = create_token(self.db, 'temporary')
        r = self.srv.request('POST', '/login', body=form(token=tok),
                             headers=FORM)
        session = r.header('Set-Cookie').split(';')[0]
        self.assertEqual(self.get('/api/problems', cookie=session).status,
                         200)
        self.assertEqual(self.get('/api/problems', token=tok).status, 200)
        r = pmkb('token', '--db', self.db, 'revoke', 'temporary')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.get('/api/problems', cookie=session).status,
                         401)
        self.assertEqual(self.get('/api/problems', token=tok,
                                  client='192.0.2.99').status, 401)
        r = pmkb('token', '--db', self.db, 'revoke', 'temporary')
        self.assertEqual(r.returncode, 1)

    def test_webhooks_keep_their_own_signatures(self):
        # Not a 401 from access control: the hook itself answers (it is
        # not configured here, or the signature is missing).
        for path in ('/hooks/git', '/hooks/github', '/hooks/gitlab',
                     '/slack/command'):
            r = self.srv.request('POST', path, body='x=1', headers=FORM)
            self.assertIsNone(r.header('WWW-Authenticate'), path)
            self.assertNotIn(b'sign in', r.body, path)


class ProxyMode(unittest.TestCase):
    def test_identity_header_from_a_trusted_proxy(self):
        with Server(args=['--auth', 'proxy', '--trusted-proxy',
                          '127.0.0.1/32']) as srv:
            r = srv.request('GET', '/api/search?q=db',
                            headers={'X-Forwarded-Email': 'ada@example.com'})
            self.assertEqual(r.status, 200)
            self.assertEqual(srv.get('/api/search?q=db').status, 401)
            self.assertEqual(srv.request(
                'GET', '/api/search?q=db',
                headers={'X-Forwarded-Email': ''}).status, 401)

    def test_proxy_header_names_the_identity_header(self):
        # From the trusted address the named header grants access, and
        # the default header no longer does: the 401 below is not the
        # address's doing.
        with Server(args=['--auth', 'proxy', '--trusted-proxy',
                          '127.0.0.1/32', '--proxy-header',
                          'X-Auth-Request-Email']) as srv:
            r = srv.request('GET', '/api/search?q=db', headers={
                'X-Auth-Request-Email': 'ada@example.com'})
            self.assertEqual(r.status, 200, r.body[:200])
            r = srv.request('GET', '/api/search?q=db', headers={
                'X-Forwarded-Email': 'ada@example.com'})
            self.assertEqual(r.status, 401)

    def test_identity_header_from_elsewhere_is_ignored(self):
        with Server(args=['--auth', 'proxy', '--trusted-proxy',
                          '10.99.0.0/16', '--proxy-header',
                          'X-Auth-Request-Email']) as srv:
            r = srv.request('GET', '/api/search?q=db', headers={
                'X-Auth-Request-Email': 'mallory@example.com'})
            self.assertEqual(r.status, 401)

    def test_tokens_work_in_proxy_mode(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        db = os.path.join(tmp, 'p.db')
        tok = create_token(db, 'robot')
        try:
            with Server(db=db, args=['--auth', 'proxy', '--trusted-proxy',
                                     '10.99.0.1']) as srv:
                r = srv.request('GET', '/api/search?q=db', headers={
                    'Authorization': 'Bearer ' + tok})
                self.assertEqual(r.status, 200)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()

"""pmkb serve on the sample postmortems: the core API end to end."""
import http.client
import os
import shutil
import tempfile
import unittest

from pmkbtest import SAMPLES, Server, main

N_SAMPLES = len([f for f in os.listdir(SAMPLES)
                 if f.endswith('.md') and not f.startswith('TEMPLATE')])


class CoreAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_samples_are_seventy(self):
        self.assertEqual(N_SAMPLES, 70)

    def test_healthz_counts_the_samples(self):
        j = self.srv.get_json('/healthz')
        self.assertEqual(j['status'], 'ok')
        self.assertEqual(j['postmortems'], N_SAMPLES)

    def test_list_has_every_sample_newest_first(self):
        j = self.srv.get_json('/api/postmortems', limit=1000)
        self.assertEqual(j['total'], N_SAMPLES)
        self.assertEqual(len(j['results']), N_SAMPLES)
        dates = [r['started_at'][:10] for r in j['results']]
        self.assertEqual(dates, sorted(dates, reverse=True))
        slugs = {r['slug'] for r in j['results']}
        self.assertIn('2017-02-08-nat-instance-conntrack-full', slugs)
        self.assertNotIn('TEMPLATE', slugs)
        for r in j['results']:
            for key in ('slug', 'title', 'started_at', 'cause', 'causes',
                        'severity', 'services', 'url'):
                self.assertIn(key, r)
            self.assertEqual(r['cause'], r['causes'][0])

    def test_list_paging_and_filters(self):
        a = self.srv.get_json('/api/postmortems', limit=5, offset=0)
        b = self.srv.get_json('/api/postmortems', limit=5, offset=5)
        self.assertEqual(len(a['results']), 5)
        self.assertFalse({r['slug'] for r in a['results']} &
                         {r['slug'] for r in b['results']})
        infra = self.srv.get_json('/api/postmortems', cause='infrastructure',
                                  limit=1000)
        # The filter matches any listed cause; 15 have it first (5 + 6 + 4
        # by design) and two more list it second.
        self.assertTrue(all('infrastructure' in r['causes']
                            for r in infra['results']))
        self.assertEqual(sum(r['cause'] == 'infrastructure'
                             for r in infra['results']), 15)
        self.assertEqual(infra['total'], 17)
        h2 = self.srv.get_json('/api/postmortems', limit=1000,
                               **{'from': '2018-07-01', 'to': '2018-12-31'})
        self.assertEqual(h2['total'], 16)

    def test_search_finds_a_word_in_one_body(self):
        j = self.srv.get_json('/api/search', q='conntrack')
        slugs = [r['slug'] for r in j['results']]
        self.assertIn('2017-02-08-nat-instance-conntrack-full', slugs)
        self.assertEqual(j['query'], 'conntrack')
        self.assertGreaterEqual(j['total'], 1)

    def test_search_in_japanese(self):
        j = self.srv.get_json('/api/search', q='証明書')
        slugs = {r['slug'] for r in j['results']}
        self.assertIn('2016-12-06-cdn-tls-certificate-expired', slugs)
        self.assertIn('2017-05-11-internal-api-tls-cert-expired', slugs)
        self.assertTrue(any('<mark>' in r['snippet_html']
                            for r in j['results']))

    def test_one_postmortem(self):
        j = self.srv.get_json(
            '/api/postmortems/2017-02-08-nat-instance-conntrack-full')
        self.assertIn('conntrack', j['title'].lower() + j['html'].lower())
        self.assertIn('<table>', j['html'])
        self.assertTrue(j['action_items'])
        self.assertEqual(j['source']['path'],
                         '2017-02-08-nat-instance-conntrack-full.md')
        self.assertIn('infrastructure', j['causes'])
        for a in j['action_items']:
            self.assertIn(a['done'], (True, False))
            self.assertTrue(a['text'])

    def test_unknown_postmortem_is_a_json_404(self):
        r = self.srv.get('/api/postmortems/no-such-thing')
        self.assertEqual(r.status, 404)
        self.assertIn('error', r.json())

    def test_bad_requests_are_json_400(self):
        for params in ({'q': 'x', 'limit': 'abc'}, {'q': 'x', 'limit': '0'},
                       {'q': 'x', 'limit': '1001'}, {'q': 'x', 'offset': '-1'},
                       {'q': 'x', 'sort': 'sideways'}, {}):
            r = self.srv.get('/api/search', **params)
            self.assertEqual(r.status, 400, params)
            self.assertIn('error', r.json())
            self.assertEqual(r.header('Content-Type'),
                             'application/json; charset=utf-8')

    def test_wrong_method_is_405(self):
        r = self.srv.request('POST', '/api/search', body='x')
        self.assertEqual(r.status, 405)
        self.assertIn('error', r.json())

    def test_unknown_path_is_404(self):
        self.assertEqual(self.srv.get('/nope').status, 404)

    def test_ui_shell_and_security_headers(self):
        r = self.srv.get('/')
        self.assertEqual(r.status, 200)
        self.assertIn(b'<html', r.body)
        csp = r.header('Content-Security-Policy')
        self.assertIn("default-src 'self'", csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertEqual(r.header('X-Content-Type-Options'), 'nosniff')
        etag = r.header('ETag')
        self.assertTrue(etag)
        again = self.srv.request('GET', '/', headers={'If-None-Match': etag})
        self.assertEqual(again.status, 304)

    def test_keep_alive_is_kept(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.srv.port)
        for _ in range(3):
            r = self.srv.request('GET', '/healthz', conn=conn)
            self.assertEqual(r.status, 200)
            self.assertNotEqual((r.header('Connection') or '').lower(),
                                'close')
        conn.close()

    def test_openapi_describes_every_api_route(self):
        r = self.srv.get('/api/openapi.yaml')
        self.assertEqual(r.status, 200)
        self.assertIn(b'openapi: 3', r.body)


class Lifecycle(unittest.TestCase):
    def test_sigterm_stops_cleanly_and_index_survives(self):
        tmp = tempfile.mkdtemp()
        try:
            db = os.path.join(tmp, 'pmkb.db')
            srv = Server(db=db).start()
            self.assertEqual(srv.get_json('/healthz')['postmortems'],
                             N_SAMPLES)
            self.assertEqual(srv.stop(), 0)
            srv2 = Server(db=db).start()
            self.assertEqual(srv2.get_json('/healthz')['postmortems'],
                             N_SAMPLES)
            self.assertIn('70 unchanged', srv2.stderr())
            self.assertEqual(srv2.stop(), 0)
        finally:
            shutil.rmtree(tmp)

    def test_port_in_use_is_a_clear_error(self):
        with Server() as a:
            from pmkbtest import pmkb
            r = pmkb('serve', '--db', os.path.join(a.tmp, 'other.db'),
                     '--dir', SAMPLES, '--listen', f'127.0.0.1:{a.port}',
                     timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('cannot listen', r.stderr)


if __name__ == '__main__':
    main()

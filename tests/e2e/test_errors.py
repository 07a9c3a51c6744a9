"""Bad input gets a clear 4xx and the server stays healthy."""
import unittest
import urllib.parse

from pmkbtest import Server, main, raw, status_of


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(args=['--max-body', '4096']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def tearDown(self):
        # After every hostile request the server still answers.
        self.assertEqual(self.srv.get('/healthz').status, 200)

    def assert_json_error(self, r, status):
        self.assertEqual(r.status, status, r.body[:200])
        self.assertIn('error', r.json())

    def test_hostile_queries_get_results_or_400(self):
        hostile = ['"', '""', '"unclosed', '*', '(', ')', 'NEAR', 'AND',
                   'OR', 'a OR', 'OR a', ':', '-', '- -', 'a:b:c',
                   'NEAR(a b)', 'title:x', '^a', '{a b}', 'a + b', "'",
                   '\\', '%', '障害 -', '"" AND ""', 'x' * 1000]
        for q in hostile:
            r = self.srv.get('/api/search', q=q)
            self.assertIn(r.status, (200, 400), (q, r.status, r.body[:200]))
            j = r.json()
            if r.status == 400:
                self.assertNotIn('fts5', j['error'].lower(), q)
                self.assertNotIn('sqlite', j['error'].lower(), q)
            else:
                self.assertIn('results', j)

    def test_too_many_terms_and_too_long(self):
        self.assert_json_error(
            self.srv.get('/api/search', q=' '.join(['w'] * 40)), 400)
        for q in (' '.join(['w'] * 10000), 'x' * 5000):
            r = self.srv.get('/api/search', q=q)
            self.assertIn(r.status, (400, 413, 414))
            self.assertIn('error', r.json())

    def test_invalid_utf8_and_nul_in_query(self):
        for q in ('%ff%fe', 'a%00b', '%c3%28'):
            r = self.srv.request('GET', '/api/search?q=' + q)
            self.assertEqual(r.status, 400, q)
            self.assertIn('error', r.json())

    def test_bad_percent_encoding(self):
        # A '%' that starts no escape is the character itself: searched
        # for as typed, never an error and never a guess at other bytes.
        for q in ('%zz%', '%e6%97%a5%zz'):
            r = self.srv.request('GET', '/api/search?q=' + q)
            self.assertEqual(r.status, 200, (q, r.body[:200]))
            j = r.json()
            self.assertEqual(j['query'], urllib.parse.unquote(q), q)
            self.assertEqual((j['total'], j['results']), (0, []), q)

    def test_body_over_the_limit_is_413(self):
        resp = raw(self.srv.port,
                   b'POST /api/search HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 10000\r\n\r\n' + b'x' * 10000)
        self.assertEqual(status_of(resp), 413)

    def test_chunked_body_over_the_limit_is_413(self):
        chunk = b'x' * 1000
        body = b''.join(b'%x\r\n%s\r\n' % (len(chunk), chunk)
                        for _ in range(10)) + b'0\r\n\r\n'
        resp = raw(self.srv.port,
                   b'POST /api/search HTTP/1.1\r\nHost: x\r\n'
                   b'Transfer-Encoding: chunked\r\n'
                   b'Connection: close\r\n\r\n' + body)
        self.assertEqual(status_of(resp), 413)

    def test_absurd_content_length_is_413(self):
        resp = raw(self.srv.port,
                   b'POST /api/search HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 99999999999999\r\n\r\nabc')
        self.assertEqual(status_of(resp), 413)

    def test_huge_header_is_refused(self):
        resp = raw(self.srv.port,
                   b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' +
                   b'a' * (1 << 20) + b'\r\n\r\n')
        self.assertIn(status_of(resp), (None, 400, 413, 431))

    def test_path_traversal(self):
        for path in ('/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
                     '/app.js/../../etc/passwd', '/p/../../etc/passwd',
                     '/api/postmortems/..%2f..%2fetc%2fpasswd'):
            r = self.srv.request('GET', path)
            self.assertIn(r.status, (301, 400, 404), path)
            self.assertNotIn(b'root:', r.body)

    def test_bad_method_and_garbage(self):
        resp = raw(self.srv.port, b'BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertIn(status_of(resp), (400, 404, 405, 501))
        resp = raw(self.srv.port, b'\x00\x01\x02garbage\r\n\r\n')
        self.assertIn(status_of(resp), (None, 400))

    def test_nul_in_path(self):
        r = self.srv.request('GET', '/api/postmortems/a%00b')
        self.assertIn(r.status, (400, 404))


class MalformedHTTP(unittest.TestCase):
    """Requests no browser sends: each gets an answer (or a close) and the
    server answers the next request normally. A request that stops half
    way is closed by --request-timeout."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(args=['--max-body', '4096',
                               '--request-timeout', '2']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def tearDown(self):
        r = self.srv.get('/api/search', q='db')
        self.assertEqual(r.status, 200)
        self.assertIsNone(self.srv.proc.poll(), 'the server died')

    def send(self, data):
        return raw(self.srv.port, data)

    def test_methods(self):
        cases = {
            b'get / HTTP/1.1': (400, 404, 405, 501),
            b'DELETE /api/search HTTP/1.1': (405,),
            b'PUT /api/postmortems/x HTTP/1.1': (405,),
            b'POST /api/search HTTP/1.1': (405,),
            b'TRACE / HTTP/1.1': (405, 501),
            b'OPTIONS * HTTP/1.1': (400, 404, 405, 501),
            b'CONNECT example.com:443 HTTP/1.1': (400, 404, 405, 501),
            b'X' * 5000 + b' / HTTP/1.1': (400, 404, 405, 414, 431, 501),
            b'G\x00T / HTTP/1.1': (None, 400, 404, 405, 501),
        }
        for line, allowed in cases.items():
            resp = self.send(line + b'\r\nHost: x\r\nContent-Length: 0'
                             b'\r\nConnection: close\r\n\r\n')
            self.assertIn(status_of(resp), allowed, line[:40])
            if status_of(resp) == 405:
                self.assertIn(b'Allow: ', resp)

    def test_percent_encoding(self):
        for target in (b'/api/search?q=%', b'/api/search?q=%g0',
                       b'/api/search?q=%0', b'/api/search?q=%%%%',
                       b'/%', b'/p/%zz', b'/api/postmortems/%c0%af',
                       b'/api/postmortems/%ed%a0%80', b'/%00',
                       b'/api/search?%00=x', b'/api/search?q=a&q=%ff'):
            resp = self.send(b'GET ' + target + b' HTTP/1.1\r\nHost: x\r\n'
                             b'Connection: close\r\n\r\n')
            self.assertIn(status_of(resp), (200, 400, 404), target)
            self.assertNotIn(b'root:', resp)

    def test_nul_bytes(self):
        for data in (b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b'
                     b'\r\nConnection: close\r\n\r\n',
                     b'GET /heal\x00thz HTTP/1.1\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n',
                     b'GET /healthz HTTP/1.1\x00\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n',
                     b'\x00' * 1000):
            resp = self.send(data)
            self.assertIn(status_of(resp), (None, 200, 400, 404, 408, 505),
                          data[:30])

    def test_one_megabyte_of_headers(self):
        one = b'X-Big: ' + b'a' * (1 << 20) + b'\r\n'
        many = b''.join(b'X-%d: %s\r\n' % (i, b'b' * 1000)
                        for i in range(1024))
        for headers in (one, many):
            resp = self.send(b'GET /healthz HTTP/1.1\r\nHost: x\r\n' +
                             headers + b'\r\n')
            self.assertIn(status_of(resp), (None, 431))

    def test_more_traversal(self):
        for path in ('/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd',
                     '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
                     '/..%5c..%5cetc%5cpasswd', '/%252e%252e/etc/passwd',
                     '/..%2f..%2fetc%2fpasswd.js', '/%2e%2e%2fapp.js',
                     '/app.js%00.css', '//etc/passwd', '/./././etc/passwd',
                     '/p/%2e%2e', '/api/postmortems/..',
                     '/api/postmortems/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
                     '/%c0%ae%c0%ae/etc/passwd'):
            r = self.srv.request('GET', path)
            # /p/{slug} is the UI's page for any slug: it is the page.
            self.assertIn(r.status, (200, 400, 404) if path.startswith(
                '/p/') else (400, 404), path)
            self.assertNotIn(b'root:', r.body)
            self.assertNotIn(b'daemon:', r.body)

    def test_absurd_content_lengths(self):
        for cl in (b'99999999999999', b'18446744073709551616', b'-1',
                   b'abc', b'1e9', b' 5', b'5, 5'):
            resp = self.send(b'POST /login HTTP/1.1\r\nHost: x\r\n'
                             b'Content-Length: ' + cl + b'\r\n'
                             b'Connection: close\r\n\r\nabcde')
            self.assertIn(status_of(resp), (None, 400, 401, 408, 413), cl)

    def test_conflicting_lengths(self):
        for extra in (b'Content-Length: 5\r\nContent-Length: 500\r\n',
                      b'Content-Length: 5\r\nTransfer-Encoding: '
                      b'chunked\r\n',
                      b'Transfer-Encoding: gzip, chunked\r\n',
                      b'Transfer-Encoding: chunked\r\n'):
            resp = self.send(b'POST /login HTTP/1.1\r\nHost: x\r\n' +
                             extra + b'Connection: close\r\n\r\n'
                             b'zz\r\nabc\r\n0\r\n\r\n')
            self.assertIn(status_of(resp), (None, 400, 401, 408, 413, 501),
                          extra)

    def test_odd_request_lines(self):
        for data in (b'GET /healthz\r\n\r\n', b'GET\r\n\r\n',
                     b'GET /healthz HTTP/9.9\r\nHost: x\r\n'
                     b'Connection: close\r\n\r\n',
                     b'GET /healthz HTTP/1.1\r\nNo colon here\r\n'
                     b'Connection: close\r\n\r\n',
                     b'GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n'
                     b'Connection: close\r\n\r\n',
                     b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
                     b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
                     b'\r\n' * 100):
            resp = self.send(data)
            self.assertIn(status_of(resp),
                          (None, 200, 400, 404, 405, 408, 505), data[:30])


if __name__ == '__main__':
    main()

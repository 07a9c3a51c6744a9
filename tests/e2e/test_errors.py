"""Bad input gets a clear 4xx and the server stays healthy."""
import socket
import unittest

from pmkbtest import Server, main


def raw(port, data, timeout=10):
    """Sends bytes on a fresh connection; returns the response bytes."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading it all
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
        return b''.join(chunks)
    finally:
        s.close()


def status_of(response):
    if not response.startswith(b'HTTP/1.'):
        return None
    return int(response.split(b' ', 2)[1])


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
        r = self.srv.request('GET', '/api/search?q=%zz%')
        self.assertIn(r.status, (200, 400))

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


if __name__ == '__main__':
    main()

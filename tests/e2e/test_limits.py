"""Every limit, exceeded on purpose: its status (or refusal), and the
server still healthy afterwards.

  limit                 default            beyond
  --max-body            1 MiB              413
  --max-header          32 KiB             431
  --max-url             8 KiB              414
  --max-connections     1024               refused (closed at once)
  --max-per-ip          256                refused (closed at once)
  --request-timeout     20 s               408, then closed (slowloris)
  --timeout             30 s               idle keep-alive closed
  Markdown file         4 MiB              not indexed, a problem
  front matter          64 KiB             an error, the body indexed
  YAML nesting          32 levels          an error, the body indexed
  Markdown nesting      none needed        linear time (cmark-gfm)
"""
import os
import shutil
import socket
import tempfile
import time
import unittest

from opstest import header_of, metric, parse_metrics, wait_until
from pmkbtest import SAMPLES, Server, main, pmkb, raw, status_of


def front(title, extra=''):
    return (f'---\ntitle: {title}\nstarted_at: 2024-01-02\n'
            f'cause: infrastructure\n{extra}---\n')


class RequestLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(args=['--max-body', '4096', '--max-url', '2048',
                               '--max-header', '8192',
                               '--request-timeout', '2',
                               '--max-per-ip', '6',
                               '--max-connections', '8']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()

    def tearDown(self):
        self.assertEqual(self.srv.get('/healthz').status, 200)

    def metrics(self):
        return parse_metrics(self.srv.get('/metrics').body.decode())

    def test_body(self):
        resp = raw(self.srv.port,
                   b'POST /login HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 5000\r\n\r\n' + b'x' * 5000)
        self.assertEqual(status_of(resp), 413)
        resp = raw(self.srv.port,
                   b'POST /login HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Length: 4000\r\nConnection: close\r\n\r\n' +
                   b'token=x' + b'y' * 3993)
        self.assertNotEqual(status_of(resp), 413)

    def test_headers(self):
        ok = raw(self.srv.port,
                 b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ' + b'a' * 6000 +
                 b'\r\nConnection: close\r\n\r\n')
        self.assertEqual(status_of(ok), 200)
        for size in (9000, 30000, 1 << 20):
            resp = raw(self.srv.port,
                       b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ' +
                       b'a' * size + b'\r\nConnection: close\r\n\r\n')
            self.assertEqual(status_of(resp), 431, size)
        many = b''.join(b'X-%d: %s\r\n' % (i, b'v' * 60) for i in range(200))
        resp = raw(self.srv.port, b'GET /healthz HTTP/1.1\r\nHost: x\r\n' +
                   many + b'Connection: close\r\n\r\n')
        self.assertEqual(status_of(resp), 431, 'many small headers')

    def test_url(self):
        self.assertIn(self.srv.get('/api/search?q=' + 'a' * 1500).status,
                      (400, 413), 'long but allowed: the query parser '
                      'decides')
        r = self.srv.request('GET', '/api/search?q=' + 'a' * 3000)
        self.assertEqual(r.status, 414)
        self.assertIn('error', r.json())
        resp = raw(self.srv.port, b'GET /' + b'a' * 200000 +
                   b' HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertIn(status_of(resp), (414, 431))

    def wait_idle(self):
        """Waits until the server has seen every earlier connection close:
        only the one asking is open. Returns the metrics read then and
        how many of the probes were refused meanwhile (a probe that finds
        every slot of its address still taken is itself refused and
        counted)."""
        refused = 0

        def idle():
            nonlocal refused
            try:
                m = self.metrics()
            except OSError:
                refused += 1
                return None
            return m if metric(m, 'pmkb_http_connections') <= 1 else None
        m = wait_until(idle, 60)
        return m, refused

    def test_connections_per_address(self):
        m, _ = self.wait_idle()
        before = metric(m, 'pmkb_http_connections_refused_total',
                        limit='per_address')
        held = []
        try:
            for _ in range(6):
                s = socket.create_connection(('127.0.0.1', self.srv.port),
                                             timeout=5)
                s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                self.assertIn(b'200 OK', s.recv(4096))
                held.append(s)
            extra = socket.create_connection(('127.0.0.1', self.srv.port),
                                             timeout=5)
            try:
                extra.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                got = extra.recv(4096)
            except OSError:
                got = b''
            extra.close()
            self.assertEqual(got, b'', 'the 7th connection is refused')
        finally:
            for s in held:
                s.close()
        m, probes_refused = self.wait_idle()
        self.assertEqual(metric(m, 'pmkb_http_connections_refused_total',
                                limit='per_address'),
                         before + 1 + probes_refused)
        self.assertEqual(self.srv.get('/healthz').status, 200,
                         'a slot is free again')

    def test_slowloris_gets_408(self):
        s = socket.create_connection(('127.0.0.1', self.srv.port),
                                     timeout=60)
        got = b''
        sent = 0
        try:
            s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
            # One header line every 0.3 s: always active, never done,
            # until the server closes (--request-timeout 2 s); up to a
            # minute of it.
            for sent in range(200):
                s.sendall(b'X-Slow-%d: y\r\n' % sent)
                time.sleep(0.3)
        except OSError:
            pass
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except OSError:
            pass
        s.close()
        self.assertLess(sent, 199, 'the server closed a request that '
                        'never ended')
        self.assertEqual(status_of(got), 408)
        self.assertEqual(header_of(got, 'Connection'), 'close')

    def test_stalled_upload_gets_408(self):
        s = socket.create_connection(('127.0.0.1', self.srv.port),
                                     timeout=60)
        s.sendall(b'POST /login HTTP/1.1\r\nHost: x\r\n'
                  b'Content-Length: 100\r\n\r\ntoken=')
        got = b''
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except OSError:
            pass
        s.close()
        self.assertEqual(status_of(got), 408)
        m = self.metrics()
        self.assertGreaterEqual(metric(m, 'pmkb_http_request_timeouts_total'),
                                1)

    def test_a_slow_but_steady_client_is_served(self):
        s = socket.create_connection(('127.0.0.1', self.srv.port),
                                     timeout=10)
        try:
            for part in (b'GET /healthz HTTP/1.1\r\n', b'Host: x\r\n',
                         b'Connection: close\r\n', b'\r\n'):
                s.sendall(part)
                time.sleep(0.3)
            self.assertIn(b'200 OK', s.recv(4096))
        finally:
            s.close()


class TotalConnections(unittest.TestCase):
    def test_connection_limit(self):
        with Server(args=['--max-connections', '5', '--max-per-ip', '100']
                    ) as srv:
            held = []
            try:
                for _ in range(5):
                    s = socket.create_connection(('127.0.0.1', srv.port),
                                                 timeout=5)
                    s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                    self.assertIn(b'200 OK', s.recv(4096))
                    held.append(s)
                extra = socket.create_connection(('127.0.0.1', srv.port),
                                                 timeout=5)
                try:
                    extra.sendall(b'GET /healthz HTTP/1.1\r\n\r\n')
                    got = extra.recv(4096)
                except OSError:
                    got = b''
                extra.close()
                self.assertEqual(got, b'')
            finally:
                for s in held:
                    s.close()
            probes_refused = []

            def refused():
                # Until the server has seen the closes, a probe is itself
                # refused (and counted): count those too.
                try:
                    text = srv.get('/metrics').body.decode()
                except OSError:
                    probes_refused.append(1)
                    return None
                return metric(parse_metrics(text),
                              'pmkb_http_connections_refused_total',
                              limit='total')
            self.assertEqual(wait_until(refused, 60),
                             1 + len(probes_refused))


class FileLimits(unittest.TestCase):
    """Limits of the parser, through a real import and the API."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-limits-')
        d = cls.dir = os.path.join(cls.tmp, 'pm')
        os.makedirs(d)
        for name in sorted(n for n in os.listdir(SAMPLES)
                           if n.startswith('20'))[:5]:
            shutil.copy(os.path.join(SAMPLES, name), d)

        def write(name, text):
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)

        write('2024-01-01-huge.md', front('Huge') + 'word ' * (1 << 20))
        write('2024-01-02-big-front-matter.md',
              front('Big front', 'notes: "' + 'n' * (70 << 10) + '"\n') +
              '# Big front\n\nThe body still counts: quokka.\n')
        nested = 'deep: ' + '{a: ' * 40 + '1' + '}' * 40 + '\n'
        write('2024-01-03-deep-yaml.md', front('Deep', nested) +
              '# Deep\n\nThe body still counts: wombat.\n')
        write('2024-01-04-deep-markdown.md', front('Nested') +
              '> ' * 50000 + 'platypus\n\n' +
              ''.join('  ' * i + '- item\n' for i in range(400)) +
              '[' * 50000 + 'x' + ']' * 50000 + '\n' +
              '*' * 50000 + 'echidna' + '*' * 50000 + '\n' +
              '<div>' * 20000 + '\n')
        cls.srv = Server(directory=d).start(timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def problems(self):
        return self.srv.get_json('/api/problems')

    def find(self, path_part):
        j = self.problems()
        items = j.get('problems', j.get('results', j)) if isinstance(
            j, dict) else j
        return [p for p in items if path_part in p.get('path', '')]

    def test_oversized_file_is_a_problem_not_a_postmortem(self):
        self.assertTrue(self.find('huge'), self.problems())
        r = self.srv.get('/api/postmortems/2024-01-01-huge')
        self.assertEqual(r.status, 404)
        self.assertEqual(self.srv.get_json('/healthz')['postmortems'], 8)

    def test_front_matter_limit(self):
        self.assertTrue(self.find('big-front-matter'))
        r = self.srv.get_json('/api/search', q='quokka')
        self.assertEqual(r['total'], 1)

    def test_yaml_depth_limit(self):
        self.assertTrue(self.find('deep-yaml'))
        self.assertEqual(self.srv.get_json('/api/search', q='wombat')['total'],
                         1)

    def test_deep_markdown_is_indexed(self):
        r = self.srv.get('/api/postmortems/2024-01-04-deep-markdown')
        self.assertEqual(r.status, 200)
        self.assertEqual(self.srv.get_json('/api/search',
                                           q='platypus')['total'], 1)

    def test_lint_reports_the_same(self):
        r = pmkb('lint', self.dir, timeout=120)
        self.assertEqual(r.returncode, 1)
        self.assertIn('huge', r.stdout)


if __name__ == '__main__':
    main()

"""Operations end to end: /metrics, /readyz, structured logs, graceful
shutdown and the second signal, pmkb backup while writing, pmkb check and
pmkb reindex, a full disk and a read-only database directory."""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

from gittest import Repo, git_server, postmortem, wait_for, wait_idle
from opstest import Tmpfs, metric, parse_metrics, wait_until, writing
from pmkbtest import (BIN, ROOT, SAMPLES, Server, main, pmkb, raw,
                      status_of)

N_SAMPLES = len([f for f in os.listdir(SAMPLES)
                 if f.endswith('.md') and not f.startswith('TEMPLATE')])
GEN = os.path.join(ROOT, 'tests', 'bench', 'gen_corpus.py')


def check(db):
    """pmkb check: (ok, {key: value})."""
    r = pmkb('check', '--db', db, timeout=300)
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(': ')
        out[k] = v
    return r.returncode == 0, out


def gen(out, count, seed=1):
    subprocess.run(['python3', GEN, '--count', str(count), '--out', out,
                    '--seed', str(seed)], check=True, capture_output=True,
                   timeout=300)
    return os.path.join(out, 'postmortems')


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(args=['--log-level', 'debug']).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()

    def test_exposition(self):
        for q in ('db', 'dns', '障害'):
            self.assertEqual(self.srv.get('/api/search', q=q).status, 200)
        self.srv.get('/api/postmortems/no-such-thing')
        self.srv.get('/nowhere')
        r = self.srv.get('/metrics')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header('Content-Type'),
                         'text/plain; version=0.0.4; charset=utf-8')
        text = r.body.decode()
        m = parse_metrics(text)
        self.assertGreaterEqual(metric(m, 'pmkb_http_requests_total',
                                       route='/api/search', status='200'), 3)
        self.assertEqual(metric(m, 'pmkb_http_requests_total',
                                route='/api/postmortems/{slug}',
                                status='404'), 1)
        self.assertEqual(metric(m, 'pmkb_http_requests_total',
                                route='none', status='404'), 1)
        # A histogram: cumulative buckets, +Inf equal to the count.
        buckets = sorted(
            ((float(dict(ls)['le'].replace('+Inf', 'inf')), v)
             for (n, ls), v in m.items()
             if n == 'pmkb_http_request_duration_seconds_bucket' and
             dict(ls)['route'] == '/api/search'))
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts))
        self.assertEqual(counts[-1], metric(
            m, 'pmkb_http_request_duration_seconds_count',
            route='/api/search'))
        self.assertGreater(metric(m, 'pmkb_http_request_duration_seconds_sum',
                                  route='/api/search'), 0)
        self.assertEqual(metric(m, 'pmkb_postmortems'), N_SAMPLES)
        self.assertEqual(metric(m, 'pmkb_sync_last_success'), 1)
        self.assertGreater(metric(m, 'pmkb_sync_last_timestamp_seconds'),
                           time.time() - 3600)
        self.assertGreaterEqual(metric(m, 'pmkb_sync_last_duration_seconds'),
                                0)
        self.assertGreater(metric(m, 'pmkb_db_size_bytes'), 0)
        # The three searches' phrases: read from the index, then held.
        self.assertGreaterEqual(metric(m, 'pmkb_search_phrases'), 3)
        self.assertGreater(metric(m, 'pmkb_search_phrase_bytes'), 0)
        self.assertGreaterEqual(metric(m, 'pmkb_search_phrase_lookups_total',
                                       result='read'), 3)
        self.assertEqual(metric(m, 'pmkb_search_phrases_dropped_total'), 0)
        self.assertGreaterEqual(metric(m, 'pmkb_http_connections'), 1)
        for name in ('pmkb_parse_problems', 'pmkb_outbox_messages',
                     'pmkb_http_connections_refused_total',
                     'pmkb_http_request_timeouts_total',
                     'pmkb_auth_failures_total', 'pmkb_build_info'):
            self.assertIn('# TYPE ' + name + ' ', text)

    def test_readyz(self):
        j = self.srv.get_json('/readyz')
        self.assertEqual(j['status'], 'ready')
        self.assertEqual(j['checks'], {'index': 'ok', 'disk': 'ok',
                                       'database': 'ok'})

    def test_logs_are_structured_with_request_ids(self):
        r = self.srv.get('/api/search', q='secretword')
        rid = r.header('X-Request-Id')
        self.assertRegex(rid, r'^\d+$')
        wait_until(lambda: f' id={rid} ' in self.srv.stderr(), 60)
        lines = self.srv.stderr().splitlines()
        for line in lines:
            if line.startswith('pmkb: '):
                continue  # the import summary for people
            self.assertRegex(line, r'^ts=\S+ level=(debug|info|warn|error) '
                                   r'event=\S+')
        mine = [ln for ln in lines if f' id={rid} ' in ln]
        self.assertEqual(len(mine), 1, lines[-5:])
        self.assertIn('path=/api/search', mine[0])
        self.assertIn('status=200', mine[0])
        self.assertNotIn('secretword', self.srv.stderr(),
                         'query strings are not logged')


class Shutdown(unittest.TestCase):
    def in_flight(self, srv):
        """Waits until srv holds a request besides the /metrics one."""
        def seen():
            m = parse_metrics(srv.get('/metrics').body.decode())
            return (metric(m, 'pmkb_http_connections') >= 2 and
                    metric(m, 'pmkb_http_requests_in_flight') >= 1)
        wait_until(seen, 60)

    def refusing(self, srv):
        """Waits until srv answers no new connection: each is refused or
        closed before any answer."""
        def refused():
            try:
                with socket.create_connection(('127.0.0.1', srv.port),
                                              timeout=5) as c:
                    c.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                    return c.recv(4096) == b''
            except OSError:
                return True
        wait_until(refused, 60)

    def slow_request(self, srv):
        """Starts a request that stays in flight until finish() is called."""
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=20)
        body = b'token=pmkb_x&next=/'
        s.sendall(b'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: '
                  b'application/x-www-form-urlencoded\r\nContent-Length: ' +
                  str(len(body)).encode() + b'\r\n\r\n' + body[:5])

        def finish():
            s.sendall(body[5:])
            out = b''
            try:
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    out += b
            except OSError:
                pass
            s.close()
            return out
        return s, finish

    def test_sigterm_finishes_the_request_in_flight(self):
        srv = Server(args=['--request-timeout', '60']).start()
        try:
            s, finish = self.slow_request(srv)
            self.in_flight(srv)
            srv.proc.send_signal(signal.SIGTERM)
            # New connections refused, but the request in flight goes on.
            self.refusing(srv)
            self.assertIsNone(srv.proc.poll())
            resp = finish()
            self.assertIn(status_of(resp), (401, 429), resp[:100])
            self.assertIn(b'Connection: close', resp)
            self.assertEqual(srv.proc.wait(timeout=60), 0)
            log = srv.stderr()
            self.assertIn('event=http.drained unfinished=0', log)
            self.assertIn('event=shutdown.done', log)
        finally:
            srv.stop(signal.SIGKILL)
            srv.log.close()

    def test_in_flight_wait_is_bounded(self):
        srv = Server(args=['--request-timeout', '60',
                           '--shutdown-timeout', '1']).start()
        try:
            s, _ = self.slow_request(srv)
            self.in_flight(srv)
            # Without the bound (--shutdown-timeout 1) this would wait
            # for --request-timeout 60, past stop()'s own 30 s.
            self.assertEqual(srv.stop(signal.SIGTERM), 0)
            self.assertIn('unfinished=1', srv.stderr())
            s.close()
        finally:
            srv.log.close()

    def test_second_signal_exits_at_once(self):
        srv = Server(args=['--request-timeout', '60',
                           '--shutdown-timeout', '60']).start()
        try:
            s, _ = self.slow_request(srv)
            self.in_flight(srv)
            srv.proc.send_signal(signal.SIGTERM)
            self.refusing(srv)
            self.assertIsNone(srv.proc.poll(), 'still draining')
            srv.proc.send_signal(signal.SIGINT)
            # Well before --shutdown-timeout 60 would end it.
            rc = srv.proc.wait(timeout=30)
            self.assertEqual(rc, 128 + signal.SIGINT)
            s.close()
            # The database is fine after dying in the middle.
            self.assertTrue(check(srv.db)[0])
        finally:
            srv.log.close()

    def test_sigint_exits_0_and_leaves_a_clean_database(self):
        srv = Server().start()
        try:
            self.assertEqual(srv.stop(signal.SIGINT), 0)
            self.assertFalse(os.path.exists(srv.db + '-wal') and
                             os.path.getsize(srv.db + '-wal') > 0,
                             'closed cleanly: the WAL was checkpointed')
            ok, out = check(srv.db)
            self.assertTrue(ok, out)
        finally:
            srv.log.close()


class BackupCheckReindex(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-ops-')
        cls.gen = gen(os.path.join(cls.tmp, 'gen'), 300)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, directory, name):
        db = os.path.join(self.tmp, name)
        r = pmkb('import', '--db', db, directory, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        ok, out = check(db)
        self.assertTrue(ok, out)
        return out['digest']

    def backup(self, db, name):
        """pmkb backup of db; returns the copy's digest."""
        out = os.path.join(self.tmp, name)
        r = pmkb('backup', '--db', db, out, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        self.assertFalse(os.path.exists(out + '-wal'))
        ok, res = check(out)
        self.assertTrue(ok, res)
        os.remove(out)
        return res['digest']

    def test_backup_is_consistent_while_a_sync_writes(self):
        repo = Repo()
        shutil.copytree(SAMPLES, os.path.join(repo.work, 'postmortems'),
                        dirs_exist_ok=True)
        repo.commit('samples')
        repo.push()
        srv = git_server(repo).start()
        repo.install_post_receive(srv.base)
        stop = threading.Event()
        errors = []

        def load():
            while not stop.is_set():
                try:
                    r = srv.get('/api/search', q='db')
                    if r.status != 200:
                        errors.append(r.status)
                except OSError as e:
                    errors.append(str(e))

        loader = threading.Thread(target=load)
        loader.start()
        try:
            wait_idle(srv, 120)
            before = self.backup(srv.db, 'before.db')
            # One push of 300 files: the sync writes them and the new
            # commit in one transaction while backups are taken.
            for f in os.listdir(self.gen):
                shutil.copy(os.path.join(self.gen, f),
                            os.path.join(repo.work, 'postmortems', f))
            head = repo.commit('300 more')
            repo.push()
            wait_for(lambda: writing(srv.db), 120, every=0.005)
            digests, inside = [], 0
            for i in range(500):
                started_inside = writing(srv.db)
                d = self.backup(srv.db, f'backup-{i}.db')
                digests.append(d)
                if started_inside and d == before:
                    inside += 1  # taken while the sync's write was open
                last = srv.get_json('/api/sync')['last']
                if not started_inside and last and last['commit'] == head:
                    break
            after = self.backup(srv.db, 'after.db')
            print(f'\n# {len(digests)} backups during the sync, {inside} '
                  f'taken while it was writing', flush=True)
            self.assertNotEqual(after, before)
            for d in digests:
                self.assertIn(d, (before, after),
                              'a snapshot of one state or the other')
            self.assertGreater(inside, 0, 'no backup was taken while the '
                               'sync was writing')
        finally:
            stop.set()
            loader.join()
            srv.close()
            repo.close()
        self.assertEqual(errors, [])

    def test_backup_errors(self):
        r = pmkb('backup', '--db', os.path.join(self.tmp, 'none.db'),
                 os.path.join(self.tmp, 'x.db'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('no database', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'none.db')))
        r = pmkb('check', '--db', os.path.join(self.tmp, 'none.db'))
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'none.db')))

    def test_reindex_repairs_a_damaged_index(self):
        want = self.fresh(SAMPLES, 'ref-reindex.db')
        db = os.path.join(self.tmp, 'damaged.db')
        self.assertEqual(pmkb('import', '--db', db, SAMPLES).returncode, 0)
        # Damage it by hand, behind pmkb's back: rows vanish without
        # their full-text entries and labels, a row changes, a stray
        # problem appears.
        c = sqlite3.connect(db)
        c.execute('DELETE FROM postmortems WHERE id IN (3, 4, 5)')
        c.execute("UPDATE postmortems SET title = 'tampered' WHERE id = 7")
        c.execute('DELETE FROM action_items WHERE pm_id = 9')
        c.execute("INSERT INTO problems(path, line, level, message) "
                  "VALUES('ghost.md', 1, 'error', 'boo')")
        c.commit()
        c.close()
        ok, out = check(db)
        self.assertFalse(ok)
        self.assertNotEqual(out['digest'], want)
        r = pmkb('reindex', '--db', db, '--dir', SAMPLES, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        ok, out = check(db)
        self.assertTrue(ok, out)
        self.assertEqual(out['digest'], want)


class FullDisk(unittest.TestCase):
    """The database cannot grow: a sync fails cleanly, reads go on,
    /readyz says not ready, and nothing crashes."""

    def setUp(self):
        self.repo = Repo()
        for name in sorted(os.listdir(SAMPLES))[:4]:
            if name.endswith('.md'):
                with open(os.path.join(SAMPLES, name)) as f:
                    self.repo.write(name, f.read())
        self.repo.commit('first')
        self.repo.push()
        self.bulk = gen(os.path.join(self.repo.tmp, 'bulk'), 150, seed=7)

    def tearDown(self):
        self.repo.close()

    def push_bulk(self):
        for name in os.listdir(self.bulk):
            with open(os.path.join(self.bulk, name)) as f:
                self.repo.write(name, f.read())
        self.repo.commit('bulk')
        self.repo.push()

    def not_ready(self, srv, key, word):
        r = srv.get('/readyz')
        return (r.status == 503 and word in r.json()['checks'][key]
                and r.json())

    def test_database_size_limit(self):
        srv = git_server(self.repo, args=['--max-db-size', '1500000'])
        srv.start()
        try:
            self.repo.install_post_receive(srv.base)
            n0 = srv.get_json('/healthz')['postmortems']
            self.push_bulk()
            wait_until(lambda: srv.get_json('/api/sync')['syncs'] >= 2 and
                       not srv.get_json('/api/sync')['running'], 60)
            last = srv.get_json('/api/sync')['last']
            self.assertFalse(last['ok'])
            self.assertIn('full', last['error'] + srv.stderr())
            j = wait_until(lambda: self.not_ready(srv, 'database', 'full'))
            self.assertIn('full', j['checks']['database'])
            # Still serving what it had, unchanged (the sync rolled back).
            self.assertEqual(srv.get_json('/healthz')['postmortems'], n0)
            self.assertEqual(srv.get('/api/search?q=db').status, 200)
            m = parse_metrics(srv.get('/metrics').body.decode())
            self.assertEqual(metric(m, 'pmkb_sync_last_success'), 0)
            self.assertEqual(srv.stop(), 0)
            self.assertTrue(check(srv.db)[0])
        finally:
            srv.stop(signal.SIGKILL)
            srv.log.close()

    def test_full_file_system(self):
        fs = Tmpfs('6m')
        if not fs.mounted:
            fs.close()
            self.skipTest('cannot mount a tmpfs here (needs root)')
        data = tempfile.mkdtemp(prefix='pmkb-e2e-data-')
        srv = git_server(self.repo, db=os.path.join(fs.dir, 'pmkb.db'),
                         args=['--data-dir', data])
        try:
            srv.start()
            self.repo.install_post_receive(srv.base)
            n0 = srv.get_json('/healthz')['postmortems']
            filler = fs.fill(leave=64 << 10)
            j = wait_until(lambda: self.not_ready(srv, 'disk', 'full'))
            self.assertIn('bytes free', j['checks']['disk'])
            self.push_bulk()
            wait_until(lambda: srv.get_json('/api/sync')['syncs'] >= 2 and
                       not srv.get_json('/api/sync')['running'], 60)
            self.assertFalse(srv.get_json('/api/sync')['last']['ok'])
            self.assertEqual(srv.get_json('/healthz')['postmortems'], n0)
            self.assertEqual(srv.get('/api/search?q=db').status, 200)
            # Space comes back: ready again, and the retried sync lands.
            os.remove(filler)
            wait_until(lambda: srv.get('/readyz').status == 200)
            self.repo.write('2024-09-09-after.md',
                            postmortem('After the disk', 'capybara'))
            self.repo.commit('after')
            self.repo.push()
            wait_until(lambda: srv.get_json('/api/search',
                                            q='capybara')['total'] == 1, 60)
            self.assertEqual(srv.stop(), 0)
            self.assertTrue(check(srv.db)[0])
        finally:
            srv.stop(signal.SIGKILL)
            srv.log.close()
            fs.close()
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(srv.tmp, ignore_errors=True)


NOBODY = 65534


class ServerAs(Server):
    """A Server whose process runs as another user (when we are root), so
    that file permissions apply to it."""

    def __init__(self, uid, bin_path=BIN, **kw):
        super().__init__(bin_path=bin_path, **kw)
        self.popen = {'user': uid, 'group': uid, 'extra_groups': []}


class ReadOnly(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # As root the server runs as nobody, who may not be able to reach
        # the build directory (a clone under /root is 0700): use copies of
        # the binary and the samples in a directory anyone can read.
        cls.shared = tempfile.mkdtemp(prefix='pmkb-e2e-ro-shared-')
        os.chmod(cls.shared, 0o755)
        cls.bin = os.path.join(cls.shared, 'pmkb')
        shutil.copy2(BIN, cls.bin)
        os.chmod(cls.bin, 0o755)
        cls.samples = os.path.join(cls.shared, 'postmortems')
        shutil.copytree(SAMPLES, cls.samples)
        for d, _, files in os.walk(cls.shared):
            os.chmod(d, 0o755)
            for f in files:
                if os.path.join(d, f) != cls.bin:
                    os.chmod(os.path.join(d, f), 0o644)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shared, ignore_errors=True)

    def setUp(self):
        self.root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix='pmkb-e2e-ro-')
        os.chmod(self.dir, 0o755)
        if self.root:
            os.chown(self.dir, NOBODY, NOBODY)

    def tearDown(self):
        os.chmod(self.dir, 0o755)
        shutil.rmtree(self.dir, ignore_errors=True)

    def serve(self, db):
        uid = NOBODY if self.root else os.getuid()
        return ServerAs(uid, bin_path=self.bin, db=db,
                        directory=self.samples)

    def run_as(self, *args):
        return subprocess.run(
            [self.bin] + list(args), capture_output=True, text=True,
            timeout=120,
            user=NOBODY if self.root else None,
            group=NOBODY if self.root else None,
            extra_groups=[] if self.root else None)

    def test_directory_becomes_read_only_while_serving(self):
        srv = self.serve(os.path.join(self.dir, 'pmkb.db'))
        try:
            srv.start()
            self.assertEqual(srv.get('/readyz').status, 200)
            os.chmod(self.dir, 0o555)
            j = wait_until(lambda: srv.get('/readyz').status == 503 and
                           srv.get_json('/readyz', status=503))
            self.assertIn('not writable', j['checks']['disk'])
            self.assertEqual(srv.get('/api/search?q=db').status, 200)
            self.assertEqual(srv.get_json('/healthz')['postmortems'],
                             N_SAMPLES)
            os.chmod(self.dir, 0o755)
            wait_until(lambda: srv.get('/readyz').status == 200)
            self.assertEqual(srv.stop(), 0)
            self.assertTrue(check(srv.db)[0])
        finally:
            srv.stop(signal.SIGKILL)
            srv.log.close()
            shutil.rmtree(srv.tmp, ignore_errors=True)

    def test_starting_in_a_read_only_directory(self):
        db = os.path.join(self.dir, 'pmkb.db')
        r = self.run_as('import', '--db', db, self.samples)
        self.assertEqual(r.returncode, 0, r.stderr)
        os.chmod(self.dir, 0o555)
        for args in (('serve', '--db', db, '--dir', self.samples,
                      '--listen', '127.0.0.1:0'),
                     ('serve', '--db', os.path.join(self.dir, 'new', 'x.db'),
                      '--dir', self.samples, '--listen', '127.0.0.1:0'),
                     ('import', '--db', db, self.samples)):
            r = self.run_as(*args)
            self.assertEqual(r.returncode, 1, (args, r.stderr))
            self.assertRegex(r.stderr, r'(?m)^pmkb: .*(readonly|read-only|'
                                       r'Permission denied)', args)
            self.assertNotIn('http://', r.stdout)
        os.chmod(self.dir, 0o755)
        self.assertTrue(check(db)[0])

    def test_unusable_database_path(self):
        r = pmkb('serve', '--db', '/proc/pmkb/x.db', '--dir', SAMPLES,
                 '--listen', '127.0.0.1:0')
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot', r.stderr)


if __name__ == '__main__':
    main()

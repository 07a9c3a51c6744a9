#!/usr/bin/env python3
"""pmkb benchmarks: one Markdown table on stdout, everything in a JSON file.

    run.py --quick   10,000 documents only                (about 2 minutes)
    run.py --full    10,000 and 100,000 documents         (up to 15 minutes)
    run.py --smoke   300 documents, one pass of each step (the 'bench' suite)

Options: --build DIR (default build-bench: a release build made here when
missing), --out DIR (default tests/bench/out), --seed N, --cache DIR.

What is measured, each next to its anchor in the same run (the machine is
small and shared, so only side-by-side ratios mean much):

  ingest      pmkb import of the generated corpus (docs/s, MB/s) against
              raw_loader (the same files straight into an FTS5 table with
              pmkb's tokenizer), alternated, median; database size / text
  push        one changed file → searchable on the 10k corpus, median of
              20 (git push to a repository that `pmkb serve --repo`
              follows, when this pmkb can; else `pmkb import` of the
              directory into the database a running server reads)
  search      per query class, p50/p99 in-process (searcher_run) and over
              HTTP (one keep-alive connection, sequential), the naive FTS5
              query, `git grep -l -i` and `rg -l -i` over the checkout
  throughput  wrk at 64 connections: the rare-term queries and the whole
              rotation against pmkb, a fixed 1 KB body against bare_mhd,
              and the rotation in-process on two threads
  stats       causes, durations, action items and follow-through over
              HTTP without the cache, with and without filters: p50/p99
              of sequential requests, and apart the first one (which
              loads the index generation on its reader connection)
  memory      VmHWM / VmRSS of the server after the load
  peer        Xapian over the same corpus (xapian_peer.py, Debian's
              python3-xapian, in-process, BM25, CJK n-grams, top 20 with
              the exact match count), per query class beside pmkb's
              uncached HTTP figures: pmkb beats it when its p50 is at most
              Xapian's, or at most 1 ms where Xapian's is under 1 ms

Corpora come from gen_corpus.py and are cached under --cache, keyed by
count, seed and the generator's own hash. Every process started here is
ended here, by PID; servers listen on 127.0.0.1 only and every load run is
bounded in time.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Per mode: corpus sizes, repetitions and durations. The full mode's
# budget is 15 minutes with the 100k corpus already cached (generating it
# the first time adds about 2-4 minutes).
# Per size: ingest runs (raw loader and pmkb alternated; 0 raw runs: pmkb
# once, to build the index, and no ratio), repetitions of every query
# in-process and over HTTP with the cache (cold: the server without its
# cache), and of the naive query.
MODES = {
    'smoke': dict(sizes=[300], ingest_reps={300: 1}, raw={300: True},
                  search_reps={300: 2}, cold_reps={300: 1},
                  naive_reps={300: 1}, wrk_secs=1, wrk_reps=1,
                  threads_secs=1, grep_reps=1, push_reps=2,
                  stats_reps=3),
    'quick': dict(sizes=[10000], ingest_reps={10000: 1},
                  raw={10000: True}, search_reps={10000: 5},
                  cold_reps={10000: 3}, naive_reps={10000: 2}, wrk_secs=3,
                  wrk_reps=1, threads_secs=3, grep_reps=1, push_reps=5,
                  stats_reps=30),
    'full': dict(sizes=[10000, 100000],
                 ingest_reps={10000: 2, 100000: 1},
                 raw={10000: True, 100000: False},
                 search_reps={10000: 20, 100000: 5},
                 cold_reps={10000: 10, 100000: 2},
                 naive_reps={10000: 3, 100000: 1}, wrk_secs=5, wrk_reps=3,
                 threads_secs=5, grep_reps=3, push_reps=20,
                 stats_reps=30),
}

CLASSES = ['rare', 'common', 'and', 'phrase', 'prefix', 'ja2', 'ja_compound',
           'filter', 'filter_term']
CLASS_LABEL = {
    'rare': 'rare term', 'common': 'common term (>50% of docs)',
    'and': 'two-term AND', 'phrase': 'phrase', 'prefix': 'prefix',
    'ja2': 'Japanese 2-char', 'ja_compound': 'Japanese compound',
    'filter': 'filter only', 'filter_term': 'filter + term',
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- the queries ----

def rare_codes(n):
    """Error codes and host names that the generator puts in a few docs."""
    keys = max(1, n // 5)
    out = []
    for i, (pfx, f) in enumerate([('ERR', 0.05), ('host', 0.21),
                                  ('job', 0.43), ('svc', 0.67),
                                  ('ERR', 0.89)]):
        out.append(f'{pfx}{int(keys * f):06d}')
    return out


def queries_for(n):
    """(class, query text) in the order they are run."""
    q = {
        'rare': rare_codes(n),
        'common': ['error', 'incident', 'latency', 'deploy', 'service'],
        'and': ['error timeout', 'database latency', 'deploy rollback',
                '障害 原因', 'memory restart'],
        'phrase': ['"database error"', '"the incident"', '"error timeout"',
                   '"timeout error"', '"障害が"'],
        'prefix': ['deplo*', 'time*', 'rep*', 'mon*', 'cach*'],
        'ja2': ['障害', '原因', '影響', '対応', '監視'],
        'ja_compound': ['証明書', '期限切れ', 'データベース',
                        'フェイルオーバー', '再起動'],
        'filter': ['cause:infrastructure', 'cause:deployment',
                   'service:redis', 'severity:SEV1', 'tag:dns'],
        'filter_term': ['cause:infrastructure error', 'cause:deployment 障害',
                        'service:redis timeout', 'severity:SEV1 latency',
                        'cause:capacity memory'],
    }
    return [(c, t) for c in CLASSES for t in q[c]]


def search_path(text, limit=20):
    return '/api/search?' + urllib.parse.urlencode({'q': text,
                                                    'limit': limit})


# ---- processes ----

def run_timed(cmd, **kw):
    """Runs cmd; returns (wall s, cpu s of the child, stdout)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, **kw)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if p.returncode:
        raise RuntimeError(f'{cmd[0]} failed ({p.returncode}): '
                           + ' '.join(cmd))
    return wall, ru.ru_utime + ru.ru_stime, out.decode('utf-8', 'replace')


class Server:
    """A process that prints its port on its first line; ended by PID."""

    def __init__(self, cmd, env=None):
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env,
                                  stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        m = re.search(r'(?:port |:)(\d+)/?\s*$', line.strip())
        if not m:
            self.stop()
            raise RuntimeError(f'{cmd[0]} did not start: {line!r}')
        self.port = int(m.group(1))
        self.pid = self.p.pid

    def cpu(self):
        """CPU seconds the process has used so far."""
        with open(f'/proc/{self.pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf(
            'SC_CLK_TCK')

    def status(self):
        """VmHWM and VmRSS in kB."""
        out = {}
        with open(f'/proc/{self.pid}/status') as f:
            for line in f:
                k, _, v = line.partition(':')
                if k in ('VmHWM', 'VmRSS'):
                    out[k] = int(v.split()[0])
        return out

    def stop(self):
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait()


def settle(server, limit=60.0):
    """Waits (at most limit seconds) until server stops using CPU."""
    deadline = time.monotonic() + limit
    last = server.cpu()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = server.cpu()
        if now - last < 0.02:
            return
        last = now


# The statistics answered per request, with and without filters: name,
# path. The generated corpus has these services, severities and owners.
STATS_PATHS = [
    ('causes', '/api/stats/causes'),
    ('causes, filtered', '/api/stats/causes?service=kafka,search'
                         '&severity=SEV2,SEV3&mode=any'),
    ('durations', '/api/stats/durations'),
    ('durations, filtered', '/api/stats/durations?service=kafka'
                            '&severity=SEV3'),
    ('action items (page of 500)', '/api/action-items'),
    ('action items, filtered', '/api/action-items?service=kafka'
                               '&owner=user7&status=all'),
    ('follow-through', '/api/stats/follow-through'),
]


def stats_latency(port, path, reps, warm):
    """Sequential GETs of path on one keep-alive connection: the first
    apart (on a reader that has not loaded the index generation yet, it
    loads it), then warm more unmeasured, then reps measured;
    milliseconds."""
    import http.client
    con = http.client.HTTPConnection('127.0.0.1', port, timeout=60)

    def get():
        t0 = time.perf_counter()
        con.request('GET', path)
        r = con.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f'{path}: HTTP {r.status} {body[:200]!r}')
        return (time.perf_counter() - t0) * 1e3, len(body)
    first, size = get()
    for _ in range(warm):
        get()
    ts = sorted(get()[0] for _ in range(reps))
    con.close()
    return {'first_ms': first, 'bytes': size,
            'p50_ms': ts[len(ts) // 2],
            'p99_ms': ts[min(len(ts) - 1, int(len(ts) * 0.99))]}


def http_json(port, path, timeout=10):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}',
                                timeout=timeout) as r:
        return json.loads(r.read())


# ---- the bench ----

class Bench:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.cfg = MODES[args.mode]
        self.build = os.path.abspath(args.build)
        self.pmkb = os.path.join(self.build, 'pmkb')
        self.tools = os.path.join(self.build, 'tests', 'bench')
        self.out = os.path.abspath(args.out)
        self.cache = os.path.abspath(args.cache or
                                     os.path.join(self.out, 'cache'))
        self.work = tempfile.mkdtemp(prefix='pmkb-bench-')
        self.res = {'mode': self.mode, 'started': datetime.datetime.now(
            datetime.timezone.utc).isoformat(timespec='seconds'),
            'machine': machine(), 'sizes': {}}
        self.t_start = time.monotonic()

    def tool(self, name):
        return os.path.join(self.tools, name)

    # -- build and corpus --

    def ensure_build(self):
        if not os.path.exists(os.path.join(self.build, 'build.ninja')):
            log(f'bench: setting up a release build in {self.build}')
            subprocess.run(['meson', 'setup', self.build,
                            '--buildtype=release'], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        targets = ['pmkb', 'tests/bench/bench_search',
                   'tests/bench/raw_loader', 'tests/bench/bare_mhd']
        subprocess.run(['ninja', '-C', self.build] + targets, check=True,
                       stdout=subprocess.DEVNULL)

    def corpus(self, n):
        """The cached corpus directory (a git checkout) for n docs."""
        gen = os.path.join(HERE, 'gen_corpus.py')
        with open(gen, 'rb') as f:
            h = hashlib.sha1(f.read()).hexdigest()[:8]
        d = os.path.join(self.cache, f'corpus-{n}-s{self.args.seed}-{h}')
        if not os.path.isdir(d):
            log(f'bench: generating {n} documents into {d}')
            tmp = d + '.tmp'
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(self.cache, exist_ok=True)
            t0 = time.monotonic()
            subprocess.run([sys.executable, gen, '--count', str(n), '--out',
                            tmp, '--seed', str(self.args.seed), '--git'],
                           check=True)
            os.rename(tmp, d)
            log(f'bench: generated in {time.monotonic() - t0:.0f} s')
        return d

    # -- ingest --

    def ingest(self, n, corpus):
        docs = os.path.join(corpus, 'postmortems')
        text_bytes = sum(e.stat().st_size for e in os.scandir(docs)
                         if e.name.endswith('.md'))
        db = os.path.join(self.work, f'pmkb-{n}.db')
        raw_db = os.path.join(self.work, f'raw-{n}.db')
        runs = {'pmkb': [], 'raw': []}
        for rep in range(self.cfg['ingest_reps'][n]):
            order = ['raw', 'pmkb'] if rep % 2 == 0 else ['pmkb', 'raw']
            if not self.cfg['raw'][n]:
                order = ['pmkb']
            for who in order:
                target = db if who == 'pmkb' else raw_db
                for suffix in ('', '-wal', '-shm'):
                    if os.path.exists(target + suffix):
                        os.remove(target + suffix)
                if who == 'pmkb':
                    cmd = [self.pmkb, 'import', '--db', db, '--log-level',
                           'warn', docs]
                else:
                    cmd = [self.tool('raw_loader'), raw_db, docs]
                wall, cpu, out = run_timed(cmd)
                runs[who].append({'wall_s': wall, 'cpu_s': cpu})
                log(f'bench: {n} ingest {who}: {wall:.1f} s wall, '
                    f'{cpu:.1f} s cpu')
                if who == 'pmkb' and f'indexed {n} files' not in out:
                    raise RuntimeError(f'pmkb import: {out.strip()}')
        raw_size = file_size(raw_db)
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(raw_db + suffix):
                os.remove(raw_db + suffix)
        r = {'docs': n, 'text_bytes': text_bytes, 'runs': runs,
             'db_bytes': file_size(db), 'raw_db_bytes': raw_size}
        for who in runs:
            if not runs[who]:
                r[who] = None
                continue
            wall = statistics.median(x['wall_s'] for x in runs[who])
            cpu = statistics.median(x['cpu_s'] for x in runs[who])
            r[who] = {'wall_s': wall, 'cpu_s': cpu, 'docs_per_s': n / wall,
                      'mb_per_s': text_bytes / wall / 1e6,
                      'docs_per_cpu_s': n / cpu}
        if r['raw']:
            r['ratio_wall'] = (r['pmkb']['docs_per_s'] /
                               r['raw']['docs_per_s'])
            r['ratio_cpu'] = (r['pmkb']['docs_per_cpu_s'] /
                              r['raw']['docs_per_cpu_s'])
        return db, r

    # -- search --

    def write_queries(self, n):
        qs = queries_for(n)
        qf = os.path.join(self.work, f'queries-{n}.tsv')
        with open(qf, 'w') as f:
            for c, t in qs:
                f.write(f'{c}\t{t}\n')
        paths = {}
        for name, sel in (('rare', lambda c: c == 'rare'),
                          ('rotation', lambda c: True)):
            p = os.path.join(self.work, f'paths-{n}-{name}.txt')
            with open(p, 'w') as f:
                for c, t in qs:
                    if sel(c):
                        f.write(search_path(t) + '\n')
            paths[name] = p
        bare = os.path.join(self.work, 'paths-bare.txt')
        with open(bare, 'w') as f:
            f.write('/\n')
        paths['bare'] = bare
        return qf, paths

    def bench_search(self, mode, qf, reps, db=None, port=None):
        cmd = [self.tool('bench_search'), mode, '--queries', qf,
               '--reps', str(reps)]
        cmd += ['--db', db] if db else ['--port', str(port)]
        _, _, out = run_timed(cmd)
        return json.loads(out)

    def threads(self, qf, db):
        cmd = [self.tool('bench_search'), 'threads', '--queries', qf, '--db',
               db, '--threads', '2', '--seconds',
               str(self.cfg['threads_secs'])]
        _, _, out = run_timed(cmd)
        r = json.loads(out)
        r['per_cpu_s'] = r['requests'] / r['cpu_s'] if r['cpu_s'] else None
        return r

    def wrk(self, server, paths):
        """wrk against server; also the server's CPU time meanwhile, since
        on a shared machine requests per CPU-second compare better than
        requests per second."""
        cmd = ['wrk', '-t1', '-c64', f'-d{self.cfg["wrk_secs"]}s',
               '--latency', '-s', os.path.join(HERE, 'rotate.lua'),
               f'http://127.0.0.1:{server.port}', '--', paths]
        settle(server)
        c0 = server.cpu()
        wall, _, out = run_timed(cmd)
        cpu = server.cpu() - c0
        r = parse_wrk(out)
        # Requests that wrk left queued are still being answered: wait,
        # so that they do not slow down what is measured next.
        settle(server)
        r['server_cpu_s'] = cpu
        r['per_cpu_s'] = r['rps'] * wall / cpu if cpu else None
        return r

    def grep(self, corpus, term):
        r = {}
        for tool, cmd in (('git grep', ['git', 'grep', '-l', '-i', term]),
                          ('rg', ['rg', '-l', '-i', term, 'postmortems'])):
            times, hits = [], 0
            for _ in range(self.cfg['grep_reps'] + 1):  # first: warm-up
                t0 = time.monotonic()
                p = subprocess.run(cmd, cwd=corpus, stdout=subprocess.PIPE)
                times.append(time.monotonic() - t0)
                hits = len(p.stdout.splitlines())
            r[tool] = {'ms': statistics.median(times[1:]) * 1e3,
                       'files': hits}
        return r

    def xapian_python(self):
        """A Python that imports xapian (Debian's python3-xapian is built
        for /usr/bin/python3, which may not be the python3 on PATH)."""
        seen = []
        for py in (sys.executable, '/usr/bin/python3',
                   shutil.which('python3')):
            if not py or py in seen or not os.path.exists(py):
                continue
            seen.append(py)
            p = subprocess.run([py, '-c', 'import xapian'],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if p.returncode == 0:
                return py
        return None

    def xapian(self, corpus, qf, reps):
        """The peer's figures, or {'missing': why} (never made up)."""
        py = self.xapian_python()
        if not py:
            return {'missing': 'python3-xapian not installed'}
        peer = os.path.join(HERE, 'xapian_peer.py')
        with open(peer, 'rb') as f:
            h = hashlib.sha1(f.read()).hexdigest()[:8]
        index = os.path.join(self.cache, f'xapian-{h}-'
                             + os.path.basename(corpus))
        cmd = [py, peer, '--corpus', corpus,
               '--queries', qf, '--index', index, '--reps', str(reps)]
        try:
            _, _, out = run_timed(cmd)
        except RuntimeError as e:
            return {'missing': f'xapian_peer.py failed: {e}'}
        return json.loads(out)

    def serve(self, db, *extra):
        return Server([self.pmkb, 'serve', '--db', db, '--dir',
                       os.path.join(self.work, 'no-such-dir'), '--listen',
                       '127.0.0.1:0', '--log-level', 'error', *extra])

    def search(self, n, corpus, db):
        qf, paths = self.write_queries(n)
        reps, cold = self.cfg['search_reps'][n], self.cfg['cold_reps'][n]
        r = {}
        log(f'bench: {n} search in-process')
        r['inproc'] = self.bench_search('inproc', qf, cold, db=db)
        log(f'bench: {n} search naive')
        r['naive'] = self.bench_search('naive', qf,
                                       self.cfg['naive_reps'][n], db=db)
        log(f'bench: {n} search, the Xapian peer')
        r['xapian'] = self.xapian(corpus, qf, reps)
        # The server as configured by default (with its search cache),
        # and the same without the cache: every answer computed.
        srv0 = self.serve(db, '--search-cache', '0')
        try:
            log(f'bench: {n} search over HTTP, no cache')
            r['http_cold'] = self.bench_search('http', qf, cold,
                                               port=srv0.port)
            log(f'bench: {n} HTTP rotation, no cache')
            r['rare_cold'] = self.wrk(srv0, paths['rare'])
            r['rotation_cold'] = self.wrk(srv0, paths['rotation'])
            log(f'bench: {n} statistics, no cache')
            r['stats'] = {name: stats_latency(srv0.port, path,
                                              self.cfg['stats_reps'], 4)
                          for name, path in STATS_PATHS}
            r['rss_cold'] = srv0.status()
        finally:
            srv0.stop()
        srv = self.serve(db)
        bare = Server([self.tool('bare_mhd'), '0'])
        try:
            log(f'bench: {n} search over HTTP')
            r['http'] = self.bench_search('http', qf, reps, port=srv.port)
            r['rss_after_latency'] = srv.status()
            tp = {'bare': [], 'rare': [], 'rotation': [], 'inproc2': []}
            for rep in range(self.cfg['wrk_reps']):
                log(f'bench: {n} throughput, round {rep + 1}')
                steps = [('bare', lambda: self.wrk(bare, paths['bare'])),
                         ('rare', lambda: self.wrk(srv, paths['rare'])),
                         ('rotation', lambda: self.wrk(srv,
                                                       paths['rotation'])),
                         ('inproc2', lambda: self.threads(qf, db))]
                if rep % 2:
                    steps.reverse()
                for name, fn in steps:
                    tp[name].append(fn())
            r['throughput'] = tp
            r['rss'] = srv.status()
        finally:
            srv.stop()
            bare.stop()
        log(f'bench: {n} git grep and rg')
        r['grep'] = {}
        for cls, term in (('rare', rare_codes(n)[0]), ('common', 'error'),
                          ('ja2', '障害')):
            r['grep'][cls] = dict(term=term, **self.grep(corpus, term))
        return r

    # -- push → searchable --

    def can_follow_repo(self):
        h = subprocess.run([self.pmkb, 'serve', '--help'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        n = subprocess.run([self.pmkb, 'notify', '--help'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return b'--repo' in h.stdout and n.returncode == 0

    def push(self, n, corpus):
        reps = self.cfg['push_reps']
        if self.can_follow_repo():
            try:
                return self.push_git(corpus, reps)
            except Exception as e:  # report, then measure what we can
                log(f'bench: git push path failed ({e}); measuring the '
                    'directory re-import instead')
                r = self.push_dir(corpus, reps)
                r['git_error'] = str(e)
                return r
        return self.push_dir(corpus, reps)

    def wait_found(self, port, token, deadline):
        path = search_path(token, 1)
        while time.monotonic() < deadline:
            if http_json(port, path)['total'] > 0:
                return True
            time.sleep(0.005)
        return False

    def push_dir(self, corpus, reps):
        """`pmkb import` of a copy of the corpus while a server reads."""
        work = os.path.join(self.work, 'push-dir')
        shutil.copytree(os.path.join(corpus, 'postmortems'), work)
        db = os.path.join(self.work, 'push-dir.db')
        run_timed([self.pmkb, 'import', '--db', db, '--log-level', 'warn',
                   work])
        srv = Server([self.pmkb, 'serve', '--db', db, '--dir',
                      os.path.join(self.work, 'no-such-dir'), '--listen',
                      '127.0.0.1:0', '--log-level', 'error'])
        names = sorted(os.listdir(work))
        times = []
        try:
            for i in range(reps):
                token = f'benchpush{i:05d}x'
                path = os.path.join(work, names[(i * 7919) % len(names)])
                with open(path, 'a') as f:
                    f.write(f'\nPushed {token}.\n')
                t0 = time.monotonic()
                run_timed([self.pmkb, 'import', '--db', db, '--log-level',
                           'warn', work])
                if not self.wait_found(srv.port, token, t0 + 30):
                    raise RuntimeError(f'{token} never became searchable')
                times.append(time.monotonic() - t0)
        finally:
            srv.stop()
            shutil.rmtree(work, ignore_errors=True)
        return {'how': 'directory re-import (pmkb import) while serving',
                'seconds': times, 'median_s': statistics.median(times)}

    def push_git(self, corpus, reps):
        """git push to a bare repository that pmkb serve --repo follows."""
        bare = os.path.join(self.work, 'push.git')
        clone = os.path.join(self.work, 'push-clone')
        git = ['git', '-c', 'user.name=Bench', '-c',
               'user.email=bench@example.com']
        subprocess.run(['git', 'clone', '-q', '--bare', corpus, bare],
                       check=True)
        subprocess.run(['git', 'clone', '-q', bare, clone], check=True)
        db = os.path.join(self.work, 'push-git.db')
        secret = 'bench-secret'
        env = dict(os.environ, PMKB_WEBHOOK_SECRET=secret)
        srv = Server([self.pmkb, 'serve', '--db', db, '--repo', bare,
                      '--data-dir', os.path.join(self.work, 'push-data'),
                      '--listen', '127.0.0.1:0', '--log-level', 'error'],
                     env=env)
        hook = os.path.join(bare, 'hooks', 'post-receive')
        with open(hook, 'w') as f:
            f.write('#!/bin/sh\nPMKB_WEBHOOK_SECRET=%s exec %s notify '
                    '--server http://127.0.0.1:%d\n'
                    % (secret, self.pmkb, srv.port))
        os.chmod(hook, 0o755)
        names = sorted(os.listdir(os.path.join(clone, 'postmortems')))
        times = []
        try:
            # The first sync indexes the whole corpus before listening.
            for i in range(reps):
                token = f'benchpush{i:05d}x'
                rel = os.path.join('postmortems',
                                   names[(i * 7919) % len(names)])
                with open(os.path.join(clone, rel), 'a') as f:
                    f.write(f'\nPushed {token}.\n')
                subprocess.run(git + ['commit', '-q', '-am', token],
                               cwd=clone, check=True)
                t0 = time.monotonic()
                subprocess.run(['git', 'push', '-q', 'origin', 'HEAD'],
                               cwd=clone, check=True,
                               stderr=subprocess.DEVNULL)
                if not self.wait_found(srv.port, token, t0 + 30):
                    raise RuntimeError(f'{token} never became searchable')
                times.append(time.monotonic() - t0)
        finally:
            srv.stop()
        return {'how': 'git push → post-receive pmkb notify → sync',
                'seconds': times, 'median_s': statistics.median(times)}

    # -- all --

    def run(self):
        self.ensure_build()
        for n in self.cfg['sizes']:
            corpus = self.corpus(n)
            log(f'bench: {n} documents')
            db, ing = self.ingest(n, corpus)
            s = self.search(n, corpus, db)
            size = {'ingest': ing, **s}
            if n == 10000 or self.mode == 'smoke':
                log(f'bench: {n} push → searchable')
                size['push'] = self.push(n, corpus)
            self.res['sizes'][str(n)] = size
            for suffix in ('', '-wal', '-shm'):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        self.res['seconds'] = time.monotonic() - self.t_start
        self.res['machine']['loadavg_end'] = os.getloadavg()

    def cleanup(self):
        shutil.rmtree(self.work, ignore_errors=True)


def file_size(path):
    return sum(os.path.getsize(path + s) for s in ('', '-wal')
               if os.path.exists(path + s))


def to_ms(v):
    m = re.match(r'([\d.]+)(us|ms|s|m)$', v)
    if not m:
        return None
    x = float(m.group(1))
    return x * {'us': 1e-3, 'ms': 1, 's': 1e3, 'm': 6e4}[m.group(2)]


def parse_wrk(out):
    r = {}
    m = re.search(r'Requests/sec:\s+([\d.]+)', out)
    r['rps'] = float(m.group(1)) if m else 0.0
    for p in ('50', '99'):
        m = re.search(rf'^\s+{p}%\s+(\S+)', out, re.M)
        r[f'p{p}_ms'] = to_ms(m.group(1)) if m else None
    m = re.search(r'non2xx (\d+)', out)
    r['non2xx'] = int(m.group(1)) if m else 0
    m = re.search(r'Socket errors: (.*)', out)
    r['socket_errors'] = m.group(1) if m else ''
    if r['non2xx']:
        raise RuntimeError(f'wrk saw {r["non2xx"]} error answers')
    return r


def machine():
    cpu = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemTotal'):
                mem = int(line.split()[1]) // 1024 // 1024
    sqlite = subprocess.run(['sqlite3', '--version'], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL).stdout.decode()
    return {'cpu': cpu, 'cores': os.cpu_count(), 'mem_gib': mem,
            'kernel': platform.release(), 'loadavg_start': os.getloadavg(),
            'sqlite': sqlite.split()[0] if sqlite else '',
            'python': platform.python_version()}


# ---- the table ----

def fmt_ms(x):
    if x is None:
        return '—'
    if x >= 100:
        return f'{x:.0f}'
    if x >= 10:
        return f'{x:.1f}'
    return f'{x:.2f}'


def fmt_n(x):
    return f'{x:,.0f}'


def size_label(n):
    return f'{n // 1000}k' if n >= 1000 else str(n)


def median_of(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def met_mark(ok):
    return '—' if ok is None else ('yes' if ok else '**no**')


def rows_for(n, s, mode):
    """Table rows (metric, value, anchor/target, ratio, met) for size n."""
    L = size_label(n)
    rows = []
    ing = s['ingest']
    p, raw = ing['pmkb'], ing['raw']
    if raw:
        rows.append((f'{L} ingest: pmkb import',
                     f'{fmt_n(p["docs_per_s"])} docs/s, '
                     f'{p["mb_per_s"]:.1f} MB/s',
                     f'raw FTS5 loader {fmt_n(raw["docs_per_s"])} docs/s, '
                     f'{raw["mb_per_s"]:.1f} MB/s; target ≥ 0.80×',
                     f'{ing["ratio_wall"]:.2f}× (cpu time '
                     f'{ing["ratio_cpu"]:.2f}×)',
                     met_mark(ing['ratio_wall'] >= 0.8)))
    else:
        rows.append((f'{L} ingest: pmkb import',
                     f'{fmt_n(p["docs_per_s"])} docs/s, '
                     f'{p["mb_per_s"]:.1f} MB/s '
                     f'({p["wall_s"]:.0f} s; cpu {p["cpu_s"]:.0f} s)',
                     'raw loader not run at this size (time budget)', '—',
                     '—'))
    size = f'{ing["db_bytes"] / ing["text_bytes"]:.2f}× ' \
           f'({ing["db_bytes"] / 1e6:.0f} MB / ' \
           f'{ing["text_bytes"] / 1e6:.0f} MB)'
    rows.append((f'{L} database size / text', size,
                 (f'raw FTS5 table '
                  f'{ing["raw_db_bytes"] / ing["text_bytes"]:.2f}×')
                 if ing['raw_db_bytes'] else '', '—', '—'))
    inproc, naive = s['inproc']['classes'], s['naive']['classes']
    warm, cold = s['http']['classes'], s['http_cold']['classes']
    for c in CLASSES:
        h, h0, i, nv = warm.get(c), cold.get(c), inproc.get(c), naive.get(c)
        if not h:
            continue

        def ok(x):
            if n >= 100000:
                return x['p50_ms'] <= 5 and x['p99_ms'] <= 50
            return x['p99_ms'] <= 5
        target = 'p50 ≤ 5, p99 ≤ 50 ms' if n >= 100000 else 'p99 ≤ 5 ms'
        anchor = f'in-process {fmt_ms(i["p50_ms"])} / {fmt_ms(i["p99_ms"])}'
        ratio = '—'
        ok_cold, ok_warm = ok(h0), ok(h)
        if nv:
            anchor += f'; naive {fmt_ms(nv["p50_ms"])} / ' \
                      f'{fmt_ms(nv["p99_ms"])}'
            ratio = f'naive÷in-process {nv["p50_ms"] / i["p50_ms"]:.1f}×'
        if c == 'common' and n >= 100000 and nv:
            target += '; ≥ 10× naive'
            ok_cold = ok_cold and nv['p50_ms'] / i['p50_ms'] >= 10
        rows.append((f'{L} search {CLASS_LABEL[c]}: HTTP p50 / p99 ms',
                     f'uncached {fmt_ms(h0["p50_ms"])} / '
                     f'{fmt_ms(h0["p99_ms"])}; cached '
                     f'{fmt_ms(h["p50_ms"])} / {fmt_ms(h["p99_ms"])}',
                     f'{anchor}; target {target}', ratio,
                     f'uncached {met_mark(ok_cold)}, '
                     f'cached {met_mark(ok_warm)}'))
    for c, g in s['grep'].items():
        h0, h = cold[c]['p50_ms'], warm[c]['p50_ms']
        gg, rg = g['git grep']['ms'], g['rg']['ms']
        need = n >= 100000
        rows.append((f'{L} `git grep -l -i` / `rg -l -i` {g["term"]}',
                     f'{fmt_ms(gg)} / {fmt_ms(rg)} ms '
                     f'({g["git grep"]["files"]} files)',
                     f'pmkb HTTP p50 uncached {fmt_ms(h0)} ms, cached '
                     f'{fmt_ms(h)} ms'
                     + ('; target ≥ 100× git grep' if need else ''),
                     f'git grep÷uncached {gg / h0:.0f}×, rg÷uncached '
                     f'{rg / h0:.0f}×',
                     met_mark((gg / h0 >= 100) if need else None)))
    # The first request of the first statistic meets a reader with no
    # generation yet, and the first action-item request loads the items
    # beside it: what the first of each after a change costs.
    for name, st in s.get('stats', {}).items():
        need = n >= 100000
        rows.append((f'{L} stats {name}: HTTP p50 / p99 ms',
                     f'uncached {fmt_ms(st["p50_ms"])} / '
                     f'{fmt_ms(st["p99_ms"])} ({st["bytes"] / 1e3:.0f} KB)',
                     f'first request {fmt_ms(st["first_ms"])} ms'
                     + ('; target p50 ≤ 10 ms' if need else ''), '—',
                     met_mark(st['p50_ms'] <= 10 if need else None)))
    tp = s['throughput']
    bare = median_of(tp['bare'], 'rps')
    rare = median_of(tp['rare'], 'rps')
    rot = median_of(tp['rotation'], 'rps')
    inp = median_of(tp['inproc2'], 'rps')
    rot0 = s['rotation_cold']['rps']
    per = s['rotation_cold']['per_cpu_s'] / median_of(tp['inproc2'],
                                                      'per_cpu_s')
    bare_c = median_of(tp['bare'], 'per_cpu_s')
    rare_c = median_of(tp['rare'], 'per_cpu_s')
    rc = s['rare_cold']
    # Judged uncached: the response cache is a bonus, never the result.
    rows.append((f'{L} HTTP rare terms, 64 conns: req/s (p50 / p99 ms)',
                 f'uncached {fmt_n(rc["rps"])} ({fmt_ms(rc["p50_ms"])} / '
                 f'{fmt_ms(rc["p99_ms"])}); cached {fmt_n(rare)} '
                 f'({fmt_ms(median_of(tp["rare"], "p50_ms"))}'
                 f' / {fmt_ms(median_of(tp["rare"], "p99_ms"))})',
                 f'bare libmicrohttpd 1 KB: {fmt_n(bare)} '
                 f'({fmt_ms(median_of(tp["bare"], "p50_ms"))} / '
                 f'{fmt_ms(median_of(tp["bare"], "p99_ms"))}); '
                 'target ≥ 0.50×',
                 f'uncached {rc["rps"] / bare:.2f}× (per server '
                 f'CPU-second {rc["per_cpu_s"] / bare_c:.2f}×), cached '
                 f'{rare / bare:.2f}× (per CPU-second '
                 f'{rare_c / bare_c:.2f}×)',
                 met_mark(rc['rps'] / bare >= 0.5)))
    rows.append((f'{L} HTTP query rotation, 64 conns: req/s (p50 / p99 ms)',
                 f'uncached {fmt_n(rot0)} '
                 f'({fmt_ms(s["rotation_cold"]["p50_ms"])} / '
                 f'{fmt_ms(s["rotation_cold"]["p99_ms"])}); cached '
                 f'{fmt_n(rot)} ({fmt_ms(median_of(tp["rotation"], "p50_ms"))}'
                 f' / {fmt_ms(median_of(tp["rotation"], "p99_ms"))})',
                 f'in-process (no cache), 2 threads: {fmt_n(inp)}; '
                 'target ≥ 0.80× (judged per CPU-second: the machine is '
                 'shared)',
                 f'uncached {rot0 / inp:.2f}× (per CPU-second {per:.2f}×),'
                 f' cached {rot / inp:.0f}×',
                 met_mark(per >= 0.8)))
    rss, rss0 = s['rss'], s['rss_cold']
    rows.append((f'{L} server RSS after load: VmHWM / VmRSS',
                 f'{rss["VmHWM"] / 1024:.0f} / {rss["VmRSS"] / 1024:.0f} MB'
                 f' (without the cache {rss0["VmHWM"] / 1024:.0f} / '
                 f'{rss0["VmRSS"] / 1024:.0f} MB)',
                 'target ≤ 150 MB' if n >= 100000 else '', '—',
                 met_mark(rss['VmHWM'] / 1024 <= 150
                          if n >= 100000 else None)))
    if 'push' in s:
        pu = s['push']
        rows.append((f'{L} push → searchable, median of '
                     f'{len(pu["seconds"])}',
                     f'{pu["median_s"] * 1e3:.0f} ms '
                     f'(max {max(pu["seconds"]) * 1e3:.0f})',
                     f'{pu["how"]}; target ≤ 1 s', '—',
                     met_mark(pu['median_s'] <= 1.0)))
    return rows


def table(res):
    out = ['| metric | value | anchor / target | ratio | met? |',
           '|---|---|---|---|---|']
    for n, s in sorted(res['sizes'].items(), key=lambda kv: int(kv[0])):
        for m, v, a, r, mark in rows_for(int(n), s, res['mode']):
            out.append(f'| {m} | {v} | {a} | {r} | {mark} |')
    return '\n'.join(out)


def beats_xapian(pmkb_p50, xapian_p50):
    """The rule: pmkb's p50 at most Xapian's, or at most 1 ms where
    Xapian answers in under 1 ms."""
    return pmkb_p50 <= xapian_p50 or (xapian_p50 < 1.0 and pmkb_p50 <= 1.0)


def matches(cls):
    return sum(q['total'] for q in cls['queries'])


def peer_table(res):
    """Per size and query class: pmkb uncached over HTTP against Xapian
    in-process with exact counts."""
    out = ['| query class | pmkb HTTP uncached p50 / p99 ms | '
           'first search naming the phrases, p50 / max ms | '
           'Xapian exact count p50 / p99 ms | pmkb ÷ Xapian (p50) | '
           'matches pmkb / Xapian (summed over the queries) | '
           'beats Xapian? |',
           '|---|---|---|---|---|---|---|']
    for n, s in sorted(res['sizes'].items(), key=lambda kv: int(kv[0])):
        L = size_label(int(n))
        x = s.get('xapian') or {'missing': 'not run'}
        if 'missing' in x:
            out.append(f'| {L} all classes | — | — | {x["missing"]} | — | '
                       '— | not measured |')
            continue
        for c in CLASSES:
            h, p = s['http_cold']['classes'].get(c), x['classes'].get(c)
            i = s['inproc']['classes'].get(c)
            if not h or not p or not i:
                continue
            out.append(f'| {L} {CLASS_LABEL[c]} | {fmt_ms(h["p50_ms"])} / '
                       f'{fmt_ms(h["p99_ms"])} | '
                       f'{fmt_ms(h.get("first_p50_ms"))} / '
                       f'{fmt_ms(h.get("first_max_ms"))} | '
                       f'{fmt_ms(p["p50_ms"])} / '
                       f'{fmt_ms(p["p99_ms"])} | '
                       f'{h["p50_ms"] / p["p50_ms"]:.1f}× | '
                       f'{fmt_n(matches(i))} / {fmt_n(matches(p))} | '
                       f'{met_mark(beats_xapian(h["p50_ms"], p["p50_ms"]))}'
                       ' |')
    return '\n'.join(out)


def describe(res):
    m = res['machine']
    return (f'{m["cpu"] or "unknown CPU"}, {m["cores"]} cores, '
            f'{m["mem_gib"]} GiB, Linux {m["kernel"]}, SQLite {m["sqlite"]};'
            f' load average {m["loadavg_start"][0]:.1f} at the start, '
            f'{m["loadavg_end"][0]:.1f} at the end (the machine is shared); '
            f'{res["mode"]} run, {res["seconds"] / 60:.1f} min.')


def check_tools():
    """Says which outside programs are missing before anything runs."""
    need = {'git': 'git', 'sqlite3': 'sqlite3', 'wrk': 'wrk', 'rg': 'ripgrep'}
    missing = [pkg for prog, pkg in need.items() if not shutil.which(prog)]
    if missing:
        raise SystemExit('bench: missing programs; install them with: '
                         'apt-get install ' + ' '.join(missing))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    g = ap.add_mutually_exclusive_group(required=True)
    for m in MODES:
        g.add_argument(f'--{m}', dest='mode', action='store_const', const=m)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build-bench'))
    ap.add_argument('--out', default=os.path.join(HERE, 'out'))
    ap.add_argument('--cache', default=None)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    check_tools()
    b = Bench(args)
    try:
        b.run()
    finally:
        b.cleanup()
    os.makedirs(b.out, exist_ok=True)
    path = os.path.join(b.out, f'bench-{b.mode}.json')
    with open(path, 'w') as f:
        json.dump(b.res, f, indent=1, ensure_ascii=False)
    print(table(b.res))
    print()
    print(peer_table(b.res))
    print()
    print(describe(b.res))
    log(f'bench: results in {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Load test: wrk against a pmkb that follows a 10,000-postmortem git
repository while syncs run; reports, does not assert throughput.

    load.py [--count 10000] [--seconds 10] [--conns 64,256]
            [--build DIR] [--out DIR] [--keep]

1. Generates the repository (gen_corpus.py --git, cached under
   --out/cache) and a bare clone of it for pmkb to follow.
2. Starts `pmkb serve --repo` on 127.0.0.1 (first sync of every file).
3. Keeps syncs running for the whole load: a writer thread commits a
   batch of edited postmortems to the remote every two seconds and
   pmkb polls it every second, so each sync re-indexes ~200 files.
4. For each connection count and each endpoint group (search: a
   rotation of queries; postmortem: one page each of many postmortems;
   stats: the stats endpoints), runs wrk for --seconds with --latency.
5. Samples the server's RSS every 0.2 s throughout.

Prints one table (requests/s, p50/p99 latency, errors, non-2xx, RSS)
and a verdict line: PASS when every run had zero socket errors, zero
non-2xx answers and the server never stopped; exit status 1 otherwise.
Numbers are for reading, not asserting: the machine is small and shared.

Everything started here is ended here by PID; wrk stops by itself after
--seconds; only 127.0.0.1 is used. Distinct from run.py (the benchmark
table), whose rotate.lua this reuses.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ROTATE = os.path.join(HERE, 'rotate.lua')

QUERIES = ['incident', 'database', 'timeout', 'deploy*', '"disk full"',
           '障害', 'データベース 遅延', 'cache OR redis', 'network -dns',
           'cause:infrastructure', 'service:billing-api', 'severity<=2',
           'after:2015-01-01 latency', 'err000123', 'host000042',
           'rollback', 'アラート', 'memory leak', 'certificate', 'kafka']
STATS = ['/api/stats/causes', '/api/stats/causes?period=year',
         '/api/stats/causes?period=quarter&mode=any',
         '/api/stats/durations', '/api/action-items?limit=50',
         '/api/stats/causes?format=csv']


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME='Load', GIT_COMMITTER_NAME='Load',
               GIT_AUTHOR_EMAIL='load@example.com',
               GIT_COMMITTER_EMAIL='load@example.com',
               GIT_CONFIG_NOSYSTEM='1')
    return subprocess.run(['git'] + list(args), cwd=cwd, env=env, check=True,
                          capture_output=True, text=True, timeout=600)


def corpus(out, count):
    path = os.path.join(out, 'cache', f'load-git-{count}')
    if not os.path.exists(os.path.join(path, '.git')):
        shutil.rmtree(path, ignore_errors=True)
        log(f'generating {count} postmortems in {path}')
        subprocess.run([sys.executable, os.path.join(HERE, 'gen_corpus.py'),
                        '--count', str(count), '--out', path, '--git'],
                       check=True, timeout=1800)
    return path


def rss_kb(pid):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.max_kb = 0
        self.series = []

    def run(self):
        while not self.stop.is_set():
            kb = rss_kb(self.pid)
            self.max_kb = max(self.max_kb, kb)
            self.series.append(kb)
            self.stop.wait(0.2)


class Writer(threading.Thread):
    """Commits edits of a batch of postmortems every `every` seconds."""

    def __init__(self, work, every=2.0, batch=200):
        super().__init__(daemon=True)
        self.work = work
        self.every = every
        self.batch = batch
        self.stop = threading.Event()
        self.commits = 0
        self.errors = []
        d = os.path.join(work, 'postmortems')
        self.files = sorted(os.path.join(d, f) for f in os.listdir(d))

    def run(self):
        rng = random.Random(3)
        while not self.stop.is_set():
            try:
                for path in rng.sample(self.files, self.batch):
                    with open(path, 'a', encoding='utf-8') as f:
                        f.write(f'\nLoad test note {self.commits}: the '
                                f'retrospective was updated.\n')
                git(self.work, 'commit', '-q', '-a', '-m',
                    f'load edit {self.commits}')
                git(self.work, 'push', '-q', 'origin', 'main')
                self.commits += 1
            except (subprocess.SubprocessError, OSError) as e:
                self.errors.append(str(e))
            self.stop.wait(self.every)


def wait_serving(proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith('http://'):
            return line.strip().rstrip('/')
        if not line and proc.poll() is not None:
            break
    raise RuntimeError('pmkb serve did not start')


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def wrk(base, paths_file, conns, seconds):
    cmd = ['wrk', '-t2', f'-c{conns}', f'-d{seconds}s', '--timeout', '10s',
           '--latency', '-s', ROTATE, base, '--', paths_file]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       timeout=seconds + 60)
    out = r.stdout
    res = {'rps': 0.0, 'p50': '?', 'p99': '?', 'errors': 0, 'non2xx': 0,
           'requests': 0}
    m = re.search(r'Requests/sec:\s+([\d.]+)', out)
    if m:
        res['rps'] = float(m.group(1))
    m = re.search(r'(\d+) requests in', out)
    if m:
        res['requests'] = int(m.group(1))
    for pct, key in (('50', 'p50'), ('99', 'p99')):
        m = re.search(rf'^\s+{pct}%\s+(\S+)', out, re.M)
        if m:
            res[key] = m.group(1)
    m = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), '
                  r'timeout (\d+)', out)
    if m:
        res['errors'] = sum(int(x) for x in m.groups())
    m = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if m:
        res['non2xx'] = int(m.group(1))
    m = re.search(r'^non2xx (\d+)', out, re.M)
    if m:
        res['non2xx'] = max(res['non2xx'], int(m.group(1)))
    if r.returncode != 0 or not res['requests']:
        res['errors'] += 1
        log(out + r.stderr)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--count', type=int, default=10000)
    ap.add_argument('--seconds', type=int, default=10)
    ap.add_argument('--conns', default='64,256')
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--out', default=os.path.join(HERE, 'out'))
    ap.add_argument('--keep', action='store_true',
                    help='keep the temporary directory')
    args = ap.parse_args()
    binary = os.path.join(args.build, 'pmkb')
    if not os.access(binary, os.X_OK):
        sys.exit(f'load.py: no {binary}; build first (ninja -C build)')
    if not shutil.which('wrk'):
        sys.exit('load.py: wrk is missing (apt-get install -y wrk)')
    src = corpus(args.out, args.count)
    tmp = tempfile.mkdtemp(prefix='pmkb-load-')
    proc = sampler = writer = None
    rows = []
    ok = True
    try:
        remote = os.path.join(tmp, 'remote.git')
        work = os.path.join(tmp, 'work')
        git(tmp, 'clone', '-q', '--bare', src, remote)
        git(tmp, 'clone', '-q', remote, work)
        slugs = sorted(f[:-3] for f in os.listdir(
            os.path.join(work, 'postmortems')) if f.endswith('.md'))
        files = {}
        rng = random.Random(1)
        groups = {
            'search': [f'/api/search?q={urllib.request.quote(q)}'
                       for q in QUERIES],
            'postmortem': [f'/api/postmortems/{s}'
                           for s in rng.sample(slugs, min(500, len(slugs)))],
            'stats': STATS,
        }
        for name, paths in groups.items():
            files[name] = os.path.join(tmp, f'{name}.paths')
            with open(files[name], 'w') as f:
                f.write('\n'.join(paths) + '\n')
        db = os.path.join(tmp, 'pmkb.db')
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [binary, 'serve', '--db', db, '--repo', remote, '--dir',
             'postmortems', '--data-dir', os.path.join(tmp, 'data'),
             '--listen', '127.0.0.1:0', '--poll', '1s',
             '--max-per-ip', '1024', '--max-connections', '2048',
             '--log-level', 'info'],
            stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, 'log'),
                                                'w'), text=True)
        base = wait_serving(proc, 1800)
        log(f'first sync of {len(slugs)} postmortems: '
            f'{time.monotonic() - t0:.1f} s; serving at {base}')
        sampler = Sampler(proc.pid)
        sampler.start()
        idle_kb = rss_kb(proc.pid)
        writer = Writer(work)
        writer.start()
        time.sleep(3)  # the first edit is being synced
        for conns in [int(c) for c in args.conns.split(',')]:
            for name in groups:
                log(f'wrk: {name}, {conns} connections, {args.seconds} s')
                r = wrk(base, files[name], conns, args.seconds)
                r.update(group=name, conns=conns, rss=rss_kb(proc.pid))
                rows.append(r)
                if r['errors'] or r['non2xx'] or proc.poll() is not None:
                    ok = False
        writer.stop.set()
        writer.join()
        sync = get(base + '/api/sync').decode()
        syncs = int(re.search(r'"syncs":(\d+)', sync).group(1))
        metrics = get(base + '/metrics').decode()
        alive = proc.poll() is None
        ok = ok and alive and not writer.errors
    finally:
        if sampler:
            sampler.stop.set()
        if writer:
            writer.stop.set()
        rc = None
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sync_ms = ['?', '?']
        try:
            with open(os.path.join(tmp, 'log')) as f:
                ms = sorted(float(x) for x in re.findall(
                    r'event=sync\.done reason=poll .*? ms=([\d.]+) '
                    r'counts="files=[1-9]', f.read()))
            if ms:
                sync_ms = [f'{ms[len(ms) // 2]:.0f}', f'{ms[-1]:.0f}']
        except OSError:
            pass
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f'kept {tmp}')
    print(f'\n## Load: {args.count} postmortems, wrk -t2, {args.seconds} s '
          f'per run, syncs running throughout\n')
    print('| endpoints | conns | req/s | p50 | p99 | socket errors | '
          'non-2xx | RSS after (MB) |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['group']} | {r['conns']} | {r['rps']:.0f} | {r['p50']} "
              f"| {r['p99']} | {r['errors']} | {r['non2xx']} | "
              f"{r['rss'] / 1024:.1f} |")
    print(f'\nsyncs during the load: {syncs} (edit commits pushed: '
          f'{writer.commits}; sync of a commit: median {sync_ms[0]} ms, '
          f'max {sync_ms[1]} ms); '
          f'RSS idle {idle_kb / 1024:.1f} MB, max '
          f'{sampler.max_kb / 1024:.1f} MB; server exit status {rc}')
    print(f'verdict: {"PASS" if ok and rc == 0 else "FAIL"} (zero socket '
          f'errors, zero non-2xx, server alive, clean exit)')
    return 0 if ok and rc == 0 else 1


sys.exit(main())

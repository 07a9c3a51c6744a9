"""SIGKILL at random points of large imports and git syncs, 20 times.

The input alternates between two versions of a generated repository, A
and B (B: a tenth of A's files deleted, a fifth changed, a tenth new), so
that every run of the server has a large transaction to write. Each
round:

  1. start pmkb serve on the other version, wait until its write
     transaction is open, and SIGKILL it after a random time within the
     length of one import (sometimes during the import, sometimes at its
     commit, sometimes after it); at least one kill must land while the
     transaction is open and leave the previous version;
  2. pmkb check on the killed database: SQLite's and FTS5's integrity
     checks pass, and its digest is that of A or of B, never a mixture;
  3. restart, let it finish, stop it: the digest now equals a fresh
     import of the version, and searches give the same results.

Twelve rounds import a directory; eight follow a git repository with
Slack announcements going to a local listener: every postmortem new in B
is announced at least once (a kill after Slack accepted a message and
before pmkb recorded it may repeat it; see test_outbox.py for the outbox's
own SIGKILL tests).

The size of the corpus is chosen from a measured import speed so that the
whole test takes about two minutes with or without sanitizers.
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from gittest import Repo, git, wait_for
from opstest import writing
from pmkbtest import ROOT, Server, main, pmkb
from slacktest import Listener

GEN = os.path.join(ROOT, 'tests', 'bench', 'gen_corpus.py')
QUERIES = ['incident', 'database timeout', '障害', 'deploy*', 'cache -redis']
ROUNDS_DIR = 12
ROUNDS_GIT = 8
# Seconds one import should take: long enough to be killed in the middle.
TARGET_SECONDS = 1.2
# Files imported to measure the speed of this build on this machine.
PROBE = 100
# Fewest files in A: a sanitizer build on a busy machine imports a few
# dozen a second, and twenty rounds of a larger corpus outlast meson's
# timeout.
MIN_FILES = 50


def check(db):
    r = pmkb('check', '--db', db, timeout=300)
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(': ')
        out[k] = v
    return r.returncode == 0, out, r.stdout + r.stderr


def search(db, q):
    r = pmkb('search', '--db', db, '--limit', '20', q, timeout=120)
    return r.returncode, r.stdout


def generate(out, count, seed):
    subprocess.run(['python3', GEN, '--count', str(count), '--out', out,
                    '--seed', str(seed)], check=True, capture_output=True,
                   timeout=600)
    d = os.path.join(out, 'postmortems')
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def build_versions(tmp, n):
    """Directories A and B, and the names new in B."""
    a = os.path.join(tmp, 'A')
    b = os.path.join(tmp, 'B')
    os.makedirs(a)
    os.makedirs(b)
    files = generate(os.path.join(tmp, 'gen-a'), n, 11)
    extra = generate(os.path.join(tmp, 'gen-b'), max(1, n // 10), 12)
    rng = random.Random(5)
    new = []
    for path in files:
        name = os.path.basename(path)
        shutil.copy(path, os.path.join(a, name))
        r = rng.random()
        if r < 0.1:
            continue  # deleted in B
        shutil.copy(path, os.path.join(b, name))
        if r < 0.3:
            with open(os.path.join(b, name), 'a') as f:
                f.write('\n\nAddendum: the retrospective found one more '
                        'contributing factor, an expired certificate.\n')
    for path in extra:
        name = 'b-' + os.path.basename(path)
        shutil.copy(path, os.path.join(b, name))
        new.append(name[:-3])
    return a, b, new


def start(args, env=None):
    """pmkb serve with args (no --dir: args name it), not waited for."""
    return Server(directory=None, args=args, env=env).spawn()


def wait_serving(srv, timeout=600):
    return srv.wait_serving(timeout).base


def kill_at(srv, db, rng, seconds):
    """Waits for srv to open its write transaction on db (or to finish),
    sleeps a random part of one import, SIGKILLs it; returns (delay,
    whether the transaction was still open just before the kill)."""
    wait_for(lambda: writing(db) or srv.proc.poll() is not None,
             timeout=600, every=0.005)
    delay = rng.uniform(0, seconds)
    time.sleep(delay)
    mid = writing(db)
    srv.stop(signal.SIGKILL)
    return delay, mid


def finish(srv, sig=signal.SIGKILL):
    """Stops srv (checked as Server.stop does); returns its exit status."""
    try:
        return srv.stop(sig)
    finally:
        srv.close(sig)


class KillNine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-crash-')
        cls.t0 = time.monotonic()
        # Calibrate: how many files this build imports in TARGET_SECONDS.
        probe = generate(os.path.join(cls.tmp, 'probe'), PROBE, 3)
        t = time.monotonic()
        r = pmkb('import', '--db', os.path.join(cls.tmp, 'probe.db'),
                 os.path.dirname(probe[0]), timeout=300)
        assert r.returncode == 0, r.stderr
        rate = PROBE / max(0.05, time.monotonic() - t)
        cls.n = max(MIN_FILES, min(3000, int(rate * TARGET_SECONDS)))
        cls.a, cls.b, cls.new = build_versions(cls.tmp, cls.n)
        cls.ref = {}
        for name, d in (('A', cls.a), ('B', cls.b)):
            db = os.path.join(cls.tmp, f'ref-{name}.db')
            t = time.monotonic()
            r = pmkb('import', '--db', db, d, timeout=600)
            assert r.returncode == 0, r.stderr
            seconds = time.monotonic() - t
            ok, out, text = check(db)
            assert ok, text
            cls.ref[name] = {'digest': out['digest'], 'db': db,
                             'count': int(out['postmortems']),
                             'seconds': seconds,
                             'search': {q: search(db, q) for q in QUERIES}}
        cls.seconds = max(cls.ref['A']['seconds'], cls.ref['B']['seconds'])
        print(f'\n# corpus: {cls.n} files in A, '
              f'{cls.ref["B"]["count"]} in B; one import takes '
              f'{cls.seconds:.2f} s', flush=True)
        cls.results = []

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        total = time.monotonic() - cls.t0
        killed_mid = sum(1 for r in cls.results if r['state'] == 'before')
        print(f'# {len(cls.results)} SIGKILLs in {total:.0f} s: '
              f'{killed_mid} left the previous version, '
              f'{len(cls.results) - killed_mid} the new one; '
              f'every check passed', flush=True)

    def verify_killed(self, db, prev, target, label):
        ok, out, text = check(db)
        self.assertTrue(ok, f'{label}: {text}')
        allowed = {self.ref[v]['digest']: v for v in (prev, target) if v}
        if prev is None:
            # Killed during the very first import: empty or complete.
            self.assertIn(out['postmortems'],
                          ('0', str(self.ref[target]['count'])), label)
            state = 'before' if out['postmortems'] == '0' else 'after'
        else:
            self.assertIn(out['digest'], allowed,
                          f'{label}: a mixture of two versions')
            state = 'after' if allowed[out['digest']] == target and \
                prev != target else 'before'
        return state

    def verify_complete(self, db, target, label):
        ok, out, text = check(db)
        self.assertTrue(ok, f'{label}: {text}')
        self.assertEqual(out['digest'], self.ref[target]['digest'], label)
        for q in QUERIES:
            self.assertEqual(search(db, q), self.ref[target]['search'][q],
                             f'{label}: search {q!r}')

    def test_1_directory_imports(self):
        db = os.path.join(self.tmp, 'crash-dir.db')
        rng = random.Random(1)
        prev = None
        for i in range(ROUNDS_DIR):
            target = 'B' if i % 2 else 'A'
            d = self.b if target == 'B' else self.a
            label = f'directory round {i + 1} ({prev}->{target})'
            proc = start(['--db', db, '--dir', d])
            delay, mid = kill_at(proc, db, rng, self.seconds * 1.1)
            finish(proc)
            state = self.verify_killed(db, prev, target, label)
            self.results.append({'round': label, 'delay': delay,
                                 'state': state,
                                 'mid': mid and state == 'before'})
            proc = start(['--db', db, '--dir', d])
            base = wait_serving(proc)
            self.assertTrue(base.startswith('http://127.0.0.1:'))
            self.assertEqual(finish(proc, signal.SIGTERM), 0)
            self.verify_complete(db, target, label)
            prev = target

    def test_2_git_syncs_and_slack(self):
        repo = Repo()
        hook = Listener()
        db = os.path.join(self.tmp, 'crash-git.db')
        data = os.path.join(self.tmp, 'git-data')
        env = {'PMKB_SLACK_WEBHOOK_URL': hook.url}
        args = ['--db', db, '--dir', 'postmortems', '--repo', repo.remote,
                '--data-dir', data, '--slack-backoff-ms', '50',
                '--public-url', 'https://pmkb.example.com']
        dest = os.path.join(repo.work, 'postmortems')
        rng = random.Random(2)
        prev = None
        try:
            for i in range(ROUNDS_GIT):
                target = 'B' if i % 2 else 'A'
                shutil.rmtree(dest)
                shutil.copytree(self.b if target == 'B' else self.a, dest)
                git(repo.work, 'add', '-A')
                git(repo.work, 'commit', '-q', '--allow-empty', '-m',
                    f'round {i}')
                repo.push()
                label = f'git round {i + 1} ({prev}->{target})'
                proc = start(args, env)
                delay, mid = kill_at(proc, db, rng, self.seconds * 1.3)
                finish(proc)
                state = self.verify_killed(db, prev, target, label)
                self.results.append({'round': label, 'delay': delay,
                                     'state': state,
                                     'mid': mid and state == 'before'})
                proc = start(args, env)
                wait_serving(proc)
                # Let the outbox drain before stopping.
                self.drain(db)
                self.assertEqual(finish(proc, signal.SIGTERM), 0)
                self.verify_complete(db, target, label)
                prev = target
            delivered = {}
            for d in hook.snapshot():
                text = json.dumps(d['json'], ensure_ascii=False)
                for slug in self.new:
                    if '/p/' + slug in text:
                        delivered[slug] = delivered.get(slug, 0) + 1
            missing = [s for s in self.new if s not in delivered]
            self.assertEqual(missing, [], 'announcements lost')
            dups = sum(n - 1 for n in delivered.values())
            print(f'# Slack: {len(self.new)} new postmortems announced, '
                  f'{dups} duplicates after SIGKILLs', flush=True)
        finally:
            hook.stop()
            repo.close()

    def test_3_kills_landed_mid_transaction(self):
        """Without a kill inside an open write transaction that left the
        previous version, the rounds above proved nothing about crash
        safety."""
        mid = [r['round'] for r in self.results if r['mid']]
        print(f'# {len(mid)} of {len(self.results)} kills landed inside '
              f'an open write transaction', flush=True)
        self.assertGreater(len(self.results), 0)
        self.assertGreater(len(mid), 0, 'no kill landed mid-transaction')

    def drain(self, db, timeout=120):
        def empty():
            r = pmkb('outbox', '--db', db, 'status', timeout=60)
            m = re.search(r'queued (\d+), sending (\d+)', r.stdout)
            return m and m.group(1) == '0' and m.group(2) == '0'
        wait_for(empty, timeout, every=0.2)


if __name__ == '__main__':
    main()

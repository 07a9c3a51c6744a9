#!/usr/bin/env python3
"""Measures git following: full-sync time and push-to-searchable latency.

  python3 tests/bench/git_sync.py [--bundle FILE] [--files N] [--pushes N]

1. The full first sync of a bundle (a real repository's whole history),
   e.g. /work/shared/corpus/git/dfds-postmortems.bundle (its files are at
   the root: --dir .).
2. The full first sync of a generated repository of N postmortems (10,000
   by default) written by N/100 commits over postmortems/YYYY/, with some
   edits and renames in the history, built with git fast-import.
3. The median push-to-searchable latency over --pushes pushes (20) to a
   small repository whose post-receive hook runs pmkb notify.

Each sync time is what the server reports in GET /api/sync (fetch +
diff + provenance + indexing), plus the wall time until serve printed its
URL (the first sync runs before it listens). Uses PMKB_BIN or build/pmkb.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'e2e'))
os.environ.setdefault('PMKB_BIN', os.path.join(HERE, '..', '..', 'build',
                                               'pmkb'))

from gittest import (Repo, close_server, found, git, git_server,  # noqa
                     postmortem, wait_for)
from pmkbtest import Server  # noqa: E402

WORDS = ('database failover cache network latency certificate expired dns '
         'deploy rollback queue backlog disk full memory leak timeout retry '
         'storm config push alert paging customer impact region outage '
         'kubernetes node pressure throttling replica lag').split()


def timed_first_sync(remote, directory, label, rewrite=False):
    t0 = time.monotonic()
    srv = Server(directory=directory, args=['--repo', remote]).start(
        timeout=1800)
    wall = time.monotonic() - t0
    last = srv.get_json('/api/sync')['last']
    n = srv.get_json('/healthz')['postmortems']
    srv.stop()
    if rewrite:
        # A force-push that rewrites the last commit: the restarted
        # server re-reads the whole tree (every file unchanged but one
        # commit id) and walks the history again.
        tree = git(remote, 'rev-parse', 'main^{tree}').stdout.strip()
        sha = git(remote, 'commit-tree', tree, '-p', 'main~1', '-m',
                  'rewritten').stdout.strip()
        git(remote, 'update-ref', 'refs/heads/main', sha)
        again = Server(directory=directory, db=srv.db,
                       args=['--repo', remote]).start(timeout=1800)
        re = again.get_json('/api/sync')['last']
        close_server(again)
        print(f'{label}: full re-read after a force-push {re["ms"]:.0f} '
              f'ms ({re["why"]}; {re["counts"]["unchanged"]} unchanged)')
    close_server(srv)
    print(f'{label}: {n} postmortems, first (full) sync {last["ms"]:.0f} ms '
          f'as reported (fetch {last["fetch_ms"]:.0f} ms, then diff, '
          f'history walk and indexing {last["ms"] - last["fetch_ms"]:.0f} '
          f'ms; {last["counts"]["files"]} files read); {wall:.2f} s from '
          f'start to serving')
    return last


def bundle_sync(bundle):
    tmp = tempfile.mkdtemp(prefix='pmkb-bench-')
    try:
        remote = os.path.join(tmp, 'remote.git')
        git(tmp, 'clone', '-q', '--bare', bundle, remote)
        git(remote, 'branch', '-f', 'main', 'HEAD')
        n = git(remote, 'rev-list', '--count', 'main').stdout.strip()
        timed_first_sync(remote, '.', f'{os.path.basename(bundle)} '
                                      f'({n} commits)')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def generate(remote, n_files, per_commit=100):
    """A bare repository of n_files postmortems written by
    n_files/per_commit commits, with renames of older files along the
    way."""
    rnd = random.Random(42)
    if True:
        git(os.path.dirname(remote), 'init', '-q', '--bare', '-b', 'main',
            remote)
        out = []
        mark = 0
        paths = []
        when = 1500000000
        for c in range(max(1, n_files // per_commit)):
            lines = []
            for i in range(per_commit):
                k = c * per_commit + i
                year = 2015 + k * 10 // n_files
                path = f'postmortems/{year}/{year}-pm-{k:05d}.md'
                body = postmortem(f'Incident {k} {rnd.choice(WORDS)}',
                                  ' '.join(rnd.choice(WORDS)
                                           for _ in range(200)),
                                  started=f'{year}-06-01')
                data = body.encode()
                lines.append(f'M 100644 inline {path}\ndata {len(data)}\n')
                lines.append(data.decode() + '\n')
                paths.append(path)
            # Every tenth commit edits and renames a few older files.
            if c and c % 10 == 0 and len(paths) > per_commit + 5:
                for _ in range(5):
                    old = paths.pop(rnd.randrange(len(paths) - per_commit))
                    new = old.replace('-pm-', '-renamed-')
                    lines.append(f'R {old} {new}\n')
                    paths.append(new)
            when += 3600
            mark += 1
            msg = f'commit {c}'
            head = (f'commit refs/heads/main\nmark :{mark}\n'
                    f'author Bench <b@example.com> {when} +0000\n'
                    f'committer Bench <b@example.com> {when} +0000\n'
                    f'data {len(msg)}\n{msg}\n')
            if c:
                head += f'from :{mark - 1}\n'
            out.append(head + ''.join(lines) + '\n')
        subprocess.run(['git', 'fast-import', '--quiet'], cwd=remote,
                       input=''.join(out).encode(), check=True)


def generated_sync(n_files, per_commit, keep=None):
    tmp = tempfile.mkdtemp(prefix='pmkb-bench-')
    try:
        remote = keep or os.path.join(tmp, 'remote.git')
        generate(remote, n_files, per_commit)
        commits = git(remote, 'rev-list', '--count', 'main').stdout.strip()
        return timed_first_sync(remote, 'postmortems',
                                f'generated repository ({commits} commits)',
                                rewrite=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def push_latency(n):
    repo = Repo()
    try:
        repo.write('2024-01-01-seed.md', postmortem('Seed', 'seedling'))
        repo.commit('seed')
        repo.push(secret=None)
        srv = git_server(repo).start()
        repo.install_post_receive(srv.base)
        times, after = [], []
        for i in range(n):
            word = f'latency{i}x'
            repo.write(f'2024-02-{i % 28 + 1:02d}-lat-{i}.md',
                       postmortem(f'Latency {i}', word))
            repo.commit(f'latency {i}')
            t0 = time.monotonic()
            repo.push()
            t1 = time.monotonic()
            wait_for(found(srv, word), every=0.002)
            t2 = time.monotonic()
            times.append(t2 - t0)
            after.append(t2 - t1)
        close_server(srv)
        print(f'push to searchable ({n} pushes, small repository): median '
              f'{statistics.median(times) * 1000:.0f} ms from the start of '
              f'git push (min {min(times) * 1000:.0f}, max '
              f'{max(times) * 1000:.0f}); median '
              f'{statistics.median(after) * 1000:.0f} ms after git push '
              f'returned')
    finally:
        repo.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bundle', default='/work/shared/corpus/git/'
                    'dfds-postmortems.bundle')
    ap.add_argument('--files', type=int, default=10000)
    ap.add_argument('--pushes', type=int, default=20)
    ap.add_argument('--per-commit', type=int, default=100,
                    help='files added by each commit of the generated '
                    'repository')
    ap.add_argument('--keep', help='build the generated repository here '
                    '(a new directory) and keep it')
    a = ap.parse_args()
    if a.pushes:
        push_latency(a.pushes)
    if a.bundle and os.path.exists(a.bundle):
        bundle_sync(a.bundle)
    if a.files:
        generated_sync(a.files, a.per_commit, a.keep)


if __name__ == '__main__':
    main()

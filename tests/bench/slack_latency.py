#!/usr/bin/env python3
"""How fast the Slack slash command answers, on a generated corpus.

    slack_latency.py [--count 100000] [--requests 200] [--bin build/pmkb]

Generates --count postmortems (gen_corpus.py), indexes them, serves them
with a signing secret, then sends signed /postmortem commands one at a
time (search in Japanese and English, latest, stats, actions) and prints
p50, p99 and the maximum per command, measured by the client from the
request to the last byte of the answer. Slack gives up after 3 seconds.
"""
import argparse
import hashlib
import hmac
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = 'bench-signing-secret'
COMMANDS = ['障害', 'timeout database', '証明書 期限切れ',
            'cause:infrastructure severity<=2', 'search デプロイ 切り戻し',
            'latest', 'stats', 'stats quarter', 'actions', 'help']


def signed(text):
    body = urllib.parse.urlencode({'command': '/postmortem', 'text': text,
                                   'user_id': 'U1'}).encode()
    ts = str(int(time.time()))
    sig = 'v0=' + hmac.new(SECRET.encode(), b'v0:' + ts.encode() + b':' +
                           body, hashlib.sha256).hexdigest()
    return body, {'X-Slack-Request-Timestamp': ts, 'X-Slack-Signature': sig,
                  'Content-Type': 'application/x-www-form-urlencoded'}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--count', type=int, default=100000)
    ap.add_argument('--requests', type=int, default=200)
    ap.add_argument('--bin', default=os.environ.get(
        'PMKB_BIN', os.path.join(HERE, '..', '..', 'build', 'pmkb')))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='pmkb-slack-bench-')
    proc = None
    try:
        subprocess.run([sys.executable, os.path.join(HERE, 'gen_corpus.py'),
                        '--count', str(a.count), '--out', tmp], check=True)
        db = os.path.join(tmp, 'pmkb.db')
        t0 = time.monotonic()
        subprocess.run([a.bin, 'import', '--db', db,
                        os.path.join(tmp, 'postmortems')], check=True,
                       stdout=subprocess.DEVNULL)
        print(f'indexed {a.count} postmortems in '
              f'{time.monotonic() - t0:.1f} s')
        env = dict(os.environ, PMKB_SLACK_SIGNING_SECRET=SECRET)
        proc = subprocess.Popen(
            [a.bin, 'serve', '--db', db, '--dir', os.path.join(tmp, 'none'),
             '--listen', '127.0.0.1:0', '--log-level', 'warn'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env=env)
        line = proc.stdout.readline()
        port = int(line.strip().rstrip('/').rsplit(':', 1)[1])
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        times = {c: [] for c in COMMANDS}
        for i in range(a.requests):
            c = COMMANDS[i % len(COMMANDS)]
            body, headers = signed(c)
            t = time.perf_counter()
            conn.request('POST', '/slack/command', body=body,
                         headers=headers)
            r = conn.getresponse()
            r.read()
            times[c].append(time.perf_counter() - t)
            if r.status != 200:
                raise SystemExit(f'{c}: HTTP {r.status}')
        every = sorted(x for v in times.values() for x in v)
        print(f'{"command":36} {"p50 ms":>8} {"p99 ms":>8} {"max ms":>8}')
        for c, v in list(times.items()) + [('(all)', every)]:
            v = sorted(v)
            p99 = v[max(0, int(len(v) * 0.99) - 1)]
            print(f'{c:36} {statistics.median(v) * 1e3:8.1f} '
                  f'{p99 * 1e3:8.1f} {v[-1] * 1e3:8.1f}')
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()

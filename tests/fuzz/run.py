#!/usr/bin/env python3
"""Runs every libFuzzer target for a bounded time and reports what it found.

    tests/fuzz/run.py [--seconds 60] [--targets postmortem,query] [--merge]

Builds build-fuzz/ with clang (-Dfuzz=true, ASan+UBSan), then runs each
target on a scratch copy of its corpus (tests/fuzz/corpus/<target>/) for
--seconds, each input limited in time (TIMEOUT, else 10 s: a slower
input is a finding). Crashes are written to build-fuzz/findings/<target>/
and listed; --merge adds the new interesting inputs to the saved corpus, which the
normal test suite replays. Prints a table: target, runs, execs/s, corpus,
crashes.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, 'build-fuzz')
# Seconds one input may take (-timeout). Markdown rendering gets little:
# an input that slow is a shape the parser handles in more than linear
# time, which markdown_costly() must refuse before parsing.
TIMEOUT = {'markdown': 3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seconds', type=int, default=60)
    ap.add_argument('--targets', default='')
    ap.add_argument('--merge', action='store_true')
    args = ap.parse_args()
    if not os.path.exists(os.path.join(BUILD, 'build.ninja')):
        env = dict(os.environ, CC='clang')
        subprocess.run(['meson', 'setup', BUILD, '-Dfuzz=true',
                        '-Db_sanitize=address,undefined', '-Db_lundef=false',
                        '-Dbuildtype=debugoptimized'],
                       cwd=ROOT, env=env, check=True)
    subprocess.run(['ninja', '-C', BUILD], check=True)
    targets = sorted(os.path.basename(p)[5:]
                     for p in glob.glob(os.path.join(BUILD, 'tests', 'fuzz',
                                                     'fuzz_*'))
                     if os.access(p, os.X_OK) and not p.endswith('.p'))
    if args.targets:
        targets = [t for t in targets if t in args.targets.split(',')]
    rows = []
    failed = False
    for t in targets:
        saved = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', t)
        work = os.path.join(BUILD, 'corpus', t)
        findings = os.path.join(BUILD, 'findings', t)
        shutil.rmtree(work, ignore_errors=True)
        # Only this run's findings: an old crash must not fail a new run.
        shutil.rmtree(findings, ignore_errors=True)
        os.makedirs(findings, exist_ok=True)
        shutil.copytree(saved, work) if os.path.isdir(saved) \
            else os.makedirs(work)
        cmd = [os.path.join(BUILD, 'tests', 'fuzz', 'fuzz_' + t), work,
               f'-max_total_time={args.seconds}', '-max_len=65536',
               f'-timeout={TIMEOUT.get(t, 10)}', '-rss_limit_mb=2048',
               '-print_final_stats=1',
               f'-artifact_prefix={findings}/']
        r = subprocess.run(cmd, capture_output=True, text=True,
                           env=dict(os.environ, ASAN_OPTIONS='detect_leaks=1',
                                    UBSAN_OPTIONS='halt_on_error=1'))
        log = r.stderr
        runs = re.findall(r'stat::number_of_executed_units:\s*(\d+)', log)
        rate = re.findall(r'stat::average_exec_per_sec:\s*(\d+)', log)
        crashes = sorted(os.listdir(findings))
        if r.returncode != 0 or crashes:
            failed = True
            with open(os.path.join(findings, 'log.txt'), 'w') as f:
                f.write(log)
        if args.merge and os.path.isdir(saved):
            subprocess.run([cmd[0], '-merge=1', saved, work],
                           capture_output=True)
        rows.append((t, runs[-1] if runs else '?', rate[-1] if rate else '?',
                     len(os.listdir(work)), len(crashes)))
    print(f'| target | runs | execs/s | corpus | crashes |')
    print(f'|---|---|---|---|---|')
    for row in rows:
        print('| ' + ' | '.join(map(str, row)) + ' |')
    if failed:
        print(f'findings in {BUILD}/findings/', file=sys.stderr)
    return 1 if failed else 0


sys.exit(main())

#!/usr/bin/env python3
"""Builds pmkb and runs every test suite; what `./dev.sh test` and CI run.

1. build/       normal build: unit, e2e, browser and fuzz-replay suites
2. build-asan/  AddressSanitizer + UBSan: unit, e2e and fuzz-replay suites
3. build-fuzz/  when clang is installed: every libFuzzer target for
                PMKB_FUZZ_SECONDS (default 20) from the saved corpus
                (tests/fuzz/run.py); counts as one test. PMKB_FUZZ_SECONDS=0
                skips it.

Prints each build's meson summary, then one last line "N passed, N failed"
(counting meson tests across both builds) and exits non-zero on any failure.
"""
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BUILDS = [
    # (directory, meson options, suites)
    ('build', [], ['unit', 'e2e', 'browser', 'fuzz']),
    ('build-asan', ['-Db_sanitize=address,undefined', '-Db_lundef=false',
                    '-Dbuildtype=debug'], ['unit', 'e2e', 'fuzz']),
]


def run(cmd, **kw):
    print('+ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, **kw)


def count(build):
    """(passed, failed) from a build's last meson test log."""
    passed = failed = 0
    path = os.path.join(ROOT, build, 'meson-logs', 'testlog.json')
    if not os.path.exists(path):
        return 0, 0
    with open(path) as f:
        for line in f:
            result = json.loads(line).get('result')
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif result != 'SKIP':
                failed += 1
    return passed, failed


def fuzz(env):
    """(passed, failed) of a bounded libFuzzer run, or (0, 0) skipped."""
    seconds = int(os.environ.get('PMKB_FUZZ_SECONDS', '20'))
    if seconds <= 0 or not shutil.which('clang'):
        print('build-fuzz: skipped (no clang, or PMKB_FUZZ_SECONDS=0)',
              flush=True)
        return 0, 0
    r = run([sys.executable, os.path.join('tests', 'fuzz', 'run.py'),
             '--seconds', str(seconds)], env=env)
    ok = r.returncode == 0
    print(f'build-fuzz: {int(ok)} passed, {int(not ok)} failed', flush=True)
    return int(ok), int(not ok)


def main():
    env = dict(os.environ)
    env.setdefault('ASAN_OPTIONS', 'detect_leaks=1:abort_on_error=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1')
    total_passed = total_failed = 0
    for build, options, suites in BUILDS:
        if not os.path.exists(os.path.join(ROOT, build, 'build.ninja')):
            if run(['meson', 'setup', build] + options).returncode:
                total_failed += 1
                continue
        if run(['ninja', '-C', build]).returncode:
            print(f'{build}: the build failed', file=sys.stderr)
            total_failed += 1
            continue
        log = os.path.join(ROOT, build, 'meson-logs', 'testlog.json')
        if os.path.exists(log):
            os.remove(log)
        cmd = ['meson', 'test', '-C', build, '--print-errorlogs',
               '--num-processes', '2']
        for s in suites:
            cmd += ['--suite', s]
        run(cmd, env=env)
        p, f = count(build)
        print(f'{build}: {p} passed, {f} failed', flush=True)
        total_passed += p
        total_failed += f
    p, f = fuzz(env)
    total_passed += p
    total_failed += f
    print(f'{total_passed} passed, {total_failed} failed', flush=True)
    return 1 if total_failed else 0


sys.exit(main())

#!/usr/bin/env python3
"""Builds pmkb and runs every test suite; what `./dev.sh test` and CI run.

1. build/       normal build: unit, e2e, browser and fuzz-replay suites
2. build-asan/  AddressSanitizer + UBSan: unit, e2e and fuzz-replay suites
3. build-fuzz/  when clang is installed: every libFuzzer target for
                PMKB_FUZZ_SECONDS (default 20) from the saved corpus
                (tests/fuzz/run.py), one check per target. Without clang,
                or with PMKB_FUZZ_SECONDS=0, the step is reported as skipped.

It counts the checks inside the test programs, not the programs: each TAP
line of the unit and fuzz-replay tests, each Python test method of the
end-to-end tests, each node test of the browser suite. A run fails when
`meson test` exits non-zero, when its test log is missing or empty, when
it ran fewer tests than the suites declare, when a TAP plan does not match
the lines printed, or when a test program ran no check at all. Skips are
counted apart from passes and listed; a skip is allowed only where the
README says a tool is optional (OPTIONAL below), any other fails the run.

The last lines are "N skipped" followed by the names of the skipped
checks (only when there are any), then exactly "N passed, N failed" in
plain digits; the exit status is non-zero on any failure.
"""
import json
import os
import re
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


# The skips the README allows, by the reason a skipped check gives: the
# tools a run may lack. Any other skip is a failure.
OPTIONAL = [
    re.compile(r"^e2e_ops: \w+\.test_full_file_system "
               r"\('cannot mount a tmpfs here \(needs root\)'\)$"),
    re.compile(r'^build-fuzz: the libFuzzer run '
               r'\((?:no clang|PMKB_FUZZ_SECONDS=0)\)$'),
]


class Tally:
    """Checks counted so far, with the names of failures and skips."""

    def __init__(self):
        self.passed = 0
        self.failed = []
        self.skipped = []

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped

    def check_skips(self):
        """Fails each skip that OPTIONAL does not allow."""
        for what in self.skipped:
            if not any(p.search(what) for p in OPTIONAL):
                self.failed.append(f'{what}: a skip the README does not '
                                   f'allow')

    def line(self):
        s = f'{self.passed} passed, {len(self.failed)} failed'
        if self.skipped:
            s += f', {len(self.skipped)} skipped'
        return s


def run(cmd, **kw):
    print('+ ' + ' '.join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, **kw)


TAP_LINE = re.compile(r'^(not )?ok (\d+)\b\s*(?:-\s*)?([^#]*)(#.*)?$')
TAP_PLAN = re.compile(r'^1\.\.(\d+)')
UNITTEST_TEST = re.compile(r'^(test\w*) \((?:[\w.]+\.)?([\w]+)\.\1\)'
                           r'.*?\.\.\. skipped (.*)$')
UNITTEST_BAD = re.compile(r'^(?:FAIL|ERROR|UNEXPECTED SUCCESS): (test\w*) '
                          r'\((?:[\w.]+\.)?(\w+)\.\1\)')
UNITTEST_RAN = re.compile(r'^Ran (\d+) tests? in ')
UNITTEST_RESULT = re.compile(r'^(OK|FAILED|NO TESTS RAN)(?: \((.*)\))?$')
NODE_SUMMARY = re.compile(r'^\S* ?(tests|pass|fail|cancelled|skipped|todo) '
                          r'(\d+)$')


def tap_checks(name, out):
    """A Tally from TAP output, or None when out holds no TAP."""
    t = Tally()
    lines = plan = 0
    for line in out.splitlines():
        m = TAP_PLAN.match(line)
        if m:
            plan = int(m.group(1))
            continue
        m = TAP_LINE.match(line)
        if not m:
            continue
        lines += 1
        what = f'{name}: {m.group(3).strip()}'
        directive = (m.group(4) or '').lstrip('#').strip().upper()
        if directive.startswith('SKIP'):
            t.skipped.append(f'{what} ({m.group(4).lstrip("# ")})')
        elif m.group(1) and not directive.startswith('TODO'):
            t.failed.append(what)
        else:
            t.passed += 1
    if not lines and not plan:
        return None
    if plan != lines:
        t.failed.append(f'{name}: the plan says {plan} checks, '
                        f'{lines} ran')
    return t


def unittest_checks(name, out):
    """A Tally from Python unittest's verbose output, or None."""
    ran = result = None
    skips, bads = [], []
    for line in out.splitlines():
        m = UNITTEST_BAD.match(line)
        if m:
            bads.append(f'{name}: {m.group(2)}.{m.group(1)}')
        m = UNITTEST_TEST.match(line)
        if m:
            skips.append(f'{name}: {m.group(2)}.{m.group(1)} '
                         f'({m.group(3).strip()})')
        m = UNITTEST_RAN.match(line)
        if m:
            ran = int(m.group(1))
        m = UNITTEST_RESULT.match(line)
        if m and ran is not None:
            result = m
    if ran is None or result is None:
        return None
    counts = {}
    for part in (result.group(2) or '').split(','):
        k, _, v = part.strip().partition('=')
        if v.isdigit():
            counts[k] = int(v)
    t = Tally()
    bad = (counts.get('failures', 0) + counts.get('errors', 0) +
           counts.get('unexpected successes', 0))
    n_skip = counts.get('skipped', 0)
    t.failed = (bads + [f'{name}: a failing test method'] * bad)[:bad]
    t.skipped = (skips + [f'{name}: a skipped test method'] * n_skip)[:n_skip]
    t.passed = ran - bad - n_skip
    if ran == 0:
        t.failed.append(f'{name}: ran no test method')
    return t


def node_checks(name, out):
    """A Tally from node --test's closing summary, or None."""
    counts = {}
    for line in out.splitlines():
        m = NODE_SUMMARY.match(line.strip())
        if m:
            counts[m.group(1)] = int(m.group(2))
    if 'tests' not in counts or 'pass' not in counts:
        return None
    t = Tally()
    t.passed = counts['pass']
    t.failed = [f'{name}: a failing browser test'] * (
        counts.get('fail', 0) + counts.get('cancelled', 0))
    t.skipped = [f'{name}: a skipped browser test'] * (
        counts.get('skipped', 0) + counts.get('todo', 0))
    if counts['tests'] == 0:
        t.failed.append(f'{name}: ran no test')
    return t


def target_checks(entry):
    """The Tally of one meson test from its testlog.json entry."""
    name = entry['name'].split(' / ', 1)[-1]
    result = entry.get('result')
    out = (entry.get('stdout') or '') + '\n' + (entry.get('stderr') or '')
    if result == 'SKIP':
        t = Tally()
        t.skipped.append(f'{name}: the whole program (exit status 77)')
        return t
    t = unittest_checks(name, out) or node_checks(name, out) or \
        tap_checks(name, out)
    if t is None:
        # A program that reports no checks of its own counts as one.
        t = Tally()
        if result in ('OK', 'EXPECTEDFAIL'):
            t.passed = 1
    if result not in ('OK', 'EXPECTEDFAIL') and not t.failed:
        # The checks passed but the program did not: a crash at exit, a
        # sanitizer report, a timeout.
        t.failed.append(f'{name}: {result} (exit status '
                        f'{entry.get("returncode")}) after its checks')
    return t


def declared(build, suites):
    """The names of the tests meson defines for suites in build."""
    cmd = ['meson', 'test', '-C', build, '--list', '--no-rebuild']
    for s in suites:
        cmd += ['--suite', s]
    r = run(cmd, capture_output=True, text=True)
    if r.returncode:
        return None
    return [l.strip() for l in r.stdout.splitlines() if ' / ' in l]


def test_build(build, suites, env):
    """Runs meson test for suites in build; returns its Tally."""
    t = Tally()
    want = declared(build, suites)
    if want is None:
        t.failed.append(f'{build}: meson test --list failed')
        return t
    log = os.path.join(ROOT, build, 'meson-logs', 'testlog.json')
    if os.path.exists(log):
        os.remove(log)
    cmd = ['meson', 'test', '-C', build, '--print-errorlogs',
           '--num-processes', '2']
    for s in suites:
        cmd += ['--suite', s]
    rc = run(cmd, env=env).returncode
    entries = []
    if os.path.exists(log):
        with open(log) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    if not entries:
        t.failed.append(f'{build}: no test log (meson test exited {rc})')
        return t
    for entry in entries:
        t.add(target_checks(entry))
    ran = {e['name'] for e in entries}
    for name in want:
        if name not in ran:
            t.failed.append(f'{build}: {name} is declared but did not run')
    if rc and not t.failed:
        t.failed.append(f'{build}: meson test exited {rc}')
    return t


def fuzz(env):
    """The Tally of a bounded libFuzzer run: one check per target."""
    t = Tally()
    seconds = int(os.environ.get('PMKB_FUZZ_SECONDS', '20'))
    if seconds <= 0 or not shutil.which('clang'):
        why = 'PMKB_FUZZ_SECONDS=0' if seconds <= 0 else 'no clang'
        t.skipped.append(f'build-fuzz: the libFuzzer run ({why})')
        return t
    r = run([sys.executable, os.path.join('tests', 'fuzz', 'run.py'),
             '--seconds', str(seconds)], env=env, stdout=subprocess.PIPE,
            text=True)
    print(r.stdout, end='', flush=True)
    for line in r.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) != 5 or not cells[4].isdigit():
            continue
        if cells[4] == '0':
            t.passed += 1
        else:
            t.failed.append(f'build-fuzz: {cells[0]} ({cells[4]} crashes)')
    if not t.passed and not t.failed:
        t.failed.append('build-fuzz: no fuzz target ran')
    if r.returncode and not t.failed:
        t.failed.append(f'build-fuzz: run.py exited {r.returncode}')
    return t


def main():
    env = dict(os.environ)
    env.setdefault('ASAN_OPTIONS', 'detect_leaks=1:abort_on_error=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1')
    total = Tally()
    for build, options, suites in BUILDS:
        if not os.path.exists(os.path.join(ROOT, build, 'build.ninja')):
            if run(['meson', 'setup', build] + options).returncode:
                total.failed.append(f'{build}: meson setup failed')
                continue
        if run(['ninja', '-C', build]).returncode:
            total.failed.append(f'{build}: the build failed')
            continue
        t = test_build(build, suites, env)
        print(f'{build}: {t.line()}', flush=True)
        total.add(t)
    t = fuzz(env)
    print(f'build-fuzz: {t.line()}', flush=True)
    total.add(t)
    total.check_skips()
    for what in total.failed:
        print(f'FAILED {what}')
    if total.skipped:
        print(f'{len(total.skipped)} skipped')
        for what in total.skipped:
            print(f'  skipped {what}')
    print(f'{total.passed} passed, {len(total.failed)} failed', flush=True)
    return 1 if total.failed else 0


if __name__ == '__main__':
    sys.exit(main())

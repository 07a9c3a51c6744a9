#!/usr/bin/env python3
"""tests/run_all.py against made-up meson runs: what it must count as a
failure (a meson test that exits non-zero, a missing or empty test log, a
declared test that did not run, a skip the README does not allow) and
what it counts (the checks inside each program, skips apart).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
import run_all  # noqa: E402

DECLARED = ['pmkb:unit / utf8', 'pmkb:e2e / e2e_cli']
TAP = 'ok 1 - empty\nnot ok 2 - ASCII # TODO later\nok 3 # SKIP why\n1..3\n'
UNITTEST = ('test_a (__main__.Cli.test_a) ... ok\n'
            'test_b (__main__.Cli.test_b) ... ok\n'
            'Ran 2 tests in 0.1s\n\nOK\n')


def entry(name, stdout, result='OK', returncode=0):
    return {'name': name, 'stdout': stdout, 'result': result,
            'returncode': returncode}


class FakeMeson:
    """Stands for `meson test`: lists DECLARED, writes log (a list of
    entries, a raw string, or None for no file) and exits rc."""

    def __init__(self, build, log, rc=0):
        self.build, self.log, self.rc = build, log, rc

    def __call__(self, cmd, **kw):
        if '--list' in cmd:
            return subprocess.CompletedProcess(
                cmd, 0, stdout=''.join(n + '\n' for n in DECLARED))
        path = os.path.join(self.build, 'meson-logs', 'testlog.json')
        if self.log is not None:
            with open(path, 'w') as f:
                f.write(self.log if isinstance(self.log, str) else
                        ''.join(json.dumps(e) + '\n' for e in self.log))
        return subprocess.CompletedProcess(cmd, self.rc)


class RunAll(unittest.TestCase):
    def setUp(self):
        self.build = tempfile.mkdtemp(prefix='pmkb-run-all-')
        os.mkdir(os.path.join(self.build, 'meson-logs'))
        self.addCleanup(shutil.rmtree, self.build, ignore_errors=True)
        real = run_all.run
        self.addCleanup(setattr, run_all, 'run', real)

    def tally(self, log, rc=0):
        run_all.run = FakeMeson(self.build, log, rc)
        return run_all.test_build(self.build, ['unit', 'e2e'], {})

    def both(self):
        return [entry(DECLARED[0], TAP), entry(DECLARED[1], UNITTEST)]

    def test_counts_the_checks_inside_and_skips_apart(self):
        t = self.tally(self.both())
        self.assertEqual((t.passed, t.failed), (4, []))
        self.assertEqual(t.skipped, ['utf8:  (SKIP why)'])

    def test_a_failing_meson_test_fails(self):
        t = self.tally(self.both(), rc=1)
        self.assertEqual(t.failed, [f'{self.build}: meson test exited 1'])

    def test_a_missing_log_fails(self):
        t = self.tally(None)
        self.assertEqual(t.failed,
                         [f'{self.build}: no test log (meson test exited 0)'])

    def test_an_empty_log_fails(self):
        for log in ('', '\n'):
            t = self.tally(log)
            self.assertEqual(len(t.failed), 1, repr(log))
            self.assertIn('no test log', t.failed[0])
            self.assertEqual(t.passed, 0)

    def test_fewer_tests_than_declared_fail(self):
        t = self.tally(self.both()[:1])
        self.assertEqual(t.failed, [f'{self.build}: {DECLARED[1]} is '
                                    f'declared but did not run'])

    def test_a_short_tap_plan_and_no_test_method_fail(self):
        t = self.tally([entry(DECLARED[0], 'ok 1\n1..2\n'),
                        entry(DECLARED[1], 'Ran 0 tests in 0.0s\n\n'
                                           'NO TESTS RAN\n')])
        self.assertEqual(t.failed, ['utf8: the plan says 2 checks, 1 ran',
                                    'e2e_cli: ran no test method'])

    def test_a_crash_after_the_checks_fails(self):
        t = self.tally([entry(DECLARED[0], TAP, 'FAIL', 1),
                        entry(DECLARED[1], UNITTEST)])
        self.assertEqual(t.failed, ['utf8: FAIL (exit status 1) after its '
                                    'checks'])

    def test_only_optional_tools_may_be_skipped(self):
        t = run_all.Tally()
        allowed = ['e2e_ops: Ops.test_full_file_system (\'cannot mount a '
                   'tmpfs here (needs root)\')',
                   'build-fuzz: the libFuzzer run (no clang)',
                   'build-fuzz: the libFuzzer run (PMKB_FUZZ_SECONDS=0)']
        other = ['e2e_cli: Cli.test_a (\'no git\')',
                 'e2e_ops: Ops.test_backup (\'cannot mount a tmpfs here '
                 '(needs root)\')',
                 'utf8: the whole program (exit status 77)']
        t.skipped = allowed + other
        t.check_skips()
        self.assertEqual(t.failed, [f'{w}: a skip the README does not '
                                    f'allow' for w in other])


if __name__ == '__main__':
    unittest.main(verbosity=2)

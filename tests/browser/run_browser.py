#!/usr/bin/env python3
"""Runs the browser tests for `meson test --suite browser`.

Installs playwright-core from the npm registry with `npm ci` (the version
pinned in package-lock.json) when node_modules lacks it, then runs the
tests (*.test.mjs, one file per page; name some on the command line, as
`run_browser.py search trends`, to run only those) with node's built-in
test runner against the pmkb binary named by PMKB_BIN. Chromium, node and
npm are Debian packages that ./dev.sh installs; a missing one fails the
test with a message saying so, because a browser suite that quietly skips
would hide a broken UI.
"""
import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = os.environ.get('PMKB_CHROMIUM', '/usr/bin/chromium')


def main():
    missing = [name for name, ok in (
        ('node', shutil.which('node')),
        ('npm', shutil.which('npm')),
        ('chromium', os.access(CHROMIUM, os.X_OK)),
    ) if not ok]
    if missing:
        print('browser tests need ' + ', '.join(missing) +
              ' (Debian packages; ./dev.sh deps installs them)',
              file=sys.stderr)
        return 1
    if not os.path.exists(os.path.join(HERE, 'node_modules',
                                       'playwright-core', 'package.json')):
        print('installing playwright-core (npm ci)', file=sys.stderr)
        rc = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund'],
                            cwd=HERE, timeout=300).returncode
        if rc:
            print('npm ci failed', file=sys.stderr)
            return rc
    env = dict(os.environ)
    if 'PMKB_BIN' not in env:
        print('PMKB_BIN is not set (meson sets it)', file=sys.stderr)
        return 1
    cmd = ['node', '--test', '--test-concurrency=1',
           '--test-reporter=spec']
    if sys.argv[1:]:
        cmd += [os.path.join(HERE, name + '.test.mjs') for name in sys.argv[1:]]
    else:
        cmd += sorted(glob.glob(os.path.join(HERE, '*.test.mjs')))
    return subprocess.run(cmd, cwd=HERE, env=env, timeout=840).returncode


sys.exit(main())

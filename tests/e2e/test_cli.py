"""The command line: import (idempotent), lint, search, --help."""
import os
import re
import shutil
import sqlite3
import tempfile
import unittest

from pmkbtest import SAMPLES, main, pmkb


def counts(out):
    """The numbers in pmkb import's summary line."""
    m = re.search(r'indexed (\d+) files .*?: (\d+) added, (\d+) updated, '
                  r'(\d+) unchanged, (\d+) removed, (\d+) not indexed; '
                  r'(\d+) errors, (\d+) warnings', out)
    assert m, out
    keys = ('files', 'added', 'updated', 'unchanged', 'removed', 'failed',
            'errors', 'warnings')
    return dict(zip(keys, map(int, m.groups())))


class Import(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-cli-')
        self.db = os.path.join(self.tmp, 'index.db')
        self.dir = os.path.join(self.tmp, 'pm')
        shutil.copytree(SAMPLES, self.dir)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def import_(self):
        r = pmkb('import', '--db', self.db, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        return counts(r.stdout)

    def rows(self):
        with sqlite3.connect(self.db) as c:
            return dict(c.execute('SELECT path, content_hash '
                                  'FROM postmortems'))

    def test_import_is_idempotent(self):
        first = self.import_()
        self.assertEqual(first['added'], 70)
        self.assertEqual(first['errors'], 0)
        before = self.rows()
        second = self.import_()
        self.assertEqual(second['unchanged'], 70)
        self.assertEqual(second['added'] + second['updated'] +
                         second['removed'], 0)
        self.assertEqual(self.rows(), before)

    def test_changed_and_removed_files(self):
        self.import_()
        names = sorted(f for f in os.listdir(self.dir)
                       if f.endswith('.md') and not f.startswith('TEMPLATE'))
        with open(os.path.join(self.dir, names[0]), 'a') as f:
            f.write('\nAn added line about zanzibar.\n')
        os.remove(os.path.join(self.dir, names[1]))
        c = self.import_()
        self.assertEqual((c['updated'], c['removed'], c['unchanged']),
                         (1, 1, 68))
        r = pmkb('search', '--db', self.db, 'zanzibar')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(names[0][:-3], r.stdout)

    def test_broken_file_is_indexed_and_reported(self):
        with open(os.path.join(self.dir, 'broken.md'), 'w') as f:
            f.write('---\ntitle: [unclosed\nstarted_at: 2018-01-01\n---\n'
                    '# Broken but findable\n\nquokka\n')
        c = self.import_()
        self.assertEqual(c['added'], 71)
        self.assertGreaterEqual(c['errors'], 1)
        r = pmkb('search', '--db', self.db, 'quokka')
        self.assertIn('broken', r.stdout)

    def test_reindex_reparses_everything(self):
        self.import_()
        r = pmkb('reindex', '--db', self.db, '--dir', self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(counts(r.stdout)['updated'], 70)
        with sqlite3.connect(self.db) as c:
            ok = c.execute('PRAGMA integrity_check').fetchone()[0]
        self.assertEqual(ok, 'ok')


class Lint(unittest.TestCase):
    def test_samples_are_clean(self):
        r = pmkb('lint', SAMPLES)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn('error', r.stdout)

    def test_errors_exit_1_with_path_and_line(self):
        tmp = tempfile.mkdtemp()
        try:
            p = os.path.join(tmp, 'bad.md')
            with open(p, 'w') as f:
                f.write('---\ntitle: Bad date\nstarted_at: 14/02/2018\n'
                        'cause: infrastructure\n---\n# Bad date\n')
            r = pmkb('lint', p)
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stdout, re.escape(p) + r':3: error: .*'
                             r'started_at.*14/02/2018')
        finally:
            shutil.rmtree(tmp)

    def test_missing_path_exits_2(self):
        self.assertEqual(pmkb('lint', '/nonexistent/x.md').returncode, 2)


class Help(unittest.TestCase):
    def test_every_command_has_help(self):
        for cmd in ('serve', 'import', 'reindex', 'lint', 'search'):
            r = pmkb(cmd, '--help')
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn('Usage: pmkb ' + cmd, r.stdout)
        r = pmkb('serve', '--help')
        for flag, env in (('--db', 'PMKB_DB'), ('--listen', 'PMKB_LISTEN'),
                          ('--dir', 'PMKB_DIR')):
            self.assertIn(flag, r.stdout)
            self.assertIn(env, r.stdout)

    def test_bad_usage(self):
        self.assertEqual(pmkb('frobnicate').returncode, 2)
        r = pmkb('serve', '--no-such-flag')
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown option', r.stderr)
        r = pmkb('serve', '--listen', 'nonsense')
        self.assertEqual(r.returncode, 2)
        self.assertIn('HOST:PORT', r.stderr)

    def test_environment_variables_configure(self):
        tmp = tempfile.mkdtemp()
        try:
            db = os.path.join(tmp, 'env.db')
            r = pmkb('import', SAMPLES, env={'PMKB_DB': db})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(db))
        finally:
            shutil.rmtree(tmp)


if __name__ == '__main__':
    main()

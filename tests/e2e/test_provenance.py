"""In git mode every stats answer names the commit and the .pmkb.yml
revision it was computed from, in JSON and Markdown, from the API and the
CLI; after a push that changes the settings, both move."""
import unittest

from gittest import (Repo, close_server, git, git_server, postmortem,
                     wait_for)
from pmkbtest import main, pmkb

SETTINGS = ('causes:\n  - id: infrastructure\n    label: Infra\n'
            '  - id: application\n')


class Provenance(unittest.TestCase):
    def setUp(self):
        self.repo = Repo()
        self.repo.write('.pmkb.yml', SETTINGS)
        self.repo.write('2024-01-10-a.md', postmortem('A', 'okapi'))
        self.first = self.repo.commit('first')
        self.repo.push()
        self.srv = git_server(self.repo).start()
        self.repo.install_post_receive(self.srv.base)

    def tearDown(self):
        close_server(self.srv)
        self.repo.close()

    def blob(self, rev):
        return git(self.repo.work, 'rev-parse',
                   f'{rev}:postmortems/.pmkb.yml').stdout.strip()

    def test_stats_name_commit_and_settings(self):
        for path in ('/api/stats/causes', '/api/stats/durations',
                     '/api/action-items'):
            p = self.srv.get_json(path)['provenance']
            self.assertEqual(p['commit'], self.first, path)
            self.assertEqual(p['settings'],
                             {'path': 'postmortems/.pmkb.yml',
                              'blob': self.blob(self.first)}, path)
        md = self.srv.get('/api/stats/causes', format='md').body.decode()
        self.assertIn(f'Computed from commit `{self.first}` with '
                      f'`postmortems/.pmkb.yml` blob `{self.blob("HEAD")}`',
                      md)
        # A push that changes the settings moves both.
        self.repo.write('.pmkb.yml', SETTINGS + '  - id: capacity\n')
        second = self.repo.commit('settings')
        self.repo.push()
        wait_for(lambda: self.srv.get_json('/api/stats/causes')
                 ['provenance']['commit'] == second)
        p = self.srv.get_json('/api/stats/causes')['provenance']
        self.assertEqual(p['settings']['blob'], self.blob(second))
        self.assertNotEqual(self.blob(second), self.blob(self.first))
        # The CLI reads the same index.
        r = pmkb('stats', '--db', self.srv.db, '--format', 'md')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'Computed from commit `{second}`', r.stdout)

    def test_directory_mode_names_nothing(self):
        import json
        import os
        import tempfile
        d = tempfile.mkdtemp()
        with open(os.path.join(d, '2024-01-01-x.md'), 'w') as f:
            f.write(postmortem('X', 'yak'))
        db = os.path.join(d, 'i.db')
        self.assertEqual(pmkb('import', '--db', db, d).returncode, 0)
        r = pmkb('stats', '--db', db, '--dir', d, '--format', 'json')
        self.assertIsNone(json.loads(r.stdout)['provenance'])


if __name__ == '__main__':
    main()

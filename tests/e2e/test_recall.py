"""pmkb recall: the past incidents a code change touches, from --paths,
--diff REV..REV in a real git repository, or stdin."""
import json
import os
import shutil
import tempfile
import unittest

from gittest import git
from pmkbtest import SAMPLES, main, pmkb

SETTINGS = """services:
  billing-api: {paths: ['billing/**', 'deploy/billing.yaml']}
  search: {paths: ['search/*.py']}
"""


def pm(slug, started, severity, services, body):
    return (f'---\ntitle: {slug}\nstarted_at: {started}\n'
            f'severity: {severity}\ncause: application\n'
            f'services: [{", ".join(services)}]\n---\n# {slug}\n\n{body}\n')


class Recall(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-recall-')
        self.dir = os.path.join(self.tmp, 'pm')
        os.makedirs(self.dir)
        self.db = os.path.join(self.tmp, 'i.db')
        files = {
            '2020-01-01-old-billing': pm('old-billing', '2020-01-01',
                                         'SEV1', ['billing-api'],
                                         '- [ ] @ann due:2030-01-01 Cap '
                                         'retries in the invoice job'),
            '2021-05-01-new-billing': pm('new-billing', '2021-05-01',
                                         'SEV3', ['billing-api'],
                                         '- [x] @bob done already'),
            '2021-05-01-same-day-worse': pm('same-day-worse', '2021-05-01',
                                            'SEV0', ['billing-api'], ''),
            '2019-03-01-mentions': pm('mentions', '2019-03-01', 'SEV2',
                                      ['edge'], 'The change to '
                                      '`ops/nginx/site.conf` dropped a '
                                      'route.\n\n- [ ] @cy Test the '
                                      'routes in CI'),
            '2018-01-01-unrelated': pm('unrelated', '2018-01-01', 'SEV1',
                                       ['search'], '- [ ] @dee Tune it'),
        }
        for slug, text in files.items():
            with open(os.path.join(self.dir, slug + '.md'), 'w') as f:
                f.write(text)
        with open(os.path.join(self.dir, '.pmkb.yml'), 'w') as f:
            f.write(SETTINGS)
        r = pmkb('import', '--db', self.db, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def recall(self, *args, input=None):
        r = pmkb('recall', '--db', self.db, '--dir', self.dir,
                 '--format', 'json', *args, input=input)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_paths_by_service_newest_and_most_severe_first(self):
        j = self.recall('--paths', 'billing/invoice/job.go,README.md')
        self.assertEqual(j['paths'], 2)
        self.assertEqual([m['slug'] for m in j['matches']],
                         ['2021-05-01-same-day-worse',
                          '2021-05-01-new-billing',
                          '2020-01-01-old-billing'])
        self.assertEqual(j['matches'][0]['why'],
                         ['service billing-api owns billing/invoice/job.go '
                          '(billing/**)'])
        self.assertEqual([(a['owner'], a['slug']) for a in
                          j['action_items']],
                         [('ann', '2020-01-01-old-billing')])

    def test_a_mentioned_path_and_its_items(self):
        j = self.recall('--paths', './ops/nginx/site.conf')
        self.assertEqual([m['slug'] for m in j['matches']],
                         ['2019-03-01-mentions'])
        self.assertEqual(j['matches'][0]['why'],
                         ['mentions ops/nginx/site.conf'])
        self.assertEqual([a['owner'] for a in j['action_items']], ['cy'])

    def test_single_star_stays_in_its_folder(self):
        j = self.recall('--paths', 'search/deep/x.py')
        self.assertEqual(j['matches'], [])
        j = self.recall('--paths', 'search/x.py')
        self.assertEqual([m['slug'] for m in j['matches']],
                         ['2018-01-01-unrelated'])

    def test_diff_in_a_repository_and_stdin(self):
        repo = os.path.join(self.tmp, 'code')
        os.makedirs(os.path.join(repo, 'deploy'))
        git(self.tmp, 'init', '-q', '-b', 'main', repo)
        with open(os.path.join(repo, 'app.txt'), 'w') as f:
            f.write('a\n')
        git(repo, 'add', '-A')
        git(repo, 'commit', '-q', '-m', 'one')
        base = git(repo, 'rev-parse', 'HEAD').stdout.strip()
        with open(os.path.join(repo, 'deploy', 'billing.yaml'), 'w') as f:
            f.write('replicas: 3\n')
        git(repo, 'add', '-A')
        git(repo, 'commit', '-q', '-m', 'two')
        r = pmkb('recall', '--db', self.db, '--dir', self.dir, '--diff',
                 f'{base}..HEAD', cwd=repo)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('3 past incidents recalled for 1 changed path',
                      r.stdout)
        self.assertIn('why: service billing-api owns deploy/billing.yaml '
                      '(deploy/billing.yaml)', r.stdout)
        self.assertIn('- [ ] @ann due:2030-01-01 Cap retries', r.stdout)
        # The same from git diff --name-only on stdin.
        names = git(repo, 'diff', '--name-only', f'{base}..HEAD').stdout
        j = self.recall(input=names)
        self.assertEqual(len(j['matches']), 3)
        # Nothing matched still exits 0; a bad range is a usage error.
        r = pmkb('recall', '--db', self.db, '--dir', self.dir, '--diff',
                 f'{base}~1..{base}', cwd=repo)
        self.assertEqual(r.returncode, 2, r.stdout)
        r = pmkb('recall', '--db', self.db, '--dir', self.dir,
                 '--paths', 'app.txt')
        self.assertEqual(r.returncode, 0)
        self.assertIn('No past incidents recalled for 1 changed path',
                      r.stdout)

    def test_samples_show_a_recall(self):
        db = os.path.join(self.tmp, 'samples.db')
        self.assertEqual(pmkb('import', '--db', db, SAMPLES).returncode, 0)
        r = pmkb('recall', '--db', db, '--dir', SAMPLES, '--format', 'md',
                 '--paths', 'payment-api/config/production.yml')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('why: mentions payment-api/config/production.yml',
                      r.stdout)
        self.assertIn('why: service payment-api owns', r.stdout)


if __name__ == '__main__':
    main()

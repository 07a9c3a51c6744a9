"""Following a git repository: real pushes through real hooks.

Each test builds a bare repository, installs the post-receive hook that
runs `pmkb notify` (and, where it says so, the pre-receive hook that runs
`pmkb lint --pre-receive`), clones it, commits, pushes with git, and
checks what the server's API shows.
"""
import os
import subprocess
import tempfile
import threading
import unittest

from gittest import (Repo, close_server, git, git_server, postmortem, search_total, found,
                     sign, status, wait_for, wait_idle, SECRET)
from opstest import metric, parse_metrics
from pmkbtest import BIN, main, pmkb


class Pushes(unittest.TestCase):
    def setUp(self):
        self.repo = Repo()
        self.repo.write('2024-01-10-first.md',
                        postmortem('First outage', 'flamingo'))
        self.first = self.repo.commit('first')
        self.repo.push()
        self.srv = git_server(self.repo).start()
        self.old = []
        self.repo.install_post_receive(self.srv.base)

    def tearDown(self):
        for srv in self.old + [self.srv]:
            self.assertNotIn(SECRET, close_server(srv))
        self.repo.close()

    def test_first_sync_on_start(self):
        j = self.srv.get_json('/api/postmortems/2024-01-10-first')
        self.assertEqual(j['title'], 'First outage')
        self.assertEqual(j['source']['commit'], self.first)
        self.assertEqual(j['source']['first_commit'], self.first)
        self.assertEqual(j['source']['author'], 'Ada Lovelace')
        self.assertEqual(
            j['source']['url'],
            'https://git.example.com/pm/blob/%s/postmortems/'
            '2024-01-10-first.md' % self.first)
        # A GitHub-shaped --source-url also gives edit, history and blame.
        base = 'https://git.example.com/pm/'
        self.assertEqual(j['source']['edit_url'],
                         base + 'edit/main/postmortems/2024-01-10-first.md')
        self.assertEqual(j['source']['history_url'], base +
                         'commits/main/postmortems/2024-01-10-first.md')
        self.assertEqual(j['source']['blame_url'], base + 'blame/%s/'
                         'postmortems/2024-01-10-first.md' % self.first)
        s = self.srv.get_json('/api/sync')
        self.assertTrue(s['following'])
        self.assertEqual(s['branch'], 'main')
        self.assertEqual(s['last']['mode'], 'full')
        self.assertEqual(s['last']['commit'], self.first)

    def test_add_is_searchable_after_push(self):
        self.repo.write('2024-02-01-cache.md',
                        postmortem('Cache stampede', 'narwhal'))
        sha = self.repo.commit('add')
        r = self.repo.push()
        self.assertIn('pmkb: sync queued', r.stderr)
        wait_for(found(self.srv, 'narwhal'))
        j = self.srv.get_json('/api/postmortems/2024-02-01-cache')
        self.assertEqual(j['source']['commit'], sha)
        self.assertEqual(wait_idle(self.srv)['last']['mode'], 'incremental')

    def test_edit_changes_the_title_in_search(self):
        self.repo.write('2024-01-10-first.md',
                        postmortem('First outage of the okapi', 'flamingo'))
        sha = self.repo.commit('edit')
        self.repo.push()

        def retitled():
            r = self.srv.get_json('/api/search', q='flamingo')['results']
            return r and r[0]['title'] == 'First outage of the okapi'
        wait_for(retitled)
        self.assertEqual(search_total(self.srv, 'okapi'), 1)
        j = self.srv.get_json('/api/postmortems/2024-01-10-first')
        self.assertEqual(j['source']['commit'], sha)
        self.assertEqual(j['source']['first_commit'], self.first)

    def test_search_postings_follow_each_push(self):
        """The postings searches keep in memory are brought forward from
        each push's changed files, not read again whole, and answer as
        the files now say."""
        self.repo.write('2024-02-01-a.md', postmortem('A', 'heron'))
        self.repo.write('2024-02-02-b.md', postmortem('B', 'heron'))
        self.repo.commit('add')
        self.repo.push()
        wait_for(lambda: search_total(self.srv, 'heron') == 2)
        self.assertEqual(search_total(self.srv, 'ibis'), 0)
        before = self.phrase_lookups()
        self.repo.write('2024-02-01-a.md', postmortem('A', 'ibis'))
        self.repo.commit('edit')
        self.repo.push()
        wait_for(lambda: search_total(self.srv, 'ibis') == 1)
        self.assertEqual(search_total(self.srv, 'heron'), 1)
        os.remove(os.path.join(self.repo.work, 'postmortems',
                               '2024-02-02-b.md'))
        self.repo.commit('delete')
        self.repo.push()
        wait_for(lambda: search_total(self.srv, 'heron') == 0)
        self.assertEqual(search_total(self.srv, 'ibis'), 1)
        after = self.phrase_lookups()
        self.assertGreater(after['updated'], before['updated'])
        self.assertEqual(after['read'], before['read'])

    def phrase_lookups(self):
        m = parse_metrics(self.srv.get('/metrics').body.decode())
        return {r: metric(m, 'pmkb_search_phrase_lookups_total', result=r)
                for r in ('held', 'updated', 'read')}

    def test_rename_redirects_the_old_slug(self):
        git(self.repo.work, 'mv', 'postmortems/2024-01-10-first.md',
            'postmortems/2024-01-10-first-outage.md')
        self.repo.commit('rename')
        self.repo.push()
        wait_for(lambda: status(self.srv, '2024-01-10-first-outage') == 200)
        r = self.srv.get('/api/postmortems/2024-01-10-first')
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header('Location'),
                         '/api/postmortems/2024-01-10-first-outage')
        j = self.srv.get_json('/api/postmortems/2024-01-10-first-outage')
        # The file's history goes back to before the rename.
        self.assertEqual(j['source']['first_commit'], self.first)
        self.assertEqual(search_total(self.srv, 'flamingo'), 1)

    def test_delete_is_gone_from_search_and_stats(self):
        self.repo.write('2024-02-02-meteor.md',
                        postmortem('Meteor', 'pangolin', cause='meteor'))
        self.repo.commit('add')
        self.repo.push()
        wait_for(found(self.srv, 'pangolin'))
        causes = self.srv.get_json('/api/stats/causes')
        self.assertIn('meteor', [c['id'] for c in causes['causes']
                                 if c['total']])
        os.remove(os.path.join(self.repo.work, 'postmortems',
                               '2024-02-02-meteor.md'))
        self.repo.commit('delete')
        self.repo.push()
        wait_for(lambda: status(self.srv, '2024-02-02-meteor') == 404)
        self.assertEqual(search_total(self.srv, 'pangolin'), 0)
        after = self.srv.get_json('/api/stats/causes')
        self.assertEqual(after['total'], causes['total'] - 1)
        self.assertNotIn('meteor', [c['id'] for c in after['causes']
                                    if c['total']])

    def test_force_push_rewrites_history(self):
        self.repo.write('2024-03-01-doomed.md',
                        postmortem('Doomed', 'axolotl'))
        self.repo.commit('doomed')
        self.repo.push()
        wait_for(found(self.srv, 'axolotl'))
        git(self.repo.work, 'reset', '-q', '--hard', self.first)
        self.repo.write('2024-03-02-kept.md', postmortem('Kept', 'quokka'))
        sha = self.repo.commit('rewritten')
        self.repo.push('--force', 'main')
        wait_for(found(self.srv, 'quokka'))
        self.assertEqual(search_total(self.srv, 'axolotl'), 0)
        last = wait_idle(self.srv)['last']
        self.assertEqual(last['mode'], 'full')
        self.assertIn('force-push', last['why'])
        self.assertEqual(last['commit'], sha)

    def test_a_push_of_200_files(self):
        for i in range(200):
            self.repo.write(f'bulk/2023-{i // 28 + 1:02d}-{i % 28 + 1:02d}'
                            f'-bulk-{i:03d}.md',
                            postmortem(f'Bulk incident {i}', 'wombat'))
        self.repo.commit('bulk')
        self.repo.push()
        wait_for(lambda: search_total(self.srv, 'wombat') == 200)
        self.assertEqual(self.srv.get_json('/healthz')['postmortems'], 201)
        last = wait_idle(self.srv)['last']
        self.assertEqual(last['counts']['added'], 200)

    def test_invalid_postmortem_without_pre_receive(self):
        self.repo.write('2024-04-01-good.md', postmortem('Good', 'gecko'))
        self.repo.write('2024-04-02-bad.md', postmortem(
            'Bad', 'tapir', started='2024-04-02T10:00:00Z',
            extra='resolved_at: 2024-04-01T10:00:00Z\n'))
        self.repo.commit('good and bad')
        self.repo.push()
        wait_for(found(self.srv, 'gecko'))
        problems = self.srv.get_json('/api/problems')['problems']
        bad = [p for p in problems if p['path'] == '2024-04-02-bad.md']
        self.assertTrue(any(p['level'] == 'error' for p in bad), problems)

    def test_broken_settings_keep_the_previous_ones(self):
        self.repo.write('.pmkb.yml',
                        'causes:\n  - id: infrastructure\n'
                        '    aliases: [infra]\n  - id: application\n')
        self.repo.write('2024-06-01-alias.md',
                        postmortem('Alias', 'quokka', cause='infra'))
        self.repo.commit('settings')
        self.repo.push()
        wait_for(found(self.srv, 'quokka'))
        j = self.srv.get_json('/api/postmortems/2024-06-01-alias')
        self.assertEqual(j['causes'], ['infrastructure'])
        # Break the settings, and add a postmortem that needs the alias.
        self.repo.write('.pmkb.yml', 'causes:\n  - label: no id\n')
        self.repo.write('2024-06-02-later.md',
                        postmortem('Later', 'wombat', cause='infra'))
        self.repo.commit('broken settings')
        self.repo.push()
        wait_for(found(self.srv, 'wombat'))
        problems = self.srv.get_json('/api/problems')['problems']
        bad = [p for p in problems if p['path'] == '.pmkb.yml']
        self.assertTrue(bad and bad[0]['line'] > 0, problems)
        for slug in ('2024-06-01-alias', '2024-06-02-later'):
            j = self.srv.get_json('/api/postmortems/' + slug)
            self.assertEqual(j['causes'], ['infrastructure'], slug)
        stats = self.srv.get_json('/api/stats/causes', period='year')
        self.assertNotIn('infra', [c['id'] for c in stats['causes']])

    def test_pre_receive_rejects_an_invalid_postmortem(self):
        self.repo.install_pre_receive()
        self.repo.write('2024-05-01-bad.md', postmortem(
            'Bad', 'tapir', started='2024-05-02T10:00:00Z',
            extra='resolved_at: 2024-05-01T10:00:00Z\n'))
        self.repo.write('2024-05-01-fine.md', postmortem('Fine', 'ibex'))
        self.repo.commit('bad')
        r = self.repo.push(check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('postmortems/2024-05-01-bad.md:', r.stderr)
        self.assertIn(': error: ', r.stderr)
        self.assertNotIn('2024-05-01-fine.md', r.stderr)
        self.assertIn('pre-receive hook declined', r.stderr)
        remote_head = git(self.repo.remote, 'rev-parse', 'main').stdout
        self.assertEqual(remote_head.strip(), self.first)
        # Fixed, the same push goes through and is indexed.
        self.repo.write('2024-05-01-bad.md', postmortem('Fixed', 'tapir'))
        git(self.repo.work, 'add', '-A')
        git(self.repo.work, 'commit', '-q', '--amend', '-m', 'fixed')
        self.repo.push()
        wait_for(found(self.srv, 'tapir'))
        self.assertEqual(search_total(self.srv, 'ibex'), 1)

    def test_pre_receive_checks_a_new_branch_and_skips_old_files(self):
        # A broken file already on main does not block unrelated pushes.
        self.repo.write('2024-06-01-old-bad.md', '---\ntitle: [\n---\n')
        self.repo.commit('old bad')
        self.repo.push()
        self.repo.install_pre_receive()
        self.repo.write('2024-06-02-new.md', postmortem('New', 'lemur'))
        self.repo.commit('new')
        self.repo.push()
        git(self.repo.work, 'checkout', '-q', '-b', 'feature')
        self.repo.write('2024-06-03-branch.md', 'no front matter at all\n')
        self.repo.write('2024-06-04-branch-bad.md',
                        '---\ntitle: x\ncause: y\nstarted_at: nope\n---\n')
        self.repo.commit('feature')
        r = self.repo.push('feature', check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('2024-06-04-branch-bad.md', r.stderr)
        self.assertNotIn('2024-06-01-old-bad.md', r.stderr)

    def test_pre_receive_rejects_broken_settings(self):
        self.repo.install_pre_receive()
        self.repo.write('.pmkb.yml', 'causes:\n  - label: no id\n')
        self.repo.commit('broken settings')
        r = self.repo.push(check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('postmortems/.pmkb.yml:', r.stderr)

    def test_push_while_the_server_is_down_is_caught_up(self):
        self.srv.stop()
        self.repo.write('2024-07-01-offline.md',
                        postmortem('Offline', 'capybara'))
        sha = self.repo.commit('offline')
        r = self.repo.push()
        self.assertEqual(r.returncode, 0)
        self.assertIn('pmkb notify: cannot reach', r.stderr)
        self.old.append(self.srv)
        self.srv = git_server(self.repo, db=self.srv.db).start()
        self.assertEqual(search_total(self.srv, 'capybara'), 1)
        last = self.srv.get_json('/api/sync')['last']
        self.assertEqual(last['mode'], 'incremental')
        self.assertEqual(last['commit'], sha)

    def test_notifications_during_a_sync_coalesce(self):
        # A push big enough that its sync is still running when a burst of
        # notifications arrives: they must cost one more sync at most.
        for i in range(2000):
            self.repo.write(f'load/2022-01-01-load-{i:04d}.md',
                            postmortem(f'Load {i}', 'hamster'))
        self.repo.commit('load')
        before = wait_idle(self.srv)['syncs']
        self.repo.push()  # its post-receive hook starts a sync
        running = self.srv.get_json('/api/sync')
        body = f'{self.first} {self.repo.head()} refs/heads/main\n'
        codes = []

        def send():
            codes.append(self.srv.request(
                'POST', '/hooks/git', body,
                {'X-Pmkb-Signature': sign(body)}).status)
        threads = [threading.Thread(target=send) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(codes, [202] * 20)
        after = wait_idle(self.srv, timeout=120)
        self.assertTrue(running['running'] or running['pending'],
                        'the sync was over before the burst; this test '
                        'needs a slower sync')
        self.assertLessEqual(after['syncs'] - before, 2)
        self.assertEqual(search_total(self.srv, 'hamster'), 2000)
        if after['syncs'] - before == 2:
            self.assertEqual(after['last']['mode'], 'noop')

    def test_each_push_becomes_searchable(self):
        # How fast is measured by tests/bench (push); here, that each of
        # many pushes in a row lands.
        for i in range(20):
            word = f'latency{i}x'
            self.repo.write(f'2024-08-{i + 1:02d}-lat.md',
                            postmortem(f'Latency {i}', word))
            self.repo.commit(f'latency {i}')
            self.repo.push()
            wait_for(found(self.srv, word), 60)


class Options(unittest.TestCase):
    def test_serve_help_names_the_git_options(self):
        r = pmkb('serve', '--help')
        for opt in ('--repo', '--branch', '--poll', '--source-url',
                    '--data-dir', 'PMKB_WEBHOOK_SECRET'):
            self.assertIn(opt, r.stdout)
        self.assertNotIn('--webhook-secret', r.stdout)

    def test_poll_takes_a_duration(self):
        r = pmkb('serve', '--poll', '5 minutes', '--repo', '/nonexistent')
        self.assertEqual(r.returncode, 2)
        self.assertIn('duration', r.stderr)

    def test_lint_pre_receive_outside_a_hook(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([BIN, 'lint', '--pre-receive'], cwd=d,
                               input='', text=True, capture_output=True,
                               env={k: v for k, v in os.environ.items()
                                    if not k.startswith('GIT_')})
        self.assertEqual(r.returncode, 2)
        self.assertIn('pre-receive', r.stdout)


class Notify(unittest.TestCase):
    def test_never_fails_the_push(self):
        r = pmkb('notify', '--server', 'http://127.0.0.1:9',
                 env={'PMKB_WEBHOOK_SECRET': SECRET},
                 input='a b refs/heads/main\n')
        self.assertEqual(r.returncode, 0)
        self.assertIn('cannot reach', r.stderr)

    def test_without_a_secret_it_says_so(self):
        env = dict(os.environ)
        env.pop('PMKB_WEBHOOK_SECRET', None)
        r = pmkb('notify', env={'PMKB_WEBHOOK_SECRET': ''}, input='')
        self.assertEqual(r.returncode, 0)
        self.assertIn('PMKB_WEBHOOK_SECRET is not set', r.stderr)

    def test_help_lists_the_server_option(self):
        r = pmkb('notify', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--server', r.stdout)
        self.assertIn('PMKB_SERVER', r.stdout)


if __name__ == '__main__':
    main()

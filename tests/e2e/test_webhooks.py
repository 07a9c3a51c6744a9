"""Webhook deliveries: GitHub, Gitea, GitLab and pmkb notify's format.

The bare repository has no hooks here: the test pushes, then delivers the
webhook the hosting service would send, with good, bad, missing and stale
signatures. Only an authenticated push to the followed branch may cause
a sync; pmkb fetches the commits itself.
"""
import json
import unittest
import urllib.parse

from gittest import (GITLAB_TOKEN, SECRET, ZERO, Repo, close_server,
                     git_server, postmortem, search_total, found, sign,
                     wait_for, wait_idle)
from pmkbtest import Server, main


def push_event(ref='refs/heads/main', before=ZERO, after=ZERO):
    return json.dumps({
        'ref': ref, 'before': before, 'after': after,
        'repository': {'full_name': 'acme/postmortems'},
        'pusher': {'name': 'ada'}, 'commits': []})


def gitlab_event(kind='push', ref='refs/heads/main', after=ZERO):
    return json.dumps({'object_kind': kind, 'event_name': kind, 'ref': ref,
                       'before': ZERO, 'after': after,
                       'project': {'path_with_namespace': 'acme/pm'}})


class Deliveries(unittest.TestCase):
    """One server for all: each test checks that refused deliveries
    trigger no sync, and that accepted ones make the pushed file
    searchable."""

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('2024-01-01-seed.md', postmortem('Seed', 'seedling'))
        cls.repo.commit('seed')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo, args=['--max-body', '4096']).start()
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        log = close_server(cls.srv)
        cls.repo.close()
        assert SECRET not in log and GITLAB_TOKEN not in log, \
            'a secret was logged'

    def push_new(self):
        """Pushes a new postmortem without telling pmkb; returns its word
        and the new head."""
        Deliveries.n += 1
        word = f'webhookword{self.n}z'
        self.repo.write(f'2024-02-{self.n:02d}-hook.md',
                        postmortem(f'Hook {self.n}', word))
        sha = self.repo.commit(f'hook {self.n}')
        self.repo.push(secret=None)
        return word, sha

    def post(self, path, body, headers):
        return self.srv.request('POST', path, body, headers)

    def assert_refused(self, r, word, status=401):
        """r was refused and no sync ran: word stays unsearchable."""
        self.assertEqual(r.status, status, r.body)
        # A sync the request had queued would be pending or running now
        # (queueing happens before the answer), and would find word.
        wait_idle(self.srv)
        self.assertEqual(search_total(self.srv, word), 0)

    def assert_accepted(self, r, word):
        self.assertEqual(r.status, 202, r.body)
        self.assertTrue(r.json()['queued'])
        wait_for(found(self.srv, word))

    # GitHub

    def test_github_good_signature(self):
        word, sha = self.push_new()
        body = push_event(after=sha)
        self.assert_accepted(self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push', 'Content-Type': 'application/json',
            'X-Hub-Signature-256': sign(body)}), word)
        self.assertEqual(wait_idle(self.srv)['last']['reason'], 'github')

    def test_github_bad_signature(self):
        word, sha = self.push_new()
        body = push_event(after=sha)
        self.assert_refused(self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push',
            'X-Hub-Signature-256': sign(body, 'not the secret')}), word)
        r = self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push',
            'X-Hub-Signature-256': 'sha256=' + '0' * 64})
        self.assertEqual(r.status, 401)
        self.assertIn('bad signature', r.json()['error'])

    def test_github_missing_signature(self):
        word, sha = self.push_new()
        self.assert_refused(self.post('/hooks/github', push_event(after=sha),
                                      {'X-GitHub-Event': 'push'}), word)

    def test_github_stale_signature(self):
        # A valid signature, but for another body (a replayed header).
        word, sha = self.push_new()
        old = push_event(after=ZERO)
        self.assert_refused(self.post('/hooks/github', push_event(after=sha),
                                      {'X-GitHub-Event': 'push',
                                       'X-Hub-Signature-256': sign(old)}),
                            word)

    def test_github_signature_of_the_body_not_its_json(self):
        # Same JSON, other bytes: the signature covers the raw body.
        word, sha = self.push_new()
        body = push_event(after=sha)
        spaced = json.dumps(json.loads(body), indent=2)
        self.assert_refused(self.post('/hooks/github', spaced, {
            'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body)}),
            word)

    def test_github_ping(self):
        body = json.dumps({'zen': 'Keep it logically awesome.',
                           'hook_id': 1})
        r = self.post('/hooks/github', body, {
            'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': sign(body)})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()['pong'])

    def test_github_signed_non_push_is_400(self):
        word, _ = self.push_new()
        body = json.dumps({'action': 'opened', 'issue': {'number': 1}})
        self.assert_refused(self.post('/hooks/github', body, {
            'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': sign(body)}),
            word, status=400)
        r = self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body)})
        self.assertEqual(r.status, 400)
        r = self.post('/hooks/github', 'not json', {
            'X-GitHub-Event': 'push', 'X-Hub-Signature-256':
            sign('not json')})
        self.assertEqual(r.status, 400)

    def test_github_other_branch_is_ignored(self):
        word, sha = self.push_new()
        body = push_event(ref='refs/heads/feature', after=sha)
        r = self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body)})
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()['queued'])
        self.assertIn('refs/heads/feature', r.json()['note'])
        self.assert_refused(r, word, status=200)

    def test_github_form_encoded(self):
        word, sha = self.push_new()
        body = 'payload=' + urllib.parse.quote_plus(push_event(after=sha))
        self.assert_accepted(self.post('/hooks/github', body, {
            'X-GitHub-Event': 'push',
            'Content-Type': 'application/x-www-form-urlencoded',
            'X-Hub-Signature-256': sign(body)}), word)

    def test_gitea(self):
        word, sha = self.push_new()
        body = push_event(after=sha)
        self.assert_accepted(self.post('/hooks/github', body, {
            'X-Gitea-Event': 'push',
            'X-Gitea-Signature': sign(body)[len('sha256='):]}), word)
        self.assertEqual(wait_idle(self.srv)['last']['reason'], 'gitea')

    # GitLab

    def test_gitlab_good_token(self):
        word, sha = self.push_new()
        self.assert_accepted(self.post(
            '/hooks/gitlab', gitlab_event(after=sha),
            {'X-Gitlab-Event': 'Push Hook',
             'X-Gitlab-Token': GITLAB_TOKEN}), word)

    def test_gitlab_bad_token(self):
        word, sha = self.push_new()
        self.assert_refused(self.post(
            '/hooks/gitlab', gitlab_event(after=sha),
            {'X-Gitlab-Event': 'Push Hook',
             'X-Gitlab-Token': GITLAB_TOKEN + 'x'}), word)
        self.assert_refused(self.post(
            '/hooks/gitlab', gitlab_event(after=sha),
            {'X-Gitlab-Token': GITLAB_TOKEN[:-1]}), word)

    def test_gitlab_missing_token(self):
        word, sha = self.push_new()
        self.assert_refused(self.post('/hooks/gitlab',
                                      gitlab_event(after=sha),
                                      {'X-Gitlab-Event': 'Push Hook'}),
                            word)

    def test_gitlab_webhook_secret_is_not_its_token(self):
        word, sha = self.push_new()
        self.assert_refused(self.post('/hooks/gitlab',
                                      gitlab_event(after=sha),
                                      {'X-Gitlab-Token': SECRET}), word)

    def test_gitlab_tag_push_and_other_events(self):
        r = self.post('/hooks/gitlab', gitlab_event(kind='tag_push',
                                                    ref='refs/tags/v1'),
                      {'X-Gitlab-Token': GITLAB_TOKEN})
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()['queued'])
        r = self.post('/hooks/gitlab', json.dumps({'object_kind': 'issue'}),
                      {'X-Gitlab-Token': GITLAB_TOKEN})
        self.assertEqual(r.status, 400)

    # pmkb notify's format

    def test_git_hook_signatures(self):
        word, sha = self.push_new()
        body = f'{ZERO} {sha} refs/heads/main\n'
        self.assert_refused(self.post('/hooks/git', body, {}), word)
        self.assert_refused(self.post('/hooks/git', body, {
            'X-Pmkb-Signature': sign(body, 'wrong')}), word)
        self.assert_refused(self.post('/hooks/git', body, {
            'X-Pmkb-Signature': sign(f'{ZERO} {ZERO} refs/heads/main\n')}),
            word)
        self.assert_refused(self.post('/hooks/git', 'hello', {
            'X-Pmkb-Signature': sign('hello')}), word, status=400)
        self.assert_accepted(self.post('/hooks/git', body, {
            'X-Pmkb-Signature': sign(body)}), word)

    def test_git_hook_replay_changes_nothing(self):
        word, sha = self.push_new()
        body = f'{ZERO} {sha} refs/heads/main\n'
        headers = {'X-Pmkb-Signature': sign(body)}
        self.assert_accepted(self.post('/hooks/git', body, headers), word)
        wait_idle(self.srv)
        r = self.post('/hooks/git', body, headers)
        self.assertEqual(r.status, 202)
        last = wait_idle(self.srv)['last']
        self.assertEqual(last['mode'], 'noop')
        self.assertEqual(search_total(self.srv, word), 1)

    # Limits and methods

    def test_oversized_bodies_are_413(self):
        big = '{"ref": "' + 'x' * 10000 + '"}'
        for path, headers in (
                ('/hooks/git', {'X-Pmkb-Signature': sign(big)}),
                ('/hooks/github', {'X-GitHub-Event': 'push',
                                   'X-Hub-Signature-256': sign(big)}),
                ('/hooks/gitlab', {'X-Gitlab-Token': GITLAB_TOKEN})):
            r = self.post(path, big, headers)
            self.assertEqual(r.status, 413, path)
        self.assertEqual(self.srv.get('/healthz').status, 200)

    def test_get_is_not_allowed(self):
        self.assertEqual(self.srv.get('/hooks/github').status, 405)


class WithoutSecrets(unittest.TestCase):
    def test_hooks_are_off_without_secrets(self):
        repo = Repo()
        try:
            repo.write('a.md', postmortem('A', 'armadillo'))
            repo.commit('a')
            repo.push(secret=None)
            srv = git_server(repo, env={'PMKB_WEBHOOK_SECRET': '',
                                        'PMKB_GITLAB_TOKEN': ''}).start()
            try:
                body = push_event()
                r = srv.request('POST', '/hooks/github', body, {
                    'X-GitHub-Event': 'push',
                    'X-Hub-Signature-256': sign(body, '')})
                self.assertEqual(r.status, 401)
                self.assertIn('PMKB_WEBHOOK_SECRET', r.json()['error'])
                r = srv.request('POST', '/hooks/gitlab', body,
                                {'X-Gitlab-Token': ''})
                self.assertEqual(r.status, 401)
            finally:
                close_server(srv)
        finally:
            repo.close()


class DirectoryMode(unittest.TestCase):
    def test_hooks_without_repo_are_503(self):
        with Server(env={'PMKB_WEBHOOK_SECRET': SECRET}) as srv:
            body = push_event()
            r = srv.request('POST', '/hooks/github', body, {
                'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(body)})
            self.assertEqual(r.status, 503)
            self.assertIn('--repo', r.json()['error'])
            r = srv.request('POST', '/hooks/github', body, {
                'X-GitHub-Event': 'push'})
            self.assertEqual(r.status, 401)
            self.assertFalse(srv.get_json('/api/sync')['following'])


if __name__ == '__main__':
    main()

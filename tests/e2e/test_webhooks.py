"""Webhook deliveries: GitHub, Gitea, GitLab and pmkb notify's format.

The bare repository has no hooks here: the test pushes, then delivers the
webhook the hosting service would send, with good, bad, missing and stale
signatures. Only an authenticated push to the followed branch may cause
a sync; pmkb fetches the commits itself.
"""
import hashlib
import hmac
import json
import os
import re
import unittest
import urllib.parse

from gittest import (GITLAB_TOKEN, SECRET, ZERO, Repo, close_server, git,
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


def seeded(args=()):
    """A repository with one postmortem pushed, and a started server
    following it."""
    repo = Repo()
    repo.write('2024-01-01-seed.md', postmortem('Seed', 'seedling'))
    repo.commit('seed')
    repo.push(secret=None)
    return repo, git_server(repo, args=list(args)).start()


class Deliveries(unittest.TestCase):
    """One server for all: each test checks that refused deliveries
    trigger no sync, and that accepted ones make the pushed file
    searchable."""

    @classmethod
    def setUpClass(cls):
        cls.repo, cls.srv = seeded(['--max-body', '4096'])
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


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                        'fixtures', 'webhooks')


def recorded(name, **fields):
    """The recorded payload tests/fixtures/webhooks/name, its bytes kept
    except for the given top-level string fields (ref, before, after,
    checkout_sha), each of which must occur once at the top level."""
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as f:
        body = f.read()
    for key, value in fields.items():
        body, n = re.subn(r'^(  "%s": ")[^"]*(")' % key,
                          lambda m: m.group(1) + value + m.group(2), body,
                          flags=re.M)
        assert n == 1, f'{name}: top-level "{key}" found {n} times'
    json.loads(body)
    return body


def sign_sha1(body):
    """The legacy X-Hub-Signature both GitHub and Gitea still send."""
    return 'sha1=' + hmac.new(SECRET.encode(), body.encode(),
                              hashlib.sha1).hexdigest()


def github_headers(body):
    """The headers GitHub sends with a JSON push delivery."""
    return {'Content-Type': 'application/json',
            'User-Agent': 'GitHub-Hookshot/044aadd',
            'X-GitHub-Event': 'push',
            'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
            'X-GitHub-Hook-ID': '292430182',
            'X-GitHub-Hook-Installation-Target-ID': '79929171',
            'X-GitHub-Hook-Installation-Target-Type': 'repository',
            'X-Hub-Signature': sign_sha1(body),
            'X-Hub-Signature-256': sign(body)}


def gitea_headers(body):
    """The headers Gitea sends with a JSON push delivery
    (services/webhook/deliver.go)."""
    hex256 = sign(body)[len('sha256='):]
    uuid = 'f6266f16-1bf3-46a5-9ea4-602e06ead473'
    return {'Content-Type': 'application/json',
            'User-Agent': 'Go-http-client/1.1',
            'X-Gitea-Delivery': uuid, 'X-Gitea-Event': 'push',
            'X-Gitea-Event-Type': 'push', 'X-Gitea-Signature': hex256,
            'X-Gogs-Delivery': uuid, 'X-Gogs-Event': 'push',
            'X-Gogs-Event-Type': 'push', 'X-Gogs-Signature': hex256,
            'X-Hub-Signature': sign_sha1(body),
            'X-Hub-Signature-256': 'sha256=' + hex256,
            'X-GitHub-Delivery': uuid, 'X-GitHub-Event': 'push',
            'X-GitHub-Event-Type': 'push'}


def gitlab_headers(_body):
    """The headers GitLab sends with a push delivery."""
    return {'Content-Type': 'application/json',
            'User-Agent': 'GitLab/17.0.0',
            'X-Gitlab-Event': 'Push Hook',
            'X-Gitlab-Instance': 'https://gitlab.example.com',
            'X-Gitlab-Webhook-UUID': '3c5c0404-c866-44bc-a5f6-452bb1bfc76e',
            'X-Gitlab-Event-UUID': '9cebe914-4827-408f-b014-cfa23a47a35f',
            'X-Gitlab-Token': GITLAB_TOKEN}


class RecordedPayloads(unittest.TestCase):
    """Each forge's documented push payload, pointed at the test's
    repository (ref, before, after) and sent signed with the forge's
    headers: pmkb syncs the pushed postmortem. The payload's own branch
    (master, develop) is not the one followed: ignored."""

    FORGES = {
        'github': ('/hooks/github', 'github-push.json', github_headers,
                   'refs/heads/master', 'github'),
        'gitea': ('/hooks/github', 'gitea-push.json', gitea_headers,
                  'refs/heads/develop', 'gitea'),
        'gitlab': ('/hooks/gitlab', 'gitlab-push.json', gitlab_headers,
                   'refs/heads/master', 'gitlab'),
    }

    @classmethod
    def setUpClass(cls):
        # No --max-body: the recorded GitHub payload is over 8 KB.
        cls.repo, cls.srv = seeded()
        wait_for(found(cls.srv, 'seedling'))
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()

    def push_new(self):
        """Pushes a new postmortem without telling pmkb; returns its word,
        the old head and the new one."""
        RecordedPayloads.n += 1
        before = git(self.repo.work, 'rev-parse', 'HEAD').stdout.strip()
        word = f'recordedword{self.n}z'
        self.repo.write(f'2024-03-{self.n:02d}-recorded.md',
                        postmortem(f'Recorded {self.n}', word))
        after = self.repo.commit(f'recorded {self.n}')
        self.repo.push(secret=None)
        return word, before, after

    def deliver(self, forge, main_branch):
        """Pushes, then delivers forge's recorded payload for it, on main
        or on the payload's own branch. Returns the reply and the word."""
        path, name, headers, _, _ = self.FORGES[forge]
        word, before, after = self.push_new()
        fields = {'before': before, 'after': after}
        if forge == 'gitlab':
            fields['checkout_sha'] = after
        if main_branch:
            fields['ref'] = 'refs/heads/main'
        body = recorded(name, **fields)
        return self.srv.request('POST', path, body, headers(body)), word

    def check_synced(self, forge):
        r, word = self.deliver(forge, main_branch=True)
        self.assertEqual(r.status, 202, r.body)
        self.assertTrue(r.json()['queued'])
        self.assertEqual(r.json()['branch'], 'main')
        wait_for(found(self.srv, word))
        self.assertEqual(wait_idle(self.srv)['last']['reason'],
                         self.FORGES[forge][4])

    def check_own_branch_ignored(self, forge):
        r, word = self.deliver(forge, main_branch=False)
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()['queued'])
        self.assertIn(self.FORGES[forge][3], r.json()['note'])
        # Nothing was queued before the answer, so an idle syncer now
        # means no sync will look for word.
        wait_idle(self.srv)
        self.assertEqual(search_total(self.srv, word), 0)

    def test_github_push_syncs(self):
        self.check_synced('github')

    def test_github_push_to_its_branch_is_ignored(self):
        self.check_own_branch_ignored('github')

    def test_gitea_push_syncs(self):
        self.check_synced('gitea')

    def test_gitea_push_to_its_branch_is_ignored(self):
        self.check_own_branch_ignored('gitea')

    def test_gitlab_push_syncs(self):
        self.check_synced('gitlab')

    def test_gitlab_push_to_its_branch_is_ignored(self):
        self.check_own_branch_ignored('gitlab')


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

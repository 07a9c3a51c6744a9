"""Comments on pull requests: signed pull_request / merge_request events
at /hooks/github and /hooks/gitlab make pmkb read the changed paths from
the forge, recall past incidents and post ONE comment through the forge's
REST API, edited in place by later pushes, never duplicated, also across
a restart in the middle of a delivery. The forge is a local listener
(forgetest.py) that checks each request as the real API would."""
import json
import os
import shutil
import signal
import tempfile
import unittest

from forgetest import TOKENS, Forge
from gittest import GITLAB_TOKEN, SECRET, sign, wait_for
from pmkbtest import Server, main
from slacktest import Listener, check_mrkdwn

SETTINGS = """services:
  billing-api: {paths: ['billing/**']}
"""
MARKER = '<!-- pmkb:recall -->'


def pm(slug, started, services, body):
    return (f'---\ntitle: {slug}\nstarted_at: {started}\nseverity: SEV1\n'
            f'cause: application\nservices: [{", ".join(services)}]\n'
            f'---\n# {slug}\n\n{body}\n')


def hub_event(forge, number, head, action='opened', draft=False):
    api = forge.api
    return {'action': action, 'number': number,
            'pull_request': {'number': number, 'draft': draft,
                             'head': {'sha': head}},
            'repository': {'full_name': 'acme/shop',
                           'url': f'{api}/repos/acme/shop'}}


def gitlab_event(number, head, action='open', draft=False):
    return {'object_kind': 'merge_request',
            'project': {'id': 42, 'path_with_namespace': 'acme/shop',
                        'web_url': 'http://gitlab.invalid/acme/shop'},
            'object_attributes': {'iid': number, 'action': action,
                                  'draft': draft,
                                  'work_in_progress': draft,
                                  'last_commit': {'id': head}}}


class PullRequestComments(unittest.TestCase):
    kind = 'github'

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-pr-')
        self.dir = os.path.join(self.tmp, 'pm')
        os.makedirs(self.dir)
        for slug, text in {
            '2020-01-01-billing-outage': pm('billing-outage', '2020-01-01',
                                            ['billing-api'],
                                            '- [ ] @ann due:2030-01-01 '
                                            'Cap invoice retries'),
            '2019-03-01-nginx-route': pm('nginx-route', '2019-03-01',
                                         ['edge'], 'The change to '
                                         '`ops/nginx/site.conf` dropped '
                                         'a route.'),
        }.items():
            with open(os.path.join(self.dir, slug + '.md'), 'w') as f:
                f.write(text)
        with open(os.path.join(self.dir, '.pmkb.yml'), 'w') as f:
            f.write(SETTINGS)
        self.db = os.path.join(self.tmp, 'pmkb.db')
        self.forge = Forge(self.kind).start()
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.stop()
        self.forge.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(self.forge.violations, [])

    def start(self, args=(), **env):
        e = {'PMKB_WEBHOOK_SECRET': SECRET, 'PMKB_GITLAB_TOKEN': GITLAB_TOKEN,
             'PMKB_GITHUB_TOKEN': TOKENS['github'],
             'PMKB_GITEA_TOKEN': TOKENS['gitea'],
             'PMKB_GITLAB_API_TOKEN': TOKENS['gitlab'],
             'PMKB_GITLAB_API': self.forge.api if self.kind == 'gitlab'
             else ''}
        e.update(env)
        self.srv = Server(self.dir, db=self.db, env=e,
                          args=['--slack-backoff-ms', '50'] + list(args))
        self.srv.start()

    def stop(self, sig=signal.SIGTERM):
        self.srv.stop(sig)
        self.srv.log.close()
        self.srv.proc.stdout.close()
        shutil.rmtree(self.srv.tmp, ignore_errors=True)
        self.srv = None

    def send(self, event, expect=202):
        body = json.dumps(event)
        if self.kind == 'gitlab':
            headers = {'X-Gitlab-Token': GITLAB_TOKEN,
                       'X-Gitlab-Event': 'Merge Request Hook'}
            path = '/hooks/gitlab'
        elif self.kind == 'gitea':
            headers = {'X-Gitea-Event': 'pull_request',
                       'X-Gitea-Signature': sign(body)[7:]}
            path = '/hooks/github'
        else:
            headers = {'X-GitHub-Event': 'pull_request',
                       'X-Hub-Signature-256': sign(body)}
            path = '/hooks/github'
        headers['Content-Type'] = 'application/json'
        r = self.srv.request('POST', path, body, headers)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def event(self, number, head, action=None, draft=False):
        if self.kind == 'gitlab':
            return gitlab_event(number, head, action or 'open', draft)
        return hub_event(self.forge, number, head, action or 'opened',
                         draft)

    def ready(self, number, head):
        """A draft marked ready for review, as each forge says it: GitHub's
        ready_for_review, GitLab's update whose changes.draft went from
        true to false, Gitea's edit of the title that drops its "WIP:"."""
        if self.kind == 'gitlab':
            ev = gitlab_event(number, head, 'update')
            ev['changes'] = {'draft': {'previous': True, 'current': False},
                             'work_in_progress': {'previous': True,
                                                  'current': False}}
            return ev
        if self.kind == 'gitea':
            ev = hub_event(self.forge, number, head, 'edited')
            ev['changes'] = {'title': {'from': 'WIP: cap retries'}}
            return ev
        return hub_event(self.forge, number, head, 'ready_for_review')

    def push(self, number, head):
        return self.event(number, head, {'gitlab': 'update',
                                         'gitea': 'synchronized'}.get(
                                             self.kind, 'synchronize'))

    def repo(self):
        return '42' if self.kind == 'gitlab' else 'acme/shop'

    def logged(self, what, n=1):
        wait_for(lambda: self.srv.stderr().count(what) >= n, timeout=30)

    # ---- the tests ----

    def test_one_comment_edited_in_place_on_a_push(self):
        key = (self.repo(), 7)
        # More than a page of changed files: pmkb reads every page.
        self.forge.files[key] = [f'docs/page{i}.md' for i in range(120)] + \
            ['billing/invoice.go']
        self.start()
        r = self.send(self.event(7, 'a' * 40))
        self.assertEqual((r['queued'], r['number']), (True, 7))
        self.logged('prcomment.sent')
        comments = self.forge.all_comments()
        self.assertEqual(list(comments), [key])
        [c] = comments[key]
        self.assertIn(MARKER, c['body'])
        self.assertIn('billing-outage', c['body'])
        self.assertIn('Cap invoice retries', c['body'])
        self.assertNotIn('nginx-route', c['body'])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        self.assertEqual(len([p for m, p in self.forge.calls('GET')
                              if 'files' in p or 'diffs' in p]), 3)
        # A push: the paths change, the same comment is edited.
        self.forge.files[key] = ['billing/invoice.go', 'ops/nginx/site.conf']
        self.send(self.event(7, 'b' * 40, 'update' if self.kind == 'gitlab'
                             else 'synchronize'))
        self.logged('prcomment.sent', 2)
        [c2] = self.forge.all_comments()[key]
        self.assertEqual(c2['id'], c['id'])
        self.assertIn('nginx-route', c2['body'])
        self.assertIn('bbbbbbbbbbbb', c2['body'])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        edit = 'PUT' if self.kind == 'gitlab' else 'PATCH'
        self.assertEqual(len(self.forge.calls(edit)), 1)

    def test_nothing_matched_no_comment(self):
        self.forge.files[(self.repo(), 8)] = ['README.md', 'web/app.js']
        self.start()
        self.send(self.event(8, 'c' * 40))
        self.logged('prcomment.skipped')
        self.assertEqual(self.forge.all_comments(), {})
        self.assertEqual(self.forge.calls('POST'), [])

    def test_ready_for_review_posts_the_one_comment(self):
        # The draft's own events never reached pmkb (the hook was added
        # later): marking it ready is what brings the comment.
        key = (self.repo(), 16)
        self.forge.files[key] = ['billing/invoice.go']
        self.start()
        r = self.send(self.ready(16, 'a' * 40))
        self.assertEqual((r['queued'], r['number']), (True, 16))
        self.logged('prcomment.sent')
        [c] = self.forge.all_comments()[key]
        self.assertIn(MARKER, c['body'])
        self.assertIn('billing-outage', c['body'])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        # A later push edits that comment, it posts no second one.
        self.forge.files[key] = ['billing/invoice.go', 'ops/nginx/site.conf']
        self.send(self.push(16, 'b' * 40))
        self.logged('prcomment.sent', 2)
        [c2] = self.forge.all_comments()[key]
        self.assertEqual(c2['id'], c['id'])
        self.assertIn('nginx-route', c2['body'])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        edit = 'PUT' if self.kind == 'gitlab' else 'PATCH'
        self.assertEqual(len(self.forge.calls(edit)), 1)

    def test_a_draft_is_commented_and_ready_keeps_that_comment(self):
        key = (self.repo(), 17)
        self.forge.files[key] = ['billing/invoice.go']
        self.start()
        self.send(self.event(17, 'a' * 40, draft=True))
        self.logged('prcomment.sent')
        [c] = self.forge.all_comments()[key]
        self.assertIn('billing-outage', c['body'])
        # Ready for review, the same code: the recall is run again and
        # comes out the same, so the comment is neither posted again nor
        # edited. Gitea's title edit is not an event pmkb acts on.
        r = self.send(self.ready(17, 'a' * 40),
                      expect=200 if self.kind == 'gitea' else 202)
        if self.kind == 'gitea':
            self.assertFalse(r['queued'])
        else:
            self.logged('prcomment.sent', 2)
        self.assertEqual(self.forge.all_comments()[key], [c])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        self.assertEqual([m for m, _ in self.forge.calls()
                          if m in ('PATCH', 'PUT')], [])

    def test_closed_is_ignored(self):
        self.start()
        r = self.send(self.event(9, 'd' * 40, 'close' if self.kind ==
                                 'gitlab' else 'closed'), expect=200)
        self.assertFalse(r['queued'])
        self.assertEqual(self.forge.calls(), [])


class GitLab(PullRequestComments):
    kind = 'gitlab'


class Gitea(PullRequestComments):
    kind = 'gitea'
    # Gitea has no ready_for_review action: the test does not apply (a
    # skip would count as a missing tool).
    test_ready_for_review_posts_the_one_comment = None


class GitHubOnly(PullRequestComments):
    """Delivery details, on one forge."""


    def test_restart_mid_delivery_does_not_duplicate(self):
        key = ('acme/shop', 11)
        self.forge.files[key] = ['billing/api.go']
        self.forge.hold_create.set()
        self.start()
        self.send(self.event(11, 'e' * 40))
        # The forge has stored the comment but pmkb never hears back.
        self.assertTrue(self.forge.held.wait(30))
        self.stop(signal.SIGKILL)
        self.forge.hold_create.clear()
        self.start()
        self.logged('prcomment.sent')
        [c] = self.forge.all_comments()[key]
        self.assertIn('billing-outage', c['body'])
        self.assertEqual(len(self.forge.calls('POST')), 1)
        self.assertEqual(len(self.forge.calls('PATCH')), 1)

    def test_a_failing_forge_is_retried(self):
        key = ('acme/shop', 12)
        self.forge.files[key] = ['billing/api.go']
        self.forge.fail = [502, 503]
        self.start()
        self.send(self.event(12, 'f' * 40))
        self.logged('prcomment.sent')
        self.assertEqual(len(self.forge.all_comments()[key]), 1)
        self.logged('prcomment.retry', 2)
        prs = self.srv.get_json('/api/outbox')['pull_requests']
        self.assertTrue(prs['enabled'])
        self.assertEqual(prs['counts']['sent'], 1)
        [row] = prs['recent']
        self.assertEqual((row['forge'], row['repo'], row['number'],
                          row['state'], row['attempts'], row['matches']),
                         ('github', 'acme/shop', 12, 'sent', 3, 1))
        self.assertEqual(row['comment_id'],
                         str(self.forge.all_comments()[key][0]['id']))

    def test_a_refusal_is_not_retried_and_is_shown(self):
        self.forge.files[('acme/shop', 15)] = ['billing/api.go']
        self.forge.fail = [403]
        self.start()
        self.send(self.event(15, 'a' * 40))
        self.logged('prcomment.failed')
        prs = self.srv.get_json('/api/outbox')['pull_requests']
        [row] = prs['recent']
        self.assertEqual((row['state'], row['attempts'], row['last_status']),
                         ('failed', 1, 403))
        self.assertIn('/repos/acme/shop/pulls/15/files', row['last_error'])
        self.assertNotIn(TOKENS['github'], json.dumps(prs))
        self.assertNotIn(TOKENS['github'], self.srv.stderr())
        self.assertEqual(self.forge.calls('POST'), [])
        # A new push queues it again, with fresh tries.
        self.send(self.event(15, 'b' * 40, 'synchronize'))
        self.logged('prcomment.sent')
        self.assertEqual(len(self.forge.all_comments()[('acme/shop', 15)]),
                         1)

    def test_unsigned_or_without_token(self):
        self.forge.files[('acme/shop', 13)] = ['billing/api.go']
        self.start(PMKB_GITHUB_TOKEN='')
        body = json.dumps(self.event(13, 'a' * 40))
        r = self.srv.request('POST', '/hooks/github', body,
                             {'X-GitHub-Event': 'pull_request'})
        self.assertEqual(r.status, 401)
        r = self.send(self.event(13, 'a' * 40), expect=200)
        self.assertIn('PMKB_GITHUB_TOKEN', r['note'])
        self.assertEqual(self.forge.calls(), [])


    def test_to_a_slack_channel_instead(self):
        slack = Listener()
        self.addCleanup(slack.stop)
        key = ('acme/shop', 14)
        self.forge.files[key] = ['billing/api.go']
        self.start(args=['--pr-comments', 'slack'],
                   PMKB_SLACK_WEBHOOK_URL=slack.url)
        self.send(self.event(14, 'a' * 40))
        wait_for(lambda: slack.delivered(), timeout=30)
        [text] = slack.delivered()
        check_mrkdwn(self, text)
        self.assertIn('acme/shop#14', text)
        self.assertIn('billing-outage', text)
        self.assertIn('Cap invoice retries', text)
        # The same answer again (a re-sent event): no second message.
        self.send(self.event(14, 'a' * 40, 'reopened'))
        self.logged('prcomment.sent', 2)
        # Nothing was posted on the forge: it was only read.
        self.assertEqual([m for m, _ in self.forge.calls() if m != 'GET'],
                         [])
        # A push with another answer is a new message.
        self.forge.files[key] = ['billing/api.go', 'ops/nginx/site.conf']
        self.send(self.event(14, 'b' * 40, 'synchronize'))
        wait_for(lambda: len(slack.delivered()) == 2, timeout=30)
        self.assertIn('nginx-route', slack.delivered()[1])
        self.assertEqual(len(slack.snapshot()), 2)


del PullRequestComments

if __name__ == '__main__':
    main()

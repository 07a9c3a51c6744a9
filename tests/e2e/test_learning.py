"""The learning loop through real pushes: action items keep their links,
tracker references and implied due dates (.pmkb.yml), and a commit in a
second repository closes an item through its Postmortem-Action trailer,
reported by pmkb notify from that repository's post-receive hook.
"""
import json
import os
import subprocess
import unittest

from gittest import (SECRET, Repo, close_server, git, git_server, sign,
                     wait_for, wait_idle)
from pmkbtest import BIN, main

SETTINGS = """\
severities: [SEV0, SEV1, SEV2, SEV3]
trackers:
  - pattern: 'JIRA-(\\d+)'
    url: 'https://jira.example.com/browse/JIRA-$1'
due_by_severity: {SEV1: 4w, default: 8w}
"""

FAILOVER = """\
---
title: Database failover stalled
started_at: 2024-03-01T09:00:00+09:00
severity: SEV1
cause: infrastructure
services: [db]
---
# Database failover stalled

## Action items

- [ ] @tanaka Raise the [failover runbook](https://wiki.example.com/runbook) JIRA-42
- [ ] @sato Add a replica lag alert due:2024-03-10
- [x] Write this postmortem
"""

SLUG = '2024-03-01-failover'


class Learning(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS)
        cls.repo.write(f'{SLUG}.md', FAILOVER)
        cls.repo.commit('failover postmortem')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo).start()
        cls.repo.install_post_receive(cls.srv.base)
        wait_idle(cls.srv)
        # The second repository: application code, not postmortems.
        cls.app = Repo()

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()
        cls.app.close()

    def items(self):
        return self.srv.get_json(f'/api/postmortems/{SLUG}')['action_items']

    def test_links_trackers_and_implied_due(self):
        a, b, c = self.items()
        links = [p for p in a['parts'] if 'href' in p]
        self.assertEqual(
            links,
            [{'text': 'failover runbook',
              'href': 'https://wiki.example.com/runbook'},
             {'text': 'JIRA-42',
              'href': 'https://jira.example.com/browse/JIRA-42'}])
        self.assertEqual(''.join(p['text'] for p in a['parts']), a['text'])
        # SEV1: four weeks after the day it started, where it started.
        self.assertEqual(a['due'], '2024-03-29')
        self.assertTrue(a['due_implied'])
        self.assertTrue(a['overdue'])
        self.assertEqual(b['due'], '2024-03-10')
        self.assertFalse(b['due_implied'])
        self.assertFalse(c['overdue'])
        # The list of items across postmortems shows the same.
        listed = self.srv.get_json('/api/action-items?owner=tanaka')
        item = [i for i in listed['items'] if i['slug'] == SLUG][0]
        self.assertEqual(item['parts'], a['parts'])
        self.assertEqual(item['due'], '2024-03-29')
        self.assertTrue(item['due_implied'])
        self.assertEqual(item['position'], 1)

    def test_trailer_in_second_repo_closes_item(self):
        app = self.app
        hook = os.path.join(app.remote, 'hooks', 'post-receive')
        with open(hook, 'w') as f:
            f.write(f'#!/bin/sh\nexec "{BIN}" notify --server '
                    f'{self.srv.base} payments\n')
        os.chmod(hook, 0o755)
        app.write('fix.txt', 'lag alert\n')
        git(app.work, 'add', '-A')
        git(app.work, 'commit', '-q', '-m',
            f'Alert on replica lag\n\nPostmortem-Action: {SLUG}#2\n'
            f'Postmortem-Action: no-such-postmortem#1')
        sha = app.head()
        r = git(app.work, 'push', 'origin', 'main',
                env={'PMKB_WEBHOOK_SECRET': SECRET})
        self.assertIn(f'action item {SLUG}#2 done in commit {sha[:12]}',
                      r.stderr)
        self.assertIn('no-such-postmortem#1', r.stderr)
        item = self.items()[1]
        self.assertEqual(len(item['commits']), 1)
        self.assertEqual(item['commits'][0]['repo'], 'payments')
        self.assertEqual(item['commits'][0]['commit'], sha)
        self.assertEqual(item['commits'][0]['author'], 'Ada Lovelace')
        self.assertTrue(item['done_in_commit_unticked'])
        self.assertIn('ledger.unknown', self.srv.stderr())
        # The same push reported again records nothing twice.
        body = json.dumps({'repo': 'payments', 'commits': [
            {'id': sha, 'author': 'Ada', 'time': 1,
             'actions': [f'{SLUG}#2']}]})
        r = self.srv.request('POST', '/hooks/actions', body,
                             {'X-Pmkb-Signature': sign(body),
                              'Content-Type': 'application/json'})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(self.items()[1]['commits']), 1)
        # pmkb lint reports the item done in a commit but not ticked.
        lint = subprocess.run(
            [BIN, 'lint', '--db', self.srv.db,
             os.path.join(self.repo.work, 'postmortems')],
            capture_output=True, text=True, timeout=60)
        self.assertIn('done in commit', lint.stdout + lint.stderr)

    def test_github_push_with_trailer(self):
        body = json.dumps({
            'ref': 'refs/heads/main', 'after': 'b' * 40,
            'repository': {'full_name': 'acme/api'},
            'commits': [{'id': 'c' * 40, 'timestamp':
                         '2024-03-05T10:00:00+09:00',
                         'author': {'name': 'Grace'},
                         'message': f'Fix\n\nPostmortem-Action: {SLUG}#1'}]})
        r = self.srv.request('POST', '/hooks/github', body,
                             {'X-Hub-Signature-256': sign(body),
                              'X-GitHub-Event': 'push',
                              'Content-Type': 'application/json'})
        self.assertIn(r.status, (200, 202), r.body)
        self.assertEqual(r.json()['actions']['recorded'][0]['ref'],
                         f'{SLUG}#1')
        c = self.items()[0]['commits']
        self.assertEqual([x['repo'] for x in c], ['acme/api'])
        self.assertEqual(c[0]['time'], '2024-03-05T01:00:00+00:00')

    def test_zz_trailer_naming_the_item_by_its_text(self):
        def push(message):
            body = json.dumps({
                'ref': 'refs/heads/main', 'after': 'd' * 40,
                'repository': {'full_name': 'acme/text'},
                'commits': [{'id': 'e' * 40, 'timestamp': 1700000000,
                             'author': {'name': 'Grace'},
                             'message': message}]})
            r = self.srv.request('POST', '/hooks/github', body,
                                 {'X-Hub-Signature-256': sign(body),
                                  'X-GitHub-Event': 'push',
                                  'Content-Type': 'application/json'})
            self.assertIn(r.status, (200, 202), r.body)
            return r.json()['actions']

        # The whole text (case aside), commas and all, or a unique start.
        a = push(f'Docs\n\nPostmortem-Action: {SLUG}: write THIS '
                 f'postmortem\nPostmortem-Action: {SLUG}: Add a replica')
        self.assertEqual([x['ref'] for x in a['recorded']],
                         [f'{SLUG}: write THIS postmortem',
                          f'{SLUG}: Add a replica'])
        items = self.items()
        self.assertIn('acme/text', [c['repo'] for c in items[2]['commits']])
        self.assertIn('acme/text', [c['repo'] for c in items[1]['commits']])
        # A text that names no item is answered and logged.
        a = push(f'x\n\nPostmortem-Action: {SLUG}: Nothing like this')
        self.assertEqual(a['recorded'], [])
        self.assertIn('has (or starts with) this text',
                      a['unknown'][0]['reason'])


if __name__ == '__main__':
    main()

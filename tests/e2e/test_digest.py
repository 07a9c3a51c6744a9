"""The action-item digest: on the .pmkb.yml schedule, through the durable
outbox, to a local listener that behaves like Slack's incoming webhook,
exactly once per period across a restart; pmkb digest --dry-run prints it.
"""
import datetime
import os
import shutil
import tempfile
import unittest
import zoneinfo

from opstest import wait_until
from pmkbtest import Server, main, pmkb
from slacktest import (PUBLIC_URL, SIGNING_SECRET, Listener, check_blocks,
                       slack_body, slack_headers)

ZONE = 'Asia/Tokyo'
# A fixed "now" for the server and the CLI (PMKB_NOW, UTC): Monday
# 2026-03-02 10:01 in the reporting time zone, a minute into the period of
# a digest due on Mondays at 10:00.
NOW = datetime.datetime(2026, 3, 2, 10, 1, tzinfo=zoneinfo.ZoneInfo(ZONE))


def postmortem(slug, started, items):
    return (f'---\ntitle: {slug} title\nstarted_at: {started}\n'
            f'severity: SEV1\ncause: infrastructure\n---\n# {slug}\n\n'
            f'## Action items\n\n' + ''.join(f'- {i}\n' for i in items))


class Digest(unittest.TestCase):

    def setUp(self):
        # The schedule: a minute before NOW, so the period has just begun
        # whatever the day and time of the run.
        utc = NOW.astimezone(datetime.timezone.utc)
        os.environ['PMKB_NOW'] = utc.strftime('%Y-%m-%dT%H:%M:%S')
        self.addCleanup(os.environ.pop, 'PMKB_NOW', None)
        local = NOW - datetime.timedelta(minutes=1)
        self.day = local.date()
        soon = self.day + datetime.timedelta(days=3)
        later = self.day + datetime.timedelta(days=30)
        self.dir = tempfile.mkdtemp(prefix='pmkb-digest-')
        files = {
            '.pmkb.yml': (
                f'time_zone: {ZONE}\nseverities: [SEV0, SEV1, SEV2]\n'
                'due_by_severity: {SEV1: 4w}\n'
                f'digest: {{day: {local.strftime("%A").lower()}, '
                f'time: "{local.strftime("%H:%M")}"}}\n'
                'people: {tanaka: U0TANAKA}\n'),
            '2024-03-01-failover.md': postmortem(
                '2024-03-01-failover', '2024-03-01T09:00:00+09:00',
                ['[ ] @tanaka Raise the failover runbook',
                 '[x] @tanaka Write this postmortem',
                 f'[ ] @sato Add a lag alert due:{soon}']),
            '2024-04-01-dns.md': postmortem(
                '2024-04-01-dns', '2024-04-01T09:00:00+09:00',
                [f'[ ] @sato Rotate the keys due:{later}',
                 f'[ ] Check the resolver & cache > 2s due:{soon}']),
        }
        for name, text in files.items():
            with open(os.path.join(self.dir, name), 'w') as f:
                f.write(text)
        self.slack = Listener()
        self.dbdir = tempfile.mkdtemp(prefix='pmkb-digest-db-')
        self.db = os.path.join(self.dbdir, 'pmkb.db')

    def tearDown(self):
        self.slack.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.dbdir, ignore_errors=True)

    def server(self):
        return Server(self.dir, db=self.db,
                      args=['--public-url', PUBLIC_URL],
                      env={'PMKB_SLACK_WEBHOOK_URL': self.slack.url,
                           'PMKB_LOG_LEVEL': 'info'})

    def digests(self):
        return [r['json'] for r in self.slack.snapshot()
                if r['json']['text'].startswith('*Action items:*')]

    def test_once_per_period_across_restart(self):
        with self.server() as srv:
            msg = wait_until(lambda: self.digests(), 60)[0]
            wait_until(lambda: 'result=queued' in srv.stderr()
                       or '"queued"' in srv.stderr(), 60)
        check_blocks(self, msg)
        self.assertEqual(
            msg['text'],
            f'*Action items:* 1 overdue, 2 due within 7 days ({self.day})')
        sections = [b['text']['text'] for b in msg['blocks']]
        # Grouped by owner, by name, mentioned when people: knows them,
        # then the items without an owner; far-off and done items are
        # left out.
        self.assertTrue(sections[1].startswith('*@sato*'), sections)
        self.assertIn(f'due {self.day + datetime.timedelta(days=3)}: Add '
                      'a lag alert', sections[1])
        self.assertTrue(sections[2].startswith('<@U0TANAKA>'), sections)
        self.assertIn('overdue since 2024-03-29: Raise the failover '
                      'runbook', sections[2])
        self.assertIn(f'<{PUBLIC_URL}/p/2024-03-01-failover|', sections[2])
        self.assertNotIn('Write this postmortem', ''.join(sections))
        self.assertNotIn('Rotate the keys', ''.join(sections))
        self.assertTrue(sections[3].startswith('*No owner*'), sections)
        self.assertIn('Check the resolver &amp; cache &gt; 2s', sections[3])
        self.assertEqual(len(sections), 4)

        # A restart in the same period queues nothing again.
        with self.server() as srv:
            wait_until(lambda: 'digest.check' in srv.stderr()
                       and 'already' in srv.stderr(), 60)
            r = pmkb('digest', '--db', self.db, '--dir', self.dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('already', r.stdout)
            # The outbox delivered everything it holds.
            wait_until(lambda: 'queued 0, sending 0, sent 1, failed 0' in
                       pmkb('outbox', '--db', self.db).stdout, 60)
        self.assertEqual(len(self.digests()), 1)

        dry = pmkb('digest', '--dry-run', '--db', self.db, '--dir',
                   self.dir, '--public-url', PUBLIC_URL)
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn(f'digest of {self.day}', dry.stdout)
        self.assertIn('<@U0TANAKA>', dry.stdout)
        self.assertIn('Add a lag alert', dry.stdout)

    def test_slash_command_mine_and_overdue(self):
        srv = Server(self.dir, db=self.db, args=['--public-url', PUBLIC_URL],
                     env={'PMKB_SLACK_SIGNING_SECRET': SIGNING_SECRET})
        with srv:
            def ask(text, user='U0E2E'):
                body = slack_body(text, user_id=user)
                r = srv.request('POST', '/slack/command', body,
                                slack_headers(body))
                self.assertEqual(r.status, 200, r.body)
                j = r.json()
                check_blocks(self, j)
                return '\n'.join(b['text']['text'] for b in j['blocks']
                                 if b['type'] == 'section')

            mine = ask('actions mine', user='U0TANAKA')
            self.assertIn('1 open action item* for @tanaka', mine)
            self.assertIn('Raise the failover runbook', mine)
            self.assertNotIn('Add a lag alert', mine)
            overdue = ask('actions overdue')
            self.assertIn('1 overdue action item*', overdue)
            self.assertIn('Raise the failover runbook', overdue)
            self.assertNotIn('Add a lag alert', overdue)
            self.assertIn('0 overdue action items* for @sato',
                          ask('actions @sato overdue'))
            self.assertIn('add your Slack user id (U0NOBODY)',
                          ask('actions mine', user='U0NOBODY'))
            self.assertIn('takes one owner',
                          ask('actions @sato @tanaka'))

    def test_no_schedule_no_digest(self):
        with open(os.path.join(self.dir, '.pmkb.yml'), 'w') as f:
            f.write(f'time_zone: {ZONE}\n')
        r = pmkb('import', '--db', self.db, self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = pmkb('digest', '--dry-run', '--db', self.db, '--dir', self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('no digest', r.stdout)
        r = pmkb('digest', '--db', self.db, '--dir', self.dir)
        self.assertIn('off', r.stdout)


if __name__ == '__main__':
    main()

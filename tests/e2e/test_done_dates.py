"""When an action item was done, through real pushes: the day written in
the item (done:DATE), and the commit that ticked its box, read from the
file's history by a server that follows the pushes one by one and, the
same, by a fresh server that reads the whole history at once (also after
the file moved to another directory). A box ticked when its file was added
has no ticking commit and stays done at an unknown date. Follow-through
counts on time and late from those dates, in the reporting time zone.
"""
import json
import os
import shutil
import tempfile
import unittest
from datetime import datetime, timedelta, timezone

from gittest import (SECRET, Repo, close_server, git, git_server, wait_for,
                     wait_idle)
from pmkbtest import main, pmkb

SLUG = '2024-01-10-keys'
JST = timezone(timedelta(hours=9))
SETTINGS = 'time_zone: Asia/Tokyo\nseverities: [SEV1, SEV2, SEV3]\n'
HEAD = f"""---
title: Signing keys expired
started_at: 2024-01-10T09:00:00+09:00
severity: SEV3
cause: infrastructure
services: [auth]
---
# Signing keys expired
"""
# Item texts, in the order of the list; the box of each is ticked by
# the step named in TICKED_BY (None: never; 'add': as the file was added).
ITEMS = [
    '@ops due:2024-01-20 Rotate the signing keys',
    '@ops due:2024-01-20 Alert before a key expires',
    '@ops due:2024-01-20 Write down who owns the keys',
    '@ops due:2024-01-20 done:2024-01-15 Remove the old key',
    '@ops due:2024-01-20 Move keys to the vault',
    '@ops Add a runbook for expired keys',
]
# Each step: its author time, what it does, and the items it ticks.
STEPS = [
    ('add', datetime(2024, 1, 10, 12, 0, tzinfo=JST), {2, 3}),
    ('tick1', datetime(2024, 1, 19, 23, 30, tzinfo=JST), {0}),
    # 00:10 in Tokyo is the 20th in UTC: late only in the zone's day.
    ('tick2', datetime(2024, 1, 21, 0, 10, tzinfo=JST), {1, 5}),
    ('edit', datetime(2024, 2, 1, 10, 0, tzinfo=JST), set()),
]


def text(ticked, intro='', edited=False):
    lines = [HEAD, intro, '## Action items\n']
    for i, item in enumerate(ITEMS):
        # An item ticked earlier gets a link later: still the same box.
        if edited and i == 0:
            item += ' (see OPS-12)'
        lines.append(f'- [{"x" if i in ticked else " "}] {item}\n')
    return ''.join(lines)


class DoneDates(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS)
        cls.repo.write('2023-12-01-old.md', HEAD.replace(
            'Signing keys expired', 'Old').replace('2024-01-10', '2023-12-01')
            + '\n## Action items\n- [ ] @ops something\n')
        cls.repo.commit_at(datetime(2024, 1, 1, tzinfo=JST), 'settings')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo, env={'PMKB_NOW': '2024-03-01'})
        cls.srv.start()
        cls.repo.install_post_receive(cls.srv.base)
        wait_idle(cls.srv)
        cls.sha = {}
        ticked = set()
        for name, when, ticks in STEPS:
            ticked |= ticks
            # Lines above the list move the boxes: their text names them.
            intro = 'A paragraph added later.\n\n' * (name == 'edit') + \
                '\n' * (name in ('tick2', 'edit'))
            cls.repo.write(f'{SLUG}.md',
                           text(ticked, intro, edited=name == 'edit'))
            cls.sha[name] = sha = cls.repo.commit_at(when, name)
            cls.repo.push()
            wait_for(lambda: cls.indexed(sha), timeout=30)
        # The same keys expire again on the 20th at noon in Tokyo.
        cls.repo.write('2024-01-20-keys-again.md', f"""---
title: Signing keys expired again
started_at: 2024-01-20T12:00:00+09:00
severity: SEV3
cause: infrastructure
services: [auth]
recurrence_of: {SLUG}
---
# Signing keys expired again
""")
        cls.repo.commit_at(datetime(2024, 2, 3, tzinfo=JST), 'again')
        cls.repo.push()
        wait_for(lambda: cls.srv.get(
            '/api/postmortems/2024-01-20-keys-again').status == 200)
        wait_idle(cls.srv)

    @classmethod
    def indexed(cls, sha):
        r = cls.srv.get(f'/api/postmortems/{SLUG}')
        return r.status == 200 and r.json()['source']['commit'] == sha

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()

    def items(self, srv):
        return srv.get_json(f'/api/postmortems/{SLUG}')['action_items']

    def want_ticked(self):
        """The ticked commit of each item, as (commit, ISO time) or None."""
        want = [None] * len(ITEMS)
        for name, when, ticks in STEPS[1:]:
            for i in ticks:
                want[i] = (self.sha[name],
                           when.astimezone(timezone.utc).isoformat())
        return want

    def check_items(self, srv):
        items = self.items(srv)
        got = [(a['ticked']['commit'], a['ticked']['time'])
               if a['ticked'] else None for a in items]
        self.assertEqual(got, self.want_ticked())
        self.assertEqual([a['done_on'] for a in items],
                         [None, None, None, '2024-01-15', None, None])
        # done: is taken out of the text as due: is.
        self.assertEqual(items[3]['text'], 'Remove the old key')
        self.assertEqual([a['done'] for a in items],
                         [True, True, True, True, False, True])

    def check_follow_through(self, srv):
        j = srv.get_json('/api/stats/follow-through', period='year')
        row = [r for r in j['rows'] if r['period'] == '2024'][0]
        # On time: ticked on the 19th, and done:2024-01-15 written.
        # Late: ticked at 00:10 on the 21st in Tokyo (the 20th in UTC).
        # No due: the runbook. Unknown: ticked as the file was added.
        self.assertEqual((row['done_on_time'], row['done_late'],
                          row['done_no_due'], row['done_undated'],
                          row['still_open']), (2, 1, 1, 1, 1))
        # Days from the start (the 10th): 5, 9, 11, 11.
        self.assertEqual(row['median_n'], 4)
        self.assertEqual(row['median_days'], 10)

    def test_items_open_when_the_incident_repeated(self):
        # At noon on the 20th: item 1 was ticked on the 19th and item 4
        # done on the 15th (written); items 2 and 6 were ticked on the
        # 21st and item 5 never: three open. Item 3, ticked as the file
        # was added, has no known day and counts as done.
        for srv in (self.srv, git_server(self.repo).start()):
            try:
                wait_idle(srv)
                rec = srv.get_json('/api/postmortems/2024-01-20-keys-again'
                                   )['recurrence_of']
                self.assertEqual([r['slug'] for r in rec], [SLUG])
                self.assertEqual(rec[0]['open_items'], 3)
                self.assertIn('recurred with 3 action items still open',
                              rec[0]['reasons'])
            finally:
                if srv is not self.srv:
                    close_server(srv)

    def test_pushes_one_by_one(self):
        self.assertEqual(wait_idle(self.srv)['last']['mode'], 'incremental')
        self.check_items(self.srv)
        self.check_follow_through(self.srv)

    def test_a_fresh_server_reads_the_same_from_history(self):
        srv = git_server(self.repo).start()
        try:
            wait_idle(srv)
            self.check_items(srv)
        finally:
            close_server(srv)

    def test_a_move_keeps_the_dates(self):
        # A server following another remote with the same history sees
        # the file move to a subdirectory in an incremental sync; a
        # fresh server reads the moved file's whole history.
        repo = Repo()
        srv = fresh = None
        try:
            shutil.rmtree(repo.work)
            git(repo.tmp, 'clone', '-q', self.repo.remote, repo.work)
            git(repo.work, 'push', '-q', repo.remote, 'HEAD:main')
            srv = git_server(repo).start()
            repo.install_post_receive(srv.base)
            wait_idle(srv)
            os.makedirs(os.path.join(repo.work, 'postmortems', '2024'))
            git(repo.work, 'mv', f'postmortems/{SLUG}.md',
                f'postmortems/2024/{SLUG}.md')
            repo.commit_at(datetime(2024, 2, 2, tzinfo=JST), 'move')
            git(repo.work, 'push', '-q', repo.remote, 'HEAD:main',
                env={'PMKB_WEBHOOK_SECRET': SECRET})
            wait_for(lambda: srv.get_json(f'/api/postmortems/{SLUG}')[
                'path'] == f'2024/{SLUG}.md', timeout=30)
            self.assertEqual(wait_idle(srv)['last']['mode'], 'incremental')
            self.check_items(srv)
            fresh = git_server(repo).start()
            wait_idle(fresh)
            self.assertEqual(fresh.get_json(f'/api/postmortems/{SLUG}')[
                'path'], f'2024/{SLUG}.md')
            self.check_items(fresh)
        finally:
            for s in (srv, fresh):
                if s:
                    close_server(s)
            repo.close()

    def test_a_work_tree_import_reads_the_same(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-done-')
        try:
            db = os.path.join(tmp, 'pmkb.db')
            pms = os.path.join(self.repo.work, 'postmortems')
            r = pmkb('import', pms, '--db', db)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = pmkb('stats', 'follow-through', '--db', db, '--dir', pms,
                     '--period', 'year', '--format', 'json',
                     env={'PMKB_NOW': '2024-03-01'})
            self.assertEqual(r.returncode, 0, r.stderr)
            row = [x for x in json.loads(r.stdout)['rows']
                   if x['period'] == '2024'][0]
            self.assertEqual((row['done_on_time'], row['done_late'],
                              row['done_undated']), (2, 1, 1))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_done_on_an_open_item_is_a_lint_warning(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-done-')
        try:
            with open(os.path.join(tmp, 'x.md'), 'w') as f:
                f.write(HEAD + '## Action items\n'
                        '- [ ] @ops done:2024-01-12 Not ticked\n'
                        '- [x] @ops done:2024-13-40 Bad date\n')
            r = pmkb('lint', tmp)
            self.assertIn('x.md:10', r.stdout + r.stderr)
            self.assertIn('done:2024-01-12 on an item whose box is not '
                          'ticked', r.stdout + r.stderr)
            self.assertIn("done date '2024-13-40' is not a date",
                          r.stdout + r.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()

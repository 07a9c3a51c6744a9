"""Follow-through per period through real pushes: a postmortem repository
with items done on time, late, without a due date, ticked without a date,
open and overdue (a written due date and one implied by due_by_severity),
and a second repository whose commits close items through their
Postmortem-Action trailers (pmkb notify from its post-receive hook, at
commit times fixed here). The API (JSON, CSV) and the CLI are checked
against a computation written here from the items below.
"""
import csv
import io
import json
import os
import statistics
import subprocess
import unittest
from datetime import date, datetime, timedelta, timezone

from gittest import SECRET, Repo, close_server, git, git_server, wait_idle
from pmkbtest import BIN, main

SETTINGS = """\
severities: [SEV0, SEV1, SEV2, SEV3]
time_zone: Asia/Tokyo
due_by_severity: {SEV1: 4w, SEV2: 8w}
"""
TODAY = date(2024, 9, 1)
JST = timezone(timedelta(hours=9))

# Each postmortem: slug, start day, severity, and its items as
# (ticked, due written or None, closing commit time in JST or None).
POSTMORTEMS = [
    ('2024-01-10-db', date(2024, 1, 10), 'SEV1', [
        (True, '2024-01-20', datetime(2024, 1, 18, 23, 30, tzinfo=JST)),
        (True, '2024-01-20', datetime(2024, 1, 20, 23, 59, tzinfo=JST)),
        (False, '2024-01-20', datetime(2024, 1, 21, 0, 1, tzinfo=JST)),
        (False, None, datetime(2024, 2, 9, 10, 0, tzinfo=JST)),
        (False, None, datetime(2024, 2, 20, 10, 0, tzinfo=JST)),
        (True, '2024-03-01', None),
        (False, '2024-12-31', None),
        (False, None, None),
    ]),
    ('2024-05-02-cache', date(2024, 5, 2), 'SEV3', [
        (True, '2024-05-10', datetime(2024, 5, 12, 9, 0, tzinfo=JST)),
        (False, None, datetime(2024, 6, 1, 9, 0, tzinfo=JST)),
        (False, '2024-08-01', None),
        (True, None, None),
    ]),
    ('2024-08-20-dns', date(2024, 8, 20), 'SEV2', [
        (False, None, None),
        (False, '2024-08-25', None),
        (False, None, datetime(2024, 8, 22, 18, 0, tzinfo=JST)),
    ]),
]
SEVERITY_WEEKS = {'SEV1': 4, 'SEV2': 8}  # none for SEV3


def text(slug, started, severity, items):
    lines = [f'---\ntitle: {slug}\nstarted_at: {started.isoformat()}\n'
             f'severity: {severity}\ncause: infrastructure\n'
             f'services: [{slug.split("-")[-1]}]\n---\n# {slug}\n\n'
             '## Action items\n']
    for i, (ticked, due, _) in enumerate(items):
        lines.append(f'- [{"x" if ticked else " "}] @ops item {i + 1}'
                     + (f' due:{due}' if due else ''))
    return '\n'.join(lines) + '\n'


def expected(period_of):
    """The rows the server must give, computed from POSTMORTEMS."""
    rows = {}
    for slug, started, sev, items in POSTMORTEMS:
        weeks = SEVERITY_WEEKS.get(sev)
        r = rows.setdefault(period_of(started), {
            'opened': 0, 'done_on_time': 0, 'done_late': 0,
            'done_no_due': 0, 'done_undated': 0, 'still_open': 0,
            'overdue': 0, 'days': []})
        for ticked, due, closed in items:
            due_day = (date.fromisoformat(due) if due
                       else started + timedelta(weeks=weeks) if weeks
                       else None)
            r['opened'] += 1
            if not ticked and not closed:
                r['still_open'] += 1
                r['overdue'] += due_day is not None and due_day < TODAY
            elif not closed:
                r['done_undated'] += 1
            else:
                done_day = closed.astimezone(JST).date()
                r['days'].append((done_day - started).days)
                r['done_no_due' if due_day is None
                  else 'done_on_time' if done_day <= due_day
                  else 'done_late'] += 1
    return rows


def quarter(d):
    return f'{d.year}-Q{(d.month - 1) // 3 + 1}'


class FollowThrough(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS)
        for slug, started, sev, items in POSTMORTEMS:
            cls.repo.write(f'{slug}.md', text(slug, started, sev, items))
        cls.repo.commit('postmortems')
        cls.repo.push(secret=None)
        cls.srv = git_server(
            cls.repo, env={'PMKB_NOW': TODAY.isoformat()}).start()
        wait_idle(cls.srv)
        # The application repository: one commit per closed item, at its
        # time, reported by pmkb notify.
        cls.app = Repo()
        cls.app.hook('post-receive', f'#!/bin/sh\nexec "{BIN}" notify '
                     f'--server {cls.srv.base} app\n')
        n = 0
        for slug, _, _, items in POSTMORTEMS:
            for pos, (_, _, closed) in enumerate(items, 1):
                if not closed:
                    continue
                n += 1
                stamp = closed.isoformat()
                cls.app.write(f'f{n}.txt', f'{n}\n')
                git(cls.app.work, 'add', '-A')
                git(cls.app.work, 'commit', '-q', '-m',
                    f'Fix {n}\n\nPostmortem-Action: {slug}#{pos}',
                    env={'GIT_AUTHOR_DATE': stamp,
                         'GIT_COMMITTER_DATE': stamp})
        git(cls.app.work, 'push', '-q', 'origin', 'main',
            env={'PMKB_WEBHOOK_SECRET': SECRET})

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()
        cls.app.close()

    def check_rows(self, rows, want):
        self.assertEqual([r['period'] for r in rows], sorted(want))
        for r in rows:
            w = want[r['period']]
            for k in ('opened', 'done_on_time', 'done_late', 'done_no_due',
                      'done_undated', 'still_open', 'overdue'):
                self.assertEqual(r[k], w[k], f'{r["period"]} {k}')
            self.assertEqual(r['done'], r['opened'] - r['still_open'])
            self.assertEqual(r['median_n'], len(w['days']))
            if w['days']:
                self.assertEqual(r['median_days'],
                                 statistics.median(w['days']))
            else:
                self.assertIsNone(r['median_days'])

    def test_quarters_against_the_items(self):
        j = self.srv.get_json('/api/stats/follow-through', period='quarter')
        self.assertEqual(j['today'], TODAY.isoformat())
        want = expected(quarter)
        # Every quarter between the first and the last has a row.
        for q in ('2024-Q1', '2024-Q2', '2024-Q3'):
            want.setdefault(q, {'opened': 0, 'done_on_time': 0,
                                'done_late': 0, 'done_no_due': 0,
                                'done_undated': 0, 'still_open': 0,
                                'overdue': 0, 'days': []})
        self.check_rows(j['rows'], want)
        all_days = [d for w in want.values() for d in w['days']]
        self.assertEqual(j['all']['opened'],
                         sum(len(p[3]) for p in POSTMORTEMS))
        self.assertEqual(j['all']['median_days'],
                         statistics.median(all_days))
        self.assertIn('provenance', j)
        self.assertIsNotNone(j['provenance'])

    def test_filters_and_csv(self):
        j = self.srv.get_json('/api/stats/follow-through', period='year',
                              service='cache')
        want = expected(lambda d: str(d.year))
        self.assertEqual(j['all']['opened'], 4)
        # SEV3 has no implied due date: done on a known day, no due.
        self.assertEqual(j['rows'][0]['done_late'], 1)
        self.assertEqual(j['rows'][0]['done_no_due'], 1)
        self.assertEqual(j['rows'][0]['done_undated'], 1)
        self.assertEqual(j['rows'][0]['overdue'], 1)
        r = self.srv.get('/api/stats/follow-through', period='year',
                         format='csv')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header('Content-Type').startswith('text/csv'))
        got = list(csv.DictReader(io.StringIO(r.body.decode())))
        self.assertEqual(len(got), 1)
        w = want['2024']
        for k in ('opened', 'done_on_time', 'done_late', 'done_no_due',
                  'done_undated', 'still_open', 'overdue'):
            self.assertEqual(int(got[0][k]), w[k], k)
        self.assertEqual(float(got[0]['median_days']),
                         statistics.median(w['days']))
        bad = self.srv.get('/api/stats/follow-through', period='week')
        self.assertEqual(bad.status, 400)

    def test_cli_gives_the_same(self):
        api = self.srv.get_json('/api/stats/follow-through', period='month')
        r = subprocess.run(
            [BIN, 'stats', 'follow-through', '--db', self.srv.db, '--dir',
             os.path.join(self.repo.work, 'postmortems'), '--period',
             'month', '--format', 'json'],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PMKB_NOW=TODAY.isoformat()))
        self.assertEqual(r.returncode, 0, r.stderr)
        cli = json.loads(r.stdout)
        self.assertEqual(cli['rows'], api['rows'])
        self.assertEqual(cli['all'], api['all'])
        self.check_rows(cli['rows'], {
            **{f'2024-{m:02d}': {'opened': 0, 'done_on_time': 0,
                                 'done_late': 0, 'done_no_due': 0,
                                 'done_undated': 0, 'still_open': 0,
                                 'overdue': 0, 'days': []}
               for m in range(1, 9)},
            **expected(lambda d: f'{d.year}-{d.month:02d}')})
        table = subprocess.run(
            [BIN, 'stats', 'follow-through', '--db', self.srv.db, '--dir',
             os.path.join(self.repo.work, 'postmortems')],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn('On time', table.stdout)
        self.assertIn('2024 H1', table.stdout)


if __name__ == '__main__':
    main()

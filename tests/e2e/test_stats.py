"""Statistics end to end: /api/stats/causes, /api/stats/durations,
/api/action-items and `pmkb stats`, on the sample set and on a generated
set checked against an independent computation written here (its own
front-matter reader, Python's zoneinfo for the time zones)."""
import csv
import datetime
import io
import json
import math
import os
import random
import re
import shutil
import tempfile
import unittest
import zoneinfo

from pmkbtest import SAMPLES, Server, main, pmkb

# The issue's table: total / infrastructure per half, mode=primary.
ISSUE_TABLE = {
    '2016-H2': (12, 5),
    '2017-H1': (20, 6),
    '2017-H2': (12, 4),
    '2018-H1': (10, 0),
    '2018-H2': (16, 0),
}


# ---- an independent reader of the sample front matter ----------------

def front_matter(path):
    """The front matter of a file as {key: str | list}, and the body."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if not text.startswith('---\n'):
        return {}, text
    end = text.index('\n---', 4)
    fm, body = text[4:end], text[end + 4:]
    out, key = {}, None
    for line in fm.split('\n'):
        m = re.match(r'^([A-Za-z_]+):\s*(.*?)\s*$', line)
        if m:
            key, v = m.group(1), m.group(2)
            v = re.sub(r'\s+#.*$', '', v)
            if v.startswith('[') and v.endswith(']'):
                out[key] = [x.strip().strip('"\'') for x in
                            v[1:-1].split(',') if x.strip()]
            elif v == '':
                out[key] = []
            else:
                out[key] = v.strip('"\'')
            continue
        m = re.match(r'^\s+-\s+(.*?)\s*$', line)
        if m and key is not None and isinstance(out.get(key), list):
            out[key].append(m.group(1).strip('"\''))
    return out, body


def settings(directory):
    """fiscal_year_start_month and time_zone from .pmkb.yml (or defaults)."""
    fiscal, tz = 1, 'UTC'
    path = os.path.join(directory, '.pmkb.yml')
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            for line in f:
                m = re.match(r'^fiscal_year_start_month:\s*(\d+)', line)
                if m:
                    fiscal = int(m.group(1))
                m = re.match(r'^time_zone:\s*([^\s#]+)', line)
                if m:
                    tz = m.group(1)
    return fiscal, tz


def parse_time(s):
    """(date, None) for a date only, else (None, aware datetime)."""
    if re.fullmatch(r'\d{4}-\d\d-\d\d', s):
        return datetime.date.fromisoformat(s), None
    s = s.replace('Z', '+00:00').replace(' ', 'T', 1)
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return None, d


def local_day(started, tz):
    date, moment = parse_time(started)
    if date is not None:
        return date
    return moment.astimezone(zoneinfo.ZoneInfo(tz)).date()


def period_id(day, period, fiscal):
    y, m = day.year, day.month
    if period == 'month':
        return f'{y:04d}-{m:02d}'
    fy = y if m >= fiscal else y - 1
    k = (m - fiscal) % 12
    prefix = 'FY' if fiscal != 1 else ''
    if period == 'year':
        return f'{prefix}{fy:04d}'
    if period == 'half':
        return f'{prefix}{fy:04d}-H{k // 6 + 1}'
    return f'{prefix}{fy:04d}-Q{k // 3 + 1}'


def all_periods(first, last, period, fiscal):
    """Every period id from the one holding first to the one holding last,
    stepping a day at a time (slow, but obviously right)."""
    out, d = [], first
    while d <= last:
        p = period_id(d, period, fiscal)
        if not out or out[-1] != p:
            out.append(p)
        d += datetime.timedelta(days=1)
    return out


def expected_counts(incidents, period, fiscal, tz, mode):
    """{period: (total, {cause: n})} and the ordered list of periods."""
    rows = {}
    days = []
    for inc in incidents:
        if inc['started'] is None:
            key = 'unknown'
        else:
            day = local_day(inc['started'], tz)
            days.append(day)
            key = period_id(day, period, fiscal)
        causes = inc['causes'][:1] if mode == 'primary' else inc['causes']
        total, by = rows.get(key, (0, {}))
        for c in causes:
            by[c] = by.get(c, 0) + 1
        rows[key] = (total + 1, by)
    order = all_periods(min(days), max(days), period, fiscal) if days else []
    if 'unknown' in rows:
        order.append('unknown')
    return rows, order


def sample_incidents():
    out = []
    for name in sorted(os.listdir(SAMPLES)):
        if not name.endswith('.md') or name.startswith('TEMPLATE'):
            continue
        fm, body = front_matter(os.path.join(SAMPLES, name))
        causes = fm['cause'] if isinstance(fm['cause'], list) \
            else [fm['cause']]
        out.append({'slug': name[:-3], 'started': fm.get('started_at'),
                    'causes': causes, 'fm': fm, 'body': body})
    return out


def quantile(values, q):
    """Linear interpolation between closest ranks, rounded half up."""
    v = sorted(values)
    h = (len(v) - 1) * q
    lo = math.floor(h)
    if lo + 1 >= len(v):
        return v[-1]
    x = v[lo] + (h - lo) * (v[lo + 1] - v[lo])
    return math.floor(x + 0.5)


def seconds_between(a, b):
    if not a or not b or len(a) <= 10 or len(b) <= 10:
        return None
    d = (parse_time(b)[1] - parse_time(a)[1]).total_seconds()
    return int(d) if d >= 0 else None


class SampleStats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()
        cls.incidents = sample_incidents()
        cls.fiscal, cls.tz = settings(SAMPLES)

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def causes(self, **params):
        return self.srv.get_json('/api/stats/causes', **params)

    def check_against_model(self, j, period, mode, fiscal=None, tz=None):
        fiscal = fiscal or self.fiscal
        tz = tz or self.tz
        rows, order = expected_counts(self.incidents, period, fiscal, tz,
                                      mode)
        self.assertEqual([r['period'] for r in j['rows']], order)
        ids = [c['id'] for c in j['causes']]
        for r in j['rows']:
            total, by = rows.get(r['period'], (0, {}))
            self.assertEqual(r['total'], total, r['period'])
            self.assertEqual(set(r['by_cause']), set(ids))
            for c in ids:
                self.assertEqual(r['by_cause'][c], by.get(c, 0),
                                 f"{r['period']} {c}")

    def test_issue_table_every_cell(self):
        j = self.causes(period='half', mode='primary')
        got = {r['period']: (r['total'], r['by_cause']['infrastructure'])
               for r in j['rows']}
        self.assertEqual(got, ISSUE_TABLE)
        self.assertEqual([r['label'] for r in j['rows']],
                         ['2016 H2', '2017 H1', '2017 H2', '2018 H1',
                          '2018 H2'])
        self.assertEqual([r['label_ja'] for r in j['rows']],
                         ['2016年下期', '2017年上期', '2017年下期',
                          '2018年上期', '2018年下期'])
        self.assertEqual(j['period'], 'half')
        self.assertEqual(j['mode'], 'primary')
        self.assertEqual(j['fiscal_start_month'], 1)
        self.assertEqual(j['time_zone'], 'Asia/Tokyo')
        self.assertEqual(j['total'], 70)
        self.assertEqual(j['undated'], 0)
        # Every other cell, against the model.
        self.check_against_model(j, 'half', 'primary')
        # In primary mode the stacked bars add up to the total.
        for r in j['rows']:
            self.assertEqual(sum(r['by_cause'].values()), r['total'])

    def test_causes_follow_the_taxonomy(self):
        j = self.causes()
        ids = [c['id'] for c in j['causes']]
        self.assertEqual(ids, ['infrastructure', 'application', 'frontend',
                               'deployment', 'configuration', 'third-party',
                               'operation', 'capacity', 'security'])
        infra = j['causes'][0]
        self.assertEqual(infra['label'], 'Infrastructure')
        self.assertEqual(infra['label_ja'], 'インフラ')
        self.assertEqual(infra['color'].upper(), '#D55E00')
        self.assertEqual(infra['group'], 'infrastructure')
        self.assertEqual(infra['total'], 15)
        self.assertAlmostEqual(infra['share'], round(15 / 70, 4))

    def test_change_and_share(self):
        j = self.causes()
        prev = None
        for r in j['rows']:
            self.assertEqual(r['start'][:4], r['period'][:4])
            if prev is None:
                self.assertIsNone(r['total_change'])
                self.assertTrue(all(v is None for v in r['change'].values()))
            else:
                self.assertEqual(r['total_change'],
                                 r['total'] - prev['total'])
                for c, n in r['by_cause'].items():
                    self.assertEqual(r['change'][c],
                                     n - prev['by_cause'][c])
            for c, n in r['by_cause'].items():
                self.assertAlmostEqual(r['share'][c], round(n / r['total'],
                                                            4))
            self.assertAlmostEqual(sum(r['share'].values()), 1, places=3)
            prev = r
        rows = {r['period']: r for r in j['rows']}
        self.assertEqual(rows['2017-H1']['change']['infrastructure'], 1)
        self.assertEqual(rows['2018-H1']['change']['infrastructure'], -4)
        self.assertEqual(rows['2017-H1']['share']['infrastructure'], 0.3)

    def test_mode_any(self):
        j = self.causes(mode='any')
        self.assertEqual(j['mode'], 'any')
        self.check_against_model(j, 'half', 'any')
        p = {r['period']: r for r in self.causes()['rows']}
        for r in j['rows']:
            self.assertEqual(r['total'], p[r['period']]['total'])
            for c, n in r['by_cause'].items():
                self.assertGreaterEqual(n, p[r['period']]['by_cause'][c])

    def test_other_periods_and_zones(self):
        for period in ('quarter', 'year', 'month'):
            for mode in ('primary', 'any'):
                self.check_against_model(
                    self.causes(period=period, mode=mode), period, mode)
        # 2017-03-01T02:37+09:00 is still February in UTC.
        tokyo = {r['period']: r['total']
                 for r in self.causes(period='month')['rows']}
        utc = self.causes(period='month', tz='UTC')
        self.assertEqual(utc['time_zone'], 'UTC')
        self.check_against_model(utc, 'month', 'primary', tz='UTC')
        utc = {r['period']: r['total'] for r in utc['rows']}
        self.assertEqual(utc['2017-02'], tokyo['2017-02'] + 1)
        self.assertEqual(utc['2017-03'], tokyo['2017-03'] - 1)

    def test_fiscal_year(self):
        j = self.causes(fiscal_start_month=4)
        self.assertEqual(j['fiscal_start_month'], 4)
        self.check_against_model(j, 'half', 'primary', fiscal=4)
        first = j['rows'][0]
        self.assertEqual(first['period'], 'FY2016-H1')
        self.assertEqual(first['label'], 'FY2016-H1')
        self.assertEqual(first['label_ja'], '2016年度上期')
        self.assertEqual((first['start'], first['end']),
                         ('2016-04-01', '2016-09-30'))
        last = j['rows'][-1]
        self.assertEqual(last['period'], 'FY2018-H2')
        self.assertEqual(last['end'], '2019-03-31')
        self.check_against_model(
            self.causes(period='quarter', fiscal_start_month=4,
                        mode='any'), 'quarter', 'any', fiscal=4)

    def test_range_fills_empty_periods(self):
        j = self.causes(**{'from': '2015-07-01', 'to': '2019-12-31'})
        self.assertEqual([r['period'] for r in j['rows']],
                         ['2015-H2', '2016-H1', '2016-H2', '2017-H1',
                          '2017-H2', '2018-H1', '2018-H2', '2019-H1',
                          '2019-H2'])
        for r in j['rows']:
            if r['period'] not in ISSUE_TABLE:
                self.assertEqual(r['total'], 0)
                self.assertEqual(set(r['by_cause'].values()), {0})
        j = self.causes(**{'from': '2017-H1', 'to': '2017-H2'})
        self.assertEqual([(r['period'], r['total']) for r in j['rows']],
                         [('2017-H1', 20), ('2017-H2', 12)])
        self.assertEqual(j['total'], 32)
        j = self.causes(**{'from': '2017-03-02', 'to': '2017-03-31'},
                        period='month')
        self.assertEqual([(r['period'], r['total']) for r in j['rows']],
                         [('2017-03', 3)])  # not 03-01

    def test_filters(self):
        for service in ('web-frontend', 'payment-api,batch'):
            want = [i for i in self.incidents
                    if set(service.split(',')) &
                    set(i['fm'].get('services', []))]
            j = self.causes(service=service)
            self.assertEqual(j['total'], len(want), service)
        for sev, spelled in (('SEV1', 'sev-1'), ('SEV2', '2')):
            want = [i for i in self.incidents if i['fm'].get('severity') ==
                    sev]
            self.assertEqual(self.causes(severity=spelled)['total'],
                             len(want), spelled)
        self.assertEqual(self.causes(service='no-such-service')['rows'], [])

    def test_csv(self):
        r = self.srv.get('/api/stats/causes', format='csv')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header('Content-Type').startswith('text/csv'))
        rows = list(csv.reader(io.StringIO(r.body.decode('utf-8'))))
        j = self.causes()
        ids = [c['id'] for c in j['causes']]
        self.assertEqual(rows[0], ['period', 'label', 'label_ja', 'total'] +
                         ids)
        self.assertEqual(len(rows), 1 + len(j['rows']))
        for got, want in zip(rows[1:], j['rows']):
            self.assertEqual(got, [want['period'], want['label'],
                                   want['label_ja'], str(want['total'])] +
                             [str(want['by_cause'][c]) for c in ids])
        self.assertEqual(rows[2][:5], ['2017-H1', '2017 H1', '2017年上期',
                                       '20', '6'])

    def test_markdown(self):
        r = self.srv.get('/api/stats/causes', format='md')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header('Content-Type').startswith('text/markdown'))
        lines = r.body.decode('utf-8').splitlines()
        self.assertEqual(lines[0].split(' | ')[:3],
                         ['| Period', 'Total', 'Infrastructure'])
        self.assertTrue(re.fullmatch(r'\|( ---:? \|)+', lines[1]))
        self.assertEqual(lines[3].split(' | ')[:3], ['| 2017 H1', '20', '6'])
        self.assertTrue(lines[-1].startswith('| All | 70 | 15 (21%) |'))
        self.assertEqual(len(lines), 2 + 5 + 1)
        ja = self.srv.get('/api/stats/causes', format='md',
                          lang='ja').body.decode('utf-8')
        self.assertIn('| 期間 | 合計 | インフラ |', ja)
        self.assertIn('| 2017年上期 | 20 | 6 |', ja)

    def test_bad_parameters(self):
        cases = [
            ({'period': 'week'}, 'period: expected'),
            ({'mode': 'all'}, 'mode: expected primary or any'),
            ({'format': 'xml'}, 'format: expected json, csv or md'),
            ({'format': 'table'}, 'format: expected'),
            ({'from': 'yesterday'}, 'from: expected a date'),
            ({'to': '2017-02-30'}, 'to: expected a date'),
            ({'from': '2018', 'to': '2017'}, 'is after to'),
            ({'fiscal_start_month': '0'}, 'fiscal_start_month: expected'),
            ({'tz': 'Mars/Olympus_Mons'}, 'unknown time zone'),
            ({'tz': '../../etc/passwd'}, 'tz: expected a time zone'),
            ({'severity': 'SEV9'}, "severity: unknown 'SEV9'"),
            ({'period': 'month', 'from': '1000', 'to': '9999'},
             'narrow from/to'),
            ({'lang': 'fr'}, 'lang: expected en or ja'),
        ]
        for params, message in cases:
            for path in ('/api/stats/causes', '/api/stats/durations'):
                if path.endswith('durations') and 'mode' in params:
                    continue
                r = self.srv.get(path, **params)
                self.assertEqual(r.status, 400, (path, params))
                self.assertTrue(r.header('Content-Type').startswith(
                    'application/json'))
                self.assertIn(message, r.json()['error'], params)

    def test_durations(self):
        j = self.srv.get_json('/api/stats/durations')
        self.assertNotIn('mode', j)
        expect = {}
        for inc in self.incidents:
            day = local_day(inc['started'], self.tz)
            p = period_id(day, 'half', 1)
            e = expect.setdefault(p, {'incidents': 0, 'ttd': [], 'ttm': [],
                                      'ttr': []})
            e['incidents'] += 1
            for key, field in (('ttd', 'detected_at'),
                               ('ttm', 'mitigated_at'),
                               ('ttr', 'resolved_at')):
                s = seconds_between(inc['started'], inc['fm'].get(field))
                if s is not None:
                    e[key].append(s)
        self.assertEqual([r['period'] for r in j['rows']],
                         sorted(expect))
        everything = {'ttd': [], 'ttm': [], 'ttr': []}
        for r in j['rows']:
            e = expect[r['period']]
            self.assertEqual(r['incidents'], e['incidents'])
            for key in ('ttd', 'ttm', 'ttr'):
                everything[key] += e[key]
                self.assertEqual(r[key]['count'], len(e[key]))
                self.assertEqual(r[key]['median'], quantile(e[key], 0.5),
                                 (r['period'], key))
                self.assertEqual(r[key]['p90'], quantile(e[key], 0.9),
                                 (r['period'], key))
        for key, v in everything.items():
            self.assertEqual(j['all'][key]['count'], len(v))
            self.assertEqual(j['all'][key]['median'], quantile(v, 0.5))
            self.assertEqual(j['all'][key]['p90'], quantile(v, 0.9))
        # The date-only sample (2016-09-14) has no time to measure from.
        self.assertEqual(j['rows'][0]['ttd']['count'],
                         j['rows'][0]['incidents'] - 1)
        csv_rows = list(csv.reader(io.StringIO(self.srv.get(
            '/api/stats/durations', format='csv').body.decode('utf-8'))))
        self.assertEqual(csv_rows[0][:5], ['period', 'label', 'label_ja',
                                           'incidents', 'ttd_count'])
        self.assertEqual(int(csv_rows[1][6]), j['rows'][0]['ttd']['p90'])
        md = self.srv.get('/api/stats/durations', format='md').body.decode()
        self.assertIn('| Period | Incidents | TTD n | TTD median |', md)
        self.assertIn('\n| All | 70 |', md)


def count_items(incidents, want):
    n = 0
    for inc in incidents:
        for line in inc['body'].split('\n'):
            m = re.match(r'^\s*[-*+] \[([ xX])\] (.*)$', line)
            if m and want(m.group(1) != ' ', m.group(2)):
                n += 1
    return n


class ActionItems(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A fixed today (the server's one clock reads PMKB_NOW), in the
        # middle of the samples' due dates: some items are overdue, some
        # not, whatever the day the suite runs.
        cls.srv = Server(env={'PMKB_NOW': '2018-01-15T03:00:00'}).start()
        cls.incidents = sample_incidents()
        cls.today = '2018-01-15'  # noon in Tokyo

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)

    def items(self, **params):
        # Not get_json: its own "status" argument is the HTTP status.
        r = self.srv.get('/api/action-items', **params)
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    def test_counts(self):
        j = self.items()
        n_all = count_items(self.incidents, lambda done, text: True)
        n_open = count_items(self.incidents, lambda done, text: not done)
        self.assertEqual(j['counts']['all'], n_all)
        self.assertEqual(j['counts']['open'], n_open)
        self.assertEqual(j['counts']['done'], n_all - n_open)
        self.assertEqual(j['status'], 'open')
        self.assertEqual(j['total'], n_open)
        self.assertEqual(len(j['items']), n_open)
        self.assertTrue(all(not i['done'] for i in j['items']))
        self.assertEqual(j['today'], self.today)
        self.assertEqual(sum(p['opened'] for p in j['periods']), n_all)
        self.assertEqual(sum(p['still_open'] for p in j['periods']), n_open)
        for p in j['periods']:
            self.assertEqual(p['still_open'], p['opened'] - p['done'])
        self.assertEqual([p['period'] for p in j['periods']],
                         list(ISSUE_TABLE))
        self.assertEqual(self.items(status='all')['total'], n_all)
        done = self.items(status='done')
        self.assertEqual(done['total'], n_all - n_open)
        self.assertTrue(all(i['done'] for i in done['items']))

    def test_item_fields_and_order(self):
        items = self.items(status='all')['items']
        dues = [i['due'] for i in items if i['due']]
        self.assertEqual(dues, sorted(dues))
        first_undated = next(k for k, i in enumerate(items) if not i['due'])
        self.assertTrue(all(not i['due'] for i in items[first_undated:]))
        s3 = [i for i in items
              if i['slug'] == '2017-03-01-s3-us-east-1-outage']
        self.assertEqual(len(s3), 4)
        mig = next(i for i in s3 if i['text'].startswith('Migrate'))
        self.assertEqual(mig['owner'], 'jsmith')
        self.assertEqual(mig['due'], '2017-06-30')
        self.assertFalse(mig['done'])
        self.assertEqual(mig['line'], 68)
        self.assertEqual(mig['started_at'], '2017-03-01T02:37:00+09:00')

    def test_owner_and_overdue(self):
        j = self.items(owner='tanaka', status='all')
        self.assertGreater(j['total'], 0)
        self.assertTrue(all(i['owner'].lower() == 'tanaka'
                            for i in j['items']))
        self.assertEqual(j['total'], count_items(
            self.incidents,
            lambda done, text: re.search(r'(^|\s)@tanaka\b', text)))
        for spelled in ('@tanaka', 'TANAKA'):
            self.assertEqual(self.items(owner=spelled, status='all')['total'],
                             j['total'])
        self.assertEqual(j['counts']['all'], j['total'])
        late = self.items(overdue='true')
        self.assertEqual(late['status'], 'overdue')
        self.assertTrue(all(i['overdue'] and not i['done'] and
                            i['due'] < self.today for i in late['items']))
        want = count_items(self.incidents, lambda done, text: not done and
                           re.search(r'due:(\d{4}-\d\d-\d\d)', text) and
                           re.search(r'due:(\d{4}-\d\d-\d\d)',
                                     text).group(1) < self.today)
        self.assertEqual(late['total'], want)
        self.assertEqual(late['counts']['overdue'], want)
        self.assertTrue(0 < want < self.items()['total'],
                        'today splits the open items')
        self.assertEqual(self.items(owner='nobody-at-all')['items'], [])

    def test_counts_by_owner_add_up(self):
        # Without an owner the counts come per incident, with one from
        # that owner's items: the two ways agree.
        every = self.items(status='all', limit=500)
        self.assertLess(every['total'], 500)
        owners = {i['owner'].lower() for i in every['items'] if i['owner']}
        self.assertGreater(len(owners), 1)
        unowned = [i for i in every['items'] if not i['owner']]
        sums = {'all': len(unowned),
                'open': sum(not i['done'] for i in unowned),
                'done': sum(i['done'] for i in unowned),
                'overdue': sum(i['overdue'] for i in unowned)}
        for o in owners:
            j = self.items(owner=o, status='all')
            self.assertEqual(sum(p['opened'] for p in j['periods']),
                             j['counts']['all'], o)
            for k in sums:
                sums[k] += j['counts'][k]
        self.assertEqual(sums, every['counts'])
        self.assertGreater(sums['overdue'], 0)
        # A page further on, status by status, is the same items.
        for status in ('open', 'done', 'all'):
            whole = self.items(status=status)['items']
            part = self.items(status=status, offset=3, limit=4)['items']
            self.assertEqual(part, whole[3:7], status)

    def test_service_and_severity(self):
        def services(inc):
            v = inc['fm'].get('services') or []
            return [x.lower() for x in (v if isinstance(v, list) else [v])]

        for params, keep in (
                ({'service': 'Web-Frontend'},
                 lambda inc: 'web-frontend' in services(inc)),
                ({'severity': 'sev1,SEV4'},
                 lambda inc: inc['fm'].get('severity') in ('SEV1', 'SEV4')),
                ({'service': 'payment-api', 'severity': 'SEV2'},
                 lambda inc: 'payment-api' in services(inc)
                 and inc['fm'].get('severity') == 'SEV2')):
            chosen = [inc for inc in self.incidents if keep(inc)]
            j = self.items(status='all', **params)
            n_all = count_items(chosen, lambda done, text: True)
            n_open = count_items(chosen, lambda done, text: not done)
            self.assertGreater(n_all, 0, params)
            self.assertLess(n_all, count_items(self.incidents,
                                               lambda d, t: True), params)
            self.assertEqual(j['counts']['all'], n_all, params)
            self.assertEqual(j['counts']['open'], n_open, params)
            self.assertEqual({i['slug'] for i in j['items']},
                             {inc['slug'] for inc in chosen
                              if count_items([inc], lambda d, t: True)},
                             params)
        r = self.srv.get('/api/action-items', severity='SEV9')
        self.assertEqual(r.status, 400)
        self.assertIn('SEV9', r.json()['error'])

    def test_paging(self):
        a = self.items(limit=10)
        b = self.items(limit=10, offset=10)
        both = self.items(limit=20)
        self.assertEqual(a['items'] + b['items'], both['items'])
        self.assertEqual(a['total'], both['total'])

    def test_range(self):
        j = self.items(status='all', **{'from': '2017-H1', 'to': '2017-H1'})
        self.assertEqual([p['period'] for p in j['periods']], ['2017-H1'])
        self.assertTrue(all(i['started_at'] < '2017-07' and
                            i['started_at'] >= '2017-01' for i in j['items']))

    def test_formats(self):
        r = self.srv.get('/api/action-items', format='csv', owner='tanaka')
        rows = list(csv.reader(io.StringIO(r.body.decode('utf-8'))))
        self.assertEqual(rows[0], ['slug', 'title', 'started_at', 'done',
                                   'overdue', 'owner', 'due', 'text',
                                   'line'])
        self.assertEqual(len(rows) - 1,
                         self.items(owner='tanaka')['total'])
        md = self.srv.get('/api/action-items', format='md').body.decode()
        self.assertIn('| Period | Opened | Done | Still open |', md)
        self.assertIn('| Due | Owner | State | Item | Postmortem |', md)

    def test_bad_parameters(self):
        for params, message in (
                ({'status': 'closed'}, 'status: expected open, done or all'),
                ({'status': 'done', 'overdue': 'true'}, 'overdue'),
                ({'overdue': 'yes'}, 'overdue: expected'),
                ({'limit': '0'}, 'limit: expected a number from 1'),
                ({'offset': '-1'}, 'offset: expected'),
                ({'owner': '@'}, 'owner: empty')):
            r = self.srv.get('/api/action-items', **params)
            self.assertEqual(r.status, 400, params)
            self.assertIn(message, r.json()['error'])


class Command(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-stats-')
        cls.db = os.path.join(cls.tmp, 'pmkb.db')
        r = pmkb('import', SAMPLES, '--db', cls.db)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def stats(self, *args):
        return pmkb('stats', '--db', self.db, '--dir', SAMPLES, *args)

    def test_table(self):
        r = self.stats()
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertIn('mode primary', lines[0])
        self.assertIn('time zone Asia/Tokyo', lines[0])
        body = {ln.split('  ')[0]: ln.split() for ln in lines[2:]}
        for period, (total, infra) in ISSUE_TABLE.items():
            label = period.replace('-', ' ')
            row = body[label]
            self.assertEqual(row[2:4], [str(total), str(infra)], label)
        self.assertEqual(body['Period'][:3],
                         ['Period', 'Total', 'Infrastructure'])
        self.assertTrue(lines[-1].startswith('All'))

    def test_formats_match_the_api(self):
        with Server() as srv:
            for fmt in ('csv', 'md'):
                r = self.stats('--format', fmt, '--mode', 'any',
                               '--period', 'quarter')
                self.assertEqual(r.returncode, 0, r.stderr)
                http = srv.get('/api/stats/causes', format=fmt, mode='any',
                               period='quarter').body.decode('utf-8')
                self.assertEqual(r.stdout.replace('\r\n', '\n'),
                                 http.replace('\r\n', '\n'), fmt)
            r = self.stats('--format', 'json', '--from', '2017',
                           '--to', '2017')
            self.assertEqual(json.loads(r.stdout), srv.get_json(
                '/api/stats/causes', **{'from': '2017', 'to': '2017'}))
            r = pmkb('stats', 'durations', '--db', self.db, '--dir', SAMPLES,
                     '--format', 'json')
            self.assertEqual(json.loads(r.stdout),
                             srv.get_json('/api/stats/durations'))

    def test_other_reports(self):
        r = self.stats('durations')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('TTD median', r.stdout)
        r = self.stats('actions', '--period', 'year')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Still open', r.stdout)
        self.assertIn('overdue', r.stdout)

    def test_errors(self):
        r = self.stats('--period', 'week')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--period: expected', r.stderr)
        r = self.stats('everything')
        self.assertEqual(r.returncode, 2)
        r = pmkb('stats', '--db', os.path.join(self.tmp, 'missing.db'))
        self.assertEqual(r.returncode, 1)
        self.assertIn('pmkb import', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp,
                                                     'missing.db')))
        r = pmkb('stats', '--help')
        self.assertEqual(r.returncode, 0)
        for flag in ('--period', '--mode', '--format', '--from', '--db'):
            self.assertIn(flag, r.stdout)


# ---- a generated set ----------------------------------------------------

GEN_SETTINGS = """\
fiscal_year_start_month: 4
time_zone: America/New_York
causes:
  - id: infrastructure
    label: Infrastructure
    label_ja: インフラ
    aliases: [infra, インフラ, network]
  - id: application
    label: Application
    aliases: [app, bug]
  - id: configuration
    label: Configuration
    aliases: [config, 設定]
  - id: third-party
    label: Third party
    aliases: [vendor]
  - id: capacity
    label: Capacity
"""
CANON = {'infrastructure': 'infrastructure', 'infra': 'infrastructure',
         'インフラ': 'infrastructure', 'network': 'infrastructure',
         'application': 'application', 'app': 'application',
         'bug': 'application', 'configuration': 'configuration',
         'config': 'configuration', '設定': 'configuration',
         'third-party': 'third-party', 'vendor': 'third-party',
         'capacity': 'capacity'}
OFFSETS = ['Z', '+09:00', '-05:00', '-04:00', '+05:30', '+00:00']


def generate(directory, n, seed):
    """Writes n postmortems; returns what the model needs of each."""
    rnd = random.Random(seed)
    with open(os.path.join(directory, '.pmkb.yml'), 'w') as f:
        f.write(GEN_SETTINGS)
    spellings = list(CANON)
    out = []
    for k in range(n):
        raw = [rnd.choice(spellings) for _ in range(rnd.choice([1, 1, 2, 3]))]
        if rnd.random() < 0.15:
            raw.append(raw[0].upper() if raw[0].isascii() else raw[0])
        causes = []
        for c in raw:
            c = CANON[c.lower()]
            if c not in causes:
                causes.append(c)
        started = None
        r = rnd.random()
        if r < 0.07:
            started = None
        else:
            if rnd.random() < 0.3:
                # Near a fiscal half's edge (April 1, October 1) or a
                # quarter's, at night, in zones either side of New York.
                month = rnd.choice([1, 4, 7, 10])
                day = datetime.datetime(rnd.randint(2014, 2019), month, 1,
                                        tzinfo=datetime.timezone.utc)
                moment = day + datetime.timedelta(
                    minutes=rnd.randint(-20 * 60, 20 * 60))
            else:
                moment = datetime.datetime(
                    2014, 1, 1, tzinfo=datetime.timezone.utc) + \
                    datetime.timedelta(seconds=rnd.randint(0, 6 * 365 *
                                                           86400))
            fmt = rnd.random()
            if fmt < 0.2:
                started = moment.date().isoformat()
            else:
                off = rnd.choice(OFFSETS)
                sign = 1 if off[0] == '+' else -1
                delta = datetime.timedelta(0) if off == 'Z' else \
                    sign * datetime.timedelta(hours=int(off[1:3]),
                                              minutes=int(off[4:6]))
                local = moment.astimezone(datetime.timezone(delta))
                started = local.strftime('%Y-%m-%dT%H:%M:%S') + off
        service = rnd.choice(['api', 'web', 'batch'])
        lines = ['---', f'title: Generated incident {k}']
        if started:
            lines.append(f'started_at: {started}')
        if len(raw) == 1 and rnd.random() < 0.5:
            lines.append(f'cause: {raw[0]}')
        else:
            lines.append('cause: [' + ', '.join(raw) + ']')
        lines += [f'services: [{service}]', '---',
                  f'# Generated incident {k}', '', 'Body.', '']
        with open(os.path.join(directory, f'gen-{k:04d}.md'), 'w',
                  encoding='utf-8') as f:
            f.write('\n'.join(lines))
        out.append({'started': started, 'causes': causes,
                    'service': service})
    return out


class GeneratedSet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='pmkb-gen-')
        seed = int(os.environ.get('PMKB_STATS_SEED', '20170630'))
        cls.incidents = generate(cls.dir, 400, seed)
        cls.srv = Server(directory=cls.dir).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, period, mode, model_fiscal, model_tz, incidents=None,
              **params):
        incidents = self.incidents if incidents is None else incidents
        j = self.srv.get_json('/api/stats/causes', period=period, mode=mode,
                              **params)
        rows, order = expected_counts(incidents, period, model_fiscal,
                                      model_tz, mode)
        self.assertEqual([r['period'] for r in j['rows']], order)
        self.assertEqual(j['total'], len(incidents))
        for r in j['rows']:
            total, by = rows.get(r['period'], (0, {}))
            self.assertEqual(r['total'], total, (period, mode, r['period']))
            self.assertEqual({c: n for c, n in r['by_cause'].items() if n},
                             by, (period, mode, r['period']))
        return j

    def test_mode_any_against_the_model(self):
        for period in ('half', 'quarter', 'month', 'year'):
            j = self.check(period, 'any', 4, 'America/New_York')
        self.assertEqual(j['fiscal_start_month'], 4)
        self.assertEqual(j['time_zone'], 'America/New_York')
        self.assertTrue(j['rows'][0]['period'].startswith('FY'))
        unknown = j['rows'][-1]
        self.assertEqual(unknown['period'], 'unknown')
        self.assertEqual(unknown['total'],
                         sum(1 for i in self.incidents if not i['started']))
        self.assertEqual(j['undated'], unknown['total'])

    def test_mode_primary_against_the_model(self):
        for period in ('half', 'quarter'):
            self.check(period, 'primary', 4, 'America/New_York')

    def test_overrides_against_the_model(self):
        self.check('half', 'any', 1, 'Asia/Tokyo', fiscal_start_month=1,
                   tz='Asia/Tokyo')
        self.check('quarter', 'primary', 10, 'UTC', fiscal_start_month=10,
                   tz='UTC')

    def test_service_filter_against_the_model(self):
        subset = [i for i in self.incidents if i['service'] == 'batch']
        self.check('half', 'any', 4, 'America/New_York', incidents=subset,
                   service='batch')


if __name__ == '__main__':
    main()

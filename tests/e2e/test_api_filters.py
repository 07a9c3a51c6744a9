"""GET /api/postmortems filters (service, severity, tag, status, year),
facets that keep a chosen value's siblings, GET /api/search sorted by
date, severity and time to resolve, and the CSV export, checked against
the full list the same server returns, over the sample collection plus
two drafts and one with a title a spreadsheet would run."""
import collections
import csv
import io
import os
import shutil
import tempfile
import unittest

from pmkbtest import SAMPLES, Server, main

DRAFT = ('---\ntitle: {title}\nstarted_at: {date}\nstatus: draft\n'
         'severity: SEV2\nservices: [payment-api]\ntags: [zebrafilter]\n'
         'cause: infrastructure\n---\n# {title}\n\nThe okapi queue stalled.\n')


class Filters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-filters-')
        cls.dir = os.path.join(cls.tmp, 'pm')
        shutil.copytree(SAMPLES, cls.dir)
        for i, date in enumerate(('2019-05-01', '2016-02-03')):
            with open(os.path.join(cls.dir, f'draft-{i}.md'), 'w') as f:
                f.write(DRAFT.format(title=f'Okapi draft {i}', date=date))
        with open(os.path.join(cls.dir, 'formula.md'), 'w') as f:
            f.write('---\ntitle: "=HYPERLINK(\\"http://x\\", \\"okapi\\")"\n'
                    'started_at: 2015-03-03\nresolved_at: 2015-03-02\n'
                    'cause: process\n---\n# Okapi, "quoted"\n\nokapi\n')
        cls.srv = Server(directory=cls.dir).start()
        cls.all = cls.list()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def list(cls, **params):
        # not get_json: its own 'status' argument would take the filter's
        r = cls.srv.get('/api/postmortems', limit=100, **params)
        assert r.status == 200, (params, r.status, r.body[:300])
        j = r.json()
        assert j['total'] == len(j['results']), j['total']
        return j['results']

    def check(self, param, value, keep):
        want = [r['slug'] for r in self.all if keep(r)]
        got = [r['slug'] for r in self.list(**{param: value})]
        self.assertTrue(want, f'{param}={value} matches nothing in the list')
        self.assertLess(len(want), len(self.all),
                        f'{param}={value} would match everything')
        self.assertEqual(got, want, f'{param}={value}')

    def test_the_full_list(self):
        self.assertEqual(len(self.all), 73)

    def test_service(self):
        self.check('service', 'payment-api',
                   lambda r: 'payment-api' in r['services'])

    def test_severity(self):
        for sev in ('SEV1', 'SEV3'):
            self.check('severity', sev, lambda r: r['severity'] == sev)

    def test_tag(self):
        self.check('tag', 'kubernetes', lambda r: 'kubernetes' in r['tags'])
        self.check('tag', 'zebrafilter', lambda r: 'zebrafilter' in r['tags'])

    def test_status(self):
        self.check('status', 'draft', lambda r: r['status'] == 'draft')
        self.check('status', 'published',
                   lambda r: r['status'] == 'published')
        self.assertEqual(len(self.list(status='draft')), 2)

    def test_filters_combine(self):
        self.check('service', 'payment-api',
                   lambda r: 'payment-api' in r['services'])
        got = self.list(service='payment-api', severity='SEV2',
                        status='draft')
        self.assertEqual(sorted(r['slug'] for r in got),
                         ['draft-0', 'draft-1'])

    def test_list_is_newest_first(self):
        dates = [r['started_at'] for r in self.all]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_search_sort_date(self):
        q = 'timeout'
        rel = self.srv.get_json('/api/search', q=q, limit=100)['results']
        by_date = self.srv.get_json('/api/search', q=q, limit=100,
                                    sort='date')['results']
        self.assertGreater(len(rel), 5)
        self.assertEqual(sorted(r['slug'] for r in rel),
                         sorted(r['slug'] for r in by_date))
        dates = [r['started_at'] for r in by_date]
        self.assertEqual(dates, sorted(dates, reverse=True))
        self.assertNotEqual([r['slug'] for r in rel],
                            [r['slug'] for r in by_date],
                            'relevance order already by date: proves nothing')
        explicit = self.srv.get_json('/api/search', q=q, limit=100,
                                     sort='relevance')['results']
        self.assertEqual([r['slug'] for r in explicit],
                         [r['slug'] for r in rel])

    def test_or_within_a_group(self):
        self.check('severity', 'SEV1,SEV3',
                   lambda r: r['severity'] in ('SEV1', 'SEV3'))
        self.check('service', 'payment-api,aurora',
                   lambda r: {'payment-api', 'aurora'} & set(r['services']))

    def test_year(self):
        self.check('year', '2017,2019',
                   lambda r: (r['started_at'] or '')[:4] in ('2017', '2019'))
        r = self.srv.get('/api/postmortems', year='17')
        self.assertEqual(r.status, 400)
        self.assertIn('year', r.json()['error'])

    def facets(self, **params):
        return {k: {v['value']: v['count'] for v in vals}
                for k, vals in self.srv.get_json(
                    '/api/postmortems', facets=1, limit=1,
                    **params)['facets'].items()}

    def counted(self, rows, key):
        c = collections.Counter()
        for r in rows:
            if key == 'cause':
                c.update(r['causes'])
            elif key == 'service':
                c.update(r['services'])
            elif key == 'severity' and r['severity']:
                c[r['severity']] += 1
            elif key == 'year' and r['started_at']:
                c[r['started_at'][:4]] += 1
        return dict(c)

    def test_facets_keep_siblings(self):
        """A group's counts leave out the URL's own filter on it; every
        other group counts the filtered list."""
        everything = self.facets()
        for param, value in (('severity', 'SEV1'), ('year', '2017'),
                             ('service', 'payment-api'),
                             ('cause', 'infrastructure'),
                             ('severity', 'SEV1,SEV3')):
            got = self.facets(**{param: value})
            self.assertEqual(got[param], everything[param], (param, value))
            self.assertGreater(len(got[param]), len(value.split(',')))
            rows = self.list(**{param: value})
            for other in ('cause', 'severity', 'service', 'year'):
                if other != param:
                    self.assertEqual(got[other], self.counted(rows, other),
                                     (param, value, other))
        # Two groups: each leaves out only its own filter.
        both = self.facets(severity='SEV2', year='2017')
        self.assertEqual(both['severity'],
                         self.counted(self.list(year='2017'), 'severity'))
        self.assertEqual(both['year'],
                         self.counted(self.list(severity='SEV2'), 'year'))
        # The query's own cause: stays a condition on every group.
        def sev(**params):
            return {v['value']: v['count'] for v in self.srv.get_json(
                '/api/search', q='cause:infrastructure', limit=1,
                **params)['facets']['severity']}
        self.assertEqual(sev(severity='SEV1'), sev())
        self.assertNotEqual(sev(), everything['severity'])

    def sorted_by(self, sort, **params):
        return self.srv.get_json('/api/search', sort=sort, limit=100,
                                 **params)['results']

    def test_sort_by_severity(self):
        rank = {'SEV0': 0, 'SEV1': 1, 'SEV2': 2, 'SEV3': 3, 'SEV4': 4}
        for params in ({'q': 'timeout'}, {'q': 'timeout -zzabsent'},
                       {'q': 'the', 'year': '2017,2018'}):
            got = self.sorted_by('severity', **params)
            self.assertGreater(len(got), 5, params)
            keys = [(rank.get(r['severity'], 99),
                     '~' if not r['started_at'] else
                     ''.join(chr(255 - ord(ch)) for ch in r['started_at']))
                    for r in got]
            self.assertEqual(keys, sorted(keys), params)
            self.assertGreater(len({k[0] for k in keys}), 2, params)
        listing = self.srv.get_json('/api/postmortems', sort='severity',
                                    limit=100)['results']
        self.assertEqual(listing[0]['severity'], 'SEV0')
        self.assertEqual([r['slug'] for r in listing],
                         [r['slug'] for r in sorted(
                             self.all, key=lambda r: rank.get(
                                 r['severity'], 99))])

    def test_sort_by_time_to_resolve(self):
        for params in ({'q': 'timeout'}, {'q': 'timeout -zzabsent'}):
            got = self.sorted_by('ttr', **params)
            ttr = [r['ttr_seconds'] for r in got]
            self.assertGreater(len(ttr), 5)
            known = [t for t in ttr if t is not None and t >= 0]
            self.assertEqual(ttr[:len(known)], sorted(known, reverse=True))
            self.assertGreater(known[0], known[-1])
        okapi = self.sorted_by('ttr', q='okapi')
        # Resolved before it started: not a duration, so last.
        self.assertEqual(okapi[-1]['slug'], 'formula')
        self.assertLess(okapi[-1]['ttr_seconds'], 0)
        r = self.srv.get('/api/search', q='okapi', sort='slowest')
        self.assertEqual(r.status, 400)
        self.assertIn("'ttr'", r.json()['error'])

    def test_csv_export(self):
        r = self.srv.get('/api/search', q='okapi OR timeout', sort='ttr',
                         format='csv')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header('Content-Type').startswith('text/csv'))
        rows = list(csv.DictReader(io.StringIO(r.body.decode('utf-8'))))
        j = self.srv.get_json('/api/search', q='okapi OR timeout',
                              sort='ttr', limit=100)
        self.assertEqual(len(rows), j['total'])
        self.assertEqual([x['slug'] for x in rows],
                         [x['slug'] for x in j['results']])
        by = {x['slug']: x for x in rows}
        for res in j['results']:
            row = by[res['slug']]
            self.assertEqual(row['url'], self.srv.base + res['url'])
            self.assertEqual(row['ttr_seconds'],
                             '' if res['ttr_seconds'] is None
                             else str(res['ttr_seconds']))
            self.assertEqual(row['services'], '; '.join(res['services']))
        # A title a spreadsheet would run as a formula is kept as text.
        self.assertEqual(by['formula']['title'],
                         "'=HYPERLINK(\"http://x\", \"okapi\")")
        # The whole list, past the JSON page size.
        r = self.srv.get('/api/postmortems', format='csv')
        rows = list(csv.DictReader(io.StringIO(r.body.decode('utf-8'))))
        self.assertEqual([x['slug'] for x in rows],
                         [x['slug'] for x in self.all])
        self.assertEqual(self.srv.get('/api/search', q='x',
                                      format='xml').status, 400)


if __name__ == '__main__':
    main()

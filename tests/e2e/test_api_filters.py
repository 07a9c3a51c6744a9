"""GET /api/postmortems filters (service, severity, tag, status) and
GET /api/search?sort=date, checked against the full list the same server
returns, over the sample collection plus two drafts."""
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
        self.assertEqual(len(self.all), 72)

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


if __name__ == '__main__':
    main()

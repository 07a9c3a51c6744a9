"""Honest durations: n, median, p90, a 90% interval of the median (order statistics)
and "too few", checked against a computation written here from the
documented method (stats/spread.h), through the API, CSV and Markdown."""
import csv
import io
import math
import os
import random
import shutil
import tempfile
import unittest

from pmkbtest import SAMPLES, Server, main, pmkb

def quantile(v, q):
    """Linear interpolation between closest ranks, rounded half away."""
    h = (len(v) - 1) * q
    lo = math.floor(h)
    if lo + 1 >= len(v):
        return v[-1]
    x = v[lo] + (h - lo) * (v[lo + 1] - v[lo])
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def median_ci(v):
    """[X(j), X(n+1-j)] for the largest j with P(Binomial(n, 1/2) <= j-1)
    <= 0.05, exact in integers; j = 1 when none is."""
    v, n, j = sorted(v), len(v), 1
    while j < n and 20 * sum(math.comb(n, i) for i in range(j)) <= 2 ** n:
        j += 1
    # j is now one past the largest that qualifies (or 1 when none does).
    j = max(1, j - 1)
    return [v[j - 1], v[n - j]]


def doc(i, day, ttd, detection):
    start = f'2020-{day}T00:00:00Z'
    return (f'---\ntitle: t{i}\nstarted_at: {start}\n'
            f'detected_at: 2020-{day}T{ttd // 3600:02d}:'
            f'{ttd // 60 % 60:02d}:{ttd % 60:02d}Z\n'
            f'cause: application\ndetection: {detection}\n---\n# t{i}\n')


class Durations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rnd = random.Random(7)
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-dur-')
        cls.h1, cls.h2, cls.alert = [], [], []
        # 23 incidents in 2020 H1, 3 in H2: one period to read, one too few.
        for i in range(26):
            ttd = rnd.randint(30, 20000)
            month = 1 + i % 6 if i < 23 else 7 + i % 3
            det = 'alert' if i % 3 else 'customer'
            (cls.h1 if i < 23 else cls.h2).append(ttd)
            if det == 'alert':
                cls.alert.append(ttd)
            with open(os.path.join(cls.tmp, f'2020-{i:02d}.md'), 'w') as f:
                f.write(doc(i, f'{month:02d}-{1 + i:02d}', ttd, det))
        cls.srv = Server(directory=cls.tmp)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp)

    def test_api_against_an_independent_computation(self):
        j = self.srv.get_json('/api/stats/durations', period='half')
        self.assertEqual(j['min_n'], 5)
        rows = {r['period']: r for r in j['rows']}
        h1, h2 = rows['2020-H1']['ttd'], rows['2020-H2']['ttd']
        v = sorted(self.h1)
        self.assertEqual(h1['count'], 23)
        self.assertEqual(h1['median'], quantile(v, 0.5))
        self.assertEqual(h1['p90'], quantile(v, 0.9))
        self.assertEqual(h1['ci90'], median_ci(v))
        self.assertLessEqual(h1['ci90'][0], h1['median'])
        self.assertGreaterEqual(h1['ci90'][1], h1['median'])
        self.assertFalse(h1['too_few'])
        self.assertEqual(h1['values'], v)
        self.assertEqual(h2['count'], 3)
        self.assertTrue(h2['too_few'])
        self.assertEqual(h2['ci90'], median_ci(self.h2))
        by = j['all']['ttd_by_detection']
        self.assertEqual(by['alert']['count'], len(self.alert))
        self.assertEqual(by['alert']['median'],
                         quantile(sorted(self.alert), 0.5))
        self.assertEqual(by['internal']['count'], 0)
        # Deterministic: the same answer twice.
        again = self.srv.get_json('/api/stats/durations', period='half')
        self.assertEqual(again['rows'], j['rows'])
        # min_n moves the line.
        j = self.srv.get_json('/api/stats/durations', period='half',
                              min_n='2')
        self.assertFalse({r['period']: r for r in j['rows']}
                         ['2020-H2']['ttd']['too_few'])
        r = self.srv.get('/api/stats/durations', min_n='0')
        self.assertEqual(r.status, 400)

    def test_csv_and_markdown_carry_the_fields(self):
        r = self.srv.get('/api/stats/durations', period='half',
                         format='csv')
        rows = {x['period']: x for x in
                csv.DictReader(io.StringIO(r.body.decode()))}
        ci = median_ci(self.h1)
        self.assertEqual(rows['2020-H1']['ttd_median_ci90_low_seconds'],
                         str(ci[0]))
        self.assertEqual(rows['2020-H1']['ttd_median_ci90_high_seconds'],
                         str(ci[1]))
        self.assertEqual(rows['2020-H2']['ttd_too_few'], 'true')
        self.assertEqual(rows['2020-H1']['ttd_alert_count'],
                         str(sum(1 for i in range(23) if i % 3)))
        md = self.srv.get('/api/stats/durations', period='half',
                          format='md').body.decode()
        self.assertIn('TTD median 90% CI', md)
        self.assertIn('3 too few', md)

    def test_cli_and_the_samples_show_a_too_few_period(self):
        db = os.path.join(self.tmp, 'samples.db')
        self.assertEqual(pmkb('import', '--db', db, SAMPLES).returncode, 0)
        r = pmkb('stats', 'durations', '--db', db, '--dir', SAMPLES,
                 '--period', 'month')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('too few', r.stdout)
        self.assertIn('median 90% CI', r.stdout)
        r = pmkb('stats', 'durations', '--db', db, '--dir', SAMPLES,
                 '--period', 'month', '--min-n', '1')
        self.assertNotIn('too few', r.stdout.split('\nAll')[0])
        os.remove(db)


if __name__ == '__main__':
    main()

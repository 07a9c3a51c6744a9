"""Similar postmortems and typeahead end to end, on the sample set.

GET /api/postmortems/{slug}/similar and GET /api/suggest through the
real binary: known pairs of samples find each other, the reasons say why,
the typeahead finds services, causes by their Japanese label and titles
by a Japanese word, and no input gets a 500.
"""
import http.client
import unittest
import urllib.parse

from gittest import Repo, close_server, git, git_server, postmortem, status, wait_for
from pmkbtest import Server, main

# Pairs of samples about the same kind of incident.
PAIRS = [
    ('2016-12-06-cdn-tls-certificate-expired',
     '2017-05-11-internal-api-tls-cert-expired'),
    ('2016-08-09-redis-session-eviction',
     '2017-04-18-redis-eviction-cache-key-growth'),
    ('2017-11-15-kafka-consumer-rebalance-storm',
     '2018-03-08-kafka-consumer-lag-partitions'),
]


def similar_path(slug):
    return '/api/postmortems/%s/similar' % urllib.parse.quote(slug, safe='')


class Similar(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def similar(self, slug, **params):
        return self.srv.get_json(similar_path(slug), **params)

    def test_pairs_find_each_other_in_the_top_three(self):
        for a, b in PAIRS:
            for src, other in ((a, b), (b, a)):
                j = self.similar(src)
                top = [r['slug'] for r in j['results'][:3]]
                self.assertIn(other, top, f'{src}: {top}')

    def test_shape_and_reasons(self):
        j = self.similar('2016-12-06-cdn-tls-certificate-expired')
        self.assertEqual(j['slug'], '2016-12-06-cdn-tls-certificate-expired')
        self.assertEqual(len(j['results']), 5)  # the default limit
        # Explicitly related postmortems come first; the rest by score.
        scores = [r['score'] for r in j['results']
                  if r['reasons'][0]['kind'] != 'related']
        self.assertEqual(scores, sorted(scores, reverse=True))
        for r in j['results']:
            for key in ('slug', 'title', 'started_at', 'cause', 'causes',
                        'severity', 'services', 'url', 'score', 'reasons'):
                self.assertIn(key, r)
            self.assertNotEqual(r['slug'], j['slug'])
            self.assertEqual(r['url'], '/p/' + r['slug'])
            self.assertGreater(r['score'], 0)
            self.assertLessEqual(r['score'], 1)
            kinds = [w['kind'] for w in r['reasons']]
            self.assertTrue(kinds, r['slug'])
            order = ['related', 'service', 'cause', 'terms']
            self.assertEqual(kinds, [k for k in order if k in kinds])
            for w in r['reasons']:
                self.assertTrue(w['values'])
                self.assertTrue(all(isinstance(v, str) for v in w['values']))
        other = [r for r in j['results']
                 if r['slug'] == '2017-05-11-internal-api-tls-cert-expired'][0]
        why = {w['kind']: w for w in other['reasons']}
        # Both list infrastructure first, then operation.
        self.assertEqual(why['cause']['values'],
                         ['infrastructure', 'operation'])
        self.assertTrue(why['cause']['primary'])
        # Japanese words are shown whole, as the source writes them.
        self.assertIn('証明書', why['terms']['values'])
        self.assertIn('TLS', why['terms']['values'])

    def test_shared_services_are_named(self):
        j = self.similar('2017-11-15-kafka-consumer-rebalance-storm')
        first = j['results'][0]
        self.assertEqual(first['slug'],
                         '2018-03-08-kafka-consumer-lag-partitions')
        why = {w['kind']: w['values'] for w in first['reasons']}
        self.assertIn('data-pipeline', why['service'])
        self.assertIn('Kafka', why['terms'])

    def test_limit(self):
        self.assertEqual(len(self.similar(PAIRS[0][0], limit=1)['results']),
                         1)
        self.assertLessEqual(
            len(self.similar(PAIRS[0][0], limit=20)['results']), 20)
        for bad in ('0', '21', '-1', 'x', '', '5x', '99999999999'):
            r = self.srv.get(similar_path(PAIRS[0][0]), limit=bad)
            self.assertEqual(r.status, 400, bad)
            self.assertIn('limit', r.json()['error'])

    def test_unknown_slug_is_404_json(self):
        r = self.srv.get(similar_path('no-such-postmortem'))
        self.assertEqual(r.status, 404)
        self.assertIn('error', r.json())
        for slug in ('"', '*', 'NEAR(', "x' OR 1=1 --", '%ff', '..',
                     'ａｂｃ'):
            r = self.srv.get(similar_path(slug))
            self.assertIn(r.status, (400, 404), slug)

    def test_every_sample_answers(self):
        slugs = [r['slug'] for r in self.srv.get_json(
            '/api/postmortems', limit=1000)['results']]
        self.assertEqual(len(slugs), 70)
        # How fast is for tests/bench; here, that every one answers.
        conn = http.client.HTTPConnection('127.0.0.1', self.srv.port,
                                          timeout=60)
        for slug in slugs:
            r = self.srv.request('GET', similar_path(slug), conn=conn)
            self.assertEqual(r.status, 200, slug)
            self.assertNotIn(slug, [x['slug'] for x in r.json()['results']])
        conn.close()

    def test_described_in_openapi(self):
        spec = self.srv.get('/api/openapi.yaml').body.decode('utf-8')
        self.assertIn('\n  /api/postmortems/{slug}/similar:\n', spec)
        self.assertIn('\n  /api/suggest:\n', spec)


class Suggest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def suggest(self, q, **params):
        return self.srv.get_json('/api/suggest', q=q, **params)

    def test_pay_lists_payment_api(self):
        j = self.suggest('pay')
        self.assertEqual(j['query'], 'pay')
        self.assertIn({'kind': 'service', 'value': 'payment-api',
                       'label': 'payment-api', 'count': 16},
                      j['suggestions'])
        titles = [s for s in j['suggestions'] if s['kind'] == 'title']
        self.assertTrue(titles)
        for s in titles:
            self.assertIn('payment', s['value'].lower())
            self.assertTrue(s['slug'])
        self.assertEqual(self.suggest('PAY'), dict(j, query='PAY'))

    def test_japanese_label_finds_the_cause(self):
        j = self.suggest('イン')
        causes = [s for s in j['suggestions'] if s['kind'] == 'cause']
        self.assertEqual(causes[0]['value'], 'infrastructure')
        self.assertEqual(causes[0]['label_ja'], 'インフラ')
        self.assertEqual(causes[0]['label'], 'Infrastructure')
        self.assertEqual(causes[0]['count'], 17)

    def test_japanese_word_finds_a_certificate_title(self):
        j = self.suggest('証明')
        slugs = {s.get('slug') for s in j['suggestions']
                 if s['kind'] == 'title'}
        self.assertIn('2016-12-06-cdn-tls-certificate-expired', slugs)
        self.assertTrue(any(s['kind'] == 'tag' and s['value'] == '証明書'
                            for s in j['suggestions']))

    def test_limit_and_mix(self):
        for n in (1, 3, 8, 20):
            self.assertLessEqual(len(self.suggest('a', limit=n)
                                     ['suggestions']), n)
        j = self.suggest('pay', limit=4)
        kinds = [s['kind'] for s in j['suggestions']]
        # Labels first, at most half the places when titles match too.
        self.assertEqual(kinds, ['service', 'tag', 'title', 'title'])
        for bad in ('0', '21', 'x'):
            r = self.srv.get('/api/suggest', q='pay', limit=bad)
            self.assertEqual(r.status, 400, bad)

    def test_bad_q_is_400(self):
        for q in ('', ' ', '\u3000', 'a' * 129):
            r = self.srv.get('/api/suggest', q=q)
            self.assertEqual(r.status, 400, repr(q))
            self.assertIn('error', r.json())
        r = self.srv.get('/api/suggest')
        self.assertEqual(r.status, 400)
        for raw in ('%FF', 'pay%C3', '%E8%A8', '%ED%A0%80'):
            r = self.srv.request('GET', '/api/suggest?q=' + raw)
            self.assertEqual(r.status, 400, raw)

    def test_hostile_inputs_never_500(self):
        for q in ('"', '"pay', '*', 'pay*', '(', 'NEAR', 'AND', 'OR', '-',
                  '-pay', 'cause:infra', ':', '^', '{title}', 'title:x',
                  "'; DROP TABLE labels; --", '%', '_', '\\', 'Ｄ', '🔥',
                  'ーーーー', 'a' * 128, 'あ' * 42, '\x01', 'pay\x7f',
                  ' '.join(['x'] * 60)):
            r = self.srv.get('/api/suggest', q=q)
            self.assertIn(r.status, (200, 400), repr(q))
            self.assertIn('suggestions' if r.status == 200 else 'error',
                          r.json())

    def test_answers_every_prefix(self):
        # How fast is for tests/bench; here, that each one answers.
        conn = http.client.HTTPConnection('127.0.0.1', self.srv.port,
                                          timeout=60)
        for q in ('p', 'pa', 'pay', 'イ', 'イン', '証明', 'red', 'k8s',
                  'aurora fail', 'デプロイ', 'timeout'):
            r = self.srv.request('GET', '/api/suggest?' +
                                 urllib.parse.urlencode({'q': q}), conn=conn)
            self.assertEqual(r.status, 200, q)
            self.assertIsInstance(r.json(), (dict, list), q)
        conn.close()


class Renamed(unittest.TestCase):
    def test_renamed_slug_redirects(self):
        repo = Repo()
        srv = None
        try:
            repo.write('2024-01-10-first.md',
                       postmortem('First outage', 'flamingo'))
            repo.write('2024-01-11-second.md',
                       postmortem('Second outage', 'flamingo'))
            repo.commit('first')
            repo.push()
            srv = git_server(repo).start()
            repo.install_post_receive(srv.base)
            git(repo.work, 'mv', 'postmortems/2024-01-10-first.md',
                'postmortems/2024-01-10-first-outage.md')
            repo.commit('rename')
            repo.push()
            wait_for(lambda: status(srv, '2024-01-10-first-outage') == 200)
            r = srv.get(similar_path('2024-01-10-first'))
            self.assertEqual(r.status, 301)
            self.assertEqual(
                r.header('Location'),
                '/api/postmortems/2024-01-10-first-outage/similar')
            j = srv.get_json(similar_path('2024-01-10-first-outage'))
            self.assertEqual([x['slug'] for x in j['results']],
                             ['2024-01-11-second'])
        finally:
            if srv:
                close_server(srv)
            repo.close()


if __name__ == '__main__':
    main()

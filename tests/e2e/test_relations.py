"""Relations through real pushes: links and related: in both directions,
and an incident flagged as a possible recurrence of an earlier one (a
service and a cause in common and some words, or much of its words
alone), saying how many of the earlier one's action items were still
open; ticking them in a later push clears that, and the thresholds in
.pmkb.yml change what is flagged.
"""
import unittest

from gittest import Repo, close_server, git_server, wait_for, wait_idle
from pmkbtest import main
from slacktest import PUBLIC_URL, Listener, check_blocks

SETTINGS = 'recurrence: {window_days: 365}\n'


def pm(title, started, services, cause, body='', extra=''):
    return (f'---\ntitle: {title}\nstarted_at: {started}\n'
            f'services: [{services}]\ncause: {cause}\n{extra}---\n'
            f'# {title}\n\n{body}\n')


FIRST = pm('Database failover stalled', '2024-01-10T09:00:00+09:00', 'db',
           'infrastructure',
           'Replica lag on the orders cluster delayed the failover.\n\n'
           '## Action items\n\n- [ ] @tanaka Raise the failover runbook\n'
           '- [x] @sato Add a lag alert\n')
AGAIN = pm('Database failover stalled again', '2024-06-01T09:00:00+09:00',
           'DB', 'infrastructure',
           'Replica lag on the orders cluster delayed the failover. '
           'Like [the first one](2024-01-10-first.md), see also '
           '[an old page](https://pmkb.example.com/p/2022-01-01-old).')
OLD = pm('Old database outage', '2022-01-01', 'db', 'infrastructure')
OTHER = pm('API latency', '2024-07-01', 'api', 'infrastructure',
           extra='related: [2024-01-10-first]\n'
                 'recurrence_of: 2022-01-01-old\n')


class Pushed(unittest.TestCase):
    """A repository with DOCS ({slug: text}) pushed in one commit and a
    server following it; no tests of its own."""
    DOCS = {}

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS)
        for slug, text in cls.DOCS.items():
            cls.repo.write(f'{slug}.md', text)
        cls.repo.commit(f'{len(cls.DOCS)} postmortems')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo).start()
        cls.repo.install_post_receive(cls.srv.base)
        wait_idle(cls.srv)

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()


class Relations(Pushed):
    DOCS = {'2024-01-10-first': FIRST, '2024-06-01-again': AGAIN,
            '2022-01-01-old': OLD, '2024-07-01-other': OTHER}

    def get(self, slug):
        return self.srv.get_json(f'/api/postmortems/{slug}')

    def test_links_both_ways(self):
        again = self.get('2024-06-01-again')['relations']
        self.assertEqual(
            sorted((x['slug'], x['kind'], x['title'])
                   for x in again['links_to']),
            [('2022-01-01-old', 'related', 'Old database outage'),
             ('2024-01-10-first', 'related', 'Database failover stalled')])
        first = self.get('2024-01-10-first')['relations']
        self.assertEqual(first['links_to'], [])
        self.assertEqual(
            sorted((x['slug'], x['kind']) for x in first['referenced_by']),
            [('2024-06-01-again', 'related'),
             ('2024-07-01-other', 'related')])
        old = self.get('2022-01-01-old')['relations']
        self.assertEqual(
            sorted((x['slug'], x['kind']) for x in old['referenced_by']),
            [('2024-06-01-again', 'related'),
             ('2024-07-01-other', 'recurrence_of')])

    def test_similar_ranks_related_first(self):
        res = self.srv.get_json(
            '/api/postmortems/2024-01-10-first/similar')['results']
        # Both link here, newest first, whatever their words share.
        self.assertEqual([r['slug'] for r in res[:2]],
                         ['2024-07-01-other', '2024-06-01-again'])
        self.assertEqual(res[0]['reasons'][0],
                         {'kind': 'related', 'values': ['referenced by']})
        self.assertEqual(
            [r['slug'] for r in res].count('2024-06-01-again'), 1)
        res = self.srv.get_json('/api/postmortems/2024-07-01-other/similar',
                                limit=1)['results']
        self.assertEqual([(r['slug'], r['reasons'][0]['values'])
                          for r in res],
                         [('2024-01-10-first', ['links to'])])

    def test_recurrence_flag_with_open_items(self):
        rec = self.get('2024-06-01-again')['recurrence_of']
        # Same service (any case) and cause within the window; the 2022
        # one is further back than 365 days.
        self.assertEqual([r['slug'] for r in rec], ['2024-01-10-first'])
        self.assertEqual(rec[0]['open_items'], 1)
        self.assertEqual(rec[0]['days_before'], 143)
        self.assertIn('recurred with 1 action item still open',
                      rec[0]['reasons'])
        self.assertIn('same service (db) and cause (infrastructure) 143 '
                      'days earlier', rec[0]['reasons'])
        self.assertTrue(rec[0]['same_labels'])
        self.assertGreaterEqual(rec[0]['similarity'], 0.25)
        # recurrence_of: names one whatever the window and the labels.
        other = self.get('2024-07-01-other')['recurrence_of']
        self.assertEqual([(r['slug'], r['explicit']) for r in other],
                         [('2022-01-01-old', True)])
        self.assertEqual(self.get('2024-01-10-first')['recurrence_of'], [])

    def test_recurrences_per_period_in_stats(self):
        rows = self.srv.get_json('/api/stats/causes', period='year',
                                 **{'from': '2022-01-01',
                                    'to': '2024-12-31'})['rows']
        by_year = {r['start'][:4]: r['recurrences'] for r in rows}
        # 2024: "again" (service and cause) and "other" (recurrence_of:).
        self.assertEqual(by_year, {'2022': 0, '2023': 0, '2024': 2})

    def test_zz_ticking_the_item_clears_open(self):
        # Ticked today, long after the repeat started: open back then.
        self.repo.write('2024-01-10-first.md',
                        FIRST.replace('- [ ] @tanaka', '- [x] @tanaka'))
        sha = self.repo.commit('runbook raised')
        self.repo.push()
        wait_for(lambda: self.get('2024-01-10-first')['source']['commit']
                 == sha, timeout=30)
        rec = self.get('2024-06-01-again')['recurrence_of']
        self.assertEqual(rec[0]['open_items'], 1)
        # Its done: day is before the repeat: no longer open then.
        self.repo.write('2024-01-10-first.md', FIRST.replace(
            '- [ ] @tanaka', '- [x] @tanaka done:2024-05-20'))
        self.repo.commit('runbook raised in May')
        self.repo.push()

        def cleared():
            rec = self.get('2024-06-01-again')['recurrence_of']
            return rec and rec[0]['open_items'] == 0 and rec
        rec, _ = wait_for(cleared, timeout=30)
        self.assertFalse(any('still open' in r for r in rec[0]['reasons']))


# Detection: BASE has two items open; NEAR repeats it almost word for
# word under another service; UNREL shares BASE's service and cause and
# nothing else. The fillers give the words their weights.
BASE = pm('Checkout queue saturated', '2024-02-01T10:00:00+09:00',
          'payments', 'capacity',
          'The checkout-worker pool ran out of connections to the ledger '
          'database after the nightly reconciliation job held row locks. '
          'Orders piled up in the settlement queue for 40 minutes.\n\n'
          '## Action items\n\n'
          '- [ ] @tanaka Move reconciliation off the primary\n'
          '- [ ] @sato Cap the checkout-worker pool per shard\n'
          '- [x] @kato Alert on settlement queue depth\n')
NEAR = pm('Checkout queue saturated again', '2024-05-01T10:00:00+09:00',
          'billing', 'capacity',
          'Again the checkout-worker pool ran out of connections to the '
          'ledger database while the nightly reconciliation job held row '
          'locks; orders piled up in the settlement queue for 25 minutes '
          'at peak.')
UNREL = pm('Card tokenizer rejected Amex numbers',
           '2024-03-01T10:00:00+09:00', 'payments', 'capacity',
           'A regex in the tokenizer rejected fifteen-digit card numbers '
           'after the library upgrade; customers paying with Amex saw a '
           'validation message until the rollback.')
FILLERS = {
    '2023-06-01-index': pm('Search index rebuild stalled', '2023-06-01',
                           'search', 'application',
                           'The nightly index rebuild stalled on a corrupt '
                           'segment and search served stale results.'),
    '2023-09-01-mail': pm('Mail relay throttled', '2023-09-01', 'mail',
                          'third-party',
                          'Our mail provider throttled outgoing messages '
                          'after a spike of bounces.'),
}


class Detection(Pushed):
    """Similarity flags a repeat under another service, with its words and
    score; the same service and cause without shared words is not enough;
    recurrence: in .pmkb.yml moves both thresholds."""
    DOCS = dict(FILLERS, **{'2024-02-01-base': BASE,
                            '2024-05-01-near': NEAR,
                            '2024-03-01-unrel': UNREL})

    def rec(self, slug):
        return self.srv.get_json(f'/api/postmortems/{slug}')['recurrence_of']

    def test_near_duplicate_under_another_service(self):
        rec = self.rec('2024-05-01-near')
        self.assertEqual([r['slug'] for r in rec], ['2024-02-01-base'])
        r = rec[0]
        self.assertTrue(r['similar'])
        self.assertFalse(r['same_labels'])
        self.assertEqual(r['services'], [])
        self.assertGreater(r['similarity'], 0.8)
        for word in ('Checkout', 'queue', 'worker'):
            self.assertIn(word, r['terms'])
        said = [t for t in r['reasons'] if t.startswith('similar (score ')]
        self.assertEqual(len(said), 1, r['reasons'])
        self.assertIn('Checkout, queue', said[0])
        # Two of BASE's three items were open when NEAR started.
        self.assertEqual(r['open_items'], 2)
        self.assertIn('recurred with 2 action items still open',
                      r['reasons'])

    def test_same_service_and_cause_alone_is_not_a_recurrence(self):
        self.assertEqual(self.rec('2024-03-01-unrel'), [])
        self.assertEqual(self.rec('2024-02-01-base'), [])

    def test_recurrences_in_stats(self):
        rows = self.srv.get_json('/api/stats/causes', period='year',
                                 **{'from': '2024-01-01',
                                    'to': '2024-12-31'})['rows']
        self.assertEqual([r['recurrences'] for r in rows], [1])

    def test_zz_thresholds_from_settings(self):
        # Nothing is similar enough at 0.99; any service and cause in
        # common is enough at 0.
        self.repo.write('.pmkb.yml', 'recurrence: {window_days: 365, '
                        'similarity: 0.99, labels_similarity: 0}\n')
        self.repo.commit('stricter words, looser labels')
        self.repo.push()

        def moved():
            return (self.rec('2024-05-01-near') == [] and
                    self.rec('2024-03-01-unrel'))
        unrel, _ = wait_for(moved, timeout=30)
        self.assertEqual([(r['slug'], r['same_labels'], r['similar'])
                          for r in unrel],
                         [('2024-02-01-base', True, False)])
        self.assertIn('same service (payments) and cause (capacity) 29 '
                      'days earlier', unrel[0]['reasons'])


class Announcement(unittest.TestCase):
    """A pushed postmortem that may repeat an earlier one says so in its
    Slack announcement."""

    def test_announcement_flags_recurrence(self):
        slack = Listener()
        repo = Repo()
        try:
            repo.write('.pmkb.yml', SETTINGS)
            repo.write('2024-01-10-first.md', FIRST)
            repo.commit('first')
            repo.push(secret=None)
            srv = git_server(repo, args=['--public-url', PUBLIC_URL],
                             env={'PMKB_SLACK_WEBHOOK_URL': slack.url})
            srv.start()
            try:
                repo.install_post_receive(srv.base)
                wait_idle(srv)
                repo.write('2024-06-01-again.md', AGAIN)
                repo.commit('again')
                repo.push()
                msgs, _ = wait_for(lambda: [r['json'] for r in
                                            slack.snapshot()], timeout=30)
            finally:
                close_server(srv)
        finally:
            repo.close()
            slack.stop()
        self.assertEqual(len(msgs), 1)
        check_blocks(self, msgs[0])
        text = '\n'.join(b['text']['text'] for b in msgs[0]['blocks']
                         if b['type'] == 'section')
        self.assertIn('Database failover stalled again', text)
        self.assertIn(f'*Possible recurrence of* <{PUBLIC_URL}/p/'
                      '2024-01-10-first|Database failover stalled>', text)
        self.assertIn('recurred with 1 action item still open', text)


if __name__ == '__main__':
    main()

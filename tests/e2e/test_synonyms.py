"""The glossary through real pushes: a Japanese query finds the English
postmortem through the built-in glossary and the answer says what it was
widened to; quotes turn that off; a synonyms: group pushed in .pmkb.yml
takes effect with the push; similar links the English and the Japanese
postmortem of the same failover, and its reasons name neither a person
nor a stop word.
"""
import os
import re
import unittest
import urllib.parse

from gittest import Repo, close_server, git_server, wait_for, wait_idle
from pmkbtest import main, pmkb

EN = ('---\ntitle: Primary database failover took 14 minutes\n'
      'started_at: 2024-02-14T10:00:00Z\ncause: infrastructure\n'
      'authors: [suzuki]\n'
      'summary: The load balancer kept sending writes to the old primary '
      'because its health check still passed.\n---\n'
      '# Summary\n\nThe failover of the primary database took 14 minutes '
      'while the load balancer health check was slow. Tanaka and Suzuki '
      'restarted the replica. The core banking batch was delayed.\n\n'
      '## Action items\n\n- [ ] @tanaka shorten the health check\n')
JA = ('---\ntitle: プライマリDBのフェイルオーバーに時間がかかった\n'
      'started_at: 2024-05-01T10:00:00+09:00\ncause: infrastructure\n'
      'authors: [tanaka]\n'
      'summary: ロードバランサのヘルスチェックが古いプライマリを正常と'
      '判定し続けた。\n---\n'
      '# 概要\n\n今回、データベースのフェイルオーバーが遅く、ロードバランサが'
      '書き込みを送り続けた。tanaka と suzuki がレプリカを再起動した。\n\n'
      '## Action items\n\n- [ ] @suzuki ヘルスチェックを短くする\n')
NOISE = ('---\ntitle: Disk full on the log hosts\nstarted_at: 2024-03-03\n'
         'cause: capacity\n---\n# Summary\n\nThe log disk filled up '
         'because rotation was off.\n')
# Shares only words that say nothing with the Japanese one (概要, 今回).
JA_NOISE = ('---\ntitle: ディスクが満杯\nstarted_at: 2024-04-04\n'
            'cause: capacity\n---\n# 概要\n\n今回、ディスクが満杯になった。'
            '\n')
SETTINGS = 'people: {tanaka: U0123ABCD}\n'
WITH_SYNONYMS = SETTINGS + 'synonyms:\n  - [勘定系, core banking]\n'

EN_SLUG = '2024-02-14-db-failover'
JA_SLUG = '2024-05-01-ja-failover'
# What a reason must never show: people and function words.
NAMES = {'tanaka', 'suzuki'}
STOP = {'the', 'because', 'while', 'and', 'its', 'still', 'of', 'was',
        'が', 'の', 'と', '概要', '今回'}


class Synonyms(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        cls.repo.write('.pmkb.yml', SETTINGS)
        cls.repo.write(EN_SLUG + '.md', EN)
        cls.repo.write('2024-03-03-disk-full.md', NOISE)
        cls.repo.write('2024-04-04-ja-disk.md', JA_NOISE)
        cls.repo.commit('an English postmortem')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo).start()
        cls.repo.install_post_receive(cls.srv.base)
        wait_idle(cls.srv)
        # The Japanese one arrives by a push the hook reports.
        cls.repo.write(JA_SLUG + '.md', JA)
        cls.repo.commit('ja: the same failover')
        cls.repo.push()
        wait_for(lambda: cls.srv.get(f'/api/postmortems/{JA_SLUG}').status
                 == 200)
        wait_idle(cls.srv)

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()

    def search(self, q):
        return self.srv.get_json('/api/search', q=q)

    def slugs(self, q):
        return [r['slug'] for r in self.search(q)['results']]

    def test_japanese_query_finds_english_through_the_glossary(self):
        j = self.search('フェイルオーバー')
        slugs = [r['slug'] for r in j['results']]
        self.assertIn(EN_SLUG, slugs)
        self.assertIn(JA_SLUG, slugs)
        self.assertNotIn('2024-03-03-disk-full', slugs)
        self.assertIn('failover', j['expanded']['フェイルオーバー'])
        # The term typed is not outranked by its synonym.
        self.assertEqual(slugs[0], JA_SLUG)
        en = [r for r in j['results'] if r['slug'] == EN_SLUG][0]
        self.assertIn('<mark>failover</mark>', en['snippet_html'].lower())
        # And the other way, with an inflection and another form.
        j = self.search('Failovers')
        self.assertIn(JA_SLUG, [r['slug'] for r in j['results']])
        self.assertIn('フェイルオーバー', j['expanded']['Failovers'])
        self.assertIn(EN_SLUG, self.slugs('ﾛｰﾄﾞﾊﾞﾗﾝｻ'))
        # The terminal says it too.
        out = pmkb('search', '--db', self.srv.db, 'フェイルオーバー').stdout
        self.assertIn('also searched: フェイルオーバー → failover', out)
        self.assertIn(EN_SLUG, out)
        out = pmkb('search', '--db', self.srv.db, '"フェイルオーバー"').stdout
        self.assertNotIn('also searched', out)

    def test_quotes_turn_expansion_off(self):
        j = self.search('"フェイルオーバー"')
        self.assertEqual([r['slug'] for r in j['results']], [JA_SLUG])
        self.assertNotIn('expanded', j)
        # Nor does a prefix or an excluded term: database finds both
        # (データベース), -フェイルオーバー leaves out the Japanese one only.
        self.assertNotIn('expanded', self.search('フェイルオーバ*'))
        self.assertEqual(sorted(self.slugs('database')),
                         [EN_SLUG, JA_SLUG])
        self.assertEqual(self.slugs('database -フェイルオーバー'), [EN_SLUG])

    def test_synonyms_from_pmkb_yml(self):
        self.assertEqual(self.slugs('勘定系'), [])
        self.repo.write('.pmkb.yml', WITH_SYNONYMS)
        self.repo.commit('settings: 勘定系 is core banking')
        self.repo.push()
        wait_for(lambda: self.slugs('勘定系') == [EN_SLUG])
        j = self.search('勘定系')
        self.assertEqual(j['expanded'], {'勘定系': ['core banking']})
        self.assertEqual(self.search('"勘定系"')['total'], 0)
        # The terminal reads the same settings from --dir; without them
        # (no .pmkb.yml in the default ./postmortems) the word is unknown.
        pm = os.path.join(self.repo.work, 'postmortems')
        out = pmkb('search', '--db', self.srv.db, '--dir', pm, '勘定系').stdout
        self.assertIn('also searched: 勘定系 → core banking', out)
        self.assertIn(EN_SLUG, out)
        out = pmkb('search', '--db', self.srv.db, '勘定系').stdout
        self.assertIn('0 results for 勘定系', out)

    def similar(self, slug):
        path = '/api/postmortems/%s/similar' % urllib.parse.quote(slug)
        return self.srv.get_json(path)['results']

    def terms(self, src, other):
        res = self.similar(src)
        r = [r for r in res if r['slug'] == other]
        self.assertTrue(r, f'{other} not similar to {src}: {res}')
        why = {w['kind']: w['values'] for w in r[0]['reasons']}
        return [r['slug'] for r in res], why.get('terms', [])

    def test_similar_links_the_pair_across_languages(self):
        order, terms = self.terms(JA_SLUG, EN_SLUG)
        self.assertEqual(order[0], EN_SLUG)
        self.assertIn('フェイルオーバー', terms)
        self.assertIn('ロードバランサ', terms)
        order, terms = self.terms(EN_SLUG, JA_SLUG)
        self.assertEqual(order[0], JA_SLUG)
        self.assertIn('failover', terms)
        self.assertIn('load balancer', terms)

    def test_reasons_name_no_person_and_no_stop_word(self):
        # Every pair shares some: the failover pair names, the English
        # disk one "the because was", the Japanese one 概要 and 今回.
        for src in (JA_SLUG, EN_SLUG, '2024-03-03-disk-full',
                    '2024-04-04-ja-disk'):
            for r in self.similar(src):
                terms = [v for w in r['reasons'] if w['kind'] == 'terms'
                         for v in w['values']]
                for t in terms:
                    words = set(re.split(r'[\s\W]+', t.lower())) - {''}
                    what = f'{src} → {r["slug"]}: {t!r} in {terms}'
                    self.assertFalse(words & NAMES, what)
                    self.assertFalse(words & STOP, what)
        self.assertTrue(self.terms(JA_SLUG, EN_SLUG)[1])

if __name__ == '__main__':
    main()

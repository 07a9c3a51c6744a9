"""The review lint: each rule in English and Japanese, at warning and at
error level, through `pmkb lint`, the pre-receive hook and the page's
problems (GET /api/postmortems/{slug})."""
import os
import re
import shutil
import tempfile
import unittest

from gittest import Repo, git
from pmkbtest import Server, main, pmkb

HEAD = ('---\ntitle: {title}\nstarted_at: 2024-03-01\ncause: {cause}\n'
        '---\n# {title}\n\n')

# rule -> language -> (body, cause, what the message must say)
CASES = {
    'action_owner': {
        'en': ('## Action items\n\n- [ ] Add an alert on replica lag\n',
               'infrastructure', 'has no owner (@name) and no due date'),
        'ja': ('## 再発防止策\n\n- [ ] レプリカ遅延のアラートを追加する\n',
               'infrastructure', '担当者(@名前)と期限'),
    },
    'non_action': {
        'en': ('## Action items\n\n- [ ] @ann due:2024-04-01 Be more '
               'careful when editing the config\n',
               'configuration', "'be more careful' is not an action"),
        'ja': ('## 再発防止策\n\n- [ ] @tanaka due:2024-04-01 '
               '設定変更時に気を付ける\n',
               'configuration', '「気を付ける」は対策ではありません'),
    },
    'human_error': {
        'en': ('## Root cause\n\nHuman error: the operator ran the wrong '
               'command.\n', 'operation',
               'the only cause given is human error'),
        'ja': ('## 原因\n\n作業者の人為的ミス。\n', 'operation',
               '原因が「ヒューマンエラー」だけです'),
    },
    'counterfactual': {
        'en': ('## Timeline\n\nThe on-call engineer should have checked the '
               'dashboard.\n', 'operation', "'should have' judges with "
               'hindsight'),
        'ja': ('## 経緯\n\n事前に確認するべきだった。\n', 'operation',
               '「べきだった」は後知恵による反実仮想'),
    },
}


def doc(rule, lang):
    body, cause, _ = CASES[rule][lang]
    return HEAD.format(title=f'{rule} {lang}', cause=cause) + body


class Lint(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-review-')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def lint(self, rule, lang, settings=''):
        d = os.path.join(self.tmp, f'{rule}-{lang}-{len(settings)}')
        os.makedirs(d)
        with open(os.path.join(d, '.pmkb.yml'), 'w') as f:
            f.write(settings)
        with open(os.path.join(d, '2024-03-01-case.md'), 'w') as f:
            f.write(doc(rule, lang))
        return pmkb('lint', d)

    def test_each_rule_warns_in_each_language(self):
        for rule, langs in CASES.items():
            for lang, (_, _, says) in langs.items():
                with self.subTest(rule=rule, lang=lang):
                    r = self.lint(rule, lang)
                    self.assertEqual(r.returncode, 0, r.stdout)
                    mine = [ln for ln in r.stdout.splitlines()
                            if f'[review.{rule}]' in ln]
                    self.assertEqual(len(mine), 1, r.stdout)
                    self.assertIn(': warning: ', mine[0])
                    self.assertIn(says, mine[0])
                    # No other review rule fires on this text.
                    self.assertEqual(r.stdout.count('[review.'), 1,
                                     r.stdout)
                    # The line is the one the finding is on.
                    line = int(mine[0].split(':')[1])
                    self.assertGreater(line, 5)

    def test_each_rule_as_error_fails_lint(self):
        for rule, langs in CASES.items():
            for lang, (_, _, says) in langs.items():
                with self.subTest(rule=rule, lang=lang):
                    r = self.lint(rule, lang,
                                  f'review:\n  {rule}: error\n')
                    self.assertEqual(r.returncode, 1, r.stdout)
                    self.assertRegex(r.stdout, ': error: .*' + re.escape(says))
                    self.assertIn('1 file, 1 error,', r.stdout + r.stderr)

    def test_a_rule_turned_off_says_nothing(self):
        for rule in CASES:
            for lang in ('en', 'ja'):
                r = self.lint(rule, lang, f'review:\n  {rule}: off\n')
                self.assertEqual(r.returncode, 0, r.stdout)
                self.assertNotIn(f'[review.{rule}]', r.stdout)

    def test_extra_phrases(self):
        d = os.path.join(self.tmp, 'extra')
        os.makedirs(d)
        with open(os.path.join(d, '.pmkb.yml'), 'w') as f:
            f.write('review:\n  non_action:\n    level: error\n'
                    '    phrases: [様子を見る, Try Harder]\n')
        with open(os.path.join(d, '2024-03-02-x.md'), 'w') as f:
            f.write(HEAD.format(title='x', cause='operation') +
                    '- [ ] @a due:2024-04-01 しばらく様子を見る\n'
                    '- [ ] @b due:2024-04-01 try harder next time\n')
        r = pmkb('lint', d)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('「様子を見る」は対策ではありません', r.stdout)
        self.assertIn("'try harder' is not an action", r.stdout)

    def test_bad_settings_are_an_error(self):
        d = os.path.join(self.tmp, 'bad')
        os.makedirs(d)
        with open(os.path.join(d, '.pmkb.yml'), 'w') as f:
            f.write('review:\n  blame: error\n')
        r = pmkb('lint', d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown rule 'blame'", r.stdout)
        with open(os.path.join(d, '.pmkb.yml'), 'w') as f:
            f.write('review:\n  non_action: loud\n')
        r = pmkb('lint', d)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('expected off, warning or error', r.stdout)

    def test_done_items_and_code_blocks_are_left_alone(self):
        d = os.path.join(self.tmp, 'quiet')
        os.makedirs(d)
        with open(os.path.join(d, '2024-03-03-q.md'), 'w') as f:
            f.write(HEAD.format(title='q', cause='operation') +
                    '## Root cause\n\nA human error in a script nobody '
                    'reviewed. The deploy tool accepted an empty host '
                    'list.\n\n```\n# should have\n```\n\n'
                    '- [x] Fixed the tool\n')
        r = pmkb('lint', d)
        self.assertNotIn('[review.', r.stdout)


class PreReceiveAndPage(unittest.TestCase):
    def test_error_rejects_a_push_and_warning_does_not(self):
        repo = Repo()
        self.addCleanup(repo.close)
        repo.hook('pre-receive', '#!/bin/sh\nexec "%s" lint --pre-receive '
                  '--dir postmortems\n' % os.environ.get('PMKB_BIN', 'pmkb'))
        with open(os.path.join(repo.work, '.pmkb.yml'), 'w') as f:
            f.write('review:\n  counterfactual: error\n')
        repo.write('2024-03-04-cf.md', doc('counterfactual', 'ja'))
        repo.commit('counterfactual')
        r = repo.push(check=False)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn('べきだった', r.stderr)
        self.assertIn('pre-receive hook declined', r.stderr)
        # As a warning the same push goes through and says why.
        with open(os.path.join(repo.work, '.pmkb.yml'), 'w') as f:
            f.write('review:\n  counterfactual: warning\n')
        repo.commit('warning only')
        r = repo.push()
        self.assertEqual(r.returncode, 0)
        self.assertIn('warning: 「べきだった」', r.stderr)
        head = git(repo.remote, 'rev-parse', 'main').stdout.strip()
        self.assertEqual(head, repo.head())

    def test_page_problems_show_review_warnings(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-review-srv-')
        self.addCleanup(shutil.rmtree, tmp)
        with open(os.path.join(tmp, '2024-03-05-ne.md'), 'w') as f:
            f.write(doc('non_action', 'en'))
        with Server(directory=tmp) as srv:
            j = srv.get_json('/api/postmortems/2024-03-05-ne')
            msgs = [p['message'] for p in j['problems']]
            self.assertTrue(any('[review.non_action]' in m for m in msgs),
                            msgs)
            levels = {p['level'] for p in j['problems']}
            self.assertEqual(levels, {'warning'})


if __name__ == '__main__':
    main()

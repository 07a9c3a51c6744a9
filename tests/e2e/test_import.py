"""Collections as people write them, end to end: status pages, metadata
tables (Japanese and English), dated file names and a git repository
whose files say nothing of their dates. Each is read three ways --
`pmkb import` then `pmkb stats`, `serve --dir` and `serve --repo` -- and
every incident must land in its half-year, with none Unknown.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from gittest import git
from pmkbtest import BIN, Server, main, pmkb

STATUS_PAGE = {
    'content/issues/api-errors.md': (
        '---\ntitle: Elevated API errors\n'
        'date: 2023-12-04T8:00:00-00:00\nresolved: true\n'
        'resolvedWhen: 2023-12-04 09:30:00\nseverity: disrupted\n'
        'affected:\n  - API\n  - Dashboard\nsection: issue\n---\n'
        'Errors on the API.\n', '2023-H2'),
    'content/issues/db-down.md': (
        '---\ntitle: Database down\ndate: 2024-02-01 03:00:00\n'
        'resolved: false\nseverity: down\naffected: [Database]\n'
        'section: issue\n---\nThe database was down.\n', '2024-H1'),
}

META_JA = {
    'payments.md': (
        '# 決済APIの遅延\n\n| 項目 | 内容 |\n|---|---|\n'
        '| 発生日時 | 2026年3月19日 9時28分 |\n'
        '| 影響期間 | 2026-03-19 09:28 〜 2026-03-23 18:00 |\n'
        '| 重大度 | SEV-4 |\n| 影響サービス | payments, checkout |\n\n'
        '## 概要\n\n遅延した。\n', '2026-H1'),
    'login.md': (
        '# ログイン障害\n\n- 発生日時: 2025/08/02 14:00\n'
        '- 重大度: SEV2\n- 影響サービス: auth\n\n本文。\n', '2025-H2'),
}

META_EN = {
    'queue.md': (
        '# Queue backlog\n\n| Key | Value |\n|---|---|\n'
        '| Date | 2019-02-14 21:05 UTC |\n| Severity | SEV1 |\n'
        '| Services | queue |\n\nThe queue backed up.\n', '2019-H1'),
    'cdn.md': (
        '# CDN errors\n\n- **Date:** 2019-10-01\n- **Severity:** SEV3\n\n'
        'Some errors.\n', '2019-H2'),
}

DATED_NAMES = {
    '2021-01-20-cache.md': ('# Cache\n\nText.\n', '2021-H1'),
    '2020-12-dns.md': ('# DNS\n\nText.\n', '2020-H2'),
    '2022-08/outage.md': ('# Outage\n\nText.\n', '2022-H2'),
    'signed.md': ('# Signed\n\nText.\n\n_Jane Doe 2018-07-28._\n',
                  '2018-H2'),
}

# No metadata at all: only the (backdated) commits date these.
GIT_ONLY = {
    'first.md': ('# First\n\nNo date here.\n', '2019-H1'),
    'second.md': ('# Second\n\nNo date here either.\n', '2020-H2'),
}
GIT_DATES = {'first.md': '2019-03-05T10:00:00+00:00',
             'second.md': '2020-11-11T10:00:00+00:00'}

SHAPES = {'status-page': STATUS_PAGE, 'meta-ja': META_JA,
          'meta-en': META_EN, 'dated-names': DATED_NAMES,
          'git-only': GIT_ONLY}


def expected_halves(files):
    out = {}
    for _, half in files.values():
        out[half] = out.get(half, 0) + 1
    return out


def halves(stats):
    """{period: total} of a stats JSON, and its undated count."""
    return ({r['period']: r['total'] for r in stats['rows'] if r['total']},
            stats['undated'])


class ImportShapes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-import-')
        cls.dirs = {}
        for name, files in SHAPES.items():
            root = os.path.join(cls.tmp, name)
            pm = os.path.join(root, 'postmortems')
            os.makedirs(pm)
            git(root, 'init', '-q', '-b', 'main')
            for rel, (text, _) in sorted(files.items()):
                path = os.path.join(pm, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
                # One commit per file, dated as the test says (or today).
                when = GIT_DATES.get(rel)
                env = ({'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when}
                       if when else {})
                git(root, 'add', '-A')
                git(root, 'commit', '-q', '-m', 'add ' + rel, env=env)
            cls.dirs[name] = root

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, name, stats, how):
        got, undated = halves(stats)
        self.assertEqual(undated, 0, f'{name} ({how}): Unknown incidents')
        self.assertEqual(got, expected_halves(SHAPES[name]),
                         f'{name} ({how}): incidents per half-year')

    def test_import_then_stats(self):
        for name, root in self.dirs.items():
            with self.subTest(name=name):
                db = os.path.join(self.tmp, name + '-import.db')
                pm = os.path.join(root, 'postmortems')
                r = pmkb('import', '--db', db, pm)
                self.assertEqual(r.returncode, 0, r.stderr)
                r = pmkb('stats', '--db', db, '--dir', pm, '--format',
                         'json')
                self.assertEqual(r.returncode, 0, r.stderr)
                self.check(name, json.loads(r.stdout), 'import')

    def test_git_history_dates_and_records_the_commit(self):
        pm = os.path.join(self.dirs['git-only'], 'postmortems')
        with Server(directory=pm) as srv:
            for rel, when in GIT_DATES.items():
                slug = rel[:-3]
                j = srv.get_json('/api/postmortems/' + slug)
                self.assertEqual(j['started_from'], 'git')
                self.assertEqual(j['started_at'], when)
                self.assertTrue(j['source']['commit'], j)

    def test_serve_dir(self):
        for name, root in self.dirs.items():
            with self.subTest(name=name):
                pm = os.path.join(root, 'postmortems')
                with Server(directory=pm) as srv:
                    self.check(name, srv.get_json('/api/stats/causes'),
                               'serve --dir')

    def test_serve_repo(self):
        for name, root in self.dirs.items():
            with self.subTest(name=name):
                with Server(directory='postmortems',
                            args=['--repo', root, '--branch',
                                  'main']) as srv:
                    self.check(name, srv.get_json('/api/stats/causes'),
                               'serve --repo')

    def test_no_date_is_unknown_not_now(self):
        d = os.path.join(self.tmp, 'undated')
        os.makedirs(d)
        with open(os.path.join(d, 'x.md'), 'w') as f:
            f.write('# Undated\n\nNothing says when.\n')
        with open(os.path.join(d, 'y.md'), 'w') as f:
            f.write('---\ntitle: Dated\nstarted_at: 2017-05-01\n'
                    'cause: app\n---\nText.\n')
        with Server(directory=d) as srv:
            stats = srv.get_json('/api/stats/causes')
            self.assertEqual(stats['undated'], 1)
            x = srv.get_json('/api/postmortems/x')
            self.assertIsNone(x['started_at'])
            self.assertEqual(x['started_from'], 'none')

    def test_explain_prints_every_field_and_its_source(self):
        pm = os.path.join(self.dirs['meta-ja'], 'postmortems')
        r = pmkb('import', '--explain', os.path.join(pm, 'payments.md'))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {l.split()[0]: l for l in r.stdout.splitlines()[1:]
                 if l.startswith('  ')}
        self.assertIn('started_at', lines)
        self.assertIn('2026-03-19T09:28:00+00:00', lines['started_at'])
        self.assertIn('from the metadata table or list, line 5',
                      lines['started_at'])
        self.assertIn('2026-03-23T18:00:00+00:00', lines['resolved_at'])
        self.assertIn('SEV4', lines['severity'])
        self.assertIn('from the first heading', lines['title'])
        for field in ('detected_at', 'cause', 'services', 'tags'):
            self.assertIn(field, lines)
        git_only = os.path.join(self.dirs['git-only'], 'postmortems')
        r = pmkb('import', '--explain', os.path.join(git_only, 'first.md'))
        self.assertIn('2019-03-05T10:00:00+00:00', r.stdout)
        self.assertIn('from git history', r.stdout)

    def test_lint_notes_sources_and_keeps_lines_whole(self):
        d = os.path.join(self.dirs['dated-names'], 'postmortems')
        out = os.path.join(self.tmp, 'lint.txt')
        with open(out, 'w') as f:
            subprocess.run([BIN, 'lint', d], stdout=f, stderr=f,
                           timeout=60)
        with open(out) as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[-1].startswith('pmkb lint: 4 files'), lines)
        for line in lines[:-1]:
            self.assertRegex(line, r'^/.*:\d+: (error|warning|note): ')
        self.assertTrue(any('note: started_at 2020-12-01 from the file '
                            'name' in l for l in lines), lines)
        self.assertTrue(any('note: started_at 2018-07-28 from the byline'
                            in l for l in lines), lines)

    def test_serve_prints_the_bare_url_first(self):
        d = os.path.join(self.dirs['meta-en'], 'postmortems')
        srv = Server(directory=d, db=os.path.join(self.tmp, 'url.db'))
        try:
            first = srv.spawn().proc.stdout.readline()
            self.assertRegex(first, r'^http://127\.0\.0\.1:\d+/\n$')
        finally:
            srv.close()

class FacetsAreFilters(unittest.TestCase):
    """Every facet value shown, clicked, gives exactly its count."""

    FILES = {
        'a.md': '---\ntitle: A\ndate: 2023-01-05\nseverity: down\n'
                'cause: [network, config]\naffected: [API, Web]\n'
                'component: HybridPrioritySemaphore\n---\n'
                'Outage: the balancer broke in replica_lag_monitor.\n',
        'b.md': '---\ntitle: B\ndate: 2023-08-01\nseverity: notice\n'
                'cause: config\naffected: [API]\n---\n'
                'Outage: we balance load across zones.\n',
        'c.md': '---\ntitle: C\nstarted_at: 2021-03-01\nseverity: SEV2\n'
                'cause: [disk, network]\nservices: [db]\n---\nDisk outage.\n',
        'NOTES': '# Notes\n\nAn extension-less postmortem of an outage: it '
                 'has a heading.\n',
        'Jenkinsfile': 'pipeline { agent any }\n',
        # Comments that look like headings, in files that are not notes.
        'Dockerfile': '# syntax=docker/dockerfile:1\n\nFROM debian:12\n',
        'CODEOWNERS': '# Owners\n\n* @sre\n',
        'run': '#!/bin/sh\n# Runs it\necho hi\n',
        'later': 'Some notes first.\n\n# A heading further down\n',
        # A Hugo site's templates and section pages.
        'archetypes/default.md': '---\ntitle: "{{ .Name }}"\n---\n',
        '_index.md': '---\ntitle: Issues\n---\n# Issues\n',
        '障害報告テンプレート.md': '# 障害報告\n\n発生日時: 202X-MM-DD\n',
    }

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='pmkb-facets-')
        for rel, text in cls.FILES.items():
            os.makedirs(os.path.dirname(os.path.join(cls.tmp, rel)),
                        exist_ok=True)
            with open(os.path.join(cls.tmp, rel), 'w') as f:
                f.write(text)
        cls.srv = Server(directory=cls.tmp).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()
        cls.srv.proc.stdout.close()
        shutil.rmtree(cls.srv.tmp, ignore_errors=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def total(self, path, **params):
        return self.srv.get_json(path, **params)['total']

    def test_every_facet_value_filters_to_its_count(self):
        for path, base in (('/api/postmortems', {}),
                           ('/api/search', {'q': 'outage'})):
            j = self.srv.get_json(path, facets=1, **base)
            self.assertEqual(j['cause_mode'], 'any')
            seen = 0
            for kind, values in j['facets'].items():
                for v in values:
                    seen += 1
                    value = str(v['value'])
                    params = dict(base)
                    if kind == 'year':
                        params.update({'from': value + '-01-01',
                                       'to': value + '-12-31'})
                    else:
                        params[kind] = value
                    self.assertEqual(self.total(path, **params), v['count'],
                                     f'{path} {kind}={value}')
            self.assertGreater(seen, 8)

    def test_severity_kept_as_written_is_a_filter(self):
        self.assertEqual(self.total('/api/postmortems', severity='DOWN'), 1)
        self.assertEqual(self.total('/api/search', q='severity:DOWN'), 1)
        self.assertEqual(self.total('/api/search', q='severity:notice'), 1)

    def test_a_quoted_word_is_exact(self):
        # a.md says "balancer", b.md "balance": stemming joins them.
        self.assertEqual(self.total('/api/search', q='balancer'), 2)
        self.assertEqual(self.total('/api/search', q='"balancer"'), 1)
        self.assertEqual(self.total('/api/search', q='"balance"'), 1)
        j = self.srv.get_json('/api/search', q='"balancer"', facets=1)
        self.assertEqual([r['slug'] for r in j['results']], ['a'])
        self.assertEqual(sum(v['count'] for v in j['facets']['year']), 1)

    def test_which_files_count(self):
        self.assertEqual(self.total('/api/postmortems'), 4)
        self.assertEqual(self.srv.get('/api/postmortems/NOTES').status, 200)
        for name in ('Jenkinsfile', 'Dockerfile', 'CODEOWNERS', 'run',
                     'later'):
            self.assertEqual(self.srv.get('/api/postmortems/' + name).status,
                             404, name)
        # Only the files that are postmortems count as imported.
        self.assertIn('indexed 4 files', self.srv.stderr())

    def test_identifier_parts_and_unknown_keys_are_searchable(self):
        for q in ('semaphore', 'HybridPrioritySemaphore', 'lag',
                  'replica_lag_monitor'):
            self.assertEqual(self.total('/api/search', q=q), 1, q)
        self.assertEqual(self.total('/api/search', q='Web'), 1)


if __name__ == '__main__':
    main()

"""What the README promises about the command line, upgrades, which files
count, logs and Slack's silence on the command line, driven end to end
through the real binary.
"""
import hashlib
import os
import re
import shutil
import socket
import sqlite3
import tempfile
import unittest

from pmkbtest import ROOT, SAMPLES, Server, main, pmkb
from slacktest import Listener

# An option line of a command's --help: the flag, its value's name, and
# the environment variable in brackets at the end.
OPTION = re.compile(r'^  (--[a-z-]+)(?: ([A-Z|:]+))?\s.*\[(PMKB_[A-Z_]+)\]$',
                    re.M)
PM = ('---\ntitle: {title}\nstarted_at: 2024-01-0{day}\n'
      'cause: infrastructure\nstatus: published\n---\n{body}\n')


def commands():
    """The commands `pmkb --help` lists."""
    out = pmkb('--help').stdout
    block = out.split('Commands:', 1)[1].split('\n\n', 1)[0]
    return [line.split()[0] for line in block.strip().splitlines()]


def counts(out):
    """added, updated, unchanged, removed from an import's summary."""
    m = re.search(r'(\d+) added, (\d+) updated, (\d+) unchanged, '
                  r'(\d+) removed', out)
    assert m, out
    return tuple(int(x) for x in m.groups())


def write(d, rel, text):
    path = os.path.join(d, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def tasks(pid):
    return len(os.listdir(f'/proc/{pid}/task'))


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-promises-')

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def serve(self, directory=SAMPLES, args=(), env=None, db=None):
        srv = Server(directory=directory, args=args, env=env, db=db)
        self.addCleanup(srv.close)
        return srv.start()


class CommandLine(Tmp):
    def test_every_command_has_help(self):
        cmds = commands()
        for cmd in ('serve', 'import', 'reindex', 'lint', 'recall', 'search',
                    'stats', 'notify', 'outbox', 'token', 'backup', 'check'):
            self.assertIn(cmd, cmds, 'the README lists it')
        for cmd in cmds:
            r = pmkb(cmd, '--help')
            self.assertEqual(r.returncode, 0, cmd)
            self.assertTrue(r.stdout.startswith('Usage: pmkb ' + cmd),
                            r.stdout[:200])
            self.assertIn('Options', r.stdout, cmd)

    def test_every_variable_is_read_as_its_flag(self):
        """Each validated option rejects a bad value the same way from its
        flag and from its PMKB_* variable; the variable is read first,
        before any flag."""
        checked = set()
        for cmd in commands():
            for flag, meta, var in OPTION.findall(pmkb(cmd, '--help').stdout):
                if not meta:
                    continue
                r = pmkb(cmd, flag, '@bad@', '--no-such-flag')
                self.assertEqual(r.returncode, 2, f'{cmd} {flag}')
                if 'unknown option' in r.stderr:
                    continue  # any string goes (a path, a URL, a name)
                self.assertIn(f'{flag}: ', r.stderr)
                e = pmkb(cmd, '--no-such-flag', env={var: '@bad@'})
                self.assertEqual(e.returncode, 2, f'{cmd} {var}')
                self.assertEqual(e.stderr, r.stderr.replace(flag, var),
                                 f'{cmd} {var}')
                checked.add(var)
        for var in ('PMKB_THREADS', 'PMKB_TIMEOUT', 'PMKB_MAX_BODY',
                    'PMKB_POLL', 'PMKB_REQUEST_TIMEOUT', 'PMKB_MAX_DB_SIZE',
                    'PMKB_SLACK_MAX_ATTEMPTS', 'PMKB_SESSION_TTL',
                    'PMKB_AUTH', 'PMKB_LOG_LEVEL', 'PMKB_SLACK_ANNOUNCE',
                    'PMKB_PR_COMMENTS'):
            self.assertIn(var, checked)

    def test_a_fixed_set_of_values_is_checked_when_parsed(self):
        """A value outside an option's set is a usage error naming the
        option or variable, before anything else is looked at: no verb,
        no database, no Slack webhook needed."""
        cases = [
            (('token', '--scope', 'owner'), {}, '--scope: expected read '
             'or admin, got \'owner\''),
            (('token', 'create', 'x', '--scope=Admin'), {},
             '--scope=Admin: expected read or admin'),
            (('serve', '--slack-announce', 'all'), {},
             '--slack-announce: expected new, new+updated or off'),
            (('serve',), {'PMKB_SLACK_ANNOUNCE': 'updated'},
             'PMKB_SLACK_ANNOUNCE: expected new, new+updated or off, got '
             '\'updated\''),
            (('serve', '--pr-comments', 'github'), {},
             '--pr-comments: expected forge or slack, got \'github\''),
            (('serve',), {'PMKB_PR_COMMENTS': 'both'},
             'PMKB_PR_COMMENTS: expected forge or slack'),
        ]
        for args, env, said in cases:
            r = pmkb(*args, '--db', self.path('none', 'x.db'), env=env)
            self.assertEqual(r.returncode, 2, f'{args} {env}: {r.stderr}')
            self.assertIn(said, r.stderr, f'{args} {env}')
            self.assertNotIn('Usage:', r.stderr, f'{args} {env}')
            self.assertFalse(os.path.exists(self.path('none')))
        for value in ('new', 'new+updated', 'off'):
            r = pmkb('serve', '--slack-announce', value, '--no-such-flag')
            self.assertIn('unknown option', r.stderr, value)
        for value in ('forge', 'slack'):
            r = pmkb('serve', '--pr-comments', value, '--no-such-flag')
            self.assertIn('unknown option', r.stderr, value)

    def test_a_variable_takes_effect_and_the_flag_wins(self):
        env_db, flag_db = self.path('env.db'), self.path('flag.db')
        r = pmkb('import', '--db', flag_db, SAMPLES, env={'PMKB_DB': env_db})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(flag_db))
        self.assertFalse(os.path.exists(env_db))

        # The harness passes --listen 127.0.0.1:0 and --db: both win over
        # their variables.
        srv = self.serve(env={'PMKB_PUBLIC_URL': 'https://env.example',
                              'PMKB_MAX_BODY': '2000',
                              'PMKB_LISTEN': '127.0.0.1:1',
                              'PMKB_DB': env_db},
                         args=['--public-url', 'https://flag.example'])
        self.assertNotEqual(srv.port, 1)
        self.assertFalse(os.path.exists(env_db))
        feed = srv.get('/feed.atom').body.decode()
        self.assertIn('https://flag.example/p/', feed)
        self.assertNotIn('env.example', feed)
        self.assertEqual(srv.request('POST', '/login',
                                     body='token=' + 'x' * 3000).status, 413,
                         'PMKB_MAX_BODY')
        other = self.serve(env={'PMKB_PUBLIC_URL': 'https://env.example'})
        self.assertIn('https://env.example/p/',
                      other.get('/feed.atom').body.decode())

    def test_threads(self):
        one, two, five = (self.serve(args=['--threads', n])
                          for n in ('1', '2', '5'))
        # Each thread of --threads may come with helpers of its own (a
        # libmicrohttpd thread and a handler): the same number each time.
        per = tasks(two.proc.pid) - tasks(one.proc.pid)
        self.assertGreaterEqual(per, 1)
        self.assertEqual(tasks(five.proc.pid) - tasks(one.proc.pid), 4 * per,
                         'four more of them')
        for srv in (one, two, five):
            self.assertEqual(srv.get('/healthz').status, 200)
        r = pmkb('serve', '--threads', '65')
        self.assertEqual(r.returncode, 2)

    def test_timeout_closes_idle_connections(self):
        srv = self.serve(args=['--timeout', '1', '--request-timeout', '5m'])
        s = socket.create_connection(('127.0.0.1', srv.port), timeout=60)
        try:
            s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
            got = b''
            while b'\r\n\r\n' not in got:
                got += s.recv(4096)
            self.assertIn(b'200 OK', got)
            # Idle now: closed after --timeout, long before the default
            # (30 s) or --request-timeout (5 min) would close it.
            s.settimeout(20)
            try:
                while s.recv(4096):
                    pass
            except socket.timeout:
                self.fail('an idle connection outlived --timeout 1')
        finally:
            s.close()

    def test_allow_open_network(self):
        r = pmkb('serve', '--listen', '0.0.0.0:0', '--db', self.path('x.db'),
                 '--dir', SAMPLES)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--allow-open-network', r.stderr)
        srv = self.serve(args=['--listen', '0.0.0.0:0',
                               '--allow-open-network'])
        self.assertTrue(srv.base.startswith('http://0.0.0.0:'), srv.base)
        self.assertEqual(srv.get('/healthz').status, 200)

    def test_reindex_path(self):
        a, b = self.path('a'), self.path('b')
        write(a, 'one.md', PM.format(title='One', day=1, body='alpha'))
        write(b, 'two.md', PM.format(title='Two', day=2, body='beta'))
        db = self.path('r.db')
        r = pmkb('import', '--db', db, a)
        self.assertEqual(counts(r.stdout + r.stderr), (1, 0, 0, 0), r.stderr)
        r = pmkb('reindex', '--db', db, a, cwd=self.tmp)
        self.assertEqual(counts(r.stdout + r.stderr), (0, 1, 0, 0),
                         'every file parsed again')
        # PATH, not --dir's default (./postmortems, absent here).
        r = pmkb('reindex', '--db', db, b, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(counts(r.stdout + r.stderr), (1, 0, 0, 1), r.stderr)
        out = pmkb('search', '--db', db, 'beta').stdout
        self.assertIn('Two', out)

    def test_token_list_shows_last_use(self):
        db = self.path('t.db')
        pmkb('import', '--db', db, SAMPLES)
        token = pmkb('token', '--db', db, 'create', 'ci-bot').stdout.strip()
        self.assertTrue(token.startswith('pmkb_'))
        listed = pmkb('token', '--db', db, 'list').stdout
        row = [l for l in listed.splitlines() if l.startswith('ci-bot')]
        self.assertEqual(len(row), 1, listed)
        self.assertIn('never', row[0])
        self.assertNotIn(token, listed)
        srv = self.serve(db=db, args=['--auth', 'token'])
        self.assertEqual(srv.get('/api/postmortems').status, 401)
        self.assertEqual(srv.request('GET', '/api/postmortems', headers={
            'Authorization': 'Bearer ' + token}).status, 200)
        listed = pmkb('token', '--db', db, 'list').stdout
        row = [l for l in listed.splitlines() if l.startswith('ci-bot')][0]
        self.assertNotIn('never', row)
        self.assertRegex(row, r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ .*'
                              r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ')


class Upgrades(Tmp):
    def imported(self):
        db = self.path('u.db')
        r = pmkb('import', '--db', db, SAMPLES)
        self.assertEqual(r.returncode, 0, r.stderr)
        return db

    def test_a_newer_database_is_refused(self):
        db = self.imported()
        con = sqlite3.connect(db)
        have = con.execute('PRAGMA user_version').fetchone()[0]
        con.execute(f'PRAGMA user_version = {have + 1}')
        con.close()
        for args in (['import', '--db', db, SAMPLES],
                     ['serve', '--db', db, '--dir', SAMPLES,
                      '--listen', '127.0.0.1:0'],
                     ['search', '--db', db, 'incident']):
            r = pmkb(*args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(f'schema version {have + 1}', r.stderr)
            self.assertIn('upgrade pmkb', r.stderr)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute('PRAGMA user_version').fetchone()[0],
                         have + 1, 'never downgraded')
        con.close()

    def test_a_tokenizer_change_rebuilds_the_index(self):
        db = self.imported()
        before = pmkb('search', '--db', db, '障害').stdout
        self.assertIn('result', before)
        # An index written by an earlier tokenizer, one this binary no
        # longer has: its name is in the meta table and in the table's
        # declaration, and its contents are not what this one writes.
        con = sqlite3.connect(db)
        con.execute('PRAGMA writable_schema = ON')
        con.execute("UPDATE sqlite_master SET sql = replace(sql, "
                    "'pmkb_cjk_v1', 'pmkb_cjk_v0') WHERE name = 'pm_fts'")
        con.execute("UPDATE meta SET value = 'pmkb_cjk_v0' "
                    "WHERE key = 'tokenizer'")
        con.execute("UPDATE pm_fts_data SET block = x'00' WHERE id > 10")
        con.commit()
        con.close()
        srv = self.serve(db=db)
        self.assertIn('reason="tokenizer changed"', srv.stderr())
        self.assertGreater(srv.get_json('/api/search', q='障害')['total'], 0)
        srv.stop()
        r = pmkb('check', '--db', db)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(pmkb('search', '--db', db, '障害').stdout, before)
        con = sqlite3.connect(db)
        sql = con.execute("SELECT sql FROM sqlite_master "
                          "WHERE name = 'pm_fts'").fetchone()[0]
        con.close()
        self.assertIn("tokenize='pmkb_cjk_v1'", sql)

    def test_a_parser_change_reparses(self):
        db = self.imported()
        # What a database written by another parser generation looks like
        # to this one: every row's content hash differs.
        con = sqlite3.connect(db)
        n = con.execute('SELECT count(*) FROM postmortems').fetchone()[0]
        con.execute("UPDATE postmortems SET content_hash = 'older-parser', "
                    "title = 'stale'")
        con.commit()
        con.close()
        r = pmkb('import', '--db', db, SAMPLES)
        self.assertEqual(counts(r.stdout + r.stderr), (0, n, 0, 0), r.stderr)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM postmortems "
                                     "WHERE title = 'stale'").fetchone()[0],
                         0)
        con.close()

    def test_the_change_detector_names_the_parser_generation(self):
        """What makes a parser change re-parse: each file's content hash
        is BLAKE2b-128 of the parser generation (with no .pmkb.yml, the
        whole salt), a NUL and the file, so bumping PARSER_GENERATION
        changes every hash."""
        with open(os.path.join(ROOT, 'server', 'ingest', 'importer.c')) as f:
            gen = re.search(r'#define PARSER_GENERATION "([^"]+)"',
                            f.read()).group(1)
        d, db = self.path('pm'), self.path('g.db')
        text = PM.format(title='Generation', day=1, body='word')
        write(d, 'a.md', text)
        r = pmkb('import', '--db', db, d)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = sqlite3.connect(db)
        got = con.execute('SELECT content_hash FROM postmortems').fetchall()
        con.close()
        want = hashlib.blake2b(gen.encode() + b'\0' + text.encode(),
                               digest_size=16).hexdigest()
        self.assertEqual(got, [(want,)])


class WhichFilesCount(Tmp):
    def test_names_extensions_and_exclusions(self):
        d = self.path('pm')
        counted = {'a.md': 'a', 'b.markdown': 'b', 'sub/c.md': 'c',
                   'NOTES': 'NOTES', 'OUTAGE': 'OUTAGE'}
        for i, rel in enumerate(counted):
            text = PM.format(title=f'T{i}', day=1, body='word')
            if rel == 'NOTES':
                text = '# Notes\n\nAn outage, with a heading.\n'
            write(d, rel, text)
        skipped = ['README.md', 'TEMPLATE.md', 'TEMPLATE.ja.md',
                   'LICENSE', 'LICENSE.md', 'CHANGELOG.md',
                   'CONTRIBUTING.md', 'incident-template.md',
                   '.hidden/x.md', 'sub/.git-like/y.md', 'a.txt']
        for rel in skipped:
            write(d, rel, PM.format(title='Skipped', day=2, body='word'))
        write(d, 'Gemfile', 'source "https://rubygems.org"\n')
        write(d, 'Jenkinsfile', 'pipeline { agent any }\n')
        db = self.path('f.db')
        r = pmkb('import', '--db', db, d)
        self.assertEqual(r.returncode, 0, r.stderr)
        con = sqlite3.connect(db)
        got = dict(con.execute('SELECT path, slug FROM postmortems'))
        con.close()
        self.assertEqual(got, counted)


class Logs(Tmp):
    def test_never_a_cookie_a_token_a_body_or_a_query(self):
        db = self.path('l.db')
        pmkb('import', '--db', db, SAMPLES)
        token = pmkb('token', '--db', db, 'create', 'x').stdout.strip()
        srv = Server(db=db, args=['--auth', 'token', '--log-level', 'debug'])
        srv.start()
        try:
            srv.request('GET', '/api/search?q=querysecret', headers={
                'Authorization': 'Bearer ' + token})
            srv.request('GET', '/api/postmortems', headers={
                'Cookie': 'pmkb_session=cookiesecret; other=cookiesecret2'})
            srv.request('POST', '/login', body='token=bodysecret',
                        headers={'Content-Type':
                                 'application/x-www-form-urlencoded'})
            srv.request('POST', '/hooks/git', body='{"bodysecret2": 1}',
                        headers={'Content-Type': 'application/json'})
            ok = srv.request('POST', '/login', body='token=' + token,
                             headers={'Content-Type':
                                      'application/x-www-form-urlencoded'})
            cookie = ok.header('Set-Cookie').split(';')[0]
            srv.request('GET', '/api/postmortems',
                        headers={'Cookie': cookie})
        finally:
            log = srv.close()
        self.assertGreaterEqual(log.count('/api/postmortems'), 2, log)
        self.assertIn('/login', log)
        for secret in ('querysecret', 'cookiesecret', 'cookiesecret2',
                       'bodysecret', 'bodysecret2', token,
                       token[len('pmkb_'):], cookie.split('=', 1)[1]):
            self.assertNotIn(secret, log)


class SlackQuietOnTheCommandLine(Tmp):
    def test_import_and_reindex_announce_nothing(self):
        hook = Listener()
        self.addCleanup(hook.stop)
        env = {'PMKB_SLACK_WEBHOOK_URL': hook.url}
        db = self.path('s.db')
        d = self.path('pm')
        write(d, 'one.md', PM.format(title='One', day=1, body='alpha'))
        for cmd in ('import', 'reindex'):
            r = pmkb(cmd, '--db', db, d, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            write(d, f'{cmd}.md', PM.format(title=cmd, day=3, body='new'))
            r = pmkb(cmd, '--db', db, d, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            st = pmkb('outbox', '--db', db, 'status').stdout
            self.assertIn('queued 0, sending 0, sent 0, failed 0', st)
        # A server with the webhook on the same database has nothing
        # waiting to deliver: its outbox stays empty and so does Slack.
        srv = self.serve(directory=d, db=db, env=env)
        j = srv.get_json('/api/outbox')
        self.assertTrue(j['enabled'])
        self.assertEqual(j['counts'], {'queued': 0, 'sending': 0, 'sent': 0,
                                       'failed': 0})
        self.assertEqual(hook.snapshot(), [])


if __name__ == '__main__':
    main()

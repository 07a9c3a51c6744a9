"""The Slack slash command against the running server on the samples:
requests signed as Slack signs them, every command, Japanese queries,
Block Kit replies, and every way a request can fail verification.
"""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

from gittest import wait_for
from pmkbtest import Server, main, raw
from slacktest import (PUBLIC_URL, SIGNING_SECRET, Listener, check_blocks,
                       links, slack_body, slack_headers, slack_sign)


class SlashCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(args=['--public-url', PUBLIC_URL + '/'],
                         env={'PMKB_SLACK_SIGNING_SECRET':
                              SIGNING_SECRET}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        log = cls.srv.stderr()
        cls.srv.log.close()
        assert SIGNING_SECRET not in log, 'the secret was logged'
        assert 'v0=' not in log, 'a signature was logged'

    def post(self, body, headers):
        return self.srv.request('POST', '/slack/command', body=body,
                                headers=headers)

    def command(self, text, status=200):
        body = slack_body(text)
        r = self.post(body, slack_headers(body))
        self.assertEqual(r.status, status, r.body[:300])
        j = r.json()
        check_blocks(self, j)
        return j

    def text_of(self, j):
        return '\n'.join(b['text']['text'] for b in j['blocks']
                         if b['type'] == 'section')

    # ---- commands ----

    def test_search_in_english(self):
        for text in ('conntrack', 'search conntrack', 'SEARCH conntrack'):
            j = self.command(text)
            self.assertEqual(j['response_type'], 'ephemeral')
            self.assertIn(PUBLIC_URL + '/p/2017-02-08-nat-instance-'
                          'conntrack-full', links(j), text)

    def test_search_in_japanese(self):
        api = self.srv.get_json('/api/search', q='証明書', limit=5)
        j = self.command('証明書')
        text = self.text_of(j)
        # Titles, dates and causes come through as the API has them.
        for r in api['results']:
            self.assertIn(r['title'], text)
            self.assertIn(PUBLIC_URL + '/p/' + r['slug'], links(j))
            self.assertIn(r['started_at'][:10], text)
            self.assertIn(r['cause'], text)
        self.assertIn('“証明書”', j['text'])
        # A Japanese keyboard's full-width space separates words too.
        j2 = self.command('search\u3000証明書')
        self.assertEqual(links(j2), links(j))

    def test_top_five_and_the_rest_in_the_ui(self):
        api = self.srv.get_json('/api/search', q='cause:infrastructure',
                                limit=5)
        self.assertGreater(api['total'], 5)
        j = self.command('cause:infrastructure')
        pm_links = [u for u in links(j) if '/p/' in u]
        self.assertEqual(pm_links, [PUBLIC_URL + '/p/' + r['slug']
                                    for r in api['results']])
        more = j['blocks'][-1]
        self.assertEqual(more['type'], 'context')
        self.assertIn(f'and {api["total"] - 5} more',
                      more['elements'][0]['text'])
        self.assertIn(PUBLIC_URL + '/?q=cause%3Ainfrastructure', links(j))

    def test_no_results_and_bad_queries_are_messages(self):
        j = self.command('zzzz-no-such-word-anywhere')
        self.assertIn('No postmortem matches', self.text_of(j))
        j = self.command('"unclosed')
        self.assertIn('That query does not work', self.text_of(j))
        j = self.command('search')
        self.assertIn('needs a query', self.text_of(j))

    def test_user_text_is_escaped(self):
        j = self.command('<!channel> & <b>')
        text = self.text_of(j)
        self.assertIn('&lt;!channel&gt; &amp; &lt;b&gt;', text)

    def test_similar(self):
        slug = '2016-12-06-cdn-tls-certificate-expired'
        api = self.srv.get_json(f'/api/postmortems/{slug}/similar',
                                limit=5)
        self.assertTrue(api['results'])
        want = [PUBLIC_URL + '/p/' + r['slug'] for r in api['results']]
        for typed in (slug, f'{PUBLIC_URL}/p/{slug}',
                      f'<{PUBLIC_URL}/p/{slug}|{PUBLIC_URL}/p/{slug}>'):
            j = self.command('similar ' + typed)
            got = [u for u in links(j) if '/p/' in u]
            self.assertEqual(got[0], PUBLIC_URL + '/p/' + slug, typed)
            self.assertEqual(got[1:], want, typed)
        # Each result says why it matched.
        self.assertIn('_shares_', self.text_of(j))
        j = self.command('similar no-such-postmortem')
        self.assertIn('There is no postmortem', self.text_of(j))
        j = self.command('similar')
        self.assertIn('takes one postmortem', self.text_of(j))
        j = self.command('similar a b')
        self.assertIn('takes one postmortem', self.text_of(j))

    def test_latest(self):
        api = self.srv.get_json('/api/postmortems', limit=5)
        j = self.command('latest')
        self.assertEqual([u for u in links(j) if '/p/' in u],
                         [PUBLIC_URL + '/p/' + r['slug']
                          for r in api['results']])

    def table(self, j):
        m = re.search(r'```\n(.*)\n```', self.text_of(j), re.S)
        self.assertIsNotNone(m, self.text_of(j))
        rows = {}
        lines = m.group(1).split('\n')
        # The rule under the header, as `pmkb stats` draws it.
        self.assertRegex(lines[1], r'^-+( +-+)+$')
        for line in lines[:1] + lines[2:]:
            cells = re.split(r'\s{2,}', line.strip())
            rows[cells[0]] = cells[1:]
        return rows

    def test_stats_last_four_halves(self):
        rows = self.table(self.command('stats'))
        # The table: 2017 H1 20/6 ... 2018 H2 16/0.
        self.assertEqual(rows['cause'],
                         ['2017 H1', '2017 H2', '2018 H1', '2018 H2'])
        self.assertEqual(rows['total'], ['20', '12', '10', '16'])
        self.assertEqual(rows['infrastructure'], ['6', '4', '0', '0'])
        self.assertIn(PUBLIC_URL + '/trends?period=half',
                      links(self.command('stats')))
        api = self.srv.get_json('/api/stats/causes', period='half')
        last = [r for r in api['rows'] if r['period'] != 'unknown'][-4:]
        for cause, cells in rows.items():
            if cause in ('cause', 'total'):
                continue
            self.assertEqual(cells, [str(r['by_cause'].get(cause, 0))
                                     for r in last], cause)

    def test_stats_periods_and_japanese_labels(self):
        rows = self.table(self.command('stats year'))
        self.assertEqual(rows['cause'][-1], '2018')
        self.assertEqual(len(rows['cause']), 3)  # 2016..2018
        rows = self.table(self.command('stats ja'))
        self.assertEqual(rows['原因'], ['2017年上期', '2017年下期',
                                        '2018年上期', '2018年下期'])
        self.assertEqual(rows['合計'], ['20', '12', '10', '16'])
        rows = self.table(self.command('stats quarter'))
        self.assertEqual(len(rows['cause']), 4)
        j = self.command('stats fortnight')
        self.assertIn('takes a period', self.text_of(j))

    def test_actions(self):
        api = self.srv.get('/api/action-items', status='open',
                           limit=10).json()
        j = self.command('actions')
        text = self.text_of(j)
        self.assertIn(f'*{api["total"]} open action items*', text)
        for item in api['items']:
            self.assertIn(PUBLIC_URL + '/p/' + item['slug'], links(j))
        self.assertEqual(len(j['blocks']), 2 + len(api['items']))
        self.assertIn(PUBLIC_URL + '/actions', links(j))
        self.assertIn(f'All {api["total"]} in pmkb', json.dumps(j))
        mine = self.srv.get('/api/action-items', status='open',
                            owner='tanaka', limit=10).json()
        for spelled in ('tanaka', '@tanaka', '<@U0TANAKA|tanaka>'):
            j = self.command('actions ' + spelled)
            self.assertIn(f'*{mine["total"]} open action item', j['text'])
            self.assertIn('for @tanaka', j['text'])
            for item in mine['items']:
                self.assertIn(item['text'].split(' ')[0], self.text_of(j))

    def test_help(self):
        for text in ('help', '', '   ', 'HELP share'):
            j = self.command(text)
            self.assertIn('/postmortem latest', self.text_of(j))
        body = slack_body('help', command='/pm')
        j = self.post(body, slack_headers(body)).json()
        self.assertIn('`/pm stats', self.text_of(j))

    def test_share_posts_in_channel(self):
        self.assertEqual(self.command('latest')['response_type'],
                         'ephemeral')
        for text in ('share latest', 'latest share', 'share 証明書',
                     '証明書\u3000share'):
            j = self.command(text)
            self.assertEqual(j['response_type'], 'in_channel', text)
            self.assertGreater(len(links(j)), 0, text)
        # "share" alone is a search for the word.
        j = self.command('share')
        self.assertEqual(j['response_type'], 'ephemeral')
        self.assertIn('“share”', j['text'])

    def test_ssl_check(self):
        body = slack_body('', ssl_check='1')
        r = self.post(body, slack_headers(body))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b'')

    def test_every_command_answers_inline(self):
        # Latency is measured by tests/bench/slack_latency.py; here, that
        # each command answers with blocks (without a response_url the
        # answer is always inline, however long it takes).
        for q in ['証明書', 'conntrack', 'cause:infrastructure', 'latest',
                  'stats', 'actions'] * 3:
            body = slack_body(q, response_url='')
            r = self.post(body, slack_headers(body))
            self.assertEqual(r.status, 200, q)
            check_blocks(self, r.json())
            self.assertNotIn('Looking that up', r.json().get('text', ''))

    # ---- verification ----

    def refused(self, body, headers, status=401):
        r = self.post(body, headers)
        self.assertEqual(r.status, status, r.body[:200])
        return r.json()['error']

    def test_wrong_signature(self):
        body = slack_body('latest')
        h = slack_headers(body, secret='another secret')
        self.assertIn('does not match', self.refused(body, h))
        h = slack_headers(body)
        h['X-Slack-Signature'] = h['X-Slack-Signature'].upper()
        self.refused(body, h)
        h['X-Slack-Signature'] = 'v1=' + h['X-Slack-Signature'][3:]
        self.refused(body, h)

    def test_tampered_body(self):
        body = slack_body('latest')
        h = slack_headers(body)
        self.refused(slack_body('latest share'), h)

    def test_stale_and_future_timestamps(self):
        body = slack_body('latest')
        now = int(time.time())
        # A future stamp moves into the window as the clock runs: leave
        # room for a slow machine between now and the server's check.
        for ts in (now - 301, now - 3600, now + 330, 0):
            self.assertIn('not within', self.refused(
                body, slack_headers(body, ts=ts)))
        for ts in ('', 'abc', str(now) + '.0', '-' + str(now)):
            h = slack_headers(body)
            h['X-Slack-Request-Timestamp'] = ts
            h['X-Slack-Signature'] = slack_sign(body, ts)
            self.refused(body, h)
        # Inside the window is fine, either way.
        self.assertEqual(self.post(body, slack_headers(body, now - 250))
                         .status, 200)
        self.assertEqual(self.post(body, slack_headers(body, now + 250))
                         .status, 200)

    def test_missing_headers(self):
        body = slack_body('latest')
        for drop in ('X-Slack-Request-Timestamp', 'X-Slack-Signature'):
            h = slack_headers(body)
            del h[drop]
            self.assertIn('missing', self.refused(body, h))
        self.refused(body, {})

    def test_replay_with_a_new_timestamp(self):
        body = slack_body('latest share')
        old = int(time.time()) - 120
        h = slack_headers(body, ts=old)
        self.assertEqual(self.post(body, h).status, 200)
        h['X-Slack-Request-Timestamp'] = str(int(time.time()))
        self.assertIn('does not match', self.refused(body, h))

    def test_oversized_bodies(self):
        text = 'x' * (70 * 1024)
        body = slack_body(text)
        self.refused(body, slack_headers(body), 413)
        # Past the server's --max-body: refused before it is read.
        body = slack_body('y' * (2 << 20))
        head = ''.join(f'{k}: {v}\r\n' for k, v in
                       slack_headers(body).items())
        resp = raw(self.srv.port,
                   b'POST /slack/command HTTP/1.1\r\nHost: x\r\n' +
                   head.encode() + b'Content-Length: %d\r\n\r\n' %
                   len(body) + body)
        self.assertTrue(resp.startswith(b'HTTP/1.1 413'), resp[:100])

    def test_bad_form_after_a_good_signature(self):
        body = b'text=%zz&command=%2Fpostmortem'
        self.assertEqual(self.post(body, slack_headers(body)).status, 400)
        body = b'text=%FF'
        self.assertEqual(self.post(body, slack_headers(body)).status, 400)

    def test_get_is_not_allowed(self):
        self.assertEqual(self.srv.get('/slack/command').status, 405)


class LateAnswers(unittest.TestCase):
    """A command slower than --slack-inline-ms (0 here: all of them) is
    acknowledged at once and answered through Slack's response_url."""

    @classmethod
    def setUpClass(cls):
        cls.hook = Listener()
        cls.srv = Server(args=['--public-url', PUBLIC_URL,
                               '--slack-inline-ms', '0',
                               '--slack-response-prefix',
                               f'http://127.0.0.1:{cls.hook.port}/'],
                         env={'PMKB_SLACK_SIGNING_SECRET':
                              SIGNING_SECRET}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.log.close()
        cls.hook.stop()

    def send(self, text, response_url):
        body = slack_body(text, response_url=response_url)
        r = self.srv.request('POST', '/slack/command', body=body,
                             headers=slack_headers(body))
        self.assertEqual(r.status, 200)
        return r.json()

    def test_acknowledged_then_answered_through_response_url(self):
        before = len(self.hook.snapshot())
        url = f'http://127.0.0.1:{self.hook.port}/commands/T0E2E/1/abc'
        ack = self.send('latest share', url)
        check_blocks(self, ack)
        self.assertEqual(ack['response_type'], 'ephemeral')
        self.assertIn('Looking that up', ack['text'])
        wait_for(lambda: len(self.hook.snapshot()) > before, 10)
        late = self.hook.snapshot()[before]
        self.assertEqual(late['path'], '/commands/T0E2E/1/abc')
        self.assertTrue(late['type'].startswith('application/json'))
        check_blocks(self, late['json'])
        self.assertEqual(late['json']['response_type'], 'in_channel')
        api = self.srv.get_json('/api/postmortems', limit=5)
        self.assertEqual([u for u in links(late['json']) if '/p/' in u],
                         [PUBLIC_URL + '/p/' + r['slug']
                          for r in api['results']])

    def test_a_response_url_elsewhere_is_never_called(self):
        # Elsewhere is a listener pmkb could reach (the same address,
        # another port), so that its silence means something.
        elsewhere = Listener()
        try:
            before = len(self.hook.snapshot())
            for url in (f'http://127.0.0.1:{elsewhere.port}/commands/T/1/x',
                        f'http://127.0.0.1:{elsewhere.port}/'
                        f'?http://127.0.0.1:{self.hook.port}/'):
                j = self.send('latest', url)
                # Answered inline instead, whatever the time it takes.
                self.assertNotIn('Looking that up', j.get('text', ''))
                self.assertEqual(len([u for u in links(j) if '/p/' in u]),
                                 5, url)
            # A late answer sent after them arrives where it should: the
            # late-answer path works, and had it taken the commands above
            # their posts would have started before this one.
            ok = f'http://127.0.0.1:{self.hook.port}/commands/T0E2E/2/b'
            self.send('latest', ok)
            wait_for(lambda: len(self.hook.snapshot()) > before, 30)
            self.assertEqual(self.hook.snapshot()[before]['path'],
                             '/commands/T0E2E/2/b')
            self.assertEqual(elsewhere.snapshot(), [])
        finally:
            elsewhere.stop()


class NotConfigured(unittest.TestCase):
    def test_without_a_secret_the_endpoint_says_so(self):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        env = {'PMKB_SLACK_SIGNING_SECRET': ''}
        try:
            with Server(directory=tmp, env=env) as srv:
                body = slack_body('latest')
                r = srv.request('POST', '/slack/command', body=body,
                                headers=slack_headers(body))
                self.assertEqual(r.status, 404)
                self.assertIn('PMKB_SLACK_SIGNING_SECRET',
                              r.json()['error'])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()

"""Announcing new postmortems in Slack, against a local listener that
stands in for the incoming webhook: real pushes through real hooks, then
failures of every kind (5xx, 429, the webhook down, pmkb killed) and the
count of what the listener received.
"""
import json
import os
import shutil
import signal
import tempfile
import unittest

from gittest import Repo, git, git_server, postmortem, wait_for, wait_idle
from pmkbtest import Server, main, pmkb
from slacktest import HOOK_PATH, PUBLIC_URL, Listener, check_blocks, links

SOURCE = 'https://git.example.com/pm/blob/{commit}/postmortems/{file}'


def outbox(srv, **params):
    return srv.get_json('/api/outbox', **params)


def drained(srv):
    """Waits until srv's outbox holds nothing queued or being sent."""
    def empty():
        c = outbox(srv)['counts']
        return c['queued'] == 0 and c['sending'] == 0
    wait_for(empty, 60)


class Announcing(unittest.TestCase):
    """A git repository followed by pmkb, announcing through a listener."""

    def setUp(self):
        self.hook = Listener()
        self.repo = Repo()
        self.repo.write('2024-01-10-first.md',
                        postmortem('First outage', 'flamingo'))
        self.repo.commit('first')
        self.repo.push()
        self.srv = git_server(
            self.repo,
            args=['--public-url', PUBLIC_URL, '--slack-backoff-ms', '50'],
            env={'PMKB_SLACK_WEBHOOK_URL': self.hook.url}).start()
        self.repo.install_post_receive(self.srv.base)

    def tearDown(self):
        self.srv.stop()
        log = self.srv.stderr()
        self.srv.log.close()
        self.hook.stop()
        self.repo.close()
        self.assertNotIn(HOOK_PATH, log, 'the webhook URL was logged')

    def drained(self):
        """Waits until no sync runs and the outbox is empty: from then on
        nothing more can reach the hook."""
        wait_idle(self.srv, 60)
        drained(self.srv)

    def settle(self, n):
        """Waits for n deliveries and for the outbox to drain; returns
        every request the hook received."""
        wait_for(lambda: len(self.hook.delivered()) >= n, 60)
        self.drained()
        return self.hook.snapshot()

    def test_push_of_three_new_postmortems_posts_three(self):
        self.drained()
        self.assertEqual(self.hook.snapshot(), [],
                         'the first sync announces nothing')
        self.assertEqual(outbox(self.srv)['counts'],
                         {'queued': 0, 'sending': 0, 'sent': 0,
                          'failed': 0})
        files = {'2024-02-01-cache.md': 'Cache stampede',
                 '2024-02-02-dns.md': 'DNS の設定ミスで全断',
                 '2024-02-03-disk.md': 'Disk full & <logs>'}
        for f, title in files.items():
            self.repo.write(f, postmortem(
                title, 'zebra', extra='severity: SEV2\n'
                'services: [billing-api]\n'
                'summary: "最初の文。Second sentence."\n'))
        sha = self.repo.commit('three')
        self.repo.push()
        got = self.settle(3)
        self.assertEqual(len(got), 3, [r['json']['text'] for r in got])
        seen = set()
        for r in got:
            self.assertEqual(r['path'], HOOK_PATH)
            self.assertTrue(r['type'].startswith('application/json'))
            msg = r['json']
            check_blocks(self, msg)
            urls = links(msg)
            pm = [u for u in urls if u.startswith(PUBLIC_URL + '/p/')]
            self.assertEqual(len(pm), 1, urls)
            slug = pm[0][len(PUBLIC_URL + '/p/'):]
            f = slug + '.md'
            self.assertIn(f, files)
            self.assertIn(SOURCE.format(commit=sha, file=f), urls)
            text = json.dumps(msg, ensure_ascii=False)
            title = (files[f].replace('&', '&amp;').replace('<', '&lt;')
                     .replace('>', '&gt;'))
            self.assertIn(title, text)
            self.assertIn('最初の文。', text)
            self.assertNotIn('Second sentence', text)
            self.assertIn('SEV2', text)
            self.assertIn('billing-api', text)
            seen.add(slug)
        self.assertEqual(len(seen), 3)
        j = outbox(self.srv)
        self.assertEqual(j['counts']['sent'], 3)
        self.assertTrue(all(r['state'] == 'sent' and r['attempts'] == 1
                            and r['event'] == 'new' for r in j['recent']))
        self.assertNotIn('payload', json.dumps(j))
        self.assertNotIn(HOOK_PATH, json.dumps(j))

        # An edit, a no-op push, a rename and a draft: nothing more.
        self.repo.write('2024-02-01-cache.md',
                        postmortem('Cache stampede, revised', 'zebra'))
        self.repo.commit('edit')
        self.repo.push()
        git(self.repo.work, 'mv', 'postmortems/2024-02-03-disk.md',
            'postmortems/2024-02-03-disk-full.md')
        self.repo.commit('rename')
        self.repo.push()
        self.repo.write('2024-02-04-draft.md', postmortem(
            'Draft', 'okapi', extra='status: draft\n'))
        self.repo.commit('draft')
        self.repo.push()
        self.drained()
        self.assertEqual(len(self.hook.snapshot()), 3)

        # The draft is published: one message.
        self.repo.write('2024-02-04-draft.md', postmortem(
            'Draft no more', 'okapi', extra='status: published\n'))
        self.repo.commit('publish')
        self.repo.push()
        got = self.settle(4)
        self.assertEqual(len(got), 4)
        self.assertIn('Postmortem published', got[-1]['json']['text'])
        self.assertIn(PUBLIC_URL + '/p/2024-02-04-draft',
                      links(got[-1]['json']))

    def test_restart_announces_pushes_made_while_down(self):
        self.srv.stop()
        self.repo.remove_hook('post-receive')
        self.repo.write('2024-03-01-while-down.md',
                        postmortem('Pushed while pmkb was down', 'quokka'))
        self.repo.commit('while down')
        self.repo.push()
        self.srv.start()
        got = self.settle(1)
        self.assertEqual(len(got), 1)
        self.assertIn(PUBLIC_URL + '/p/2024-03-01-while-down',
                      links(got[0]['json']))


class Delivery(unittest.TestCase):
    """The worker against a misbehaving webhook, messages queued with
    `pmkb outbox test` (each a distinct text)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-outbox-')
        self.db = os.path.join(self.tmp, 'pmkb.db')
        self.hook = Listener()
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
            self.assertNotIn(HOOK_PATH, self.srv.stderr())
            self.srv.log.close()
        self.hook.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self, *args):
        self.srv = Server(directory=self.tmp, db=self.db,
                          args=['--slack-backoff-ms', '50'] + list(args),
                          env={'PMKB_SLACK_WEBHOOK_URL': self.hook.url})
        return self.srv.start()

    def queue(self, *texts):
        for t in texts:
            r = pmkb('outbox', 'test', '--db', self.db, t)
            self.assertEqual(r.returncode, 0, r.stderr)

    def wait_delivered(self, texts, timeout=60):
        want = {f'*Test message from pmkb:* {t}' for t in texts}
        wait_for(lambda: want <= set(self.hook.delivered()), timeout)
        # A duplicate would still be queued or being sent.
        drained(self.srv)
        return self.hook.delivered()

    def assert_once_each(self, texts):
        got = self.wait_delivered(texts)
        for t in texts:
            self.assertEqual(got.count(f'*Test message from pmkb:* {t}'),
                             1, t)
        return got

    def test_500_then_200(self):
        self.hook.answer(500, 503)
        self.serve()
        self.queue('m1')
        self.assert_once_each(['m1'])
        reqs = self.hook.snapshot()
        self.assertEqual([r['status'] for r in reqs], [500, 503, 200])
        row = outbox(self.srv)['recent'][0]
        self.assertEqual((row['state'], row['attempts'],
                          row['last_status']), ('sent', 3, 200))
        for r in reqs:
            check_blocks(self, r['json'])

    def test_429_waits_for_retry_after(self):
        self.hook.answer((429, {'Retry-After': '2'}, 0))
        self.serve()
        self.queue('r1', 'r2')
        self.assert_once_each(['r1', 'r2'])
        reqs = self.hook.snapshot()
        self.assertEqual(reqs[0]['status'], 429)
        # Every later request, for either message, waited.
        for r in reqs[1:]:
            self.assertGreaterEqual(r['t'] - reqs[0]['t'], 1.9)
        self.assertEqual(len(reqs), 3)

    def test_webhook_down_for_a_while(self):
        self.hook.down = True
        self.serve('--slack-max-attempts', '20')
        self.queue('d1', 'd2', 'd3')
        wait_for(lambda: outbox(self.srv)['counts']['queued'] == 3)
        wait_for(lambda: any(r['attempts'] >= 2 for r in
                             outbox(self.srv)['recent']), 60)
        self.hook.down = False
        self.assert_once_each(['d1', 'd2', 'd3'])
        j = outbox(self.srv)
        self.assertEqual(j['counts']['sent'], 3)
        self.assertTrue(any(r['attempts'] > 1 for r in j['recent']))

    def test_gives_up_then_retry_from_the_cli(self):
        self.hook.answer(500, 500, 500)
        self.serve('--slack-max-attempts', '3')
        self.queue('g1')
        wait_for(lambda: outbox(self.srv)['counts']['failed'] == 1)
        row = outbox(self.srv, state='failed')['recent'][0]
        self.assertEqual(row['attempts'], 3)
        self.assertEqual(row['last_status'], 500)
        self.assertIn('HTTP 500', row['last_error'])
        self.assertEqual(self.hook.delivered(), [])
        r = pmkb('outbox', '--db', self.db)
        self.assertIn('failed 1', r.stdout)
        r = pmkb('outbox', 'retry', '--db', self.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('1 failed message queued again', r.stdout)
        self.assert_once_each(['g1'])
        self.assertEqual(len(self.hook.snapshot()), 4)

    def test_a_permanent_error_is_not_retried(self):
        self.hook.answer(404)
        self.serve()
        self.queue('p1')
        wait_for(lambda: outbox(self.srv)['counts']['failed'] == 1)
        # Failed is final: nothing queued or being sent is left to go.
        c = outbox(self.srv)['counts']
        self.assertEqual((c['queued'], c['sending']), (0, 0))
        self.assertEqual(len(self.hook.snapshot()), 1)
        self.assertIn('no_service',
                      outbox(self.srv)['recent'][0]['last_error'])

    def test_sigkill_while_queued(self):
        self.hook.down = True
        self.serve('--slack-max-attempts', '50')
        self.queue('k1', 'k2', 'k3')
        wait_for(lambda: any(r['attempts'] >= 1 for r in
                             outbox(self.srv)['recent']))
        self.srv.stop(signal.SIGKILL)
        self.hook.down = False
        self.srv.start()
        got = self.assert_once_each(['k1', 'k2', 'k3'])
        print(f'\n# SIGKILL while queued: {len(got)} deliveries of 3 '
              f'messages, {len(got) - 3} duplicates')

    def test_sigkill_during_a_post(self):
        # The webhook takes 3 s to answer the first message: pmkb is
        # killed after Slack has it and before pmkb records it. That
        # message is sent again after the restart: the one documented
        # duplicate. The others are delivered once.
        self.hook.answer((200, {}, 3))
        self.serve()
        self.queue('s1', 's2')
        wait_for(lambda: len(self.hook.snapshot()) == 1)
        self.srv.stop(signal.SIGKILL)
        inflight = self.hook.snapshot()[0]['json']['text']
        self.srv.start()
        self.assertIn('outbox.recovered', self.srv.stderr())
        got = self.wait_delivered(['s1', 's2'])
        dups = len(got) - len(set(got))
        print(f'\n# SIGKILL during a POST: {len(got)} deliveries of 2 '
              f'messages, {dups} duplicate (the message in flight)')
        self.assertEqual(dups, 1)
        self.assertEqual(got.count(inflight), 2)

    def test_sigterm_finishes_the_post_in_progress(self):
        self.hook.answer((200, {}, 1.5))
        self.serve()
        self.queue('t1')
        wait_for(lambda: len(self.hook.snapshot()) == 1)
        self.assertEqual(self.srv.stop(), 0)
        self.srv.start()
        # A barrier: the outbox sends in order, so a repeat of t1 would
        # reach the hook before t2.
        self.queue('t2')
        wait_for(lambda: len(self.hook.snapshot()) >= 2, 60)
        drained(self.srv)
        texts = [r['json']['text'] for r in self.hook.snapshot()]
        self.assertEqual(texts, ['*Test message from pmkb:* t1',
                                 '*Test message from pmkb:* t2'],
                         'no duplicate')
        self.assertEqual(outbox(self.srv)['counts']['sent'], 2)

    # A slow webhook: a message is posted at most once, and every try of
    # one message carries the same Idempotency-Key.

    def tries(self, text):
        return [r for r in self.hook.snapshot()
                if r['json']['text'].endswith(' ' + text)]

    def test_answer_after_12_seconds_is_one_post(self):
        # 12 s is past the 10 s a request used to be given: that try was
        # abandoned and the message sent again, and posted twice.
        self.hook.answer((200, {}, 12))
        self.serve()
        self.queue('late')
        wait_for(lambda: outbox(self.srv)['counts']
                 .get('sent') == 1, 60)
        got = self.tries('late')
        self.assertEqual(len(got), 1, got)
        self.assertTrue(got[0]['key'].startswith('pmkb-'), got[0])

    def test_no_answer_in_time_is_not_sent_again(self):
        self.hook.answer((200, {}, 6))
        self.serve('--slack-timeout-ms', '2000')
        self.queue('unanswered')
        self.queue('after')
        # The next message goes out once the webhook has been given a
        # rest; the first one is not tried again.
        wait_for(lambda: outbox(self.srv)['counts'].get('sent') == 1, 60)
        counts = outbox(self.srv)['counts']
        self.assertEqual((counts.get('sent'), counts.get('failed')), (1, 1))
        failed = outbox(self.srv, state='failed')['recent']
        self.assertEqual(failed[0]['attempts'], 1)
        self.assertIn('may have been posted', failed[0]['last_error'])
        self.assertEqual(len(self.tries('unanswered')), 1)
        # A person who finds it missing in the channel sends it again:
        # same key, so a relay that drops repeats could.
        r = pmkb('outbox', 'retry', '--db', self.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: outbox(self.srv)['counts']
                 .get('sent') == 2, 30)
        got = self.tries('unanswered')
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]['key'], got[1]['key'])
        self.assertNotEqual(got[0]['key'], self.tries('after')[0]['key'])

    def test_retries_carry_the_same_key(self):
        self.hook.answer(503, 500)
        self.serve()
        self.queue('flaky')
        wait_for(lambda: outbox(self.srv)['counts']
                 .get('sent') == 1, 30)
        keys = {r['key'] for r in self.tries('flaky')}
        self.assertEqual(len(self.tries('flaky')), 3)
        self.assertEqual(len(keys), 1, keys)
        self.assertTrue(keys.pop().startswith('pmkb-'))

    def test_without_a_webhook_nothing_is_queued(self):
        with Server(directory=self.tmp, db=self.db,
                    env={'PMKB_SLACK_WEBHOOK_URL': ''}) as srv:
            j = outbox(srv)
            self.assertFalse(j['enabled'])
            self.assertEqual(j['counts']['queued'], 0)

    def test_bad_parameters(self):
        self.serve()
        self.assertEqual(self.srv.get('/api/outbox', state='lost').status,
                         400)
        self.assertEqual(self.srv.get('/api/outbox', limit='0').status,
                         400)
        self.assertTrue(outbox(self.srv)['enabled'])
        r = pmkb('outbox', 'resend', '--db', self.db)
        self.assertEqual(r.returncode, 2)


class NoWebhook(unittest.TestCase):
    def test_push_without_a_webhook_queues_nothing(self):
        repo = Repo()
        try:
            repo.write('2024-01-10-first.md',
                       postmortem('First outage', 'flamingo'))
            repo.commit('first')
            repo.push()
            with git_server(repo, env={'PMKB_SLACK_WEBHOOK_URL': ''}) as srv:
                repo.install_post_receive(srv.base)
                repo.write('2024-02-01-new.md', postmortem('New', 'ibis'))
                repo.commit('new')
                repo.push()
                wait_for(lambda: srv.get_json('/api/search',
                                              q='ibis')['total'] == 1)
                self.assertEqual(outbox(srv)['counts'],
                                 {'queued': 0, 'sending': 0, 'sent': 0,
                                  'failed': 0})
        finally:
            repo.close()


if __name__ == '__main__':
    main()

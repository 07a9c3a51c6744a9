"""Helpers for the Slack end-to-end tests: requests signed the way Slack
signs them, a check of the Block Kit rules Slack enforces, and a local
HTTP listener that behaves like a Slack incoming webhook.
"""
import hashlib
import hmac
import http.server
import json
import re
import socket
import threading
import time
import urllib.parse

SIGNING_SECRET = 'e2e-slack-signing-secret-not-32-bytes'
PUBLIC_URL = 'https://pmkb.example.com'
# What Slack's incoming webhooks look like: the path is the secret.
HOOK_PATH = '/services/T0E2E/B0E2E/e2eWebhookSecretPart'


def slack_body(text, command='/postmortem', **extra):
    """A form body with the fields Slack sends for a slash command."""
    fields = {'token': 'ignored', 'team_id': 'T0E2E', 'team_domain': 'e2e',
              'channel_id': 'C0E2E', 'channel_name': 'incidents',
              'user_id': 'U0E2E', 'user_name': 'ada', 'command': command,
              'text': text,
              'response_url': 'https://hooks.slack.com/commands/T/1/x',
              'trigger_id': '1.2.3'}
    fields.update(extra)
    return urllib.parse.urlencode(fields).encode('utf-8')


def slack_sign(body, ts, secret=SIGNING_SECRET):
    base = b'v0:' + str(ts).encode() + b':' + body
    return 'v0=' + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(body, ts=None, secret=SIGNING_SECRET):
    ts = int(time.time()) if ts is None else ts
    return {'X-Slack-Request-Timestamp': str(ts),
            'X-Slack-Signature': slack_sign(body, ts, secret),
            'Content-Type': 'application/x-www-form-urlencoded'}


LINK = re.compile(r'<(https?://[^|<>\s]+)(\|[^<>]*)?>')
MENTION = re.compile(r'<@[UW][A-Z0-9]+>')


def check_mrkdwn(test, text, limit=3000):
    """Slack's rules for mrkdwn text: a length limit, and &, <, > escaped
    except in <url|label> links."""
    test.assertIsInstance(text, str)
    test.assertTrue(0 < len(text) <= limit, f'length {len(text)}')
    bare = MENTION.sub('', LINK.sub('', text))
    test.assertNotIn('<', bare, text)
    test.assertNotIn('>', bare, text)
    test.assertIsNone(re.search(r'&(?!amp;|lt;|gt;)', bare), text)


def check_blocks(test, msg):
    """Checks a message against the Block Kit limits Slack enforces."""
    test.assertIsInstance(msg.get('text'), str)
    blocks = msg['blocks']
    test.assertTrue(0 < len(blocks) <= 50)
    for b in blocks:
        if b['type'] == 'section':
            test.assertEqual(b['text']['type'], 'mrkdwn')
            check_mrkdwn(test, b['text']['text'])
            fields = b.get('fields', [])
            test.assertLessEqual(len(fields), 10)
            for f in fields:
                test.assertEqual(f['type'], 'mrkdwn')
                check_mrkdwn(test, f['text'], 2000)
        elif b['type'] == 'context':
            test.assertTrue(0 < len(b['elements']) <= 10)
            for e in b['elements']:
                test.assertEqual(e['type'], 'mrkdwn')
                check_mrkdwn(test, e['text'])
        else:
            test.assertEqual(b['type'], 'divider')


def links(msg):
    """Every URL linked from a message's blocks."""
    out = []
    for b in msg['blocks']:
        texts = [b.get('text', {}).get('text', '')]
        texts += [e['text'] for e in b.get('elements', [])]
        texts += [f['text'] for f in b.get('fields', [])]
        for t in texts:
            out += [m.group(1).replace('&amp;', '&')
                    for m in LINK.finditer(t)]
    return out


class Listener:
    """A stand-in for Slack's incoming webhook on 127.0.0.1.

    script holds the answers for the next requests, in order, as
    (status, headers, delay_seconds); then every request gets 200 "ok".
    Every request is recorded on arrival (before the answer), so that a
    request whose answer never reached pmkb still counts. Answers close
    the connection, so that stop() really makes the webhook unreachable.

    Setting down makes the webhook unreachable (connections are refused,
    as by a host whose service is down) while the port stays held by a
    bound socket that does not listen, so that no other process takes it
    and a test never binds a released port; setting it back listens on
    the same port again (SO_REUSEPORT).
    """

    def __init__(self, port=0):
        self.script = []
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = None
        self.hold = socket.socket()
        self.hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self.hold.bind(('127.0.0.1', port))
        self.port = self.hold.getsockname()[1]
        self.start()

    @property
    def down(self):
        return self.httpd is None

    @down.setter
    def down(self, value):
        if value:
            self.stop_listening()
        elif self.httpd is None:
            self.start()

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}{HOOK_PATH}'

    def start(self):
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):
                n = int(self.headers.get('Content-Length', '0'))
                raw = self.rfile.read(n)
                with listener.lock:
                    status, headers, delay = (listener.script.pop(0)
                                              if listener.script
                                              else (200, {}, 0))
                    listener.requests.append({
                        't': time.monotonic(), 'path': self.path,
                        'type': self.headers.get('Content-Type'),
                        'json': json.loads(raw.decode('utf-8')),
                        'key': self.headers.get('Idempotency-Key'),
                        'status': status})
                if delay:
                    time.sleep(delay)
                data = b'ok' if status == 200 else b'no_service'
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header('Content-Type', 'text/plain')
                self.send_header('Content-Length', str(len(data)))
                self.send_header('Connection', 'close')
                self.end_headers()
                self.close_connection = True
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def server_bind(self):
                self.socket.setsockopt(socket.SOL_SOCKET,
                                       socket.SO_REUSEPORT, 1)
                super().server_bind()

            def handle_error(self, request, client_address):
                pass  # a client killed mid-answer is part of the tests

        self.httpd = Server(('127.0.0.1', self.port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        return self

    def stop_listening(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def stop(self):
        self.stop_listening()
        self.hold.close()

    def answer(self, *answers):
        """Queues answers: each a status, or (status, headers, delay)."""
        with self.lock:
            for a in answers:
                self.script.append(a if isinstance(a, tuple)
                                   else (a, {}, 0))

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def delivered(self):
        """The messages answered 200, as a list of their 'text'."""
        return [r['json']['text'] for r in self.snapshot()
                if r['status'] == 200]

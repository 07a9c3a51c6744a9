"""A local code forge for the pull-request comment tests: one HTTP
listener that answers the few REST calls pmkb makes the way GitHub, Gitea
or GitLab document them, and checks every request as they would (method,
path, authentication header, JSON shape). What does not fit is answered
with the forge's error status and recorded in `violations`.

    GitHub  GET  /repos/O/R/pulls/N/files?per_page&page
            GET  /repos/O/R/issues/N/comments?per_page&page
            POST /repos/O/R/issues/N/comments         {"body": ...}  201
            PATCH /repos/O/R/issues/comments/ID       {"body": ...}  200
            Authorization: Bearer T, Accept: application/vnd.github+json
    Gitea   the same under /api/v1 (files with limit&page, comments all at
            once), Authorization: token T
    GitLab  GET  /api/v4/projects/P/merge_requests/N/diffs?per_page&page
            GET  /api/v4/projects/P/merge_requests/N/notes?per_page&page
            POST /api/v4/projects/P/merge_requests/N/notes      201
            PUT  /api/v4/projects/P/merge_requests/N/notes/ID   200
            PRIVATE-TOKEN: T
"""
import http.server
import json
import re
import threading
import urllib.parse

TOKENS = {'github': 'ghp_e2eGithubToken', 'gitea': 'e2e-gitea-token',
          'gitlab': 'glpat-e2e-api-token'}
PREFIX = {'github': '', 'gitea': '/api/v1', 'gitlab': '/api/v4'}


class Forge:
    def __init__(self, kind):
        self.kind = kind
        self.lock = threading.Lock()
        self.files = {}      # (repo, number) -> [paths]
        self.comments = {}   # (repo, number) -> [{'id', 'body'}]
        self.requests = []   # (method, path)
        self.violations = []
        self.fail = []       # statuses to answer first, one per request
        self.hold_create = threading.Event()  # set: POSTs never answer
        self.held = threading.Event()         # a POST is being held
        self.release = threading.Event()
        self.next_id = 1000
        self.httpd = None

    @property
    def api(self):
        return f'http://127.0.0.1:{self.httpd.server_address[1]}' \
               f'{PREFIX[self.kind]}'

    def start(self):
        forge = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_GET(self):
                forge.handle(self, 'GET')

            def do_POST(self):
                forge.handle(self, 'POST')

            def do_PATCH(self):
                forge.handle(self, 'PATCH')

            def do_PUT(self):
                forge.handle(self, 'PUT')

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- what the tests look at ----

    def all_comments(self):
        with self.lock:
            return {k: [dict(c) for c in v]
                    for k, v in self.comments.items() if v}

    def calls(self, method=None):
        with self.lock:
            return [r for r in self.requests if not method or r[0] == method]

    # ---- the API ----

    def send(self, h, status, obj):
        body = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header('Content-Type', 'application/json')
        h.send_header('Content-Length', str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def violate(self, h, status, why):
        with self.lock:
            self.violations.append(why)
        self.send(h, status, {'message': why})

    def authorised(self, h):
        t = TOKENS[self.kind]
        if self.kind == 'gitlab':
            return h.headers.get('PRIVATE-TOKEN') == t
        if self.kind == 'gitea':
            return h.headers.get('Authorization') == 'token ' + t
        return (h.headers.get('Authorization') == 'Bearer ' + t and
                'application/vnd.github+json' in
                h.headers.get('Accept', '') and
                h.headers.get('X-GitHub-Api-Version') == '2022-11-28')

    def page(self, items, q):
        size_key = 'limit' if self.kind == 'gitea' else 'per_page'
        size = int(q.get(size_key, ['30'])[0])
        page = int(q.get('page', ['1'])[0])
        if not 1 <= size <= 100 or page < 1:
            return None
        return items[(page - 1) * size:page * size]

    def read_body(self, h):
        n = int(h.headers.get('Content-Length', '0'))
        raw = h.rfile.read(n) if n else b''
        if not h.headers.get('Content-Type', '').startswith(
                'application/json'):
            return None
        try:
            j = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(j, dict) or set(j) != {'body'} or \
                not isinstance(j['body'], str) or not j['body']:
            return None
        return j

    def handle(self, h, method):
        url = urllib.parse.urlsplit(h.path)
        q = urllib.parse.parse_qs(url.query)
        path = url.path
        with self.lock:
            self.requests.append((method, path))
            status = self.fail.pop(0) if self.fail else None
        body = None
        if method in ('POST', 'PATCH', 'PUT'):
            body = self.read_body(h)
        if status:
            return self.send(h, status, {'message': 'try later'})
        if not self.authorised(h):
            return self.violate(h, 401, f'{method} {path}: bad auth '
                                f'headers {dict(h.headers)}')
        p = PREFIX[self.kind]
        if self.kind == 'gitlab':
            base = rf'^{p}/projects/(\d+)/merge_requests/(\d+)'
            files, comments = base + '/diffs$', base + '/notes$'
            one = base + r'/notes/(\d+)$'
            edit = 'PUT'
        else:
            base = rf'^{p}/repos/([\w.-]+/[\w.-]+)'
            files = base + r'/pulls/(\d+)/files$'
            comments = base + r'/issues/(\d+)/comments$'
            one = base + r'/issues/comments/(\d+)$'
            edit = 'PATCH'
        if method == 'GET' and (m := re.match(files, path)):
            key = (m.group(1), int(m.group(2)))
            if key not in self.files:
                return self.violate(h, 404, f'no pull request {key}')
            got = self.page(self.files[key], q)
            if got is None:
                return self.violate(h, 422, f'bad paging {url.query}')
            if self.kind == 'gitlab':
                items = [{'old_path': f, 'new_path': f, 'diff': '@@ x'}
                         for f in got]
            else:
                items = [{'filename': f, 'status': 'modified',
                          'patch': '@@ -1 +1 @@'} for f in got]
            return self.send(h, 200, items)
        if (m := re.match(comments, path)):
            key = (m.group(1), int(m.group(2)))
            if key not in self.files:
                return self.violate(h, 404, f'no pull request {key}')
            with self.lock:
                mine = self.comments.setdefault(key, [])
                if method == 'GET':
                    got = mine if self.kind == 'gitea' and not q \
                        else self.page(mine, q)
                    listed = [dict(c) for c in got] if got is not None \
                        else None
            if method == 'GET':
                if listed is None:
                    return self.violate(h, 422, f'bad paging {url.query}')
                return self.send(h, 200, listed)
            if method != 'POST':
                return self.violate(h, 405, f'{method} {path}')
            if body is None:
                return self.violate(h, 422, f'POST {path}: not '
                                    '{"body": "..."} JSON')
            with self.lock:
                self.next_id += 1
                c = {'id': self.next_id, 'body': body['body']}
                mine.append(c)
            if self.hold_create.is_set():
                self.held.set()
                self.release.wait(120)
                return
            return self.send(h, 201, c)
        if (m := re.match(one, path)):
            cid = int(m.groups()[-1])
            if method != edit:
                return self.violate(h, 405, f'{method} {path}')
            if body is None:
                return self.violate(h, 422, f'{method} {path}: not '
                                    '{"body": "..."} JSON')
            with self.lock:
                for mine in self.comments.values():
                    for c in mine:
                        if c['id'] == cid:
                            c['body'] = body['body']
                            return self.send(h, 200, dict(c))
            return self.send(h, 404, {'message': 'Not Found'})
        return self.violate(h, 404, f'unexpected {method} {path}')

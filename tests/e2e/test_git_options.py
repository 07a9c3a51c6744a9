"""Following a git repository, as the README promises: credentials over
HTTP from the environment (a real `git http-backend` behind basic auth)
and over ssh (Debian's OpenSSH server, host keys checked against
~/.ssh/known_hosts), --poll, a branch other than main, --dir ., .pmkb.yml at the root of the
work tree, and a pre-receive hook that lets warnings through.
"""
import base64
import getpass
import http.server
import os
import socket
import subprocess
import threading
import unittest

from gittest import (Repo, found, git, git_server, postmortem, search_total,
                     sign, wait_for, wait_idle)
from pmkbtest import main

USER, TOKEN = 'ada', 'e2e-git-token-not-a-real-one'


class GitHttpBackend:
    """git http-backend as CGI behind an HTTP server that wants basic auth
    (user, token), as a git host does for https. Records who asked."""

    def __init__(self, root, user, token):
        self.root = root
        self.want = 'Basic ' + base64.b64encode(
            f'{user}:{token}'.encode()).decode()
        self.seen = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.cgi()

            def do_POST(self):
                self.cgi()

            def cgi(self):
                auth = self.headers.get('Authorization')
                backend.seen.append(auth)
                if auth != backend.want:
                    self.send_response(401)
                    self.send_header('WWW-Authenticate', 'Basic realm="git"')
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                path, _, query = self.path.partition('?')
                n = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(n) if n else b''
                env = {'PATH': os.environ['PATH'],
                       'GIT_PROJECT_ROOT': backend.root,
                       'GIT_HTTP_EXPORT_ALL': '1',
                       'REQUEST_METHOD': self.command, 'PATH_INFO': path,
                       'QUERY_STRING': query, 'REMOTE_USER': user,
                       'CONTENT_TYPE': self.headers.get('Content-Type', ''),
                       'CONTENT_LENGTH': str(len(body))}
                enc = self.headers.get('Content-Encoding')
                if enc:
                    env['HTTP_CONTENT_ENCODING'] = enc
                proto = self.headers.get('Git-Protocol')
                if proto:
                    env['GIT_PROTOCOL'] = proto
                r = subprocess.run(['git', 'http-backend'], input=body,
                                   env=env, capture_output=True, timeout=60)
                head, _, out = r.stdout.partition(b'\r\n\r\n')
                status = 200
                headers = []
                for line in head.decode().split('\r\n'):
                    k, _, v = line.partition(':')
                    if k.lower() == 'status':
                        status = int(v.split()[0])
                    elif k:
                        headers.append((k, v.strip()))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def url(self, name):
        return f'http://127.0.0.1:{self.httpd.server_address[1]}/{name}'

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def notify(srv):
    """A signed push notification, as GitHub sends; returns True."""
    body = '{"ref": "refs/heads/main"}'
    srv.request('POST', '/hooks/github', body=body, headers={
        'X-GitHub-Event': 'push', 'Content-Type': 'application/json',
        'X-Hub-Signature-256': sign(body)})
    return True


def last_failed(srv):
    last = srv.get_json('/api/sync')['last']
    return last if last and not last['ok'] else None


class GitTest(unittest.TestCase):
    def setUp(self):
        self.repo = Repo()
        self.addCleanup(self.repo.close)

    def serve(self, args=(), env=None, remote=None):
        srv = git_server(self.repo, args=args, env=env)
        if remote:
            i = srv.args.index('--repo')
            srv.args[i + 1] = remote
        self.addCleanup(srv.close)
        return srv.start()


class Credentials(GitTest):
    def setUp(self):
        super().setUp()
        self.repo.write('vault.md', postmortem('Vault sealed', 'narwhal'))
        self.repo.commit('vault')
        self.repo.push()

    def backend(self, user):
        b = GitHttpBackend(self.repo.tmp, user, TOKEN)
        self.addCleanup(b.stop)
        return b

    def test_token_and_user_over_http(self):
        b = self.backend(USER)
        srv = self.serve(remote=b.url('remote.git'),
                         env={'PMKB_GIT_TOKEN': TOKEN, 'PMKB_GIT_USER': USER})
        wait_for(found(srv, 'narwhal'), 60)
        self.assertIn(b.want, b.seen)
        # The token stays in the environment: not in the clone's config,
        # not in the logs, not in the API.
        for dirpath, _, files in os.walk(srv.tmp):
            if os.path.basename(dirpath).endswith('.git') or \
                    'config' in files:
                for f in files:
                    if f == 'config':
                        with open(os.path.join(dirpath, f)) as fh:
                            self.assertNotIn(TOKEN, fh.read())
        self.assertNotIn(TOKEN, srv.stderr())
        self.assertNotIn(TOKEN, srv.get('/api/sync').body.decode())
        # A later push is fetched with the same credentials.
        self.repo.write('dns.md', postmortem('DNS', 'okapi'))
        self.repo.commit('dns')
        self.repo.push()
        wait_for(lambda: notify(srv) and search_total(srv, 'okapi'), 60,
                 every=0.5)

    def test_default_user_is_x_access_token(self):
        b = self.backend('x-access-token')
        srv = self.serve(remote=b.url('remote.git'),
                         env={'PMKB_GIT_TOKEN': TOKEN})
        wait_for(found(srv, 'narwhal'), 60)
        self.assertIn(b.want, b.seen)

    def test_a_wrong_token_fails_the_sync_and_says_so(self):
        b = self.backend(USER)
        srv = self.serve(remote=b.url('remote.git'),
                         env={'PMKB_GIT_TOKEN': 'wrong', 'PMKB_GIT_USER': USER})
        last = wait_for(lambda: last_failed(srv), 60)[0]
        self.assertTrue(last['error'], last)
        self.assertEqual(search_total(srv, 'narwhal'), 0)
        self.assertNotIn(b.want, b.seen)
        wrong = 'Basic ' + base64.b64encode(f'{USER}:wrong'.encode()).decode()
        self.assertIn(wrong, b.seen, 'the token was offered')
        self.assertEqual(srv.get('/healthz').status, 200)


SSHD = '/usr/sbin/sshd'


def keygen(path, passphrase=''):
    """A new ed25519 key pair at path and path.pub; returns path."""
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', passphrase,
                    '-f', path], check=True)
    return path


class SshServer:
    """Debian's OpenSSH server on 127.0.0.1, one `sshd -i` per connection
    on a socket this object listens on (no port is released and bound
    again). Accepts the public key authorized; its host key is hostkey."""

    def __init__(self, tmp, authorized):
        # sshd refuses to start without its privilege separation
        # directory, which Debian's service unit makes at boot: a container
        # that never ran the service lacks it ("Failed getting banner").
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.dir = os.path.join(tmp, 'sshd')
        os.makedirs(self.dir)
        self.hostkey = keygen(os.path.join(self.dir, 'hostkey'))
        keys = os.path.join(self.dir, 'authorized_keys')
        with open(keys, 'w') as f:
            f.write(authorized)
        self.config = os.path.join(self.dir, 'sshd_config')
        with open(self.config, 'w') as f:
            f.write(f'HostKey {self.hostkey}\nAuthorizedKeysFile {keys}\n'
                    'PasswordAuthentication no\n'
                    'KbdInteractiveAuthentication no\n'
                    'PubkeyAuthentication yes\n'
                    'PermitRootLogin prohibit-password\n'
                    'StrictModes no\nUsePAM no\n')
        self.log = open(os.path.join(self.dir, 'sshd.log'), 'w+')
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.procs = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.procs.append(subprocess.Popen(
                [SSHD, '-i', '-e', '-f', self.config], stdin=conn,
                stdout=conn, stderr=self.log))
            conn.close()

    def known_hosts_line(self):
        with open(self.hostkey + '.pub') as f:
            kind, key = f.read().split()[:2]
        return f'[127.0.0.1]:{self.port} {kind} {key}\n'

    def url(self, path):
        return f'ssh://{getpass.getuser()}@127.0.0.1:{self.port}{path}'

    def stop(self):
        self.sock.close()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.log.close()


class Ssh(GitTest):
    def setUp(self):
        super().setUp()
        self.repo.write('ssh.md', postmortem('Tunnel', 'pangolin'))
        self.repo.commit('ssh')
        self.repo.push()
        self.key = keygen(os.path.join(self.repo.tmp, 'id_ed25519'),
                          'e2e passphrase')
        with open(self.key + '.pub') as f:
            self.sshd = SshServer(self.repo.tmp, f.read())
        self.addCleanup(self.sshd.stop)
        self.home = os.path.join(self.repo.tmp, 'home')
        os.makedirs(os.path.join(self.home, '.ssh'))

    def env(self):
        # libgit2 1.5 leaks in its ssh transport (see the suppressions
        # file); under a sanitizer, those leaks alone are let through.
        asan = os.environ.get('ASAN_OPTIONS', '')
        return {'HOME': self.home, 'PMKB_GIT_SSH_KEY': self.key,
                'PMKB_GIT_SSH_PASSPHRASE': 'e2e passphrase',
                'ASAN_OPTIONS': asan + (':' if asan else '') +
                'fast_unwind_on_malloc=0',
                'LSAN_OPTIONS': 'suppressions=' + os.path.join(
                    os.path.dirname(os.path.abspath(__file__)),
                    'lsan-libgit2-ssh.supp')}

    def test_key_and_known_host(self):
        with open(os.path.join(self.home, '.ssh', 'known_hosts'), 'w') as f:
            f.write(self.sshd.known_hosts_line())
        srv = self.serve(remote=self.sshd.url(self.repo.remote),
                         env=self.env())
        wait_for(found(srv, 'pangolin'), 60)
        self.assertNotIn('e2e passphrase', srv.stderr())

    def assert_host_refused(self):
        srv = self.serve(remote=self.sshd.url(self.repo.remote),
                         env=self.env())
        last = wait_for(lambda: last_failed(srv), 60)[0]
        self.assertIn('hostkey', last['error'])
        self.assertEqual(search_total(srv, 'pangolin'), 0)

    def test_an_unknown_host_is_refused(self):
        self.assert_host_refused()

    def test_another_host_key_is_refused(self):
        other = keygen(os.path.join(self.repo.tmp, 'other'))
        with open(other + '.pub') as f:
            kind, key = f.read().split()[:2]
        with open(os.path.join(self.home, '.ssh', 'known_hosts'), 'w') as f:
            f.write(f'[127.0.0.1]:{self.sshd.port} {kind} {key}\n')
        self.assert_host_refused()


class Options(GitTest):
    def test_poll_without_any_notification(self):
        # A first sync that succeeds (no retry pending), over before the
        # push: only a poll can bring the new commit.
        self.repo.write('first.md', postmortem('First', 'ibex'))
        self.repo.commit('first')
        self.repo.push()
        srv = self.serve(args=['--poll', '1s'])
        wait_for(found(srv, 'ibex'), 60)
        self.repo.write('a.md', postmortem('Polled', 'axolotl'))
        self.repo.commit('a')
        self.repo.push()  # the remote has no post-receive hook
        wait_for(found(srv, 'axolotl'), 60)
        self.assertEqual(srv.get_json('/api/sync')['last']['reason'], 'poll')

    def test_a_branch_other_than_main(self):
        self.repo.write('m.md', postmortem('On main', 'marmot'))
        self.repo.commit('main')
        self.repo.push()
        git(self.repo.work, 'checkout', '-q', '-b', 'release')
        self.repo.write('r.md', postmortem('On release', 'raccoon'))
        self.repo.commit('release')
        self.repo.push('release')
        srv = self.serve(args=['--branch', 'release', '--poll', '1s'])
        wait_for(found(srv, 'raccoon'), 60)
        self.assertEqual(search_total(srv, 'marmot'), 1,
                         'release contains main')
        git(self.repo.work, 'checkout', '-q', 'main')
        self.repo.write('m2.md', postmortem('Only main', 'mongoose'))
        main_head = self.repo.commit('main only')
        self.repo.push('main')
        git(self.repo.work, 'checkout', '-q', 'release')
        self.repo.write('r2.md', postmortem('Release again', 'reindeer'))
        release_head = self.repo.commit('release again')
        self.repo.push('release')
        wait_for(found(srv, 'reindeer'), 60)
        sync = wait_idle(srv, 60)
        self.assertEqual(sync['last']['commit'], release_head)
        self.assertNotEqual(sync['last']['commit'], main_head)
        self.assertEqual(search_total(srv, 'mongoose'), 0)

    def test_dir_dot_and_settings_at_the_root(self):
        # Postmortems at the root of the repository, beside .pmkb.yml, and
        # a README and a code file that are not postmortems.
        w = self.repo.work
        os.rmdir(os.path.join(w, 'postmortems'))
        with open(os.path.join(w, 'gremlin.md'), 'w') as f:
            f.write(postmortem('Gremlins', 'wombat', cause='gremlins',
                               extra='severity: P1\n'))
        with open(os.path.join(w, 'README.md'), 'w') as f:
            f.write('# Our postmortems\n\nThe wombat README.\n')
        with open(os.path.join(w, '.pmkb.yml'), 'w') as f:
            f.write(SETTINGS)
        self.repo.commit('root')
        self.repo.push()
        srv = self.serve(args=['--dir', '.'])
        wait_for(found(srv, 'wombat'), 60)
        self.assertEqual(search_total(srv, 'wombat'), 1, 'not the README')
        pm = srv.get_json('/api/postmortems/gremlin')
        self.assertEqual(pm['cause'][0] if isinstance(pm['cause'], list)
                         else pm['cause'], 'gremlins')
        self.assertEqual(srv.get_json('/api/problems')['problems'], [],
                         'P1 is a severity of the root .pmkb.yml')

    def test_settings_at_the_work_tree_root_for_a_subfolder(self):
        with open(os.path.join(self.repo.work, '.pmkb.yml'), 'w') as f:
            f.write(SETTINGS)
        self.repo.write('g.md', postmortem('Gremlins', 'wombat',
                                           cause='gremlins',
                                           extra='severity: P1\n'))
        self.repo.commit('settings at the root')
        self.repo.push()
        srv = self.serve()
        wait_for(found(srv, 'wombat'), 60)
        self.assertEqual(srv.get_json('/api/problems')['problems'], [])
        # Without them P1 is a severity outside the list: a warning.
        os.remove(os.path.join(self.repo.work, '.pmkb.yml'))
        self.repo.commit('no settings')
        self.repo.push()
        wait_for(lambda: notify(srv) and
                 srv.get_json('/api/problems')['problems'], 60, every=0.5)

    def test_pre_receive_lets_warnings_through(self):
        self.repo.install_pre_receive()
        # Lint warnings only: a severity outside the list, no summary.
        self.repo.write('w.md', postmortem('Warned', 'quokka',
                                           extra='severity: down\n'))
        self.repo.commit('warnings')
        r = self.repo.push(check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('warning', r.stderr)
        self.assertNotIn('error', r.stderr.replace('0 errors', ''))
        srv = self.serve()
        wait_for(found(srv, 'quokka'), 60)


SETTINGS = """severities: [P1, P2]
causes:
  - id: gremlins
    label: Gremlins
    group: operations
  - id: infrastructure
    label: Infrastructure
    group: infrastructure
"""


if __name__ == '__main__':
    main()

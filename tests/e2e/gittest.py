"""Helpers for the git end-to-end tests: a bare remote with pmkb's real
hooks, a clone to commit in, and signed webhook deliveries.

Everything is real: git init/clone/commit/push, the hooks run the pmkb
binary, and the server fetches from the bare repository itself.
"""
import hashlib
import hmac
import os
import shutil
import subprocess
import tempfile
import time

from pmkbtest import BIN, Server

SECRET = "e2e's webhook secret, not 32 bytes"
GITLAB_TOKEN = 'glpat-e2e-token'
ZERO = '0' * 40


def git(cwd, *args, env=None, check=True):
    e = dict(os.environ)
    e.update({'GIT_AUTHOR_NAME': 'Ada Lovelace',
              'GIT_AUTHOR_EMAIL': 'ada@example.com',
              'GIT_COMMITTER_NAME': 'Ada Lovelace',
              'GIT_COMMITTER_EMAIL': 'ada@example.com',
              'GIT_CONFIG_NOSYSTEM': '1', 'HOME': cwd})
    e.update(env or {})
    r = subprocess.run(['git'] + list(args), cwd=cwd, env=e, text=True,
                       capture_output=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f'git {" ".join(args)}: {r.stderr}')
    return r


def sign(body, secret=SECRET):
    if isinstance(body, str):
        body = body.encode('utf-8')
    return 'sha256=' + hmac.new(secret.encode('utf-8'), body,
                                hashlib.sha256).hexdigest()


def postmortem(title, word, cause='infrastructure', started='2024-03-01',
               extra=''):
    return (f'---\ntitle: {title}\nstarted_at: {started}\n'
            f'cause: {cause}\n{extra}---\n# {title}\n\n'
            f'What happened: the {word} failed.\n')


class Repo:
    """A bare remote (main) and a work clone under a temporary directory."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-git-')
        self.remote = os.path.join(self.tmp, 'remote.git')
        self.work = os.path.join(self.tmp, 'work')
        os.makedirs(self.remote)
        git(self.remote, 'init', '-q', '--bare', '-b', 'main')
        git(self.tmp, 'clone', '-q', self.remote, self.work)
        git(self.work, 'symbolic-ref', 'HEAD', 'refs/heads/main')
        os.makedirs(os.path.join(self.work, 'postmortems'))

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def hook(self, name, script):
        """Installs a hook: the two lines the README shows."""
        path = os.path.join(self.remote, 'hooks', name)
        with open(path, 'w') as f:
            f.write(script)
        os.chmod(path, 0o755)

    def install_post_receive(self, server_url):
        self.hook('post-receive',
                  f'#!/bin/sh\nexec "{BIN}" notify --server {server_url}\n')

    def install_pre_receive(self):
        self.hook('pre-receive',
                  f'#!/bin/sh\nexec "{BIN}" lint --pre-receive '
                  f'--dir postmortems\n')

    def remove_hook(self, name):
        path = os.path.join(self.remote, 'hooks', name)
        if os.path.exists(path):
            os.remove(path)

    def write(self, rel, text):
        path = os.path.join(self.work, 'postmortems', rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def commit(self, msg):
        git(self.work, 'add', '-A')
        git(self.work, 'commit', '-q', '-m', msg)
        return self.head()

    def commit_at(self, when, msg):
        """Commits everything with author and committer time when (a
        datetime with its zone); returns the commit id."""
        stamp = when.isoformat()
        git(self.work, 'add', '-A')
        git(self.work, 'commit', '-q', '-m', msg,
            env={'GIT_AUTHOR_DATE': stamp, 'GIT_COMMITTER_DATE': stamp})
        return self.head()

    def head(self):
        return git(self.work, 'rev-parse', 'HEAD').stdout.strip()

    def push(self, *args, secret=SECRET, check=True):
        env = {'PMKB_WEBHOOK_SECRET': secret} if secret else {}
        return git(self.work, 'push', '-q', 'origin', *(args or ('main',)),
                   env=env, check=check)


def git_server(repo, tmp=None, db=None, args=(), env=None):
    """A Server following repo's remote (not started)."""
    e = {'PMKB_WEBHOOK_SECRET': SECRET, 'PMKB_GITLAB_TOKEN': GITLAB_TOKEN}
    e.update(env or {})
    return Server(directory='postmortems', db=db,
                  args=['--repo', repo.remote, '--source-url',
                        'https://git.example.com/pm/blob/{commit}/{path}']
                  + list(args), env=e)


def close_server(srv):
    """Stops srv, removes its files; returns what it logged."""
    return srv.close()


def wait_for(fn, timeout=15.0, every=0.01):
    """Calls fn until it returns a true value; returns (value, seconds)."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            return v, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f'timed out after {timeout}s')
        time.sleep(every)


def search_total(srv, q):
    return srv.get_json('/api/search', q=q)['total']


def found(srv, q):
    """A function for wait_for: q finds something."""
    return lambda: search_total(srv, q) > 0


def status(srv, slug):
    return srv.get('/api/postmortems/' + slug).status


def syncs(srv):
    return srv.get_json('/api/sync')['syncs']


def wait_idle(srv, timeout=15.0):
    """Waits until the syncer has nothing queued or running."""
    def idle():
        j = srv.get_json('/api/sync')
        return not j['running'] and not j['pending']
    wait_for(idle, timeout)
    return srv.get_json('/api/sync')

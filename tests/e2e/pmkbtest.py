"""Shared helpers for pmkb's end-to-end tests.

The tests start the real pmkb binary (PMKB_BIN) on a free loopback port,
talk to it over real HTTP and use real git. Nothing is mocked.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

BIN = os.environ.get('PMKB_BIN', 'pmkb')
ROOT = os.environ.get('PMKB_SOURCE_ROOT',
                      os.path.dirname(os.path.dirname(os.path.dirname(
                          os.path.abspath(__file__)))))
SAMPLES = os.path.join(ROOT, 'postmortems')


def pmkb(*args, env=None, input=None, timeout=120, cwd=None):
    """Runs the pmkb binary; returns the CompletedProcess (text mode)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN] + list(args), capture_output=True,
                          text=True, env=e, input=input, timeout=timeout,
                          cwd=cwd)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode('utf-8'))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Server:
    """A pmkb serve process on 127.0.0.1 with its own database.

    Use as a context manager. The process is ended by its PID only.
    """

    def __init__(self, directory=SAMPLES, args=(), env=None, db=None):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        self.db = db or os.path.join(self.tmp, 'pmkb.db')
        self.directory = directory
        self.args = list(args)
        self.env = env or {}
        self.proc = None
        self.base = None
        self.port = None

    def start(self, timeout=60):
        e = dict(os.environ)
        e.update(self.env)
        self.log = open(os.path.join(self.tmp, 'stderr.log'), 'w+')
        self.proc = subprocess.Popen(
            [BIN, 'serve', '--db', self.db, '--dir', self.directory,
             '--listen', '127.0.0.1:0'] + self.args,
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=e)
        deadline = time.time() + timeout
        line = ''
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith('http://'):
                break
            if self.proc.poll() is not None:
                break
        if not line.startswith('http://'):
            raise RuntimeError('pmkb serve did not start: ' + self.stderr())
        self.base = line.strip().rstrip('/')
        self.port = int(self.base.rsplit(':', 1)[1])
        return self

    def stderr(self):
        if not getattr(self, 'log', None):
            return ''
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and waits; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        if own:
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=30)
        if isinstance(body, str):
            body = body.encode('utf-8')
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        if own:
            conn.close()
        return resp

    def get(self, path, **params):
        if params:
            path += '?' + urllib.parse.urlencode(params)
        return self.request('GET', path)

    def get_json(self, path, status=200, **params):
        r = self.get(path, **params)
        if r.status != status:
            raise AssertionError(f'GET {path} {params}: {r.status} '
                                 f'{r.body[:300]!r}')
        return r.json()


def raw(port, data, timeout=10, shut=True):
    """Sends bytes on a fresh connection; returns the response bytes."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading it all
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
        return b''.join(chunks)
    finally:
        s.close()


def status_of(response):
    if not response.startswith(b'HTTP/1.'):
        return None
    return int(response.split(b' ', 2)[1])


def main():
    unittest.main(verbosity=2)

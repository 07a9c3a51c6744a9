"""Shared helpers for pmkb's end-to-end tests.

The tests start the real pmkb binary (PMKB_BIN) on a free loopback port,
talk to it over real HTTP and use real git. Nothing is mocked.
"""
import http.client
import json
import os
import re
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


# What AddressSanitizer, LeakSanitizer and UBSan print when they find
# something; any of it in a pmkb process's stderr fails the test.
SANITIZER_REPORT = re.compile(
    r'^(==\d+==ERROR: (Address|Leak|Memory|Thread)Sanitizer|'
    r'SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|'
    r'.*:\d+:\d+: runtime error: )', re.M)


def sanitizer_report(text):
    """The sanitizer report in text (from its first line), or None."""
    m = SANITIZER_REPORT.search(text or '')
    return text[m.start():m.start() + 4000] if m else None


def pmkb(*args, env=None, input=None, timeout=120, cwd=None):
    """Runs the pmkb binary; returns the CompletedProcess (text mode).

    Raises AssertionError when a sanitizer reported anything.
    """
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([BIN] + list(args), capture_output=True,
                       text=True, env=e, input=input, timeout=timeout,
                       cwd=cwd)
    report = sanitizer_report(r.stderr)
    if report:
        raise AssertionError(f'pmkb {" ".join(args)[:200]}: {report}')
    return r


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

    The one way the tests start pmkb serve. Use as a context manager, or
    start() and stop(). The process is ended by its PID only. Stopping
    checks how it ended: a server stopped by SIGTERM or SIGINT must exit
    with status 0, and a sanitizer report anywhere in its stderr fails
    the test, however it was stopped.
    """

    def __init__(self, directory=SAMPLES, args=(), env=None, db=None,
                 bin_path=None, popen=None):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-e2e-')
        self.db = db or os.path.join(self.tmp, 'pmkb.db')
        self.directory = directory
        self.args = list(args)
        self.env = env or {}
        self.bin = bin_path or BIN
        self.popen = popen or {}
        self.proc = None
        self.log = None
        self.base = None
        self.port = None

    def spawn(self):
        """Starts the process without waiting for it to serve."""
        e = dict(os.environ)
        e.update(self.env)
        self.log = open(os.path.join(self.tmp, 'stderr.log'), 'w+')
        cmd = [self.bin, 'serve', '--db', self.db, '--listen',
               '127.0.0.1:0'] + self.args
        if self.directory is not None:
            cmd[2:2] = ['--dir', self.directory]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=e,
                                     **self.popen)
        return self

    def wait_serving(self, timeout=60):
        """Waits for the URL serve prints first and reads the port from it
        (the server binds port 0; the kernel picks a free one)."""
        deadline = time.monotonic() + timeout
        line = ''
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith('http://'):
                break
            if not line and self.proc.poll() is not None:
                break
        if not line.startswith('http://'):
            raise RuntimeError('pmkb serve did not start: ' + self.stderr())
        self.base = line.strip().rstrip('/')
        self.port = int(self.base.rsplit(':', 1)[1])
        return self

    def start(self, timeout=60):
        return self.spawn().wait_serving(timeout)

    def stderr(self):
        if not self.log:
            return ''
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server and waits; returns its exit status.

        Raises AssertionError when the server reported a sanitizer error,
        or when it exited non-zero on SIGTERM or SIGINT (or before being
        signalled at all).
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f'pmkb serve did not stop within '
                                     f'{timeout} s of signal {sig}')
        elif sig != signal.SIGKILL:
            sig = None  # it had exited on its own
        rc = self.proc.returncode
        report = sanitizer_report(self.stderr())
        if report:
            raise AssertionError('pmkb serve: ' + report)
        if sig != signal.SIGKILL and rc != 0:
            raise AssertionError(
                f'pmkb serve exited with {rc}'
                f'{"" if sig else " on its own"}: {self.stderr()[-2000:]}')
        return rc

    def close(self, sig=signal.SIGTERM):
        """Stops the server (checking as stop() does), removes its files;
        returns what it logged."""
        try:
            self.stop(sig)
            return self.stderr()
        finally:
            if self.log:
                self.log.close()
            if self.proc and self.proc.stdout:
                self.proc.stdout.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

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

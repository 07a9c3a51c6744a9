"""Helpers for the reliability, security and operations tests: raw
sockets, Prometheus text parsing, tokens, and tmpfs mounts.

Every server is started on 127.0.0.1 by pmkbtest.Server and ended by its
PID; every loop is bounded by a deadline.
"""
import os
import re
import sqlite3
import subprocess
import tempfile
import time

from pmkbtest import pmkb


def header_of(response, name):
    head = response.split(b'\r\n\r\n', 1)[0].decode('latin-1')
    for line in head.split('\r\n')[1:]:
        k, _, v = line.partition(':')
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)$')


def parse_metrics(text):
    """{(name, frozenset of label pairs): value} from the text format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = METRIC.match(line)
        if not m:
            raise AssertionError(f'not a metric line: {line!r}')
        labels = frozenset()
        if m.group(2):
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(metrics, name, **labels):
    """The value of one series (0 when absent)."""
    want = frozenset(labels.items())
    total = 0.0
    for (n, ls), v in metrics.items():
        if n == name and want <= ls:
            total += v
    return total


def create_token(db, name, scope='read'):
    r = pmkb('token', '--db', db, 'create', name, '--scope', scope)
    if r.returncode != 0:
        raise AssertionError(f'token create: {r.stderr}')
    return r.stdout.strip()


def writing(db):
    """Whether a write transaction is open on db right now: another
    connection cannot take the write lock."""
    if not os.path.exists(db):
        return False
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute('BEGIN IMMEDIATE')
        con.execute('ROLLBACK')
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


def wait_until(cond, timeout=20, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f'timed out after {timeout} s')


class Tmpfs:
    """A small tmpfs mounted on a temporary directory (root only).

    mounted is False when this machine does not allow mounting; tests
    then fall back or skip.
    """

    def __init__(self, size='8m'):
        self.dir = tempfile.mkdtemp(prefix='pmkb-tmpfs-')
        self.mounted = False
        if os.geteuid() != 0:
            return
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o',
                            f'size={size},mode=0755', 'tmpfs', self.dir],
                           capture_output=True)
        self.mounted = r.returncode == 0

    def remount(self, mode):
        subprocess.run(['mount', '-o', f'remount,{mode}', self.dir],
                       check=True, capture_output=True)

    def fill(self, leave=0):
        """Fills the file system, leaving about leave bytes free."""
        path = os.path.join(self.dir, 'filler')
        with open(path, 'ab') as f:
            chunk = b'\0' * 65536
            while True:
                st = os.statvfs(self.dir)
                free = st.f_bavail * st.f_frsize
                if free <= leave:
                    break
                try:
                    f.write(chunk[:max(4096, min(len(chunk),
                                                 free - leave))])
                    f.flush()
                except OSError:
                    break
        return path

    def close(self):
        if self.mounted:
            subprocess.run(['umount', '-l', self.dir], capture_output=True)
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

"""Reliability and hardening end to end."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

from opstest import create_token
from pmkbtest import BIN, Server, main

FORM = {'Content-Type': 'application/x-www-form-urlencoded'}

NOTE = ('---\ntitle: {title}\nseverity: SEV2\nstarted_at: 2024-01-10\n'
        '---\n# {title}\n\nThe {word} queue stalled.\n')


class CacheUnderAuth(unittest.TestCase):
    """With --auth token every answer is somebody's: no shared cache may
    keep it."""

    ROUTES = ('/feed.atom', '/', '/p/x', '/trends', '/app.js',
              '/api/search?q=db', '/api/postmortems', '/metrics',
              '/api/stats/causes', '/healthz', '/readyz', '/login')

    def check(self, args, want_private):
        tmp = tempfile.mkdtemp(prefix='pmkb-e2e-cache-')
        try:
            db = os.path.join(tmp, 'pmkb.db')
            token = create_token(db, 'reader')
            with Server(db=db, args=args) as srv:
                seen = 0
                for path in self.ROUTES:
                    r = srv.request('GET', path, headers={
                        'Authorization': 'Bearer ' + token})
                    cc = r.header('Cache-Control') or ''
                    if 'no-store' in cc:
                        continue
                    seen += 1
                    if want_private:
                        self.assertIn('private', cc, path)
                        self.assertNotIn('public', cc, path)
                self.assertGreater(seen, 0)
                return srv
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_token_mode_is_private(self):
        self.check(['--auth', 'token'], True)

    def test_open_mode_keeps_public_feed(self):
        with Server() as srv:
            r = srv.get('/feed.atom')
            self.assertEqual(r.status, 200)
            self.assertIn('public', r.header('Cache-Control'))


if __name__ == '__main__':
    main()

"""/files/{path}: the images a postmortem shows and its Markdown source,
served by pmkb from --dir, or with --repo from the indexed commit, so that
the page's Content-Security-Policy allows them, and nothing else: no path out of the directory, no hidden part, no
symbolic link on the way, no other kind of file.

Everything runs the real binary over real HTTP; paths go out as written
(http.client does not tidy "..").
"""
import os
import shutil
import struct
import tempfile
import unittest
import zlib

from gittest import (Repo, close_server, git_server, postmortem, wait_for,
                     wait_idle)
from pmkbtest import Server, main



def png(width=4, height=3):
    """A real PNG image: grey pixels."""
    def chunk(kind, data):
        body = kind + data
        return (struct.pack('>I', len(data)) + body +
                struct.pack('>I', zlib.crc32(body)))
    rows = b''.join(b'\0' + b'\x80' * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n' +
            chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0,
                                       0, 0)) +
            chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


PNG = png()


class RepoFiles(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pmkb-files-')
        self.dir = os.path.join(self.tmp, 'postmortems')
        outside = os.path.join(self.tmp, 'outside')
        os.makedirs(os.path.join(self.dir, 'img'))
        os.makedirs(os.path.join(self.dir, '.git'))
        os.makedirs(outside)
        with open(os.path.join(self.dir, '2024-01-10-real.md'), 'w') as f:
            f.write(postmortem('Real outage', 'flamingo',
                               extra='') + '\n![graph](img/graph.png)\n')
        for where in ('img/graph.png', '.git/hidden.png'):
            with open(os.path.join(self.dir, where), 'wb') as f:
                f.write(PNG)
        with open(os.path.join(self.dir, 'img', 'notes.txt'), 'w') as f:
            f.write('not an image\n')
        with open(os.path.join(outside, 'secret.png'), 'wb') as f:
            f.write(b'\x89PNG quagmire secret')
        os.symlink(os.path.join(outside, 'secret.png'),
                   os.path.join(self.dir, 'img', 'link.png'))
        os.symlink(outside, os.path.join(self.dir, 'out'))
        os.symlink('/etc', os.path.join(self.dir, 'etc'))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_images_and_sources_are_served(self):
        with Server(directory=self.dir) as srv:
            r = srv.get('/files/img/graph.png')
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header('content-type'), 'image/png')
            self.assertEqual(r.body, PNG)
            self.assertEqual(r.header('x-content-type-options'), 'nosniff')
            r = srv.get('/files/2024-01-10-real.md')
            self.assertEqual(r.status, 200)
            self.assertTrue(r.header('content-type').startswith('text/plain'))
            self.assertIn(b'flamingo', r.body)
            pm = srv.get_json('/api/postmortems/2024-01-10-real')
            self.assertEqual(pm['source']['url'], '/files/2024-01-10-real.md')
            for key in ('edit_url', 'history_url', 'blame_url'):
                self.assertIsNone(pm['source'][key], key)

    def test_nothing_outside_or_hidden_or_linked(self):
        refused = ['/files/img/link.png', '/files/out/secret.png',
                   '/files/etc/passwd', '/files/etc/hostname.png',
                   '/files/../outside/secret.png',
                   '/files/img/../../outside/secret.png',
                   '/files/img/%2e%2e/%2e%2e/outside/secret.png',
                   '/files/img/..%2f..%2foutside%2fsecret.png',
                   '/files//etc/passwd', '/files/.git/hidden.png',
                   '/files/img/notes.txt', '/files/img/', '/files/img',
                   '/files/img//graph.png', '/files/img\\graph.png',
                   '/files/missing.png']
        with Server(directory=self.dir) as srv:
            for path in refused:
                r = srv.get(path)
                self.assertIn(r.status, (400, 404), path)
                self.assertNotIn(b'quagmire', r.body, path)
                self.assertNotIn(b'root:', r.body, path)
            self.assertIn(b'symbolic link',
                          srv.get('/files/img/link.png').body)
            self.assertIn(b'symbolic link',
                          srv.get('/files/out/secret.png').body)
            # Still alive and serving after all that.
            self.assertEqual(srv.get('/files/img/graph.png').status, 200)

    def test_files_need_the_same_access_as_the_pages(self):
        with Server(directory=self.dir, args=['--auth', 'token']) as srv:
            self.assertEqual(srv.get('/files/img/graph.png').status, 401)


class GitRepoFiles(unittest.TestCase):
    """The same with --repo: files come from the commit the index is at,
    in the postmortems directory of its tree, and links stay links."""

    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()
        w = os.path.join(cls.repo.work, 'postmortems')
        cls.repo.write('2024-01-10-real.md', postmortem(
            'Real outage', 'flamingo') + '\n![graph](img/graph.png)\n')
        os.makedirs(os.path.join(w, 'img'))
        os.makedirs(os.path.join(cls.repo.work, 'outside'))
        with open(os.path.join(w, 'img', 'graph.png'), 'wb') as f:
            f.write(PNG)
        with open(os.path.join(w, 'img', 'notes.txt'), 'w') as f:
            f.write('not an image\n')
        with open(os.path.join(cls.repo.work, 'outside', 'secret.png'),
                  'wb') as f:
            f.write(b'\x89PNG quagmire secret')
        os.symlink('../../outside/secret.png',
                   os.path.join(w, 'img', 'link.png'))
        os.symlink('../outside', os.path.join(w, 'out'))
        os.symlink('/etc', os.path.join(w, 'etc'))
        cls.repo.commit('first')
        cls.repo.push(secret=None)
        cls.srv = git_server(cls.repo).start()
        cls.repo.install_post_receive(cls.srv.base)
        wait_idle(cls.srv)

    @classmethod
    def tearDownClass(cls):
        close_server(cls.srv)
        cls.repo.close()

    def test_images_and_sources_come_from_git(self):
        r = self.srv.get('/files/img/graph.png')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header('content-type'), 'image/png')
        self.assertEqual(r.body, PNG)
        r = self.srv.get('/files/2024-01-10-real.md')
        self.assertEqual(r.status, 200)
        self.assertIn(b'flamingo', r.body)

    def test_nothing_outside_or_hidden_or_linked(self):
        for path in ('/files/img/link.png', '/files/out/secret.png',
                     '/files/etc/passwd', '/files/../outside/secret.png',
                     '/files/img/%2e%2e/%2e%2e/outside/secret.png',
                     '/files/img/notes.txt', '/files/img',
                     '/files/.git/config', '/files/missing.png'):
            r = self.srv.get(path)
            self.assertIn(r.status, (400, 404), path)
            self.assertNotIn(b'quagmire', r.body, path)
            self.assertNotIn(b'root:', r.body, path)
        self.assertIn(b'symbolic link',
                      self.srv.get('/files/img/link.png').body)

    def test_zz_a_pushed_image_is_served_once_indexed(self):
        self.assertEqual(self.srv.get('/files/img/later.png').status, 404)
        with open(os.path.join(self.repo.work, 'postmortems', 'img',
                               'later.png'), 'wb') as f:
            f.write(png(8, 8))
        sha = self.repo.commit('an image')
        self.repo.push()
        wait_for(lambda: self.srv.get_json('/api/sync')['last'].get(
            'commit') == sha, timeout=30)
        r = self.srv.get('/files/img/later.png')
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, png(8, 8))


if __name__ == '__main__':
    main()

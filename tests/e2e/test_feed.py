"""The Atom feed end to end: GET /feed.atom on the sample set and on a
generated directory with hostile titles, drafts and more than 50 files,
parsed with Python's XML parser and checked against RFC 4287's required
elements."""
import datetime
import os
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET

from pmkbtest import SAMPLES, Server, main

ATOM = '{http://www.w3.org/2005/Atom}'


def parse(resp):
    """The feed element of a response, after checking the basics."""
    assert resp.status == 200, resp.status
    assert resp.header('Content-Type').startswith('application/atom+xml')
    root = ET.fromstring(resp.body)
    assert root.tag == ATOM + 'feed', root.tag
    return root


def rfc3339(s):
    assert s.endswith('Z'), s
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%SZ')


def check_required(test, root):
    """RFC 4287 section 4.1: what a feed and each entry must have."""
    for name in ('id', 'title', 'updated'):
        test.assertIsNotNone(root.find(ATOM + name), f'feed/{name}')
    rfc3339(root.find(ATOM + 'updated').text)
    test.assertIsNotNone(root.find(ATOM + 'author/' + ATOM + 'name'))
    self_links = [l for l in root.findall(ATOM + 'link')
                  if l.get('rel') == 'self']
    test.assertEqual(len(self_links), 1)
    entries = root.findall(ATOM + 'entry')
    for e in entries:
        for name in ('id', 'title', 'updated', 'published'):
            test.assertIsNotNone(e.find(ATOM + name), f'entry/{name}')
        rfc3339(e.find(ATOM + 'updated').text)
        rfc3339(e.find(ATOM + 'published').text)
        alt = [l for l in e.findall(ATOM + 'link')
               if l.get('rel') == 'alternate']
        test.assertEqual(len(alt), 1)
        test.assertEqual(e.find(ATOM + 'id').text, alt[0].get('href'))
    return entries


class SampleFeed(unittest.TestCase):
    def test_sample_feed(self):
        with Server(SAMPLES) as srv:
            root = parse(srv.get('/feed.atom'))
            entries = check_required(self, root)
            listing = srv.get('/api/postmortems?limit=1000'
                              '&status=published').json()
            self.assertEqual(len(entries), min(50, listing['total']))
            published = [rfc3339(e.find(ATOM + 'published').text)
                         for e in entries]
            self.assertEqual(published, sorted(published, reverse=True),
                             'newest first')
            newest = max(rfc3339(e.find(ATOM + 'updated').text)
                         for e in entries)
            self.assertEqual(rfc3339(root.find(ATOM + 'updated').text),
                             newest, 'the feed is as new as its entries')
            for e in entries[:5]:
                href = e.find(ATOM + 'link').get('href')
                self.assertTrue(href.startswith(srv.base + '/p/'), href)
                slug = href.rsplit('/p/', 1)[1]
                pm = srv.get_json('/api/postmortems/' + slug)
                self.assertEqual(e.find(ATOM + 'title').text, pm['title'])
                self.assertEqual(e.find(ATOM + 'summary').text,
                                 pm['summary'])
                terms = [c.get('term')
                         for c in e.findall(ATOM + 'category')]
                self.assertEqual(terms, pm['causes'])
            self.assertEqual(srv.request('HEAD', '/feed.atom').status, 200)

    def test_public_url(self):
        with Server(SAMPLES, args=['--public-url',
                                   'https://kb.example.com/']) as srv:
            root = parse(srv.get('/feed.atom'))
            self.assertEqual(root.find(ATOM + 'id').text,
                             'https://kb.example.com/feed.atom')
            for e in root.findall(ATOM + 'entry'):
                self.assertTrue(e.find(ATOM + 'id').text.startswith(
                    'https://kb.example.com/p/'))


HOSTILE_TITLE = '<script>alert("x")</script> & \'quotes\' ]]> 障害'


class GeneratedFeed(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='pmkb-feed-')

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, title, started, status='published', extra=''):
        with open(os.path.join(self.dir, name), 'w', encoding='utf-8') as f:
            f.write(f'---\ntitle: "{title}"\nstarted_at: {started}\n'
                    f'cause: infrastructure\nstatus: {status}\n{extra}'
                    f'---\n# {name}\n\nBody.\n')

    def test_escaping_drafts_and_limit(self):
        start = datetime.date(2019, 1, 1)
        for i in range(60):
            day = start + datetime.timedelta(days=i)
            self.write(f'{day}-incident-{i}.md', f'Incident {i}', day)
        # The newest of all, with a title that would break naive XML.
        title = HOSTILE_TITLE.replace('\\', '\\\\').replace('"', '\\"')
        self.write('2020-01-01-hostile name.md', title, '2020-01-01',
                   extra='summary: "a < b && c > d"\n'
                         'authors: ["<b>bob</b>"]\n')
        self.write('2020-02-01-draft.md', 'Draft', '2020-02-01',
                   status='draft')
        with Server(self.dir) as srv:
            entries = check_required(self, parse(srv.get('/feed.atom')))
            self.assertEqual(len(entries), 50)
            first = entries[0]
            self.assertEqual(first.find(ATOM + 'title').text, HOSTILE_TITLE)
            self.assertEqual(first.find(ATOM + 'summary').text,
                             'a < b && c > d')
            self.assertEqual(first.find(ATOM + 'author/' + ATOM + 'name')
                             .text, '<b>bob</b>')
            self.assertTrue(first.find(ATOM + 'link').get('href').endswith(
                '/p/2020-01-01-hostile%20name'))
            titles = [e.find(ATOM + 'title').text for e in entries]
            self.assertNotIn('Draft', titles, 'drafts are not announced')
            self.assertEqual(titles[1], 'Incident 59')
            self.assertEqual(titles[-1], 'Incident 11')

    def test_only_published_postmortems(self):
        # Fewer than the feed's 50, so that the counts below depend on
        # status: published actually filtering.
        for i, status in enumerate(('published', 'draft', 'published',
                                    'draft', 'published')):
            self.write(f'2021-03-0{i + 1}-{status}-{i}.md',
                       f'{status.title()} {i}', f'2021-03-0{i + 1}',
                       status=status)
        with Server(self.dir) as srv:
            entries = check_required(self, parse(srv.get('/feed.atom')))
            titles = [e.find(ATOM + 'title').text for e in entries]
            self.assertEqual(titles, ['Published 4', 'Published 2',
                                      'Published 0'])
            everything = srv.get('/api/postmortems?limit=100').json()
            self.assertEqual(everything['total'], 5)
            listing = srv.get('/api/postmortems?limit=100'
                              '&status=published').json()
            self.assertEqual(listing['total'], len(entries))
            self.assertEqual([r['title'] for r in listing['results']],
                             titles)

    def test_empty(self):
        with Server(self.dir) as srv:
            root = parse(srv.get('/feed.atom'))
            self.assertEqual(check_required(self, root), [])


if __name__ == '__main__':
    main()

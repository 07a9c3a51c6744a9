#!/usr/bin/env python3
"""The peer of the search benchmark: Xapian over the same generated corpus.

    xapian_peer.py --corpus DIR --queries FILE --index DIR --reps N

Indexes DIR/postmortems/*.md into a Xapian database at --index (kept
there: run.py places it in its corpus cache, so it is built once per
corpus), then times every query of FILE (lines 'class<TAB>query', as for
bench_search) in-process and prints JSON in bench_search's shape:
{"classes": {class: {n, p50_ms, p99_ms, mean_ms, max_ms, queries}}}.

What is measured, per query: parsing the query text, then the top 20 by
BM25 with the match count exact (check_at_least = documents in the
database), no snippets. Text is indexed with English stemming (Xapian's
default STEM_SOME) and CJK n-grams (TermGenerator and QueryParser with
FLAG_CJK_NGRAM); title, body and summary are indexed, the front matter's
cause, services, severity and tags become boolean terms so that the
benchmark's filters (cause:x, service:x, severity:x, tag:x) are Xapian
boolean filters, as they are SQL conditions in pmkb.

It needs Debian's python3-xapian, which is installed for the system's
Python (/usr/bin/python3): run.py looks for a Python that imports xapian.
Exit status 3 and a message on stderr when the module is missing.
"""
import argparse
import json
import os
import re
import shutil
import sys
import time

try:
    import xapian
except ImportError:
    print('xapian_peer: the xapian module is missing (Debian: '
          'python3-xapian)', file=sys.stderr)
    sys.exit(3)

# Boolean prefixes: one capital letter, so that values starting with a
# capital (SEV1) need no ':' separator.
FILTERS = {'cause': 'C', 'service': 'P', 'severity': 'V', 'tag': 'K'}
FM_KEYS = {'cause': 'cause', 'services': 'service', 'severity': 'severity',
           'tags': 'tag'}
LIMIT = 20


def front_matter(text):
    """(fields, body): the flat YAML the generator writes, parsed by hand."""
    fields = {}
    if not text.startswith('---\n'):
        return fields, text
    end = text.find('\n---\n', 4)
    if end < 0:
        return fields, text
    for line in text[4:end].split('\n'):
        k, _, v = line.partition(':')
        v = v.strip()
        if v.startswith('[') and v.endswith(']'):
            v = [x.strip() for x in v[1:-1].split(',') if x.strip()]
        elif v.startswith('"') and v.endswith('"'):
            v = v[1:-1]
        fields[k.strip()] = v
    return fields, text[end + 5:]


def build_index(corpus, path):
    docs = os.path.join(corpus, 'postmortems')
    tmp = path + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    # No fsync: the index is a cache that a crash would only rebuild.
    db = xapian.WritableDatabase(tmp, xapian.DB_CREATE_OR_OVERWRITE |
                                 xapian.DB_NO_SYNC)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem('english'))
    tg.set_flags(xapian.TermGenerator.FLAG_CJK_NGRAM)
    t0 = time.monotonic()
    names = sorted(n for n in os.listdir(docs) if n.endswith('.md'))
    for i, name in enumerate(names):
        with open(os.path.join(docs, name), encoding='utf-8') as f:
            fields, body = front_matter(f.read())
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(fields.get('title', ''))
        tg.increase_termpos()
        tg.index_text(fields.get('summary', ''))
        tg.increase_termpos()
        tg.index_text(body)
        for key, field in FM_KEYS.items():
            v = fields.get(key)
            for x in (v if isinstance(v, list) else [v] if v else []):
                doc.add_boolean_term(FILTERS[field] + x)
        doc.set_data(name)
        db.add_document(doc)
        if (i + 1) % 10000 == 0:
            print(f'xapian_peer: indexed {i + 1}', file=sys.stderr,
                  flush=True)
    db.commit()
    db.close()
    os.rename(tmp, path)
    return {'docs': len(names), 'seconds': time.monotonic() - t0}


def pct(v, p):
    """Nearest-rank percentile of sorted v (as bench_search computes it)."""
    k = max(1, int(p * len(v) + 0.999999))
    return v[min(k, len(v)) - 1]


def run_queries(path, queries, reps):
    db = xapian.Database(path)
    size = db.get_doccount()
    qp = xapian.QueryParser()
    qp.set_stemmer(xapian.Stem('english'))
    qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_AND)
    for field, prefix in FILTERS.items():
        qp.add_boolean_prefix(field, prefix)
    flags = (xapian.QueryParser.FLAG_DEFAULT |
             xapian.QueryParser.FLAG_CJK_NGRAM |
             xapian.QueryParser.FLAG_WILDCARD)
    enq = xapian.Enquire(db)
    enq.set_weighting_scheme(xapian.BM25Weight())
    by_class = {}
    for cls, text in queries:
        times = []
        total = 0
        for r in range(reps + 1):  # the first round warms the caches
            t0 = time.perf_counter()
            enq.set_query(qp.parse_query(text, flags))
            m = enq.get_mset(0, LIMIT, size)
            total = m.get_matches_estimated()
            for item in m:
                item.docid
            dt = (time.perf_counter() - t0) * 1e3
            if r:
                times.append(dt)
            if total != m.get_matches_lower_bound() or \
                    total != m.get_matches_upper_bound():
                raise RuntimeError(f'inexact count for {text!r}')
        c = by_class.setdefault(cls, {'times': [], 'queries': []})
        c['times'] += times
        c['queries'].append({'q': text, 'total': total})
    out = {}
    for cls, c in by_class.items():
        t = sorted(c['times'])
        out[cls] = {'n': len(t), 'p50_ms': pct(t, 0.5),
                    'p99_ms': pct(t, 0.99), 'mean_ms': sum(t) / len(t),
                    'max_ms': t[-1], 'queries': c['queries']}
    return {'mode': 'xapian', 'version': xapian.version_string(),
            'docs': size, 'classes': out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--queries', required=True)
    ap.add_argument('--index', required=True)
    ap.add_argument('--reps', type=int, default=5)
    args = ap.parse_args()
    built = None
    if not os.path.isdir(args.index):
        print(f'xapian_peer: indexing {args.corpus}', file=sys.stderr,
              flush=True)
        built = build_index(args.corpus, args.index)
    queries = []
    with open(args.queries, encoding='utf-8') as f:
        for line in f:
            cls, _, text = line.rstrip('\n').partition('\t')
            if text:
                queries.append((cls, text))
    out = run_queries(args.index, queries, args.reps)
    out['indexed'] = built
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Generates N realistic postmortems, deterministically from a seed.

    gen_corpus.py --count 10000 --out DIR [--git] [--seed 1]

Writes DIR/postmortems/*.md (and with --git makes DIR a git repository with
one commit, written through `git fast-import`, which takes seconds even for
100,000 files). Bodies are Japanese, English or mixed, 1-8 KB, with a
skewed vocabulary: a few incident words appear in most documents and each
rare service or error name in a handful. Each document has front matter, a
GFM timeline table and a task list of action items.
"""
import argparse
import bisect
import itertools
import os
import random
import subprocess
import sys

CAUSES = ['application', 'infrastructure', 'deployment', 'configuration',
          'third-party', 'capacity', 'operation', 'frontend', 'security']
CAUSE_WEIGHTS = [30, 20, 15, 12, 8, 6, 5, 3, 1]
SEVERITIES = ['SEV0', 'SEV1', 'SEV2', 'SEV3', 'SEV4']
SEV_WEIGHTS = [1, 6, 20, 40, 33]
DETECTION = ['alert', 'customer', 'internal', 'other']

# Common words: most documents contain several of these.
COMMON_EN = ['incident', 'error', 'latency', 'timeout', 'deploy', 'deployed',
             'deployment', 'database', 'request', 'response', 'customers',
             'service', 'alert', 'rollback', 'traffic', 'retry', 'queue',
             'memory', 'disk', 'network', 'configuration', 'monitoring',
             'replica', 'cache', 'upstream', 'restart', 'outage']
COMMON_JA = ['障害', '原因', '影響', '対応', 'ログ', '監視', 'アラート',
             'データベース', 'デプロイ', '設定', '再起動', '遅延',
             'タイムアウト', 'エラー', 'お客様', 'リクエスト', 'メモリ',
             'ディスク', 'ネットワーク', '復旧', '調査', '切り戻し',
             '証明書', '期限切れ', 'フェイルオーバー', 'キャッシュ']
FILLER_EN = ['the', 'we', 'was', 'and', 'to', 'of', 'after', 'because',
             'during', 'which', 'then', 'started', 'noticed', 'increased',
             'for', 'minutes', 'hours', 'on', 'in', 'with', 'from', 'by']
FILLER_JA = ['が', 'を', 'に', 'で', 'は', 'した', 'しました', 'ため',
             'により', 'から', 'まで', 'および', 'について', '発生し',
             '確認した', '増加し', '分間', '時間', 'その後', '一部の']
SERVICES = ['billing-api', 'payment-api', 'auth', 'search', 'web-frontend',
            'mobile-api', 'notification', 'aurora', 'redis', 'cdn', 'batch',
            'data-pipeline', 'kafka', 'elasticsearch', 'gateway', 'ledger']


# Cumulative Zipf weights per word list, computed once: building them on
# every draw was most of the generator's time. The draw below is exactly
# what random.choices(words, weights)[0] does, so the corpus for a given
# seed is the same as before this cache existed.
_ZIPF = {}


def _zipf_table(words, s):
    key = (id(words), s)
    t = _ZIPF.get(key)
    if t is None:
        cum = list(itertools.accumulate(1.0 / (i + 1) ** s
                                        for i in range(len(words))))
        t = _ZIPF[key] = (cum, cum[-1] + 0.0, len(words) - 1)
    return t


def zipf_choice(rng, words, s=1.1):
    """A word with probability proportional to 1/rank^s."""
    cum, total, hi = _zipf_table(words, s)
    return words[bisect.bisect(cum, rng.random() * total, 0, hi)]


def rare_word(rng, n_docs):
    """A rare token (an error code or internal host name): ~5 docs each."""
    k = rng.randrange(max(1, n_docs // 5))
    return rng.choice(['ERR', 'host', 'job', 'svc']) + f'{k:06d}'


def sentence(rng, lang, n_docs):
    words = []
    for _ in range(rng.randint(8, 20)):
        r = rng.random()
        if lang == 'ja' or (lang == 'mixed' and r < 0.6):
            pool = COMMON_JA if rng.random() < 0.35 else FILLER_JA
            words.append(zipf_choice(rng, pool))
            # Japanese prose carries English technical words (the
            # timeout, error 500): so the commonest English words are in
            # most documents, as in real collections.
            if lang == 'ja' and rng.random() < 0.03:
                words.append(zipf_choice(rng, COMMON_EN))
        else:
            pool = COMMON_EN if rng.random() < 0.3 else FILLER_EN
            words.append(zipf_choice(rng, pool))
        if rng.random() < 0.04:
            words.append(rare_word(rng, n_docs))
    if lang == 'en':
        s = ' '.join(words)
        return s[0].upper() + s[1:] + '.'
    sep = '' if lang == 'ja' else ' '
    return sep.join(words) + '。'


def paragraph(rng, lang, n_docs):
    return (' ' if lang == 'en' else '').join(
        sentence(rng, lang, n_docs) for _ in range(rng.randint(2, 5)))


def document(rng, i, n_docs):
    lang = rng.choices(['ja', 'en', 'mixed'], [5, 3, 2])[0]
    year = rng.randint(2012, 2025)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    hour, minute = rng.randint(0, 23), rng.randint(0, 59)
    start = f'{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+09:00'
    ttd, ttr = rng.randint(1, 60), rng.randint(61, 600)
    det_m = minute + ttd
    detected = (f'{year}-{month:02d}-{day:02d}T{(hour + det_m // 60) % 24:02d}'
                f':{det_m % 60:02d}:00+09:00') if hour + det_m // 60 < 24 else None
    res_m = minute + ttr
    resolved = (f'{year}-{month:02d}-{day:02d}T{(hour + res_m // 60):02d}'
                f':{res_m % 60:02d}:00+09:00') if hour + res_m // 60 < 24 else None
    cause = rng.choices(CAUSES, CAUSE_WEIGHTS)[0]
    causes = [cause] + ([rng.choice(CAUSES)] if rng.random() < 0.2 else [])
    causes = list(dict.fromkeys(causes))
    services = sorted(set(rng.sample(SERVICES, rng.randint(1, 3))))
    svc = services[0]
    if lang == 'en':
        title = f'{svc} {zipf_choice(rng, COMMON_EN)} {rng.choice(["outage", "degradation", "errors", "incident"])} #{i}'
    else:
        title = f'{svc} の{zipf_choice(rng, COMMON_JA)}による{rng.choice(["障害", "遅延", "エラー増加", "停止"])} #{i}'
    summary = sentence(rng, lang, n_docs)
    fm = ['---', f'title: "{title}"', f'started_at: {start}']
    if detected:
        fm.append(f'detected_at: {detected}')
    if resolved:
        fm.append(f'resolved_at: {resolved}')
    fm += [f'severity: {rng.choices(SEVERITIES, SEV_WEIGHTS)[0]}',
           f'cause: [{", ".join(causes)}]',
           f'detection: {rng.choice(DETECTION)}',
           f'services: [{", ".join(services)}]',
           f'authors: [user{rng.randint(1, 200)}]',
           f'tags: [{zipf_choice(rng, ["db", "network", "release", "dns", "tls", "k8s", "cache"])}]',
           f'summary: "{summary}"', '---', '']
    body = [f'# {title}', '']
    target = rng.randint(1024, 8192)
    sections = (['## 概要', '## 影響', '## 原因', '## 対応'] if lang != 'en'
                else ['## Summary', '## Impact', '## Root cause', '## Response'])
    size = 0
    k = 0
    while size < target:
        if k < len(sections):
            body += [sections[k], '']
            k += 1
        p = paragraph(rng, lang, n_docs)
        body += [p, '']
        size += len(p.encode('utf-8'))
    body += ['## Timeline' if lang == 'en' else '## タイムライン', '',
             '| 時刻 | 出来事 |', '|---|---|']
    for t in range(rng.randint(3, 6)):
        body.append(f'| {hour:02d}:{(minute + t * 7) % 60:02d} | '
                    f'{sentence(rng, lang, n_docs)} |')
    body += ['', '## Action items' if lang == 'en' else '## 再発防止策', '']
    for _ in range(rng.randint(1, 5)):
        done = 'x' if rng.random() < 0.5 else ' '
        due = f' due:{year + rng.randint(0, 2)}-{rng.randint(1, 12):02d}-15' \
            if rng.random() < 0.6 else ''
        body.append(f'- [{done}] @user{rng.randint(1, 200)}{due} '
                    f'{sentence(rng, lang, n_docs)}')
    name = f'{year}-{month:02d}-{day:02d}-{svc}-{i:06d}.md'
    return name, '\n'.join(fm + body) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--git', action='store_true',
                    help='make OUT a git repository with one commit')
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    docs = (document(rng, i, args.count) for i in range(args.count))
    if not args.git:
        d = os.path.join(args.out, 'postmortems')
        os.makedirs(d, exist_ok=True)
        for name, text in docs:
            with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
                f.write(text)
        return 0
    subprocess.run(['git', 'init', '-q', '-b', 'main', args.out], check=True)
    fi = subprocess.Popen(['git', 'fast-import', '--quiet'], cwd=args.out,
                          stdin=subprocess.PIPE)
    out = fi.stdin
    blobs = []
    for n, (name, text) in enumerate(docs, 1):
        data = text.encode('utf-8')
        out.write(b'blob\nmark :%d\ndata %d\n' % (n, len(data)) + data + b'\n')
        blobs.append((n, name))
    msg = f'Generated {args.count} postmortems (seed {args.seed})'.encode()
    out.write(b'commit refs/heads/main\n'
              b'author Bench <bench@example.com> 1700000000 +0000\n'
              b'committer Bench <bench@example.com> 1700000000 +0000\n'
              b'data %d\n%s\n' % (len(msg), msg))
    for n, name in blobs:
        out.write(b'M 100644 :%d postmortems/%s\n' % (n, name.encode()))
    out.write(b'\n')
    out.close()
    if fi.wait():
        return 1
    subprocess.run(['git', 'checkout', '-q', 'main'], cwd=args.out,
                   check=True)
    return 0


sys.exit(main())

// pmkb UI: a small client-side router over the JSON API. Every string from
// the API is inserted as text (textContent); the only HTML inserted is the
// server's safe rendering of a postmortem and its <mark> snippets, which
// the server escapes.

const main = document.getElementById('main');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function resultItem(r) {
  const li = el('li', { class: 'result' });
  li.append(el('a', { href: r.url, class: 'title', text: r.title }));
  const meta = el('div', { class: 'meta' });
  meta.append(el('span', { text: (r.started_at || '').slice(0, 10) }));
  meta.append(el('span', { class: 'cause', text: r.cause }));
  if (r.severity) meta.append(el('span', { class: 'sev', text: r.severity }));
  for (const s of r.services || []) meta.append(el('span', { class: 'svc', text: s }));
  li.append(meta);
  const snip = el('p', { class: 'snippet' });
  if (r.snippet_html) snip.innerHTML = r.snippet_html; // escaped by the server
  else snip.textContent = r.summary || '';
  li.append(snip);
  return li;
}

let searchTimer = 0;
let searchSeq = 0;

async function renderSearch() {
  const params = new URLSearchParams(location.search);
  const q = params.get('q') || '';
  main.replaceChildren();
  const input = el('input', {
    type: 'search', id: 'q', placeholder: 'Search postmortems (障害, "disk full", cause:infrastructure)',
    'aria-label': 'Search', autocomplete: 'off',
  });
  input.value = q;
  const status = el('p', { class: 'status', id: 'status', role: 'status' });
  const list = el('ol', { class: 'results', id: 'results' });
  main.append(input, status, list);
  input.focus();
  input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const u = new URL(location);
      if (input.value) u.searchParams.set('q', input.value);
      else u.searchParams.delete('q');
      history.replaceState(null, '', u);
      runSearch(input.value, status, list);
    }, 120);
  });
  runSearch(q, status, list);
}

async function runSearch(q, status, list) {
  const seq = ++searchSeq;
  const path = q.trim()
    ? '/api/search?' + new URLSearchParams({ q, limit: 50 })
    : '/api/postmortems?limit=50';
  try {
    const j = await api(path);
    if (seq !== searchSeq) return;
    status.textContent = q.trim()
      ? `${j.total} result${j.total === 1 ? '' : 's'}`
      : `${j.total} postmortems, newest first`;
    list.replaceChildren(...j.results.map(resultItem));
  } catch (e) {
    if (seq !== searchSeq) return;
    status.textContent = e.message;
    status.classList.add('error');
    list.replaceChildren();
  }
}

function dl(pairs) {
  const d = el('dl', { class: 'facts' });
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    d.append(el('dt', { text: k }), el('dd', { text: Array.isArray(v) ? v.join(', ') : String(v) }));
  }
  return d;
}

function duration(s) {
  if (s === null || s === undefined) return null;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

async function renderPostmortem(slug) {
  main.replaceChildren(el('p', { class: 'status', text: 'Loading…' }));
  try {
    const p = await api('/api/postmortems/' + encodeURIComponent(slug));
    document.title = p.title + ' — pmkb';
    const article = el('article', { class: 'doc' });
    article.innerHTML = p.html; // the server's safe rendering
    const side = el('aside', { class: 'side' });
    side.append(dl([
      ['Started', p.started_at], ['Resolved', p.resolved_at],
      ['Time to detect', duration(p.ttd_seconds)],
      ['Time to resolve', duration(p.ttr_seconds)],
      ['Severity', p.severity], ['Causes', p.causes], ['Services', p.services],
      ['Authors', p.authors], ['Tags', p.tags], ['File', p.source.path],
    ]));
    if (p.action_items.length) {
      side.append(el('h2', { text: 'Action items' }));
      const ul = el('ul', { class: 'actions' });
      for (const a of p.action_items) {
        const li = el('li', { class: a.done ? 'done' : (a.overdue ? 'overdue' : 'open') });
        li.append(el('span', { class: 'state', text: a.done ? '✓' : '☐' }));
        li.append(el('span', { text: ' ' + a.text }));
        if (a.owner) li.append(el('span', { class: 'owner', text: ' @' + a.owner }));
        if (a.due) li.append(el('span', { class: 'due', text: ' due ' + a.due }));
        ul.append(li);
      }
      side.append(ul);
    }
    if (p.problems.length) {
      side.append(el('h2', { text: 'Problems in this file' }));
      const ul = el('ul', { class: 'problems' });
      for (const pr of p.problems) ul.append(el('li', { class: pr.level, text: `line ${pr.line}: ${pr.message}` }));
      side.append(ul);
    }
    main.replaceChildren(el('div', { class: 'page' }, article, side));
  } catch (e) {
    main.replaceChildren(el('p', { class: 'status error', text: e.message }));
  }
}

async function renderProblems() {
  main.replaceChildren(el('h1', { text: 'Problems' }));
  try {
    const j = await api('/api/problems');
    main.append(el('p', { class: 'status', text: `${j.errors} errors, ${j.warnings} warnings` }));
    const ul = el('ul', { class: 'problems' });
    for (const p of j.problems) {
      const li = el('li', { class: p.level });
      li.append(el('code', { text: `${p.path}:${p.line}` }), el('span', { text: ' ' + p.message }));
      ul.append(li);
    }
    main.append(ul);
  } catch (e) {
    main.append(el('p', { class: 'status error', text: e.message }));
  }
}

function route() {
  const path = location.pathname;
  if (path.startsWith('/p/')) return renderPostmortem(decodeURIComponent(path.slice(3)));
  if (path === '/problems') return renderProblems();
  return renderSearch();
}

window.addEventListener('popstate', route);
route();

// The postmortem page (/p/{slug}): the rendered Markdown with a table of
// contents and heading anchors, and a side panel with the facts, action
// items, similar postmortems and the file's problems.
//
// The body is the server's safe rendering (cmark-gfm without raw HTML,
// javascript: links already dropped). It is parsed in an inert <template>
// and adjusted before it joins the page: links to sibling .md files point
// at their pages, any link that is not http(s), mailto or relative loses
// its href, images from elsewhere become links (the CSP would block
// them, and they would tell a third party who reads what) and relative
// images are loaded from pmkb's /files/.

import { t } from './i18n.js';
import {
  ApiError, api, apiHas, causeColor, causeLabel, el, formatDate, formatDateTime, formatDuration, scrollTable, settings,
  statusLine, swatch, textLang, withParams, zoneName,
} from './util.js';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

// Rewrites the links of the rendered body (see the file comment).
function fixLinks(root) {
  for (const a of root.querySelectorAll('a[href]')) {
    const raw = a.getAttribute('href').trim();
    // cmark-gfm leaves an empty href where it dropped an unsafe URL.
    if (!raw) {
      a.removeAttribute('href');
      continue;
    }
    if (raw.startsWith('#')) continue;
    let u;
    try {
      u = new URL(raw, location.href);
    } catch {
      a.removeAttribute('href');
      continue;
    }
    if (!SAFE_PROTOCOLS.has(u.protocol)) {
      a.removeAttribute('href');
      continue;
    }
    const relative = !/^[a-z][a-z0-9+.-]*:/i.test(raw) && !raw.startsWith('/');
    const md = /(?:^|\/)([^/?#]+)\.md$/i.exec(u.pathname);
    if (relative && md) {
      a.setAttribute('href', `/p/${encodeURIComponent(decodeURIComponent(md[1]))}${u.hash}`);
    } else if (u.origin !== location.origin) {
      a.setAttribute('rel', 'noopener noreferrer');
    }
  }
}

// Relative images live in the postmortems directory, which pmkb serves
// under /files/ (same origin, so the CSP allows them). A path that leaves
// the directory is not asked for; the server refuses it anyway.
function imageUrl(src, path) {
  const base = new URL(`/files/${path.split('/').map(encodeURIComponent).join('/')}`, location.origin);
  try {
    const u = new URL(src, base);
    return u.origin === location.origin && u.pathname.startsWith('/files/') && !u.search ? u.pathname : null;
  } catch {
    return null;
  }
}

function fixImages(root, path) {
  for (const img of root.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (src.startsWith('data:')) continue;
    const text = t('pm.image', { alt: img.getAttribute('alt') || src });
    if (/^https?:\/\//i.test(src)) {
      // Images from elsewhere: a link, since the CSP would block them.
      img.replaceWith(el('a', { href: src, rel: 'noopener noreferrer', class: 'image-link', text }));
      continue;
    }
    const local = /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/') ? null : imageUrl(src, path);
    if (!local) {
      img.replaceWith(el('span', { class: 'image-link', text }));
      continue;
    }
    img.setAttribute('src', local);
    img.setAttribute('loading', 'lazy');
    // Framed as a link to the full-size file, as on a forge.
    if (!img.closest('a')) {
      const a = el('a', { href: local, class: 'image-full' });
      img.replaceWith(a);
      a.append(img);
    }
  }
}

// Adds a "#" link to each heading that has an id, and returns the headings
// for the table of contents.
function addAnchors(root) {
  const heads = [];
  for (const h of root.querySelectorAll('h2[id], h3[id], h4[id]')) {
    h.append(el('a', { class: 'anchor', href: `#${h.id}`, 'aria-label': t('pm.anchor'), text: '#' }));
    if (h.tagName !== 'H4') heads.push(h);
  }
  return heads;
}

// cmark-gfm's footnotes, in the page's language; a Mermaid block stays
// code, labelled as the source of a diagram.
function labelBlocks(root) {
  for (const sec of root.querySelectorAll('section.footnotes')) {
    sec.prepend(el('h2', { class: 'visually-hidden', text: t('pm.footnotes') }));
  }
  for (const a of root.querySelectorAll('a.footnote-backref')) a.setAttribute('aria-label', t('pm.footnote.back'));
  for (const pre of root.querySelectorAll('pre[lang="mermaid"]')) {
    pre.before(el('span', { class: 'diagram-label', text: t('pm.diagram') }));
    pre.setAttribute('aria-label', t('pm.diagram'));
  }
}

// Task-list items: the checkbox says what it means, and the "@owner" and
// "due:YYYY-MM-DD" markers read as an owner and a date, as in the action
// items beside the body, not as raw markup.
const MARKERS = /(^|\s)@([A-Za-z0-9][\w.-]*)|\bdue:(\d{4}-\d{2}-\d{2})\b/g;

function fixTasks(root) {
  for (const box of root.querySelectorAll('li > input[type="checkbox"]')) {
    box.setAttribute('aria-label', t(box.checked ? 'item.done' : 'item.open'));
    const li = box.parentElement;
    const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
    const texts = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement.closest('code, a, ul ul, ol ol') || n.parentElement === li) texts.push(n);
    }
    for (const n of texts) {
      const parts = [];
      let last = 0;
      for (const m of n.data.matchAll(MARKERS)) {
        parts.push(n.data.slice(last, m.index));
        if (m[2]) parts.push(m[1], el('span', { class: 'owner', text: `@${m[2]}` }));
        else parts.push(el('span', { class: 'due', text: t('item.due', { date: m[3] }) }));
        last = m.index + m[0].length;
      }
      if (!parts.length) continue;
      parts.push(n.data.slice(last));
      n.replaceWith(...parts.filter((x) => x !== ''));
    }
  }
}

function wrapTables(root) {
  for (const table of root.querySelectorAll('table')) {
    const wrap = el('div', { class: 'table-scroll' });
    table.replaceWith(wrap);
    wrap.append(table);
  }
}

function renderBody(p) {
  const tpl = document.createElement('template');
  tpl.innerHTML = p.html || ''; // the server's safe rendering (file comment)
  const root = tpl.content;
  // Front matter pmkb does not know: the server puts it first as a table;
  // it joins the facts.
  const extra = [...root.children].find((e) => e.matches('table.front-matter'));
  extra?.remove();
  // The page heading already shows the title.
  const first = root.firstElementChild;
  if (first?.tagName === 'H1' && first.textContent.trim() === p.title.trim()) first.remove();
  fixLinks(root);
  fixImages(root, p.path || '');
  wrapTables(root);
  labelBlocks(root);
  fixTasks(root);
  const heads = addAnchors(root);
  const doc = el('div', { class: 'doc' });
  doc.append(root);
  return { doc, heads, extra };
}

function toc(heads) {
  if (heads.length < 3) return null;
  return el('nav', { class: 'toc side-block', 'aria-labelledby': 'pmkb-toc-title' },
    el('h2', { id: 'pmkb-toc-title', text: t('pm.contents') }),
    el('ol', {}, heads.map((h) => el('li', { class: h.tagName === 'H3' ? 'sub' : '' },
      el('a', { href: `#${h.id}`, text: h.firstChild?.textContent || h.textContent })))));
}

function list(values, href) {
  if (!values?.length) return null;
  return el('ul', { class: 'inline' }, values.map((v) => el('li', {}, href ? el('a', { href: href(v), text: v }) : v)));
}

// "Asia/Tokyo (JST)", or just "UTC" when the short name adds nothing.
function zoneNote(zone) {
  const short = zoneName(zone);
  return short && short !== zone ? `${zone} (${short})` : zone;
}

function facts(cfg, p, extra) {
  const rows = [];
  const add = (key, value) => {
    if (value === null || value === undefined || value === '') return;
    rows.push(el('dt', { text: t(key) }), el('dd', {}, value));
  };
  const when = (v) => (v ? el('time', { datetime: v, text: formatDateTime(v, cfg.timeZone, false) }) : null);
  add('pm.started', when(p.started_at));
  if (p.started_from === 'git') rows.push(el('dd', { class: 'note', text: t('pm.started.git') }));
  add('pm.detected', when(p.detected_at));
  add('pm.mitigated', when(p.mitigated_at));
  add('pm.resolved', when(p.resolved_at));
  add('pm.ttd', formatDuration(p.ttd_seconds));
  add('pm.ttm', formatDuration(p.ttm_seconds));
  add('pm.ttr', formatDuration(p.ttr_seconds));
  add('pm.severity', p.severity ? el('a', { href: withParams('/', { severity: p.severity }), text: p.severity }) : null);
  add('pm.causes', p.causes?.length ? el('ul', { class: 'inline' }, p.causes.map((c) => el('li', {},
    el('a', { class: 'cause', href: withParams('/', { cause: c }) }, swatch(causeColor(cfg, c)),
      el('span', { text: causeLabel(cfg, c) }))))) : null);
  add('pm.services', list(p.services, (s) => withParams('/', { service: s })));
  add('pm.teams', list(p.teams, (s) => withParams('/', { q: `team:${s}` })));
  add('pm.authors', list(p.authors, (s) => withParams('/', { q: `author:${s}` })));
  add('pm.tags', list(p.tags, (s) => withParams('/', { q: `tag:${s}` })));
  add('pm.trigger', p.trigger);
  add('pm.detection', p.detection);
  if (p.status && p.status !== 'published') add('pm.status', p.status);
  const src = p.source || {};
  const links = [];
  if (src.url) links.push(el('a', { href: src.url, rel: 'noopener noreferrer', text: t(src.commit ? 'pm.source.file' : 'pm.source.raw') }));
  for (const [key, label] of [['edit_url', 'pm.source.edit'], ['history_url', 'pm.source.history'], ['blame_url', 'pm.source.blame']]) {
    if (src[key]) links.push(el('a', { href: src[key], rel: 'noopener noreferrer', class: key.replace('_url', ''), text: t(label) }));
  }
  add('pm.source', el('div', {},
    el('code', { class: 'path', text: src.path || p.path }),
    src.commit ? el('div', { class: 'commit', text: t('pm.source.commit', { id: src.commit.slice(0, 10) }) }) : null,
    links.length ? el('div', { class: 'links' }, links) : null));
  return el('section', { class: 'side-block facts' },
    el('h2', { text: t('pm.facts') }),
    el('p', { class: 'zone', text: t('pm.zone', { zone: zoneNote(cfg.timeZone) }) }),
    el('dl', {}, rows),
    extra ? [el('h3', { text: t('pm.facts.more') }), scrollTable(extra)] : null);
}

// One action item, as on the postmortem page and the action items page.
export function actionItem(a, { owners = true } = {}) {
  const state = a.done ? 'done' : a.overdue ? 'overdue' : 'open';
  return el('li', { class: ['item', state], 'data-state': state },
    el('span', { class: 'state', 'aria-label': t(`item.${state}`), title: t(`item.${state}`), text: a.done ? '✓' : a.overdue ? '!' : '○' }),
    el('span', { class: 'text' }, ...(a.parts || [{ text: a.text }]).map((p) =>
      p.href ? el('a', { href: p.href, rel: 'noopener', text: p.text }) : document.createTextNode(p.text))),
    owners && a.owner ? el('a', { class: 'owner', href: withParams('/actions', { owner: a.owner, status: a.done ? 'all' : '' }), text: `@${a.owner}` }) : null,
    a.due ? el('span', { class: 'due', text: t(a.due_implied ? 'item.due.implied' : 'item.due', { date: a.due }) }) : null,
    a.done && a.done_on ? el('span', { class: 'due done-on', text: t('item.done_on', { date: a.done_on }) }) : null,
    a.done && !a.done_on && a.ticked ? el('span', { class: 'due ticked', title: a.ticked.time || '',
      text: t('item.ticked', { date: (a.ticked.time || '').slice(0, 10), commit: (a.ticked.commit || '').slice(0, 12) }) }) : null,
    (a.commits || []).map((c) => el('span', { class: 'commit', title: `${c.author || ''} ${c.time || ''}`,
      text: t('item.commit', { commit: (c.commit || '').slice(0, 12), repo: c.repo }) })),
    a.done_in_commit_unticked ? el('span', { class: 'badge unticked', text: t('item.unticked') }) : null,
    a.overdue ? el('span', { class: 'badge overdue', text: t('item.overdue') }) : null);
}

function actions(p) {
  const items = p.action_items || [];
  const done = items.filter((a) => a.done).length;
  return el('section', { class: 'side-block actions', 'aria-labelledby': 'pmkb-actions-title' },
    el('h2', { id: 'pmkb-actions-title', text: t('pm.actions') }),
    items.length
      ? [el('p', { class: 'muted', text: t('pm.actions.count', { done, n: items.length }) }),
        el('ul', { class: 'items' }, items.map((a) => actionItem(a)))]
      : el('p', { class: 'muted', text: t('pm.actions.none') }));
}

// The API's reasons are {kind: service | cause | terms, values}; causes are
// shown by their label, like everywhere else on the page.
const REASON_KINDS = ['service', 'cause', 'terms', 'related'];

function reasonText(cfg, r) {
  if (typeof r === 'string') return r;
  if (!r || typeof r !== 'object') return '';
  let values = r.values || r.terms || (r.value !== undefined ? [r.value] : []);
  if (r.kind === 'cause') values = values.map((c) => causeLabel(cfg, c));
  const what = r.label || (REASON_KINDS.includes(r.kind) ? t(`pm.similar.${r.kind}`) : r.kind || r.type || '');
  return values.length ? `${what}: ${values.join(', ')}` : what;
}

async function similar(cfg, slug, box) {
  try {
    if (!await apiHas('/api/postmortems/{slug}/similar')) {
      box.remove();
      return;
    }
    box.hidden = false;
    const j = await api(`/api/postmortems/${encodeURIComponent(slug)}/similar`);
    const results = j.results || j.similar || [];
    box.replaceChildren(el('h2', { text: t('pm.similar') }));
    if (!results.length) {
      box.append(el('p', { class: 'muted', text: t('pm.similar.none') }));
      return;
    }
    box.append(el('ul', { class: 'similar' }, results.map((r) => el('li', {},
      el('a', { href: r.url || `/p/${encodeURIComponent(r.slug)}`, lang: textLang(r.title), text: r.title }),
      el('div', { class: 'meta' },
        el('time', { datetime: r.started_at || '', text: formatDate(r.started_at, cfg.timeZone) }),
        r.cause ? el('span', { class: 'cause' }, swatch(causeColor(cfg, r.cause)), el('span', { text: causeLabel(cfg, r.cause) })) : null),
      (r.reasons || r.why || []).length
        ? el('ul', { class: 'why' }, (r.reasons || r.why).map((w) => el('li', { text: reasonText(cfg, w) })))
        : null))));
  } catch (e) {
    box.replaceChildren(el('h2', { text: t('pm.similar') }), statusLine(e.message, 'error'));
  }
}

function problems(p) {
  if (!p.problems?.length) return null;
  return el('section', { class: 'side-block problems' },
    el('h2', { text: t('pm.problems') }),
    el('ul', {}, p.problems.map((pr) => el('li', { class: pr.level },
      el('span', { class: ['badge', pr.level], text: t(`level.${pr.level}`) }),
      el('span', { text: ` ${t('item.line', { n: pr.line })}: ${pr.message}` })))));
}

// Possible recurrences of earlier incidents, with the reasons.
function recurrence(p) {
  const rec = p.recurrence_of || [];
  if (!rec.length) return null;
  return el('div', { class: 'recurrence', role: 'note' },
    el('strong', { text: t('pm.recurrence') }),
    el('ul', {}, rec.map((r) => el('li', {},
      el('a', { href: `/p/${encodeURIComponent(r.slug)}`, text: r.title || r.slug }),
      el('span', { text: ` — ${r.reasons.join('; ')}` }),
      r.open_items ? el('span', { class: 'badge overdue', text: t('pm.recurrence.open', { n: r.open_items }) }) : null))));
}

// Links to other postmortems, and the ones that link here.
function relations(p) {
  const rel = p.relations || {};
  const list = (key, items) => (items?.length ? [el('h3', { text: t(key) }),
    el('ul', {}, items.map((x) => el('li', { 'data-kind': x.kind },
      x.title ? el('a', { href: `/p/${encodeURIComponent(x.slug)}`, text: x.title }) : el('span', { text: x.slug }),
      x.kind === 'recurrence_of' ? el('span', { class: 'badge', text: t('pm.rel.recurrence') }) : null)))] : []);
  const parts = [...list('pm.rel.to', rel.links_to), ...list('pm.rel.from', rel.referenced_by)];
  if (!parts.length) return null;
  return el('section', { class: 'side-block relations' }, el('h2', { text: t('pm.rel') }), ...parts);
}

function copyButton(slug) {
  const b = el('button', { type: 'button', class: 'button', text: t('pm.copy') });
  const said = el('span', { class: 'copy-status', role: 'status' });
  b.addEventListener('click', async () => {
    const url = `${location.origin}/p/${encodeURIComponent(slug)}`;
    try {
      await navigator.clipboard.writeText(url);
      said.textContent = t('pm.copied');
    } catch {
      said.textContent = t('pm.copy.failed', { url });
    }
    setTimeout(() => { said.textContent = ''; }, 4000);
  });
  return [b, said];
}

export function mountPostmortem(backUrl) {
  const view = el('div', { class: 'pm-page' }, statusLine(t('loading')));
  let title = 'pmkb';
  return {
    el: view,
    title: () => title,
    async update(url) {
      const slug = decodeURIComponent(url.pathname.slice(3));
      let cfg;
      let p;
      try {
        [cfg, p] = await Promise.all([settings(), api(`/api/postmortems/${encodeURIComponent(slug)}`)]);
      } catch (e) {
        const missing = e instanceof ApiError && e.status === 404;
        title = `${missing ? t('pm.notfound.title') : t('error.title')} — pmkb`;
        document.title = title;
        const msg = missing ? t('pm.notfound', { slug }) : e.message;
        view.replaceChildren(statusLine(msg, 'error'), el('p', {}, el('a', { href: '/', text: t('error.back') })));
        return;
      }
      title = `${p.title} — pmkb`;
      document.title = title;
      const { doc, heads, extra } = renderBody(p);
      // Shown once similar() knows the server can answer.
      const similarBox = el('section', { class: 'side-block similar-box', 'aria-live': 'polite', hidden: true },
        el('h2', { text: t('pm.similar') }), statusLine(t('loading')));
      const head = el('header', { class: 'pm-head' },
        backUrl ? el('a', { class: 'back', href: backUrl, text: `← ${t('pm.back')}` }) : null,
        el('h1', { tabindex: '-1', lang: textLang(p.title), text: p.title }),
        el('div', { class: 'meta' },
          p.severity ? el('span', { class: 'sev', 'data-sev': p.severity, text: p.severity }) : null,
          (p.causes || []).map((c) => el('span', { class: 'cause' }, swatch(causeColor(cfg, c)), el('span', { text: causeLabel(cfg, c) }))),
          p.started_at ? el('time', { datetime: p.started_at, text: formatDate(p.started_at, cfg.timeZone) }) : null,
          p.status && p.status !== 'published' ? el('span', { class: 'badge draft', text: t('pm.draft', { status: p.status }) }) : null),
        p.summary ? el('p', { class: 'summary', text: p.summary }) : null,
        recurrence(p),
        el('div', { class: 'tools' }, copyButton(p.slug)));
      view.replaceChildren(head, el('div', { class: 'pm-grid' },
        el('article', { class: 'pm-body' }, doc),
        el('aside', { class: 'side' }, toc(heads), facts(cfg, p, extra), actions(p), relations(p), problems(p), similarBox)));
      view.dataset.slug = p.slug;
      similar(cfg, p.slug, similarBox);
      if (url.hash) document.getElementById(decodeURIComponent(url.hash.slice(1)))?.scrollIntoView();
    },
  };
}

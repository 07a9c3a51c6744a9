// The search page (/): results as you type, facets, sort, paging.
//
// The URL is the state: /?q=...&cause=...&severity=...&service=...&year=...
// &sort=date&page=2. A facet holds comma-separated values, which match any
// of them; the server counts each facet group without its own filter, so
// a chosen value keeps its siblings. Typing replaces the current history
// entry (so Back does not step through every keystroke); clicking a facet,
// sorting, paging and opening a result push one, so Back and Forward
// retrace them.
//
// The search box lives in the header on every page; typing in it on
// another page comes here.

import { t } from './i18n.js';
import {
  ApiError, api, causeColor, causeLabel, el, formatDate, formatDuration, navigate, settings, statusLine, swatch, textLang,
  withParams,
} from './util.js';

const PAGE_SIZE = 20;
const DEBOUNCE_MS = 60;
const FACETS = ['cause', 'severity', 'service', 'year'];
// Facet values shown before "more": services can number in the hundreds.
const FACET_SHOWN = 8;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SORTS = ['date', 'severity', 'ttr'];
// The server's bound on one CSV export.
const EXPORT_MAX = 10000;

// The query as searched: a quote still open (as while typing "connection po)
// is taken as closed at the end, rather than refused.
function closeQuote(q) {
  return (q.match(/"/g) || []).length % 2 ? `${q}"` : q;
}

// The search language's errors (server/search/query.c), which the server
// words in English as "query: <what> at column N", in the UI language.
const QUERY_ERRORS = [
  [/^unknown cause "(.*)"$/, 'qerr.cause'],
  [/^unknown severity "(.*)"$/, 'qerr.severity'],
  [/^status is draft, review or published, not "(.*)"$/, 'qerr.status'],
  [/^(after:|before:) expects a date like /, 'qerr.date'],
  [/^unclosed quote$/, 'qerr.quote'],
  [/^too many terms \(at most (\d+)\)$/, 'qerr.terms'],
  [/^a filter cannot be excluded with "-"$/, 'qerr.exclude'],
];

function queryError(message) {
  const at = /^query: (.*) at column (\d+)$/.exec(message);
  for (const [re, key] of at ? QUERY_ERRORS : []) {
    const m = re.exec(at[1]);
    if (m) return t('qerr.at', { what: t(key, { v: m[1] }), col: at[2] });
  }
  return message;
}

// A facet's chosen values (the URL holds them comma-separated).
function chosen(s, kind) {
  return s[kind] ? s[kind].split(',') : [];
}

function readState(url) {
  const p = url.searchParams;
  const page = Number.parseInt(p.get('page') || '1', 10);
  return {
    q: p.get('q') || '',
    cause: p.get('cause') || '',
    severity: p.get('severity') || '',
    service: p.get('service') || '',
    year: p.get('year') || '',
    // A date range (from the trends page's drill-down), YYYY-MM-DD.
    from: DATE.test(p.get('from') || '') ? p.get('from') : '',
    to: DATE.test(p.get('to') || '') ? p.get('to') : '',
    sort: SORTS.includes(p.get('sort')) ? p.get('sort') : '',
    page: Number.isFinite(page) && page > 1 ? page : 1,
  };
}

function stateUrl(s) {
  return withParams('/', {
    q: s.q, cause: s.cause, severity: s.severity, service: s.service, year: s.year, from: s.from, to: s.to,
    sort: s.sort, page: s.page > 1 ? s.page : '',
  });
}

// The API request for a state: a search when there are words, else the
// newest-first listing (which takes the same filters and can add facets).
function apiPath(s, { csv = false } = {}) {
  const filters = {
    cause: s.cause, severity: s.severity, service: s.service, year: s.year, from: s.from, to: s.to, sort: s.sort,
    ...(csv ? { format: 'csv' } : { limit: PAGE_SIZE, offset: (s.page - 1) * PAGE_SIZE }),
  };
  if (s.q.trim()) return withParams('/api/search', { q: closeQuote(s.q), ...filters });
  return withParams('/api/postmortems', { facets: csv ? '' : 1, ...filters });
}

function facetValueLabel(cfg, kind, value) {
  return kind === 'cause' ? causeLabel(cfg, value) : value;
}

// One result: title, metadata, and the highlighted snippet.
function resultItem(cfg, r) {
  const meta = el('div', { class: 'meta' },
    el('time', { datetime: r.started_at || '', text: formatDate(r.started_at, cfg.timeZone) }),
    r.severity ? el('span', { class: 'sev', 'data-sev': r.severity, text: r.severity }) : null,
    (r.causes?.length ? r.causes : [r.cause]).filter(Boolean).map((c) =>
      el('span', { class: 'cause' }, swatch(causeColor(cfg, c)), el('span', { text: causeLabel(cfg, c) }))),
    (r.services || []).map((s) => el('span', { class: 'svc', text: s })),
    // A resolution before the start is a mistake in the file, not a time.
    Number.isInteger(r.ttr_seconds) && r.ttr_seconds >= 0
      ? el('span', { class: 'ttr', text: t('search.ttr', { d: formatDuration(r.ttr_seconds) }) }) : null,
  );
  const snippet = el('p', { class: 'snippet' });
  // snippet_html is the server's escaped text with <mark> around matches.
  if (r.snippet_html) snippet.innerHTML = r.snippet_html;
  else snippet.textContent = r.summary || '';
  return el('li', { class: 'result' },
    el('a', { class: 'title', href: r.url || `/p/${encodeURIComponent(r.slug)}`, lang: textLang(r.title), text: r.title }),
    meta, snippet);
}

function helpSection() {
  const examples = [
    ['Aurora フェイルオーバー', 'search.help.words'],
    ['"disk full"', 'search.help.phrase'],
    ['redis OR memcached', 'search.help.or'],
    ['障害 -dns', 'search.help.not'],
    ['deploy*', 'search.help.prefix'],
    ['cause:infrastructure', 'search.help.cause'],
    ['severity<=1', 'search.help.sev'],
    ['after:2017-07-01 before:2018', 'search.help.date'],
  ];
  return el('section', { class: 'help', 'aria-labelledby': 'pmkb-help-title' },
    el('h2', { id: 'pmkb-help-title', text: t('search.help.title') }),
    el('p', { text: t('search.help.intro') }),
    el('dl', { class: 'syntax' }, examples.map(([q, key]) => [
      el('dt', {}, el('a', { href: withParams('/', { q }) }, el('code', { text: q }))),
      el('dd', { text: t(key) }),
    ])));
}

export function mountSearch(input) {
  const view = el('div', { class: 'search-page' });
  const facetsBox = el('aside', { class: 'facets', id: 'pmkb-facets', 'aria-label': t('search.filters') });
  // On a phone the facets sit below every result: this button, at the
  // top, shows them there instead (CSS hides it on wider screens).
  const filtersButton = el('button', {
    type: 'button', class: 'button filters-toggle', 'aria-controls': 'pmkb-facets', 'aria-expanded': 'false',
    text: t('search.filters'),
  });
  const status = statusLine('');
  const sortSelect = el('select', { 'aria-label': t('search.sort') });
  const sortLabel = el('label', { class: 'sort' }, el('span', { text: t('search.sort') }), sortSelect);
  // The whole result list, in the order shown, as the server writes it.
  const csvLink = el('a', {
    class: 'button csv', download: 'pmkb-search.csv', title: t('search.csv.title', { n: EXPORT_MAX.toLocaleString() }),
    text: t('search.csv'),
  });
  const chips = el('div', { class: 'chips', 'aria-label': t('search.filters.active') });
  const message = el('div', { class: 'message' });
  const list = el('ol', { class: 'results', 'aria-label': t('search.results') });
  const pager = el('nav', { class: 'pager', 'aria-label': t('search.pages') });
  const help = el('div', {});
  view.append(
    el('h1', { class: 'visually-hidden', text: t('search.heading') }),
    el('div', { class: 'results-col' },
      el('div', { class: 'toolbar' }, status, filtersButton, sortLabel, csvLink), chips, message, help, list, pager),
    facetsBox,
  );

  let state = readState(new URL(location.href));
  let seq = 0;
  let controller = null;
  let fromTyping = false;
  // The facet button to focus again once the facets are drawn anew.
  let refocus = null;

  function go(next, { replace = false } = {}) {
    navigate(stateUrl(next), { replace });
  }

  // Adds value to kind's chosen values, or takes it out.
  function toggle(kind, value) {
    const now = chosen(state, kind);
    const next = now.includes(value) ? now.filter((v) => v !== value) : [...now, value];
    go({ ...state, [kind]: next.join(','), page: 1 });
  }

  function renderFacets(cfg, facets) {
    facetsBox.replaceChildren(el('h2', { class: 'visually-hidden', text: t('search.filters') }));
    for (const kind of FACETS) {
      const values = [...(facets?.[kind] || [])];
      // A chosen value that matches nothing now still shows, to be undone.
      for (const v of chosen(state, kind)) {
        if (!values.some((f) => String(f.value) === v)) values.push({ value: v, count: 0 });
      }
      if (!values.length) continue;
      const ul = el('ul', {});
      values.forEach((f, i) => {
        const active = chosen(state, kind).includes(String(f.value));
        const label = facetValueLabel(cfg, kind, f.value);
        const b = el('button', {
          type: 'button', class: 'facet', 'aria-pressed': String(active), 'data-facet': kind,
          'data-value': f.value, 'aria-label': t('facet.count', { value: label, n: f.count }),
        },
        kind === 'cause' ? swatch(causeColor(cfg, f.value)) : null,
        el('span', { class: 'facet-label', text: label }),
        el('span', { class: 'count', text: String(f.count) }));
        b.addEventListener('click', () => {
          refocus = { kind, value: String(f.value) };
          toggle(kind, String(f.value));
        });
        ul.append(el('li', { hidden: i >= FACET_SHOWN && !active }, b));
      });
      const group = el('section', { class: 'facet-group' }, el('h3', { text: t(`facet.${kind}`) }), ul);
      if (values.length > FACET_SHOWN) {
        const more = el('button', { type: 'button', class: 'more', text: t('search.more', { n: values.length - FACET_SHOWN }) });
        more.addEventListener('click', () => {
          for (const li of ul.children) li.hidden = false;
          more.remove();
        });
        group.append(more);
      }
      facetsBox.append(group);
    }
    // Enter or a click on a facet keeps the focus on it.
    if (refocus) {
      const again = [...facetsBox.querySelectorAll('button.facet')]
        .find((b) => b.dataset.facet === refocus.kind && b.dataset.value === refocus.value);
      if (again) {
        again.closest('li').hidden = false;
        again.focus();
      }
      refocus = null;
    }
  }

  filtersButton.addEventListener('click', () => {
    const open = !view.classList.contains('show-filters');
    view.classList.toggle('show-filters', open);
    filtersButton.setAttribute('aria-expanded', String(open));
    if (open) facetsBox.querySelector('button, a')?.focus();
  });

  function renderChips(cfg) {
    chips.replaceChildren();
    const active = FACETS.flatMap((k) => chosen(state, k).map((v) => [k, v]));
    const n = active.length + (state.from || state.to ? 1 : 0);
    filtersButton.textContent = n ? t('search.filters.count', { n }) : t('search.filters');
    for (const [kind, value] of active) {
      const name = `${t(`facet.${kind}`)}: ${facetValueLabel(cfg, kind, value)}`;
      const b = el('button', {
        type: 'button', class: 'chip', 'aria-label': t('search.filters.remove', { name }),
      }, el('span', { text: name }), el('span', { class: 'x', 'aria-hidden': 'true', text: '×' }));
      b.addEventListener('click', () => toggle(kind, value));
      chips.append(b);
    }
    if (state.from || state.to) {
      const name = `${t('search.range.chip')}: ${state.from || '…'} – ${state.to || '…'}`;
      const b = el('button', {
        type: 'button', class: 'chip range', 'aria-label': t('search.filters.remove', { name }),
      }, el('span', { text: name }), el('span', { class: 'x', 'aria-hidden': 'true', text: '×' }));
      b.addEventListener('click', () => go({ ...state, from: '', to: '', page: 1 }));
      chips.append(b);
    }
    if (active.length + (state.from || state.to ? 1 : 0) > 1) {
      const clear = el('button', { type: 'button', class: 'chip clear', text: t('search.filters.clear') });
      clear.addEventListener('click', () => go({
        ...state, cause: '', severity: '', service: '', year: '', from: '', to: '', page: 1,
      }));
      chips.append(clear);
    }
  }

  function renderPager(total) {
    pager.replaceChildren();
    if (total <= PAGE_SIZE) return;
    const first = (state.page - 1) * PAGE_SIZE + 1;
    const last = Math.min(total, state.page * PAGE_SIZE);
    if (state.page > 1) {
      pager.append(el('a', { rel: 'prev', href: stateUrl({ ...state, page: state.page - 1 }), text: `← ${t('search.prev')}` }));
    }
    pager.append(el('span', { text: t('search.range', { from: first, to: last, n: total }) }));
    if (last < total) {
      pager.append(el('a', { rel: 'next', href: stateUrl({ ...state, page: state.page + 1 }), text: `${t('search.next')} →` }));
    }
  }

  async function run() {
    const my = ++seq;
    controller?.abort();
    controller = new AbortController();
    const typing = fromTyping;
    fromTyping = false;
    const hasQuery = !!state.q.trim();
    const filtered = FACETS.some((k) => state[k]);
    view.setAttribute('aria-busy', 'true');
    let cfg;
    let j;
    try {
      [cfg, j] = await Promise.all([settings(), api(apiPath(state), { signal: controller.signal })]);
    } catch (e) {
      if (e.name === 'AbortError' || my !== seq) return;
      const bad = e instanceof ApiError && e.status >= 400 && e.status < 500;
      status.textContent = '';
      message.replaceChildren(el('div', { class: 'notice error', role: 'alert' },
        el('p', { text: bad ? t('search.bad', { message: queryError(e.message) }) : e.message }),
        bad ? el('p', { class: 'hint', text: t('search.bad.hint') }) : null));
      list.replaceChildren();
      pager.replaceChildren();
      facetsBox.replaceChildren();
      help.replaceChildren(bad ? helpSection() : '');
      view.removeAttribute('aria-busy');
      view.dataset.rendered = stateUrl(state);
      return;
    }
    if (my !== seq) return;
    // Best match only with words; without them the list is newest first.
    sortSelect.replaceChildren(
      el('option', { value: '', text: t(hasQuery ? 'search.sort.relevance' : 'search.sort.date') }),
      hasQuery ? el('option', { value: 'date', text: t('search.sort.date') }) : null,
      el('option', { value: 'severity', text: t('search.sort.severity') }),
      el('option', { value: 'ttr', text: t('search.sort.ttr') }));
    sortSelect.value = !hasQuery && state.sort === 'date' ? '' : state.sort;
    csvLink.hidden = !j.total;
    csvLink.href = apiPath(state, { csv: true });
    status.textContent = hasQuery || filtered
      ? (j.total === 1 ? t('search.count.one') : t('search.count', { n: j.total }))
      : t('search.count.listing', { n: j.total });
    message.replaceChildren();
    if (closeQuote(state.q) !== state.q) {
      message.append(el('p', { class: 'hint quote-closed', text: t('search.quote.closed') }));
    }
    if (j.expanded) {
      // Which words were also searched as their synonyms (the glossary).
      const list = Object.entries(j.expanded)
        .map(([term, syn]) => `${term} → ${syn.join(', ')}`).join('; ');
      message.append(el('p', { class: 'expanded' },
        el('span', { text: t('search.expanded', { list }) }), ' ',
        el('span', { class: 'hint', text: t('search.expanded.hint') })));
    }
    if (!j.results.length && (hasQuery || filtered)) {
      message.append(el('div', { class: 'notice' },
        el('p', { text: hasQuery ? t('search.none', { q: `“${state.q}”` }) : t('search.none.filters') }),
        el('p', { class: 'hint', text: t('search.none.hint') })));
    }
    help.replaceChildren(!hasQuery && !filtered && state.page === 1
      ? el('div', {}, helpSection(), el('h2', { class: 'newest', text: t('search.newest') }))
      : '');
    list.replaceChildren(...j.results.map((r) => resultItem(cfg, r)));
    list.dataset.query = state.q;
    renderFacets(cfg, j.facets);
    renderChips(cfg);
    renderPager(j.total);
    view.removeAttribute('aria-busy');
    // What is on screen, for tests and anyone scripting the page.
    view.dataset.rendered = stateUrl(state);
    if (typing) {
      // Keystroke to rendered results, for the browser tests and anyone
      // curious (DevTools → Performance → Timings): taken once the frame
      // with the results has been painted, not just when the DOM changed.
      requestAnimationFrame(() => setTimeout(() => {
        if (my !== seq) return;
        try {
          performance.measure('pmkb:keystroke-to-results', 'pmkb:input');
        } catch {
          // The mark was cleared by a newer keystroke.
        }
      }, 0));
    }
  }

  sortSelect.addEventListener('change', () => go({ ...state, sort: sortSelect.value, page: 1 }));

  // Arrow keys move between results; Up from the first goes back to the box.
  list.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const links = [...list.querySelectorAll('a.title')];
    const i = links.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    if (ev.key === 'ArrowDown') links[Math.min(i + 1, links.length - 1)].focus();
    else if (i === 0) input.focus();
    else links[i - 1].focus();
  });

  return {
    el: view,
    title: () => (state.q ? `${state.q} — pmkb` : `${t('search.title')} — pmkb`),
    update(url, { typing = false } = {}) {
      state = readState(url);
      fromTyping = typing;
      if (input.value !== state.q) input.value = state.q;
      run();
    },
    focusFirstResult() {
      list.querySelector('a.title')?.focus();
    },
  };
}

// Wires the header search box: debounced search as you type (not while an
// input method is composing Japanese), Enter to search at once, Down to
// reach the results, Escape to clear.
export function wireSearchBox(input, form, current) {
  let timer = 0;

  function submit(immediate) {
    clearTimeout(timer);
    const fire = () => {
      const here = new URL(location.href);
      const onSearch = here.pathname === '/';
      const next = onSearch ? readState(here) : readState(new URL('/', location.href));
      next.q = input.value;
      next.page = 1;
      // Keep the filters while refining words; a fresh search from another
      // page starts clean.
      navigate(stateUrl(next), { replace: onSearch, typing: true });
    };
    if (immediate) fire();
    else timer = setTimeout(fire, DEBOUNCE_MS);
  }

  input.addEventListener('input', (ev) => {
    if (ev.isComposing) return;
    performance.clearMarks('pmkb:input');
    performance.mark('pmkb:input');
    submit(false);
  });
  input.addEventListener('compositionend', () => {
    performance.clearMarks('pmkb:input');
    performance.mark('pmkb:input');
    submit(false);
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit(true);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') {
      const page = current();
      if (page?.focusFirstResult) {
        ev.preventDefault();
        page.focusFirstResult();
      }
    } else if (ev.key === 'Escape' && input.value) {
      ev.preventDefault();
      input.value = '';
      submit(true);
    }
  });
}

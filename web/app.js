// pmkb UI: a small client-side router over the JSON API.
//
// Pages (one module each): search.js (/), postmortem.js (/p/{slug}),
// trends.js (/trends), actions.js (/actions), problems.js (/problems).
// Each exports a mount function returning {el, update(url), title()}; the
// router keeps a page while only its query string changes (so the search
// page is not rebuilt on every keystroke) and mounts a new one otherwise.
//
// Every string from the API is inserted as text; the only HTML inserted is
// the server's safe rendering of a postmortem and its <mark> snippets.

import { lang, setLang, t } from './i18n.js';
import { mountActions } from './actions.js';
import { mountPostmortem } from './postmortem.js';
import { mountProblems } from './problems.js';
import { mountSearch, wireSearchBox } from './search.js';
import { mountTrends } from './trends.js';
import { el, navigate, setRouter, statusLine } from './util.js';

const main = document.getElementById('pmkb-main');
const input = document.getElementById('pmkb-q');
const form = document.getElementById('pmkb-search');
const langButton = document.getElementById('pmkb-lang');
const logout = document.getElementById('pmkb-logout');

let page = null; // the mounted page, with .kind
let pageKey = ''; // pathname + search it shows
let lastSearch = ''; // for the postmortem page's "back to results"
let firstRender = true;

function kindOf(path) {
  if (path === '/') return 'search';
  if (/^\/p\/[^/]+$/.test(path)) return 'postmortem';
  if (path === '/trends') return 'trends';
  if (path === '/actions') return 'actions';
  if (path === '/problems') return 'problems';
  return null;
}

function mountNotFound() {
  const view = el('div', {});
  return {
    el: view,
    title: () => 'pmkb',
    update(url) {
      view.replaceChildren(statusLine(t('error.notfound', { path: url.pathname }), 'error'),
        el('p', {}, el('a', { href: '/', text: t('error.back') })));
    },
  };
}

function mount(kind) {
  switch (kind) {
    case 'search': return mountSearch(input);
    case 'postmortem': return mountPostmortem(lastSearch);
    case 'trends': return mountTrends();
    case 'actions': return mountActions();
    case 'problems': return mountProblems();
    default: return mountNotFound();
  }
}

function route({ typing = false } = {}) {
  const url = new URL(location.href);
  const key = url.pathname + url.search;
  // Following an in-page anchor (#timeline) changes only the hash: the
  // browser scrolls; nothing to render.
  if (page && key === pageKey) return;
  pageKey = key;
  const kind = kindOf(url.pathname);
  for (const a of document.querySelectorAll('nav.main-nav a[data-nav]')) {
    if (a.dataset.nav === kind) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (kind === 'search') lastSearch = key;
  else if (input.value && document.activeElement !== input) input.value = '';
  const keep = page && page.kind === kind && kind !== 'postmortem';
  if (!keep) {
    page = mount(kind);
    page.kind = kind;
    main.replaceChildren(page.el);
    if (!url.hash) window.scrollTo(0, 0);
  }
  page.update(url, { typing });
  document.title = page.title();
  if (firstRender) {
    // The search box has focus on load, so one can type at once.
    if (kind === 'search') input.focus();
  } else if (!keep && document.activeElement !== input) {
    // After following a link, start reading (and tabbing) at the content.
    main.focus({ preventScroll: true });
  }
  firstRender = false;
}

// Static labels of index.html, in the current language.
function applyLabels() {
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.setAttribute('title', t(e.dataset.i18nTitle));
  input.placeholder = t('search.placeholder');
  langButton.textContent = t('lang.switch');
  langButton.setAttribute('lang', lang() === 'ja' ? 'en' : 'ja');
  langButton.setAttribute('aria-label', t('lang.switch.label'));
}

// "Sign out" for a browser signed in with a token (--auth token).
fetch('/api/session', { headers: { Accept: 'application/json' } })
  .then((r) => (r.ok ? r.json() : null))
  .then((j) => {
    if (!j?.session) return;
    logout.hidden = false;
    logout.title = j.who.replace(/^session:/, '');
  })
  .catch(() => {});

langButton.addEventListener('click', () => {
  setLang(lang() === 'ja' ? 'en' : 'ja');
  applyLabels();
  // Rebuild the page in the new language; keep the keyboard on the switch.
  page = null;
  pageKey = '';
  route();
  langButton.focus();
});

// Links inside the app are followed without reloading the page. Links to
// the API (downloads), the feed and other sites are left to the browser.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin || !kindOf(u.pathname)) return;
  if (u.pathname === location.pathname && u.search === location.search && u.hash) return;
  ev.preventDefault();
  navigate(u.href);
});

// "/" focuses the search box from anywhere, except while typing elsewhere.
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
  const target = ev.target;
  if (target.isContentEditable || target.closest?.('input, textarea, select')) return;
  ev.preventDefault();
  input.focus();
  input.select();
});

window.addEventListener('popstate', () => route());
setRouter(route);
wireSearchBox(input, form, () => page);
applyLabels();
route();

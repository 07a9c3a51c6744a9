// The action items page (/actions): items across all postmortems, grouped
// by postmortem (newest incident first), filtered by state and owner.
// State in the URL: /actions?status=overdue&owner=tanaka.

import { t } from './i18n.js';
import { actionItem } from './postmortem.js';
import { api, el, formatDate, navigate, settings, statusLine, withParams } from './util.js';

const STATUSES = ['open', 'overdue', 'done', 'all'];
// The API's page limit; past it the page says it shows the first ones.
const LIMIT = 5000;

function readState(url) {
  const p = url.searchParams;
  return {
    status: STATUSES.includes(p.get('status')) ? p.get('status') : 'open',
    owner: (p.get('owner') || '').replace(/^@/, ''),
  };
}

function stateUrl(s) {
  return withParams('/actions', { status: s.status === 'open' ? '' : s.status, owner: s.owner });
}

// API parameters for a state: "overdue" is open items past their due date.
function apiParams(s, withOwner) {
  return {
    status: s.status === 'overdue' ? 'open' : s.status,
    overdue: s.status === 'overdue' ? 'true' : '',
    owner: withOwner ? s.owner : '',
    limit: LIMIT,
  };
}

function groupByPostmortem(items) {
  const groups = new Map();
  for (const it of items) {
    if (!groups.has(it.slug)) groups.set(it.slug, { slug: it.slug, title: it.title, started_at: it.started_at, items: [] });
    groups.get(it.slug).items.push(it);
  }
  // Newest incident first; undated ones last.
  return [...groups.values()].sort((a, b) => (b.started_at || '').localeCompare(a.started_at || ''));
}

export function mountActions() {
  const view = el('div', { class: 'actions-page' });
  let seq = 0;

  async function render(s) {
    const my = ++seq;
    view.setAttribute('aria-busy', 'true');
    let cfg;
    let j;
    let everyone;
    try {
      // The owner list comes from the same state without the owner filter.
      [cfg, j, everyone] = await Promise.all([
        settings(),
        api(withParams('/api/action-items', apiParams(s, true))),
        s.owner ? api(withParams('/api/action-items', apiParams(s, false))) : null,
      ]);
    } catch (e) {
      if (my !== seq) return;
      view.replaceChildren(el('h1', { text: t('actions.title') }), statusLine(e.message, 'error'));
      view.removeAttribute('aria-busy');
      return;
    }
    if (my !== seq) return;

    const counts = (everyone || j).counts || {};
    const owners = new Map();
    for (const it of (everyone || j).items) if (it.owner) owners.set(it.owner, (owners.get(it.owner) || 0) + 1);
    if (s.owner && !owners.has(s.owner)) owners.set(s.owner, 0);

    const statusBox = el('fieldset', { class: 'segmented' }, el('legend', { text: t('actions.status') }),
      STATUSES.map((v) => {
        const input = el('input', { type: 'radio', name: 'status', value: v, id: `pmkb-status-${v}`, checked: v === s.status });
        input.addEventListener('change', () => navigate(stateUrl({ ...s, status: v })));
        return el('span', {}, input, el('label', { for: `pmkb-status-${v}`, text: t(`actions.status.${v}`) }));
      }));
    const ownerSelect = el('select', { id: 'pmkb-owner' },
      el('option', { value: '', text: t('actions.owner.any') }),
      [...owners].sort((a, b) => a[0].localeCompare(b[0])).map(([o, n]) =>
        el('option', { value: o, selected: o === s.owner, text: `@${o} (${n})` })));
    ownerSelect.addEventListener('change', () => navigate(stateUrl({ ...s, owner: ownerSelect.value })));

    const groups = groupByPostmortem(j.items);
    // Optional parts are null; el() skips them, replaceChildren would not.
    view.replaceChildren(...[
      el('h1', { tabindex: '-1', text: t('actions.title') }),
      el('p', { class: 'muted', text: t('actions.summary', { open: counts.open ?? 0, overdue: counts.overdue ?? 0, done: counts.done ?? 0 }) }),
      el('div', { class: 'controls' }, statusBox,
        el('label', { class: 'owner-filter', for: 'pmkb-owner' }, el('span', { text: t('actions.owner') }), ownerSelect)),
      groups.length
        ? el('p', { class: 'status', role: 'status', text: t('actions.count', { n: j.total ?? j.items.length, m: groups.length }) })
        : statusLine(t('actions.none')),
      (j.total ?? 0) > j.items.length ? el('p', { class: 'note', text: t('actions.truncated', { n: j.items.length }) }) : null,
      el('div', { class: 'groups' }, groups.map((g) => el('section', { class: 'group', 'data-slug': g.slug },
        el('h2', {}, el('a', { href: `/p/${encodeURIComponent(g.slug)}`, text: g.title })),
        el('p', { class: 'meta' }, el('time', { datetime: g.started_at || '', text: formatDate(g.started_at, cfg.timeZone) })),
        el('ul', { class: 'items' }, g.items.map((it) => actionItem(it, { owners: !s.owner })))))),
    ].filter(Boolean));
    view.removeAttribute('aria-busy');
    view.dataset.rendered = stateUrl(s);
  }

  return {
    el: view,
    title: () => `${t('actions.title')} — pmkb`,
    update(url) {
      const focused = document.activeElement?.id;
      render(readState(url)).then(() => {
        if (focused) view.querySelector(`#${CSS.escape(focused)}`)?.focus();
      });
    },
  };
}

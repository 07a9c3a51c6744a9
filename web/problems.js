// The problems page (/problems): files that failed to parse or lint, with
// path, line and message, errors first (the API's order).

import { t } from './i18n.js';
import { api, el, scrollTable, statusLine } from './util.js';

export function mountProblems() {
  const view = el('div', { class: 'problems-page' });
  return {
    el: view,
    title: () => `${t('problems.title')} — pmkb`,
    async update() {
      const heading = el('h1', { tabindex: '-1', text: t('problems.title') });
      view.replaceChildren(heading, statusLine(t('loading')));
      let j;
      try {
        j = await api('/api/problems');
      } catch (e) {
        view.replaceChildren(heading, statusLine(e.message, 'error'));
        return;
      }
      if (!j.problems.length) {
        view.replaceChildren(heading, el('p', { class: 'notice ok', text: t('problems.none') }));
        view.dataset.rendered = '/problems';
        return;
      }
      const rows = j.problems.map((p) => {
        // Line 0: the problem is about the whole file.
        const where = p.line > 0 ? `${p.path}:${p.line}` : p.path;
        return el('tr', { class: p.level },
          el('td', {}, el('span', { class: ['badge', p.level], text: t(`level.${p.level}`) })),
          el('td', {}, p.slug
            ? el('a', { href: `/p/${encodeURIComponent(p.slug)}` }, el('code', { text: where }))
            : el('code', { text: where })),
          el('td', { text: p.message }));
      });
      view.replaceChildren(heading,
        el('p', { class: 'muted', text: t('problems.summary', { errors: j.errors, warnings: j.warnings }) }),
        scrollTable(el('table', { class: 'problems-table' },
          el('thead', {}, el('tr', {},
            ['problems.col.level', 'problems.col.where', 'problems.col.message'].map((k) => el('th', { scope: 'col', text: t(k) })))),
          el('tbody', {}, rows))));
      view.dataset.rendered = '/problems';
    },
  };
}

// The trends page (/trends): incidents by cause per period as a stacked
// bar chart, the same numbers as a table, CSV and Markdown downloads from
// the API, and the median time to detect and to resolve per period.
//
// State in the URL: /trends?period=quarter&mode=any&causes=a,b&by=group
// (the defaults, half-years / primary cause / every cause / by cause, are
// left out). by=group stacks the causes' groups from .pmkb.yml instead.
// A click on a segment (or a number in the table) opens the search for
// that cause and period.
// Beside it, what became of each period's action items (on time, late,
// no due date, date unknown, open, overdue) and the median days to done.
// Every number drawn comes from /api/stats/causes,
// /api/stats/follow-through and /api/stats/durations as they are; the
// page only chooses what to show.

import { lang, pick, t } from './i18n.js';
import { stackedBarChart } from './chart.js';
import { stripChart } from './strip.js';
import {
  api, el, formatDuration, navigate, scrollTable, settings, statusLine, swatch, withParams,
} from './util.js';

const PERIODS = ['half', 'quarter', 'year', 'month'];
const MODES = ['primary', 'any'];
const BYS = ['cause', 'group'];
// For causes without a colour (no .pmkb.yml): Okabe-Ito, then greys.
const FALLBACK = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442',
  '#999999', '#666666', '#bbbbbb'];

function readState(url) {
  const p = url.searchParams;
  const period = PERIODS.includes(p.get('period')) ? p.get('period') : 'half';
  const mode = MODES.includes(p.get('mode')) ? p.get('mode') : 'primary';
  const causes = p.has('causes') ? p.get('causes').split(',').filter(Boolean) : null;
  const by = BYS.includes(p.get('by')) ? p.get('by') : 'cause';
  const asOf = (p.get('as_of') || '').trim();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, (p.get(k) || '').trim()]));
  return { period, mode, causes, by, asOf, ...filter };
}

// The incidents counted: the statistics API's filters, kept in the URL.
const FILTERS = ['service', 'severity', 'from', 'to'];

// The parameters every statistics request of the page shares.
function common(s) {
  return { as_of: s.asOf, ...Object.fromEntries(FILTERS.map((k) => [k, s[k]])) };
}

// Service and severity (from the postmortems' facets), and a date range.
function filterForm(s, go, facets) {
  const choose = (key, values) => {
    const select = el('select', { name: key, id: `pmkb-trends-${key}` },
      el('option', { value: '', text: t('trends.filter.any') }),
      (values || []).map((v) => el('option', { value: v.value, text: `${v.value} (${v.count})`, selected: v.value === s[key] })));
    select.addEventListener('change', () => go({ ...s, [key]: select.value }));
    return el('label', { for: `pmkb-trends-${key}` }, el('span', { text: t(`trends.filter.${key}`) }), select);
  };
  const range = (key) => el('label', { for: `pmkb-trends-${key}` }, el('span', { text: t(`trends.filter.${key}`) }),
    el('input', {
      type: 'text', name: key, id: `pmkb-trends-${key}`, value: s[key], size: '10', placeholder: t('trends.filter.date.placeholder'),
      spellcheck: 'false', autocomplete: 'off',
    }));
  const form = el('form', { class: 'trend-filters', 'aria-label': t('trends.filters') },
    choose('service', facets?.service), choose('severity', facets?.severity), range('from'), range('to'),
    el('button', { type: 'submit', class: 'button', text: t('trends.filter.apply') }),
    FILTERS.some((k) => s[k])
      ? el('a', { href: stateUrl(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, FILTERS.includes(k) ? '' : v]))), class: 'clear', text: t('trends.filter.clear') })
      : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go({ ...s, from: form.elements.from.value.trim(), to: form.elements.to.value.trim() });
  });
  return form;
}

function stateUrl(s) {
  return withParams('/trends', {
    period: s.period === 'half' ? '' : s.period,
    mode: s.mode === 'primary' ? '' : s.mode,
    // An explicit empty list ("none") is kept so that it survives reload.
    causes: s.causes ? s.causes.join(',') || ',' : '',
    by: s.by === 'cause' ? '' : s.by,
    as_of: s.asOf || '',
    ...Object.fromEntries(FILTERS.map((k) => [k, s[k] || ''])),
  });
}

// "As of": a commit or a day; the charts are then those of that revision.
function asOfForm(s, go, prov) {
  const input = el('input', {
    type: 'text', name: 'as_of', id: 'pmkb-as-of', value: s.asOf || '', placeholder: t('trends.asof.placeholder'),
    spellcheck: 'false', autocomplete: 'off', size: '20',
  });
  const form = el('form', { class: 'as-of', role: 'search', 'aria-label': t('trends.asof') },
    el('label', { for: 'pmkb-as-of', text: t('trends.asof') }), input,
    el('button', { type: 'submit', class: 'button', text: t('trends.asof.apply') }),
    s.asOf ? el('a', { href: stateUrl({ ...s, asOf: '' }), class: 'now', text: t('trends.asof.now') }) : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go({ ...s, asOf: input.value.trim() });
  });
  const note = s.asOf && prov?.commit
    ? el('p', { class: 'note as-of-note', text: t('trends.asof.note', { rev: s.asOf, commit: prov.commit.slice(0, 12) }) })
    : null;
  return [form, note];
}

// A row of radio buttons styled as a segmented control.
function radios(name, legendText, values, current, labelOf, onChange) {
  return el('fieldset', { class: 'segmented' },
    el('legend', { text: legendText }),
    values.map((v) => {
      const input = el('input', { type: 'radio', name, value: v, id: `pmkb-${name}-${v}`, checked: v === current });
      input.addEventListener('change', () => onChange(v));
      return el('span', {}, input, el('label', { for: `pmkb-${name}-${v}`, text: labelOf(v) }));
    }));
}

function periodLabel(row) {
  return row.period === 'unknown' ? t('trends.undated') : pick(row);
}

// The search for a period's postmortems, of one cause when given.
// scope: the page's service and severity filters, which the search takes too.
function drillUrl(row, cause, scope = {}) {
  if (!row?.start || !row?.end) return null;
  return withParams('/', {
    cause: cause || '', from: row.start, to: row.end, service: scope.service, severity: scope.severity,
  });
}

// The stacked series: the chosen causes, or their groups (.pmkb.yml),
// each group in the colour of its first cause. values(row) gives a row's
// count per series key.
function stackSeries(by, causes) {
  if (by !== 'group') return { series: causes, values: (r) => Object.fromEntries(causes.map((c) => [c.key, r.by_cause[c.key] || 0])) };
  const groups = new Map();
  for (const c of causes) {
    const key = c.group || '';
    if (!groups.has(key)) groups.set(key, { key: `group:${key}`, label: key || t('trends.group.none'), color: c.color, members: [] });
    groups.get(key).members.push(c.key);
  }
  const series = [...groups.values()];
  return {
    series,
    values: (r) => Object.fromEntries(series.map((g) => [g.key, g.members.reduce((n, k) => n + (r.by_cause[k] || 0), 0)])),
  };
}

// What became of the action items, bottom of the stack first. The
// colours keep 3:1 against the page in both themes (WCAG 1.4.11).
const FOLLOW = [
  { key: 'done_on_time', color: '#008a5e' },
  { key: 'done_late', color: '#c26a00' },
  { key: 'done_no_due', color: '#3d7fb8' },
  { key: 'done_undated', color: '#8a8f96' },
  { key: 'open', color: '#a0569b' },
  { key: 'overdue', color: '#d03f2a' },
];

// A row's count per series: still_open split into overdue and the rest.
function followValues(r) {
  return {
    done_on_time: r.done_on_time,
    done_late: r.done_late,
    done_no_due: r.done_no_due,
    done_undated: r.done_undated,
    open: r.still_open - r.overdue,
    overdue: r.overdue,
  };
}

function medianText(r) {
  return r.median_days === null ? '–' : t('trends.follow.days', { n: r.median_days });
}

function followTable(f) {
  const cols = ['opened', 'done_on_time', 'done_late', 'done_no_due', 'done_undated', 'still_open', 'overdue'];
  const row = (label, r, attrs = {}) => el('tr', attrs,
    el('th', { scope: 'row', text: label }),
    cols.map((k) => el('td', { class: ['num', r[k] ? '' : 'zero'], text: String(r[k]) })),
    el('td', { class: 'num', text: `${medianText(r)} (${r.median_n})` }));
  return scrollTable(el('table', { class: 'numbers follow-table' },
    el('caption', { text: t('trends.table') }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('trends.col.period') }),
      cols.map((k) => el('th', { scope: 'col', class: 'num', text: t(`trends.follow.${k}`) })),
      el('th', { scope: 'col', class: 'num', text: t('trends.follow.median') }))),
    el('tbody', {}, f.rows.map((r) => row(periodLabel(r), r, { 'data-period': r.period }))),
    el('tfoot', {}, row(t('trends.total'), f.all))));
}

function followSection(f) {
  const series = FOLLOW.map((x) => ({ ...x, label: t(`trends.follow.${x.key}`) }));
  const bars = f.rows.map((r) => {
    const v = followValues(r);
    return {
      id: r.period,
      label: periodLabel(r),
      values: v,
      tip: [{ text: t('trends.follow.tip', { n: r.opened }) },
        ...series.map((x) => ({ key: x.key, color: x.color, zero: !v[x.key], text: `${x.label}: ${v[x.key]}` })),
        { text: `${t('trends.follow.median')}: ${medianText(r)} (n=${r.median_n})` }],
    };
  });
  const legend = el('ul', { class: 'legend' }, series.map((x) => el('li', {}, swatch(x.color), el('span', { text: x.label }))));
  return el('section', { class: 'card follow', 'aria-labelledby': 'pmkb-follow-title' },
    el('h2', { id: 'pmkb-follow-title', text: t('trends.follow') }),
    el('p', { class: 'muted', text: t('trends.follow.intro', { today: f.today }) }),
    f.rows.length
      ? [legend, stackedBarChart({ bars, series, label: t('trends.follow.chart') }),
        el('p', { class: 'muted hint', text: t('trends.follow.median.note', { n: f.all.median_n, undated: f.all.done_undated }) }),
        followTable(f)]
      : statusLine(t('trends.follow.empty')));
}

function countCell(row, key, n, label, scope) {
  const href = key.startsWith('group:') ? null : drillUrl(row, key, scope);
  return el('td', { class: ['num', n ? '' : 'zero'] }, href && n
    ? el('a', { href, 'aria-label': t('trends.cell.open', { label, period: periodLabel(row), n }), text: String(n) })
    : String(n));
}

function causesTable(series, values, j, scope) {
  const head = el('tr', {},
    el('th', { scope: 'col', text: t('trends.col.period') }),
    el('th', { scope: 'col', class: 'num', text: t('trends.col.total') }),
    series.map((s) => el('th', { scope: 'col', class: 'num' }, swatch(s.color), el('span', { text: s.label }))));
  const body = j.rows.map((r) => {
    const v = values(r);
    return el('tr', { 'data-period': r.period },
      el('th', { scope: 'row', text: periodLabel(r) }),
      countCell(r, '', r.total, t('trends.col.total'), scope),
      series.map((s) => countCell(r, s.key, v[s.key], s.label, scope)));
  });
  const sums = values({ by_cause: Object.fromEntries(j.causes.map((c) => [c.id, c.total])) });
  const foot = el('tr', {},
    el('th', { scope: 'row', text: t('trends.total') }),
    el('td', { class: 'num', text: String(j.total) }),
    series.map((s) => el('td', { class: 'num', text: String(sums[s.key] ?? 0) })));
  return scrollTable(el('table', { class: 'numbers causes-table' },
    el('caption', { text: t('trends.table') }),
    el('thead', {}, head), el('tbody', {}, body), el('tfoot', {}, foot)));
}

function durationCell(stat, key = 'median') {
  return el('td', { class: 'num', text: stat && stat[key] !== null && stat[key] !== undefined ? formatDuration(stat[key]) : '–' });
}

function durationsTable(d) {
  const row = (label, r, attrs = {}) => el('tr', attrs,
    el('th', { scope: 'row', text: label }),
    el('td', { class: 'num', text: String(r.incidents ?? '') }),
    el('td', { class: 'num', text: String(r.ttd?.count ?? 0) }),
    durationCell(r.ttd), durationCell(r.ttd, 'p90'), durationCell(r.ttm), durationCell(r.ttr), durationCell(r.ttr, 'p90'));
  return scrollTable(el('table', { class: 'numbers durations-table' },
    el('caption', { text: t('trends.table') }),
    el('thead', {}, el('tr', {},
      ['trends.col.period', 'trends.col.total', 'trends.col.n', 'trends.col.ttd', 'trends.col.ttd90', 'trends.col.ttm',
        'trends.col.ttr', 'trends.col.ttr90'].map((k, i) => el('th', { scope: 'col', class: i ? 'num' : '', text: t(k) })))),
    el('tbody', {}, d.rows.map((r) => row(periodLabel(r), r, { 'data-period': r.period }))),
    d.all ? el('tfoot', {}, row(t('trends.total'), d.all)) : null));
}

// Every incident's duration per period, its median and 90% interval.
function strip(d, key, title) {
  return stripChart({
    rows: d.rows, key, label: title, labelOf: periodLabel, format: formatDuration, tooFew: t('trends.toofew'),
  });
}

export function mountTrends() {
  const view = el('div', { class: 'trends-page' });
  let state = null;
  let seq = 0;

  function go(next) {
    navigate(stateUrl(next));
  }

  async function render() {
    const my = ++seq;
    const s = state;
    view.setAttribute('aria-busy', 'true');
    let cfg;
    let j;
    let d;
    let f;
    let facets;
    try {
      [cfg, j, d, f, facets] = await Promise.all([
        settings(),
        api(withParams('/api/stats/causes', { period: s.period, mode: s.mode, ...common(s) })),
        api(withParams('/api/stats/durations', { period: s.period, ...common(s) })),
        api(withParams('/api/stats/follow-through', { period: s.period, ...common(s) })),
        api('/api/postmortems?facets=1&limit=1').then((x) => x.facets).catch(() => null),
      ]);
    } catch (e) {
      if (my !== seq) return;
      view.replaceChildren(el('h1', { text: t('trends.title') }), ...asOfForm(s, go, null),
        filterForm(s, go, null), statusLine(e.message, 'error'));
      view.removeAttribute('aria-busy');
      return;
    }
    if (my !== seq) return;

    const all = j.causes.map((c, i) => ({
      key: c.id, label: pick(c) || c.id, color: c.color || FALLBACK[i % FALLBACK.length], group: c.group,
    }));
    const chosen = s.causes ? new Set(s.causes) : null;
    const { series, values } = stackSeries(s.by, chosen ? all.filter((c) => chosen.has(c.key)) : all);

    const controls = el('div', { class: 'controls' },
      radios('period', t('trends.period'), PERIODS, s.period, (v) => t(`trends.period.${v}`), (v) => go({ ...s, period: v })),
      radios('mode', t('trends.mode'), MODES, s.mode, (v) => t(`trends.mode.${v}`), (v) => go({ ...s, mode: v })),
      all.some((c) => c.group)
        ? radios('by', t('trends.by'), BYS, s.by, (v) => t(`trends.by.${v}`), (v) => go({ ...s, by: v }))
        : null);

    const causeBoxes = el('fieldset', { class: 'cause-filter' }, el('legend', { text: t('trends.causes') }));
    for (const c of all) {
      const input = el('input', { type: 'checkbox', value: c.key, id: `pmkb-cause-${c.key}`, checked: !chosen || chosen.has(c.key) });
      input.addEventListener('change', () => {
        const picked = [...causeBoxes.querySelectorAll('input:checked')].map((i) => i.value);
        go({ ...s, causes: picked.length === all.length ? null : picked });
      });
      causeBoxes.append(el('span', { class: 'check' }, input,
        el('label', { for: `pmkb-cause-${c.key}` }, swatch(c.color), el('span', { text: c.label }))));
    }
    const allBtn = el('button', { type: 'button', class: 'link-button', text: t('trends.causes.all') });
    allBtn.addEventListener('click', () => go({ ...s, causes: null }));
    const noneBtn = el('button', { type: 'button', class: 'link-button', text: t('trends.causes.none') });
    noneBtn.addEventListener('click', () => go({ ...s, causes: [] }));
    causeBoxes.append(el('span', { class: 'all-none' }, allBtn, noneBtn));

    const dl = (format, ext) => el('a', {
      class: 'button', download: `pmkb-causes-${s.period}-${s.mode}.${ext}`,
      href: withParams('/api/stats/causes', { period: s.period, mode: s.mode, format, lang: format === 'md' && lang() === 'ja' ? 'ja' : '', ...common(s) }),
      text: t(`trends.${format}`),
    });
    const downloads = el('p', { class: 'downloads' }, el('span', { text: `${t('trends.download')}:` }), dl('csv', 'csv'), dl('md', 'md'));

    // Every series is in the tooltip, zeros too: "none this half" is news.
    // With every cause counted, the bar is mentions, not incidents.
    // Some causes chosen: each bar stands inside an outline of every
    // incident of its period ("total vs selected cause").
    const partial = chosen && series.length < all.length;
    const bars = j.rows.map((r) => {
      const v = values(r);
      const mentions = Object.values(r.by_cause).reduce((a, b) => a + b, 0);
      return {
        id: r.period,
        label: periodLabel(r),
        values: v,
        outline: partial ? r.total : 0,
        tip: [{ text: s.mode === 'any' ? t('trends.tip.mentions', { n: mentions, incidents: r.total }) : t('trends.tip.incidents', { n: r.total }) },
          ...series.map((c) => ({ key: c.key, color: c.color, zero: !v[c.key], text: `${c.label}: ${v[c.key]}` }))],
      };
    });
    const link = (i, key) => (key?.startsWith('group:') ? drillUrl(j.rows[i], '', s) : drillUrl(j.rows[i], key, s));

    const causesSection = el('section', { class: 'card', 'aria-labelledby': 'pmkb-trends-title' },
      el('h1', { id: 'pmkb-trends-title', tabindex: '-1', text: t('trends.title') }),
      el('p', { class: 'muted', text: t('trends.intro', { zone: j.time_zone }) }),
      ...asOfForm(s, go, j.provenance), filterForm(s, go, facets), controls, causeBoxes,
      s.mode === 'any' ? el('p', { class: 'note', text: t('trends.mode.any.note') }) : null,
      partial ? el('p', { class: 'note outline-note', text: t('trends.outline.note') }) : null,
      j.rows.length
        ? [stackedBarChart({ bars, series, link, label: t('trends.chart') }),
          el('p', { class: 'muted hint', text: t('trends.tip.open') }), downloads, causesTable(series, values, j, s)]
        : statusLine(t('trends.empty')));

    const durSection = el('section', { class: 'card', 'aria-labelledby': 'pmkb-dur-title' },
      el('h2', { id: 'pmkb-dur-title', text: t('trends.durations') }),
      el('p', { class: 'muted', text: t('trends.durations.intro', { n: d.min_n }) }),
      d.rows.length
        ? [el('div', { class: 'duo' }, strip(d, 'ttd', t('trends.ttd')), strip(d, 'ttr', t('trends.ttr'))),
          durationsTable(d)]
        : statusLine(t('trends.empty')));

    view.replaceChildren(el('div', { class: 'beside' }, causesSection, followSection(f)), durSection);
    view.removeAttribute('aria-busy');
    view.dataset.rendered = stateUrl(s);
  }

  return {
    el: view,
    title: () => `${t('trends.title')} — pmkb`,
    update(url) {
      const next = readState(url);
      const focused = document.activeElement;
      const refocus = focused && view.contains(focused) && focused.id;
      state = next;
      render().then(() => {
        // Keep the keyboard where it was when a control re-rendered the page.
        if (refocus) document.getElementById(refocus)?.focus();
      });
    },
  };
}

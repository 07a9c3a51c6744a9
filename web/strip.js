// A strip plot of durations per period: every incident's duration as a
// dot, the median as a bar across, its 90% interval as a vertical line,
// on a log scale (durations span seconds to days). A period with too few
// values to call a trend is drawn faded and says so. Fixed viewBox, scaled
// by CSS; no library.
//
// Each period is <g class="period" data-period data-count data-too-few>,
// with <circle class="dot" data-value>, <line class="median" data-value>
// and <line class="ci" data-low data-high>; the tests read them.

import { el, svg } from './util.js';

const W = 640;
const H = 260;
const M = { top: 14, right: 10, bottom: 40, left: 56 };
const TICKS = [1, 10, 60, 600, 3600, 36000, 86400, 864000, 8640000];

export function stripChart({ rows, key, label, labelOf, format, tooFew }) {
  const all = rows.flatMap((r) => (r[key]?.values || []).filter((v) => v > 0));
  const lo = Math.max(1, Math.min(...all, 60));
  const hi = Math.max(...all, lo * 10);
  const y = (v) => {
    const f = (Math.log(Math.max(v, 1)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
    return M.top + (1 - f) * (H - M.top - M.bottom);
  };
  const step = (W - M.left - M.right) / Math.max(rows.length, 1);
  const every = Math.ceil(rows.length / 12);
  const ticks = TICKS.filter((v) => v >= lo && v <= hi);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'strip' },
    ticks.map((v) => svg('g', { class: 'tick' },
      svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)))),
    rows.map((r, i) => {
      const s = r[key] || { count: 0 };
      const cx = M.left + step * (i + 0.5);
      const half = Math.min(step * 0.3, 14);
      const few = !!s.too_few;
      return svg('g', {
        class: few ? 'period few' : 'period', 'data-period': r.period, 'data-count': s.count, 'data-too-few': String(few),
      },
      svg('title', {}, `${labelOf(r)}: n=${s.count}${few ? ` (${tooFew})` : ''}`),
      (s.values || []).map((v, k) => svg('circle', {
        class: 'dot', 'data-value': v, r: 2.5, cx: cx + ((k * 7) % 9 - 4) * (half / 8), cy: y(v),
      })),
      Array.isArray(s.ci90) ? svg('line', {
        class: 'ci', 'data-low': s.ci90[0], 'data-high': s.ci90[1], x1: cx, x2: cx, y1: y(s.ci90[0]), y2: y(s.ci90[1]),
      }) : null,
      s.median !== null && s.median !== undefined ? svg('line', {
        class: 'median', 'data-value': s.median, x1: cx - half, x2: cx + half, y1: y(s.median), y2: y(s.median),
      }) : null,
      i % every ? null : svg('text', { class: 'xlabel', x: cx, y: H - M.bottom + 16, 'text-anchor': 'middle' }, labelOf(r)),
      few && s.count ? svg('text', { class: 'few-label', x: cx, y: H - M.bottom + 30, 'text-anchor': 'middle' }, tooFew) : null);
    }));
  return el('figure', { class: 'duration-chart strip-chart', 'data-metric': key }, el('figcaption', { text: label }), root);
}

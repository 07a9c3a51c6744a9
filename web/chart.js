// A stacked bar chart drawn as SVG, sized to its container in CSS pixels
// (so text stays readable on a phone), with a tooltip on hover and on
// keyboard focus. No chart library: the whole thing is a few rects.
//
// Each bar is a focusable <g class="bar" data-bar=id data-total=n>; each
// non-zero segment is a <rect class="seg" data-series=key data-value=n>.
// The tests read those attributes and compare them with the API.

import { el, navigate, svg, swatch } from './util.js';

const MARGIN = { top: 22, right: 12, bottom: 34, left: 52 };
const HEIGHT = 300;

// Steps for a count axis: 1, 2, 5, 10, 20, 50...
function countStep(max, target) {
  const raw = Math.max(max / target, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

// Steps for a duration axis in seconds: whole minutes, hours or days.
const DURATION_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  172800, 432000, 864000];

function durationStep(max, target) {
  const raw = max / target;
  return DURATION_STEPS.find((s) => s >= raw) || countStep(max / 86400, target) * 86400;
}

// Creates a chart. options:
//   bars:   [{id, label, values: {key: number}, tip: [string], extra}]
//   series: [{key, label, color}] in stacking order, bottom first
//   axis:   'count' | 'duration'
//   format: number -> string (axis ticks and the label on each bar)
//   label:  accessible name of the chart
//   link:   (bar index, series key or null) -> URL or null: where a click
//           on a segment (or Enter on a focused bar, with null) leads
// Returns the wrapper element; it draws itself once it is in the page.
export function stackedBarChart({
  bars, series, axis = 'count', format = String, label, link = () => null,
}) {
  const wrap = el('div', { class: 'chart' });
  const tip = el('div', { class: 'tooltip', role: 'tooltip', hidden: true });
  wrap.append(tip);
  let drawnWidth = 0;

  const totals = bars.map((b) => series.reduce((sum, s) => sum + (b.values[s.key] || 0), 0));
  // A bar's outline (b.outline): the whole it is part of, such as every
  // incident of the period behind the chosen causes' share of them.
  const max = Math.max(0, ...totals, ...bars.map((b) => b.outline || 0));

  // Where each bar is, in SVG pixels: its centre, width and top.
  let geometry = [];

  function showTip(i, activeKey) {
    const b = bars[i];
    tip.replaceChildren(el('strong', { text: b.label }));
    for (const line of b.tip || []) {
      tip.append(el('div', { class: [line.key === activeKey ? 'active' : '', line.zero ? 'zero' : ''] },
        line.color ? swatch(line.color) : null, el('span', { text: line.text })));
    }
    tip.hidden = false;
    // Beside the bar (right, else left) so that the bar stays visible,
    // level with its top, kept inside the wrapper. Positions are set
    // through the CSSOM, which the CSP allows (style attributes it would
    // not).
    const { cx, half, top } = geometry[i];
    const x = cx - wrap.scrollLeft;
    const w = tip.offsetWidth;
    let left = x + half + 8;
    if (left + w > wrap.clientWidth - 4) left = x - half - 8 - w;
    tip.style.left = `${Math.max(4, left) + wrap.scrollLeft}px`;
    tip.style.top = `${Math.max(0, Math.min(top, HEIGHT - tip.offsetHeight))}px`;
  }

  function hideTip() {
    tip.hidden = true;
  }

  function draw(width) {
    const n = bars.length;
    // A bar at least 14 px wide: past that the chart scrolls sideways.
    const innerW = Math.max(width - MARGIN.left - MARGIN.right, n * 14);
    const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const w = innerW + MARGIN.left + MARGIN.right;
    const step = axis === 'duration' ? durationStep(max || 60, 4) : countStep(max || 1, 5);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const y = (v) => MARGIN.top + innerH - (v / top) * innerH;
    const band = innerW / Math.max(n, 1);
    const barW = Math.max(4, Math.min(band * 0.7, 64));

    const root = svg('svg', {
      width: w, height: HEIGHT, viewBox: `0 0 ${w} ${HEIGHT}`, role: 'group', 'aria-label': label,
    });
    const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
    for (let v = 0; v <= top + 1e-9; v += step) {
      grid.append(
        svg('line', { x1: MARGIN.left, x2: MARGIN.left + innerW, y1: y(v), y2: y(v) }),
        svg('text', { x: MARGIN.left - 6, y: y(v), dy: '0.32em', 'text-anchor': 'end', text: format(v) }),
      );
    }
    root.append(grid);

    // Labels every k-th bar when they would overlap (months).
    const longest = Math.max(...bars.map((b) => b.label.length), 1);
    const every = Math.max(1, Math.ceil((longest * 6.5 + 6) / band));
    const xAxis = svg('g', { class: 'x-axis', 'aria-hidden': 'true' });
    bars.forEach((b, i) => {
      if (i % every) return;
      xAxis.append(svg('text', {
        x: MARGIN.left + band * (i + 0.5), y: MARGIN.top + innerH + 18, 'text-anchor': 'middle', text: b.label,
      }));
    });
    root.append(xAxis);

    const groups = [];
    geometry = bars.map((b, i) => ({ cx: MARGIN.left + band * (i + 0.5), half: barW / 2, top: y(totals[i]) }));
    bars.forEach((b, i) => {
      const x = geometry[i].cx - barW / 2;
      const g = svg('g', {
        class: 'bar', tabindex: 0, 'data-bar': b.id, 'data-total': totals[i],
        'aria-label': [b.label, ...(b.tip || []).map((l) => l.text)].join('; '),
      });
      // A transparent full-height target makes thin bars easy to hover.
      g.append(svg('rect', { class: 'hit', x: MARGIN.left + band * i, width: band, y: MARGIN.top, height: innerH }));
      if (b.outline) {
        g.append(svg('rect', {
          class: 'outline', x, width: barW, y: y(b.outline), height: Math.max(0.5, y(0) - y(b.outline)),
          'data-total': b.outline,
        }));
      }
      let acc = 0;
      for (const s of series) {
        const v = b.values[s.key] || 0;
        if (!v) continue;
        const y0 = y(acc);
        const y1 = y(acc + v);
        acc += v;
        const r = svg('rect', {
          class: 'seg', x, width: barW, y: y1, height: Math.max(0.5, y0 - y1), fill: s.color,
          'data-series': s.key, 'data-value': v,
        });
        r.addEventListener('mouseenter', () => showTip(i, s.key));
        const to = link(i, s.key);
        if (to) {
          r.classList.add('link');
          r.dataset.href = to;
          r.addEventListener('click', () => navigate(to));
        }
        g.append(r);
      }
      if ((totals[i] || b.outline) && band >= 18) {
        const of = b.outline ? ` / ${format(b.outline)}` : '';
        g.append(svg('text', {
          class: 'value', x: x + barW / 2, y: y(Math.max(totals[i], b.outline || 0)) - 5, 'text-anchor': 'middle',
          text: `${format(totals[i])}${of}`,
        }));
      }
      g.addEventListener('mouseenter', () => showTip(i, null));
      g.addEventListener('mouseleave', hideTip);
      g.addEventListener('focus', () => showTip(i, null));
      g.addEventListener('blur', hideTip);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && link(i, null)) {
          ev.preventDefault();
          navigate(link(i, null));
          return;
        }
        const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: n - 1 }[ev.key];
        if (to === undefined || to < 0 || to >= n) return;
        ev.preventDefault();
        groups[to].focus();
      });
      groups.push(g);
      root.append(g);
    });
    root.append(svg('line', {
      class: 'baseline', x1: MARGIN.left, x2: MARGIN.left + innerW, y1: y(0), y2: y(0), 'aria-hidden': 'true',
    }));

    wrap.querySelector('svg')?.remove();
    wrap.prepend(root);
    drawnWidth = width;
  }

  // Draw once the wrapper is in the page and has a width, and again when
  // the window's width changes (rotation, resize). A ResizeObserver on the
  // wrapper would see its own height change and loop.
  let waits = 0;
  function fit() {
    if (!wrap.isConnected) {
      // Not in the page yet (wait a little), or removed (stop listening).
      if (!drawnWidth && waits++ < 60) requestAnimationFrame(fit);
      else window.removeEventListener('resize', onResize);
      return;
    }
    const width = Math.floor(wrap.clientWidth);
    if (width > 0 && Math.abs(width - drawnWidth) > 1) {
      hideTip();
      draw(width);
    }
  }
  let timer = 0;
  function onResize() {
    clearTimeout(timer);
    timer = setTimeout(fit, 100);
  }
  window.addEventListener('resize', onResize);
  requestAnimationFrame(fit);
  wrap.addEventListener('mouseleave', hideTip);
  return wrap;
}

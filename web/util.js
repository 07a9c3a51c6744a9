// Small helpers shared by the pages: building DOM, calling the API, the
// repository's settings (causes and the reporting time zone), formatting
// dates and durations, and client-side navigation.
//
// Every string from the API goes into the page through el()'s `text` or
// textContent. el() refuses attributes that could run code or carry inline
// style, so a mistake shows up as an exception instead of a hole.

import { lang, pick, t } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (/^on/i.test(k) || k === 'style' || k === 'innerHTML') throw new Error(`el: refusing attribute ${k}`);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}

// lang="ja" for text written in Japanese on an English page (so that
// screen readers and fonts treat it as Japanese); null otherwise.
const JAPANESE = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]/;
export function textLang(text) {
  return document.documentElement.lang !== 'ja' && JAPANESE.test(text || '') ? 'ja' : null;
}

// An HTML element: el('a', {href, text}, child, ...). Falsy children are skipped.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// An SVG element, same calling convention as el().
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GETs a JSON API path; throws ApiError with the server's message.
export async function api(path, { signal } = {}) {
  let r;
  try {
    r = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, t('error.network', { message: e.message }));
  }
  const body = await r.json().catch(() => null);
  if (r.status === 401) {
    // The session ended (--auth token): sign in again, then come back.
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}&lang=${lang()}`);
  }
  if (!r.ok) throw new ApiError(r.status, body?.error || `${r.status} ${r.statusText}`);
  return body;
}

let specPromise = null;

// Whether the server answers an API path (as written in its OpenAPI
// description, e.g. "/api/postmortems/{slug}/similar"). Parts of the UI
// that use an endpoint added later ask first, so that an older or newer
// server never gets requests it will answer with 404. Every API route is
// in the description (tests/unit/test_routes.c checks it).
export async function apiHas(pattern) {
  if (!specPromise) {
    specPromise = fetch('/api/openapi.yaml').then((r) => (r.ok ? r.text() : '')).catch(() => '');
  }
  return (await specPromise).includes(`\n  ${pattern}:\n`);
}

let settingsPromise = null;

// The settings from the repository's .pmkb.yml that the UI needs on every
// page: the causes (labels, colours) and the reporting time zone. No API
// returns only these, so they come with the cheapest statistics query (one
// row per year) and are fetched once per page load.
export function settings() {
  if (!settingsPromise) {
    settingsPromise = api('/api/stats/causes?period=year').then((j) => ({
      timeZone: j.time_zone || 'UTC',
      fiscalStartMonth: j.fiscal_start_month || 1,
      causes: new Map(j.causes.map((c) => [c.id, c])),
    })).catch((e) => {
      settingsPromise = null; // try again on the next page
      throw e;
    });
  }
  return settingsPromise;
}

// The label of a cause id in the current language (the id when unknown).
export function causeLabel(s, id) {
  return pick(s.causes.get(id)) || id;
}

export function causeColor(s, id) {
  return s.causes.get(id)?.color || '#888888';
}

// A small colour square for legends and chips (an SVG attribute, not an
// inline style, so the CSP needs no 'unsafe-inline').
export function swatch(color) {
  return svg('svg', { class: 'swatch', width: 10, height: 10, viewBox: '0 0 10 10', 'aria-hidden': 'true' },
    svg('rect', { width: 10, height: 10, rx: 2, fill: color }));
}

const partsCache = new Map();

function formatter(timeZone, withTime) {
  const key = `${timeZone}|${withTime}|${lang()}`;
  let f = partsCache.get(key);
  if (!f) {
    const opts = { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' };
    if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    try {
      f = new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-US', opts);
    } catch {
      // An unknown zone name: fall back to UTC rather than fail the page.
      f = new Intl.DateTimeFormat('en-US', { ...opts, timeZone: 'UTC' });
    }
    partsCache.set(key, f);
  }
  return f;
}

function parts(value, timeZone, withTime) {
  const p = {};
  for (const { type, value: v } of formatter(timeZone, withTime).formatToParts(new Date(value))) p[type] = v;
  return p;
}

function isInstant(value) {
  return !!value && !/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(new Date(value).getTime());
}

// The day of a timestamp from the API in the reporting time zone,
// "2018-02-14". A date written without a time is shown as written: it
// names a day, not an instant.
export function formatDate(value, timeZone) {
  if (!isInstant(value)) return value || '';
  const p = parts(value, timeZone, false);
  return `${p.year}-${p.month}-${p.day}`;
}

// Day and time in the reporting time zone, "2018-02-14 09:28", with the
// zone's short name ("JST", "GMT+9") when withZone.
export function formatDateTime(value, timeZone, withZone = true) {
  if (!isInstant(value)) return value || '';
  const p = parts(value, timeZone, true);
  const s = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  return withZone && p.timeZoneName ? `${s} ${p.timeZoneName}` : s;
}

// The short name of a zone now ("JST", "GMT+9"), for "times in ..." notes.
export function zoneName(timeZone) {
  return parts(Date.now(), timeZone, true).timeZoneName || '';
}

// A duration in seconds as "14 min", "2 h 5 min", "3 d 4 h" (or Japanese).
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '';
  // A negative span means the file has its times in the wrong order.
  if (seconds < 0) return t('dur.invalid');
  const s = Math.round(seconds);
  if (s < 60) return t('dur.s', { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return t('dur.min', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? t('dur.hmin', { h, m: m % 60 }) : t('dur.h', { h });
  const d = Math.floor(h / 24);
  return h % 24 ? t('dur.dh', { d, h: h % 24 }) : t('dur.d', { d });
}

// Client-side navigation: app.js registers the router.
let router = () => {};

export function setRouter(fn) {
  router = fn;
}

// Goes to url inside the app (pushState unless replace) and renders it.
// typing tells the search page that the change came from the search box.
export function navigate(url, { replace = false, typing = false } = {}) {
  const u = new URL(url, location.href);
  if (u.href === location.href && !replace) return;
  if (replace) history.replaceState(null, '', u);
  else history.pushState(null, '', u);
  router({ typing });
}

// Builds "/path?k=v" from an object, leaving out empty values.
export function withParams(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// A status line for loading and errors, announced to screen readers.
export function statusLine(text, kind = '') {
  return el('p', { class: ['status', kind], role: kind === 'error' ? 'alert' : 'status', text });
}

// A table wrapped so that it scrolls sideways on a phone instead of
// widening the page.
export function scrollTable(table) {
  return el('div', { class: 'table-scroll' }, table);
}

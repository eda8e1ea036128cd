// The fleet view's style sheet and its one small script, served as files
// (/fleet/assets/…) so the Content-Security-Policy can forbid every inline
// script and style. They live here as text, compiled with the rest of
// central/ into dist/, so nothing has to be copied beside the build or
// found on disk at run time.
//
// Colours are the Okabe–Ito palette, which reads under every common colour
// blindness; and no state is told by colour alone: each has a word and a
// shape (✓ ▲ ✖ ⊘), and the chart's verdicts differ in lightness and pattern.
import { createHash } from 'node:crypto';

const CSS = `
:root {
  --ink: #17202a;
  --muted: #56606b;
  --paper: #ffffff;
  --ground: #f2f4f7;
  --line: #c9d0d8;
  --ok: #0072b2;
  --ok-bg: #e4f1fa;
  --warn: #8a5a00;
  --warn-bg: #fff0cc;
  --warn-edge: #e69f00;
  --crit: #ffffff;
  --crit-bg: #a3161a;
  --off-bg: #e6e6e6;
  --admit: #56b4e9;
  --review: #e69f00;
  --deny: #2b2b2b;
  font-family: system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif;
  font-size: 16px;
  line-height: 1.45;
  color: var(--ink);
  background: var(--ground);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: #005a8c; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--paper); padding: 4px 8px; z-index: 2; }
header.bar {
  display: flex; align-items: center; gap: 16px; flex-wrap: wrap;
  padding: 10px 20px; background: #1d2733; color: #ffffff;
}
header.bar h1 { font-size: 20px; margin: 0; margin-right: auto; font-weight: 600; }
header.bar a { color: #ffffff; }
header.bar .who { color: #d7dee6; }
.langs { display: flex; gap: 4px; }
.langs a, .langs span { padding: 4px 10px; border-radius: 4px; text-decoration: none; border: 1px solid #8796a5; min-height: 32px; display: inline-flex; align-items: center; }
.langs span[aria-current] { background: #ffffff; color: #1d2733; font-weight: 600; }
button, .button {
  font: inherit; min-height: 40px; padding: 6px 16px; border-radius: 4px; cursor: pointer;
  border: 1px solid #1d2733; background: #ffffff; color: #1d2733; font-weight: 600;
}
header.bar button { border-color: #ffffff; }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #e69f00; outline-offset: 2px; }
main { padding: 16px 20px 28px; }
svg.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
main > section:first-of-type { margin-top: 0; }
section { margin-top: 20px; }
h2 { font-size: 18px; margin: 0 0 8px; }
.notice { margin: 12px 20px 0; padding: 8px 12px; border: 2px solid var(--warn-edge); background: var(--warn-bg); color: #4a3000; border-radius: 4px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.tile { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 14px; }
.tile .figure { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .figure small { font-size: 16px; font-weight: 400; color: var(--muted); }
.tile.attn .figure { color: var(--crit-bg); }
.tile.verdicts { grid-column: span 2; }
.tile.verdicts .figure { font-size: 22px; line-height: 1.75; }
.badge {
  display: inline-flex; align-items: center; gap: 4px; white-space: nowrap;
  padding: 1px 8px; border-radius: 10px; font-size: 14px; font-weight: 600; border: 1px solid transparent;
}
.badge .icon { font-size: 13px; }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: var(--ok); }
.badge.warning { background: var(--warn-bg); color: var(--warn); border-color: var(--warn-edge); }
.badge.critical { background: var(--crit-bg); color: var(--crit); }
.badge.revoked { background: var(--off-bg); color: #444444; border-color: #999999; }
ul.alerts { list-style: none; padding: 0; margin: 0; display: grid; gap: 6px; }
ul.alerts li {
  display: grid; grid-template-columns: 7em minmax(9em, 16em) 1fr auto; gap: 10px; align-items: center;
  background: var(--paper); border: 1px solid var(--line); border-left-width: 6px; border-radius: 4px; padding: 6px 10px;
}
ul.alerts li.critical { border-left-color: var(--crit-bg); }
ul.alerts li.warning { border-left-color: var(--warn-edge); }
ul.alerts .where { font-weight: 600; }
ul.alerts .since { color: var(--muted); font-size: 14px; white-space: nowrap; }
p.none { background: var(--paper); border: 1px solid var(--line); border-radius: 4px; padding: 8px 12px; margin: 0; }
.table-wrap:focus-visible { outline: 3px solid #e69f00; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e7ec; white-space: nowrap; vertical-align: top; }
thead th { background: #e9edf2; font-size: 14px; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
td.flag { color: var(--crit-bg); font-weight: 700; }
td.flag.warning { color: var(--warn); }
td .sub { display: block; color: var(--muted); font-size: 13px; }
tr.revoked td { color: #6b6b6b; }
td.dev { white-space: normal; min-width: 10em; }
td.dev span { display: block; }
td.dev .bad { color: var(--crit-bg); font-weight: 700; }
code { font-size: 13px; }
.legend { display: flex; gap: 16px; flex-wrap: wrap; align-items: center; margin: 0 0 8px; color: var(--muted); font-size: 14px; }
.legend svg { vertical-align: middle; margin-right: 4px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px; }
.chart { margin: 0; background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.chart h3 { font-size: 16px; margin: 0; }
.chart .counts { font-size: 14px; color: var(--muted); margin: 2px 0 4px; }
.chart .counts strong { color: var(--ink); }
.chart .counts .gatebad { color: var(--crit-bg); font-weight: 700; }
.chart svg { width: 100%; height: auto; display: block; }
.bar-admit { fill: var(--admit); }
.bar-review { fill: url(#fleet-review); }
.bar-deny { fill: var(--deny); }
.axis { fill: var(--muted); font-size: 11px; }
.grid { stroke: #e3e7ec; stroke-width: 1; }
footer.updated { color: var(--muted); font-size: 14px; margin-top: 18px; }
.login { max-width: 420px; margin: 48px auto; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; }
.login h2 { font-size: 20px; }
.login label { display: block; margin-top: 12px; font-weight: 600; }
.login input { display: block; width: 100%; font: inherit; padding: 8px 10px; min-height: 44px; border: 1px solid #8796a5; border-radius: 4px; margin-top: 4px; }
.login button { margin-top: 18px; width: 100%; background: #1d2733; color: #ffffff; min-height: 48px; }
.login .error { border: 2px solid var(--crit-bg); background: #fbe9e9; color: #5c0b0d; padding: 8px 10px; border-radius: 4px; }
.login .error::before { content: '✖ '; }
.login .info { border: 2px solid var(--ok); background: var(--ok-bg); padding: 8px 10px; border-radius: 4px; }
@media (max-width: 720px) {
  ul.alerts li { grid-template-columns: 1fr; gap: 2px; }
  .charts { grid-template-columns: 1fr; }
}
`;

// The page's refresh: every 30 s (while the tab is shown) the main part is
// fetched again and put in place. The request says it is a refresh, so it
// does not keep an unattended session alive; once the session has ended the
// page says so and stops.
const JS = `'use strict';
(function () {
  var main = document.getElementById('fleet-main');
  var notice = document.getElementById('fleet-notice');
  if (!main || !notice) return;
  var body = document.body;
  var every = Number(body.getAttribute('data-refresh-ms')) || 30000;
  var ended = false;
  function say(text, link) {
    notice.textContent = text + ' ';
    if (link) {
      var a = document.createElement('a');
      a.href = '/fleet/login';
      a.textContent = link;
      notice.appendChild(a);
    }
    notice.hidden = false;
  }
  function refresh() {
    if (ended || document.hidden) return;
    fetch('/fleet/part', { headers: { 'x-fleet-refresh': '1' }, credentials: 'same-origin', cache: 'no-store', redirect: 'error' })
      .then(function (r) {
        if (r.status === 401) {
          ended = true;
          say(body.getAttribute('data-session-ended') || '', body.getAttribute('data-login') || '');
          return null;
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (text) {
        if (text === null) return;
        var t = document.createElement('template');
        t.innerHTML = text;
        main.replaceChildren(t.content);
        notice.hidden = true;
      })
      .catch(function () {
        say(body.getAttribute('data-refresh-failed') || '');
      });
  }
  setInterval(refresh, every);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) refresh();
  });
})();
`;

/** A small icon, so the browser does not ask for /favicon.ico. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2733"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#56b4e9" stroke-width="2" fill="none"/></svg>`;

export interface Asset {
  body: string;
  type: string;
  /** Part of the asset's URL: a new build's file is a new URL, so it may be cached for long. */
  version: string;
}

const asset = (body: string, type: string): Asset => ({ body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });

export const ASSETS: Record<string, Asset> = {
  'fleet.css': asset(CSS, 'text/css; charset=utf-8'),
  'fleet.js': asset(JS, 'text/javascript; charset=utf-8'),
  'icon.svg': asset(ICON, 'image/svg+xml'),
};

/** The URL a page refers to an asset by. */
export function assetUrl(name: keyof typeof ASSETS & string): string {
  return `/fleet/assets/${name}?v=${ASSETS[name]!.version}`;
}

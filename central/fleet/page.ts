// The fleet view's pages, rendered on the server: the login page, and the
// fleet page whose main part (/fleet/part) the page's script fetches again
// every 30 s. Everything a kiosk sent is escaped (html.ts); no inline script
// or style (the CSP forbids both: colours are classes in fleet.css, the
// chart's SVG uses classes and geometry only).
import type { Lang } from '../../main/contract/messages.js';
import { assetUrl } from './assets.js';
import { Html, html } from './html.js';
import { DEVICE_STATE_WORDS, LANGS, LANG_NAMES, STATE_WORDS, ago, alertText, count, offset, t } from './i18n.js';
import { HOUR_MS, type FleetAlert, type FleetSummary, type GateCounts, type KioskRow, type KioskState } from './summary.js';

export const REFRESH_MS = 30_000;

const ICONS: Record<KioskState, string> = { ok: '✓', warning: '▲', critical: '✖', revoked: '⊘' };

function badge(lang: Lang, state: KioskState): Html {
  return html`<span class="badge ${state}" data-state="${state}"><span class="icon" aria-hidden="true">${ICONS[state]}</span>${STATE_WORDS[state][lang]}</span>`;
}

function langSwitch(lang: Lang, path: string): Html {
  return html`<nav class="langs" aria-label="${t(lang, 'language')}">
    ${LANGS.map((l) =>
      l === lang ? html`<span aria-current="true" lang="${l}">${LANG_NAMES[l]}</span>` : html`<a href="${path}?lang=${l}" lang="${l}" hreflang="${l}" data-testid="lang-${l}">${LANG_NAMES[l]}</a>`,
    )}
  </nav>`;
}

function document(lang: Lang, title: string, body: Html, bodyAttrs: Html = html``): string {
  return `<!doctype html>\n${html`<html lang="${lang}">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <link rel="icon" href="${assetUrl('icon.svg')}" type="image/svg+xml" />
      <link rel="stylesheet" href="${assetUrl('fleet.css')}" />
    </head>
    <body ${bodyAttrs}>
      ${body}
    </body>
  </html>`}\n`;
}

export type LoginNotice = 'refused' | 'expired' | 'ended' | 'logged-out' | null;

/** The login form; `csrf` is the login form's token (a cookie holds its twin). */
export function loginPage(lang: Lang, opts: { csrf: string; notice: LoginNotice; name?: string }): string {
  const notice =
    opts.notice === 'refused'
      ? html`<p class="error" role="alert" data-testid="login-error">${t(lang, 'loginRefused')}</p>`
      : opts.notice === 'expired'
        ? html`<p class="error" role="alert" data-testid="login-error">${t(lang, 'formExpired')}</p>`
        : opts.notice === 'ended'
          ? html`<p class="info" role="status" data-testid="login-info">${t(lang, 'sessionEnded')}</p>`
          : opts.notice === 'logged-out'
            ? html`<p class="info" role="status" data-testid="login-info">${t(lang, 'loggedOut')}</p>`
            : null;
  return document(
    lang,
    `${t(lang, 'loginTitle')} · ${t(lang, 'title')}`,
    html`<header class="bar">
        <h1>${t(lang, 'title')}</h1>
        ${langSwitch(lang, '/fleet/login')}
      </header>
      <main>
        <form class="login" method="post" action="/fleet/login" autocomplete="on" data-testid="login-form">
          <h2>${t(lang, 'loginTitle')}</h2>
          <p>${t(lang, 'loginIntro')}</p>
          ${notice}
          <input type="hidden" name="csrf" value="${opts.csrf}" />
          <label for="name">${t(lang, 'name')}</label>
          <input id="name" name="name" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${opts.name ?? ''}" />
          <label for="password">${t(lang, 'password')}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256" />
          <button type="submit" data-testid="login-submit">${t(lang, 'login')}</button>
        </form>
      </main>`,
  );
}

export interface PageContext {
  lang: Lang;
  timeZone: string;
  operator: string;
  csrf: string;
  /** How often the page's script fetches the main part again, ms. */
  refreshMs: number;
}

/** A time on a 24-hour clock in the view's zone; with its day ("1 Jan", "1月1日") when it is not within the day around now. */
function clockTime(ctx: { lang: Lang; timeZone: string }, ms: number, nowMs: number): string {
  const sameDay = Math.abs(nowMs - ms) < 20 * HOUR_MS;
  return new Intl.DateTimeFormat(ctx.lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: ctx.timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
  }).format(ms);
}

function place(lang: Lang, station: string | null, gate: string | null): string {
  return `${station ?? t(lang, 'none')} · ${gate ?? t(lang, 'none')}`;
}

function alertItem(ctx: PageContext, a: FleetAlert, nowMs: number): Html {
  const state = a.severity;
  return html`<li class="${state}" data-kind="${a.kind === 'stored' ? `stored:${a.storedKind ?? ''}` : a.kind}" data-device="${a.deviceId ?? ''}">
    <span>${badge(ctx.lang, state)}</span>
    <span class="where">${place(ctx.lang, a.station, a.gate)}</span>
    <span class="what">${alertText(ctx.lang, a)}</span>
    <span class="since">${a.sinceMs === null ? '' : `${ctx.lang === 'zh-CN' ? '自' : 'since'} ${clockTime(ctx, a.sinceMs, nowMs)}`}</span>
  </li>`;
}

const NONE = (lang: Lang): Html => html`<span aria-label="${lang === 'zh-CN' ? '无数据' : 'none sent'}">${t(lang, 'none')}</span>`;

function deviceCell(lang: Lang, label: string, state: string | undefined, bad: boolean): Html {
  if (state === undefined) return html`<span>${label}: ${t(lang, 'none')}</span>`;
  const words = DEVICE_STATE_WORDS[state]?.[lang] ?? state;
  return bad ? html`<span class="bad">✖ ${label}: ${words}</span>` : html`<span>${label}: ${words}</span>`;
}

function kioskRow(ctx: PageContext, k: KioskRow, nowMs: number): Html {
  const { lang } = ctx;
  const has = (kind: FleetAlert['kind']): FleetAlert | undefined => k.alerts.find((a) => a.kind === kind);
  const s = k.status;
  const silent = has('silent') ?? has('never-seen');
  const bundleAlert = has('bundle-expired') ?? has('no-bundle') ?? has('bundle-expiring') ?? has('bundle-stale');
  const clockAlert = has('clock-off');
  const flag = (a: FleetAlert | undefined): string => (a ? (a.severity === 'critical' ? 'flag' : 'flag warning') : '');
  const mark = (a: FleetAlert | undefined): Html | null => (a ? html`<span aria-hidden="true">${a.severity === 'critical' ? '✖ ' : '▲ '}</span>` : null);
  const lastSeen = k.lastSeenAtMs === null ? t(lang, 'never') : ago(lang, nowMs - k.lastSeenAtMs);
  const bundleSub =
    s?.bundleExpiresAtMs === null || s?.bundleExpiresAtMs === undefined ? null : html`<span class="sub">${lang === 'zh-CN' ? '有效至' : 'until'} ${clockTime(ctx, s.bundleExpiresAtMs, nowMs)}</span>`;
  return html`<tr class="${k.state}" data-device="${k.deviceId}" data-state="${k.state}">
    <td>${badge(lang, k.state)}</td>
    <td>
      ${k.station ?? t(lang, 'none')}<span class="sub">${t(lang, 'device')} <code title="${k.deviceId}">${k.deviceId.slice(0, 10)}</code></span>
    </td>
    <td>${k.gate ?? t(lang, 'none')}</td>
    <td class="${flag(silent)}" title="${k.lastSeenAtMs === null ? '' : new Date(k.lastSeenAtMs).toISOString()}">${mark(silent)}${lastSeen}</td>
    <td class="num">
      ${s ? count(lang, s.backlog) : NONE(lang)}${s && s.oldestPendingAtMs !== null && s.backlog > 0 ? html`<span class="sub">${t(lang, 'oldest')} ${ago(lang, nowMs - s.oldestPendingAtMs)}</span>` : null}
    </td>
    <td>${s ? s.appVersion : NONE(lang)}</td>
    <td class="${flag(bundleAlert)}">${s ? html`${mark(bundleAlert)}${s.bundleSeq === null ? t(lang, 'none') : `${t(lang, 'seq')} ${s.bundleSeq}`}${bundleSub}` : NONE(lang)}</td>
    <td class="num">${s && s.policyVersion !== null ? s.policyVersion : NONE(lang)}</td>
    <td class="${flag(clockAlert)}">${k.clockOffsetMs === null ? NONE(lang) : html`${mark(clockAlert)}${offset(lang, k.clockOffsetMs)}`}</td>
    <td class="dev">
      ${
        s
          ? [
              deviceCell(lang, t(lang, 'thermometer'), s.devices.thermometer, s.devices.thermometer === 'offline'),
              deviceCell(lang, t(lang, 'scanner'), s.devices.scanner, s.devices.scanner === 'offline'),
              deviceCell(lang, t(lang, 'gate'), s.devices.gate, s.devices.gate === 'out-of-order'),
            ]
          : NONE(lang)
      }
    </td>
  </tr>`;
}

/** The chart's patterns, once per page (every chart refers to them). */
const PATTERNS = html`<svg width="0" height="0" aria-hidden="true" focusable="false" class="defs">
  <defs>
    <pattern id="fleet-review" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect width="6" height="6" fill="#e69f00" />
      <rect width="2" height="6" fill="#ffffff" />
    </pattern>
  </defs>
</svg>`;

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= n) return m * step;
  return 10 * step;
}

const W = 480;
const H = 132;
const LEFT = 34;
const RIGHT = 4;
const TOP = 8;
const BOTTOM = 20;

function hourLabel(ctx: { lang: Lang; timeZone: string }, ms: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: ctx.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(ms);
}

function gateChart(ctx: PageContext, g: GateCounts): Html {
  const { lang } = ctx;
  const max = niceMax(Math.max(0, ...g.hours.map((h) => h.admit + h.review + h.deny)));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / g.hours.length;
  const barW = Math.max(2, slot - 3);
  const y = (n: number): number => (n / max) * plotH;
  const fmt = (n: number): string => n.toFixed(1).replace(/\.0$/, '');
  const bars = g.hours.map((h, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    let base = TOP + plotH;
    const parts: Html[] = [];
    for (const verdict of ['admit', 'review', 'deny'] as const) {
      const height = y(h[verdict]);
      if (h[verdict] === 0) continue;
      base -= height;
      parts.push(html`<rect class="bar-${verdict}" x="${fmt(x)}" y="${fmt(base)}" width="${fmt(barW)}" height="${fmt(height)}" />`);
    }
    const label = `${hourLabel(ctx, h.startMs)}:00 — ${t(lang, 'admit')} ${h.admit} · ${t(lang, 'review')} ${h.review} · ${t(lang, 'deny')} ${h.deny}`;
    return html`<g data-hour="${new Date(h.startMs).toISOString()}" data-admit="${h.admit}" data-review="${h.review}" data-deny="${h.deny}"
      ><title>${label}</title><rect x="${fmt(LEFT + i * slot)}" y="${TOP}" width="${fmt(slot)}" height="${plotH}" fill="transparent" />${parts}</g
    >`;
  });
  const ticks = g.hours
    .map((h, i) => ({ h, i }))
    .filter(({ i }) => i % 6 === 0 || i === g.hours.length - 1)
    .map(({ h, i }) => html`<text class="axis" x="${fmt(LEFT + i * slot + slot / 2)}" y="${H - 5}" text-anchor="middle">${hourLabel(ctx, h.startMs)}</text>`);
  const total = g.totals.admit + g.totals.review + g.totals.deny;
  const summary = `${place(lang, g.station, g.gate)}: ${t(lang, 'admit')} ${g.totals.admit}, ${t(lang, 'review')} ${g.totals.review}, ${t(lang, 'deny')} ${g.totals.deny}`;
  return html`<figure class="chart" data-station="${g.station ?? ''}" data-gate="${g.gate ?? ''}">
    <h3>${place(lang, g.station, g.gate)}</h3>
    <p class="counts">
      <strong>${t(lang, 'admit')} ${count(lang, g.totals.admit)}</strong> · <strong>${t(lang, 'review')} ${count(lang, g.totals.review)}</strong> ·
      <strong>${t(lang, 'deny')} ${count(lang, g.totals.deny)}</strong> ·
      <span class="${g.notPassed > 0 ? 'gatebad' : ''}" data-testid="not-passed">${t(lang, 'notPassed')} ${count(lang, g.notPassed)}</span> ·
      <span class="${g.tailgates > 0 ? 'gatebad' : ''}" data-testid="tailgates">${t(lang, 'tailgates')} ${count(lang, g.tailgates)}</span>
    </p>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${summary}">
      <line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP}" y2="${TOP}" />
      <line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP + plotH / 2}" y2="${TOP + plotH / 2}" />
      <line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${TOP + plotH}" y2="${TOP + plotH}" />
      <text class="axis" x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end">${max}</text>
      <text class="axis" x="${LEFT - 4}" y="${TOP + plotH / 2 + 4}" text-anchor="end">${max / 2}</text>
      <text class="axis" x="${LEFT - 4}" y="${TOP + plotH + 4}" text-anchor="end">0</text>
      ${bars} ${ticks} ${total === 0 ? html`<text class="axis" x="${LEFT + plotW / 2}" y="${TOP + plotH / 2 - 6}" text-anchor="middle">${t(lang, 'noChecks')}</text>` : null}
    </svg>
  </figure>`;
}

function legend(lang: Lang): Html {
  const swatch = (cls: string): Html => html`<svg width="14" height="14" aria-hidden="true"><rect class="${cls}" width="14" height="14" /></svg>`;
  return html`<p class="legend">
    <span>${swatch('bar-admit')}${t(lang, 'admit')}</span><span>${swatch('bar-review')}${t(lang, 'review')}</span><span>${swatch('bar-deny')}${t(lang, 'deny')}</span
    ><span>${t(lang, 'chartHint')}</span>
  </p>`;
}

/** The page's main part: what /fleet/part answers and the script puts in place every 30 s. */
export function fleetMain(ctx: PageContext, s: FleetSummary): string {
  const { lang } = ctx;
  const now = s.generatedAtMs;
  const tot = s.totals;
  const live = s.kiosks.filter((k) => !k.revoked).length;
  return html`${PATTERNS}
    <section aria-labelledby="h-overview" data-testid="overview">
      <h2 id="h-overview" class="skip">${t(lang, 'title')}</h2>
      <div class="tiles">
        <div class="tile">
          <div class="label">${t(lang, 'kiosks')}</div>
          <div class="figure" data-testid="kiosk-count">${count(lang, tot.kiosks)}</div>
        </div>
        <div class="tile">
          <div class="label">${t(lang, 'online')}</div>
          <div class="figure" data-testid="online-count">${count(lang, tot.online)}<small> / ${count(lang, live)}</small></div>
        </div>
        <div class="tile${tot.attention > 0 ? ' attn' : ''}">
          <div class="label">${t(lang, 'attention')}</div>
          <div class="figure" data-testid="attention-count">${tot.attention > 0 ? '✖ ' : '✓ '}${count(lang, tot.attention)}</div>
        </div>
        <div class="tile verdicts">
          <div class="label">${t(lang, 'checks24h')}</div>
          <div class="figure">${t(lang, 'admit')} ${count(lang, tot.admit)} · ${t(lang, 'review')} ${count(lang, tot.review)} · ${t(lang, 'deny')} ${count(lang, tot.deny)}</div>
        </div>
        <div class="tile">
          <div class="label">${t(lang, 'notPassed')} · ${t(lang, 'tailgates')}</div>
          <div class="figure">${count(lang, tot.notPassed)} · ${count(lang, tot.tailgates)}</div>
        </div>
      </div>
    </section>
    <section id="alerts" aria-labelledby="h-alerts" data-testid="alerts">
      <h2 id="h-alerts">${t(lang, 'alerts')} (${s.alerts.length})</h2>
      ${
        s.alerts.length === 0
          ? html`<p class="none">✓ ${t(lang, 'noAlerts')}</p>`
          : html`<ul class="alerts">
              ${s.alerts.map((a) => alertItem(ctx, a, now))}
            </ul>`
      }
    </section>
    <section data-testid="kiosks">
      <h2 id="h-kiosks">${t(lang, 'kioskList')} (${s.kiosks.length})</h2>
      ${
        s.kiosks.length === 0
          ? html`<p class="none">${t(lang, 'noKiosks')}</p>`
          : html`<div class="table-wrap" role="region" aria-labelledby="h-kiosks" tabindex="0">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t(lang, 'state')}</th>
                    <th scope="col">${t(lang, 'station')}</th>
                    <th scope="col">${t(lang, 'gate')}</th>
                    <th scope="col">${t(lang, 'lastSeen')}</th>
                    <th scope="col" class="num">${t(lang, 'backlog')}</th>
                    <th scope="col">${t(lang, 'appVersion')}</th>
                    <th scope="col">${t(lang, 'bundle')}</th>
                    <th scope="col" class="num">${t(lang, 'policy')}</th>
                    <th scope="col">${t(lang, 'clock')}</th>
                    <th scope="col">${t(lang, 'devices')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${s.kiosks.map((k) => kioskRow(ctx, k, now))}
                </tbody>
              </table>
            </div>`
      }
    </section>
    <section aria-labelledby="h-chart" data-testid="chart">
      <h2 id="h-chart">${t(lang, 'chartTitle')}</h2>
      ${legend(lang)}
      <div class="charts">${s.gates.map((g) => gateChart(ctx, g))}</div>
    </section>
    <footer class="updated" data-testid="updated" data-generated="${new Date(now).toISOString()}">
      ${t(lang, 'updated')} ${clockTime(ctx, now, now)} (${ctx.timeZone}) · ${t(lang, 'refreshEvery')}
    </footer>`.text;
}

/** The whole fleet page. */
export function fleetPage(ctx: PageContext, s: FleetSummary): string {
  const { lang } = ctx;
  return document(
    lang,
    t(lang, 'title'),
    html`<a class="skip" href="#alerts">${t(lang, 'skip')}</a>
      <header class="bar">
        <h1>${t(lang, 'title')}</h1>
        <span class="who" data-testid="operator">${t(lang, 'loggedInAs')}: ${ctx.operator}</span>
        ${langSwitch(lang, '/fleet')}
        <form method="post" action="/fleet/logout"><input type="hidden" name="csrf" value="${ctx.csrf}" /><button type="submit" data-testid="logout">${t(lang, 'logout')}</button></form>
      </header>
      <p class="notice" id="fleet-notice" role="status" hidden></p>
      <main id="fleet-main">${new Html(fleetMain(ctx, s))}</main>
      <script src="${assetUrl('fleet.js')}"></script>`,
    html`data-refresh-ms="${ctx.refreshMs}" data-session-ended="${t(lang, 'sessionEnded')}" data-login="${t(lang, 'login')}" data-refresh-failed="${t(lang, 'refreshFailed')}"`,
  );
}

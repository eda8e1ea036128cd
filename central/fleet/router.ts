// The fleet view's routes under /fleet, dispatched to from the central
// service (central/service.ts). Like the service, it keeps nothing a second
// process would need: operators and sessions are rows in the store.
//
//   GET  /fleet               the fleet page (a session; else 303 to the login)
//   GET  /fleet/part          its main part, for the page's 30 s refresh (401 without a session)
//   GET  /fleet/api/summary   the same as JSON (401 without a session)
//   GET  /fleet/login         the login form
//   POST /fleet/login         name, password and the form's CSRF token
//   POST /fleet/logout        the session's CSRF token
//   GET  /fleet/assets/NAME   the style sheet, the script, the icon
//
// Every POST must come from the view's own page (Origin, Sec-Fetch-Site)
// and carry its CSRF token; every answer carries the headers of auth.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isLang, type Lang } from '../../main/contract/messages.js';
import type { CentralStore } from '../store.js';
import { ASSETS } from './assets.js';
import { LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, clearCookie, fromOwnPage, isSecure, isToken, newToken, parseCookies, securityHeaders, setCookie, tokensEqual } from './auth.js';
import { LOGINS_BUSY, requestLang, t } from './i18n.js';
import { Operators, type LoginResult, type Session } from './operators.js';
import { HASHING_RETRY_AFTER_S, HashingBusy, PASSWORD_HASHING } from './passwords.js';
import { REFRESH_MS, fleetMain, fleetPage, loginPage, type LoginNotice, type PageContext } from './page.js';
import { THRESHOLDS, fleetSummary, type FleetSummary, type Thresholds } from './summary.js';

export interface FleetOptions {
  /** The view's address as browsers reach it (behind a proxy): its origin is accepted, and https makes cookies Secure. */
  publicUrl?: string;
  /** The zone the page's times and hours are shown in (default: this process's). */
  timeZone?: string;
  maxFailures?: number;
  lockoutMs?: number;
  idleMs?: number;
  lifetimeMs?: number;
  /** Every login answer takes at least this long, ms (so no answer is told apart by its time). */
  loginFloorMs?: number;
  /** How often the page fetches its main part again, ms (default 30 s). */
  refreshMs?: number;
  /** One summary is reused for this long by every operator's page, ms (0: computed for each request). */
  summaryCacheMs?: number;
  thresholds?: Partial<Thresholds>;
}

/** What the fleet view takes from the service that dispatches to it (CentralServiceOptions fits). */
export interface FleetHost {
  store: CentralStore;
  clock?: () => number;
  log?: (line: string) => void;
  fleet?: FleetOptions;
}

export const LOGIN_FLOOR_MS = 400;
export const SUMMARY_CACHE_MS = 5_000;
const MAX_FORM_BYTES = 4096;
const LANG_COOKIE_AGE_S = 365 * 86_400;
const LOGIN_COOKIE_AGE_S = 3600;

class FormRefused extends Error {
  constructor(readonly status: number) {
    super(`form refused (${status})`);
  }
}

/** The client went away before its form had come whole: nobody is left to answer. */
class ClientGone extends Error {
  constructor(cause?: unknown) {
    super('the client went away', cause === undefined ? undefined : { cause });
    this.name = 'ClientGone';
  }
}

/** The form of a POST, at most MAX_FORM_BYTES; rejects FormRefused, or ClientGone when the request is aborted or fails. */
function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return Promise.reject(new FormRefused(415));
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_FORM_BYTES) return Promise.reject(new FormRefused(413));
  return new Promise((resolve, reject) => {
    // Gone while the route awaited something else (logout looks its session up first): its
    // 'error' and 'close' went by with nobody listening, and no event will come now.
    if (req.destroyed) return reject(new ClientGone());
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      total += c.length;
      if (total > MAX_FORM_BYTES) {
        done = true;
        reject(new FormRefused(413));
        req.resume();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', (err) => {
      if (!done) reject(new ClientGone(err));
      done = true;
    });
    // An aborted request emits 'error' only to listeners it had then, and never ends: 'close' always comes.
    req.on('close', () => {
      if (!done) reject(new ClientGone());
      done = true;
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  url: URL;
  lang: Lang;
  secure: boolean;
  cookies: Map<string, string>;
  /** Set-Cookie lines of the answer. */
  setCookies: string[];
}

const routers = new WeakMap<object, FleetRouter>();

/** The fleet view's answer to a request under /fleet, by a router made once per service. */
export function handleFleet(service: object, host: FleetHost, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  let router = routers.get(service);
  if (!router) {
    router = new FleetRouter(host);
    routers.set(service, router);
  }
  return router.handle(req, res, path);
}

export class FleetRouter {
  readonly operators: Operators;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private readonly publicUrl: URL | null;
  private readonly timeZone: string;
  private readonly thresholds: Thresholds;
  private cached: { atMs: number; summary: Promise<FleetSummary> } | null = null;

  constructor(private readonly host: FleetHost) {
    const o = host.fleet ?? {};
    this.clock = host.clock ?? Date.now;
    this.log = host.log ?? ((line) => process.stderr.write(line + '\n'));
    this.operators = new Operators(host.store.sql, o);
    this.publicUrl = o.publicUrl === undefined ? null : new URL(o.publicUrl);
    this.timeZone = o.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.thresholds = { ...THRESHOLDS, ...o.thresholds };
  }

  private get options(): FleetOptions {
    return this.host.fleet ?? {};
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fleet.invalid');
    const cookies = parseCookies(req.headers.cookie);
    const asked = url.searchParams.get('lang');
    const ctx: Ctx = {
      req,
      res,
      path,
      url,
      lang: requestLang(isLang(asked) ? asked : cookies.get(LANG_COOKIE), req.headers['accept-language']),
      secure: isSecure(req, this.publicUrl),
      cookies,
      setCookies: [],
    };
    if (isLang(asked)) ctx.setCookies.push(setCookie(LANG_COOKIE, asked, { secure: ctx.secure, maxAgeS: LANG_COOKIE_AGE_S }));
    try {
      await this.route(ctx);
    } catch (err) {
      if (err instanceof ClientGone) return void ctx.res.destroy();
      if (err instanceof FormRefused)
        return this.send(ctx, err.status, 'text/plain; charset=utf-8', err.status === 413 ? 'the form is too large\n' : 'send the form as application/x-www-form-urlencoded\n');
      this.log(`fleet view: internal error: ${(err as Error).stack ?? String(err)}`);
      this.send(ctx, 500, 'text/plain; charset=utf-8', 'The fleet view could not answer; try again in a moment.\n');
    }
  }

  private async route(ctx: Ctx): Promise<void> {
    const method = ctx.req.method ?? '';
    const only = async (allowed: string, run: () => Promise<void>): Promise<void> => {
      if (method === allowed) return run();
      this.send(ctx, 405, 'text/plain; charset=utf-8', `${allowed} only\n`, { allow: allowed });
    };
    switch (ctx.path) {
      case '/fleet':
      case '/fleet/':
        return only('GET', () => this.page(ctx));
      case '/fleet/part':
        return only('GET', () => this.part(ctx));
      case '/fleet/api/summary':
        return only('GET', () => this.apiSummary(ctx));
      case '/fleet/login':
        if (method === 'POST') return this.login(ctx);
        return only('GET', async () => this.loginForm(ctx, 200, this.noticeOf(ctx)));
      case '/fleet/logout':
        return only('POST', () => this.logout(ctx));
    }
    const asset = /^\/fleet\/assets\/([a-z.]+)$/.exec(ctx.path)?.[1];
    if (asset !== undefined && Object.hasOwn(ASSETS, asset)) {
      return only('GET', async () => {
        const a = ASSETS[asset]!;
        this.send(ctx, 200, a.type, a.body);
      });
    }
    this.send(ctx, 404, 'text/plain; charset=utf-8', 'no such page in the fleet view\n');
  }

  private send(ctx: Ctx, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    if (ctx.res.headersSent) return void ctx.res.destroy();
    const all: Record<string, string | string[]> = { ...securityHeaders(ctx.secure), 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers };
    if (ctx.setCookies.length > 0) all['set-cookie'] = ctx.setCookies;
    ctx.res.writeHead(status, all);
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
  }

  private redirect(ctx: Ctx, location: string): void {
    this.send(ctx, 303, 'text/plain; charset=utf-8', `see ${location}\n`, { location });
  }

  /** The session the request's cookie names; an ended one's cookie is cleared. */
  private async session(ctx: Ctx, touch: boolean): Promise<Session | null> {
    const token = ctx.cookies.get(SESSION_COOKIE);
    if (token === undefined || token === '') return null;
    const session = isToken(token) ? await this.operators.session(token, this.clock(), { touch }) : null;
    if (!session) ctx.setCookies.push(clearCookie(SESSION_COOKIE, ctx.secure));
    return session;
  }

  private summary(): Promise<FleetSummary> {
    const now = this.clock();
    const ttl = this.options.summaryCacheMs ?? SUMMARY_CACHE_MS;
    if (this.cached && now - this.cached.atMs < ttl && now >= this.cached.atMs) return this.cached.summary;
    const summary = fleetSummary(this.host.store.sql, now, this.thresholds);
    this.cached = { atMs: now, summary };
    summary.catch(() => {
      if (this.cached?.summary === summary) this.cached = null;
    });
    return summary;
  }

  private pageContext(ctx: Ctx, session: Session): PageContext {
    return { lang: ctx.lang, timeZone: this.timeZone, operator: session.operator, csrf: session.csrf, refreshMs: this.options.refreshMs ?? REFRESH_MS };
  }

  private async page(ctx: Ctx): Promise<void> {
    const session = await this.session(ctx, true);
    if (!session) return this.redirect(ctx, ctx.cookies.has(SESSION_COOKIE) ? '/fleet/login?ended=1' : '/fleet/login');
    this.send(ctx, 200, 'text/html; charset=utf-8', fleetPage(this.pageContext(ctx, session), await this.summary()));
  }

  private async part(ctx: Ctx): Promise<void> {
    // The page's own refresh says so, and does not count as the operator's use of the session.
    const session = await this.session(ctx, ctx.req.headers['x-fleet-refresh'] !== '1');
    if (!session) return this.send(ctx, 401, 'text/plain; charset=utf-8', `${t(ctx.lang, 'sessionEnded')}\n`);
    this.send(ctx, 200, 'text/html; charset=utf-8', fleetMain(this.pageContext(ctx, session), await this.summary()));
  }

  private async apiSummary(ctx: Ctx): Promise<void> {
    const session = await this.session(ctx, ctx.req.headers['x-fleet-refresh'] !== '1');
    if (!session) return this.send(ctx, 401, 'application/json', JSON.stringify({ error: 'no-session', reason: 'log in at /fleet/login first' }));
    this.send(ctx, 200, 'application/json', JSON.stringify(await this.summary()));
  }

  private noticeOf(ctx: Ctx): LoginNotice {
    if (ctx.url.searchParams.has('ended')) return 'ended';
    if (ctx.url.searchParams.has('bye')) return 'logged-out';
    return null;
  }

  /** The login form, with its CSRF token: the one the browser's cookie holds, else a new one. */
  private loginForm(ctx: Ctx, status: number, notice: LoginNotice, name?: string): void {
    let csrf = ctx.cookies.get(LOGIN_COOKIE);
    if (!isToken(csrf)) csrf = newToken();
    ctx.setCookies.push(setCookie(LOGIN_COOKIE, csrf, { secure: ctx.secure, maxAgeS: LOGIN_COOKIE_AGE_S }));
    this.send(ctx, status, 'text/html; charset=utf-8', loginPage(ctx.lang, { csrf, notice, ...(name === undefined ? {} : { name }) }));
  }

  private async login(ctx: Ctx): Promise<void> {
    const started = performance.now();
    if (!fromOwnPage(ctx.req, this.publicUrl)) {
      ctx.cookies.delete(LOGIN_COOKIE);
      return this.loginForm(ctx, 403, 'expired');
    }
    const form = await readForm(ctx.req);
    if (!isToken(ctx.cookies.get(LOGIN_COOKIE)) || !tokensEqual(form.get('csrf'), ctx.cookies.get(LOGIN_COOKIE))) {
      ctx.cookies.delete(LOGIN_COOKIE);
      return this.loginForm(ctx, 403, 'expired');
    }
    const name = (form.get('name') ?? '').trim().slice(0, 64);
    const password = form.get('password') ?? '';
    // A full queue is told before the attempt is counted, so a flood costs no operator one of theirs
    // (the check and the hashing can still race: then verifyPassword refuses, after the count).
    let result: LoginResult | 'busy' = 'busy';
    if (!PASSWORD_HASHING.full) {
      try {
        result = await this.operators.login(name, password, this.clock());
      } catch (err) {
        if (!(err instanceof HashingBusy)) throw err;
      }
    }
    // Every answer to a login takes at least the floor: none is told apart by its time.
    const floor = this.options.loginFloorMs ?? LOGIN_FLOOR_MS;
    const left = floor - (performance.now() - started);
    if (left > 0) await sleep(left);
    if (result === 'busy') return this.send(ctx, 503, 'text/plain; charset=utf-8', `${LOGINS_BUSY[ctx.lang]}\n`, { 'retry-after': String(HASHING_RETRY_AFTER_S) });
    if (!result.ok) return this.loginForm(ctx, 401, 'refused', name);
    // A new session (never one the browser brought: no fixation), the old one ended.
    const previous = ctx.cookies.get(SESSION_COOKIE);
    if (isToken(previous)) {
      const old = await this.operators.session(previous, this.clock(), { touch: false });
      if (old) await this.operators.endSession(old.id);
    }
    ctx.setCookies.push(setCookie(SESSION_COOKIE, result.token, { secure: ctx.secure }), clearCookie(LOGIN_COOKIE, ctx.secure));
    this.redirect(ctx, '/fleet');
  }

  private async logout(ctx: Ctx): Promise<void> {
    const session = await this.session(ctx, false);
    if (!session) return this.redirect(ctx, '/fleet/login');
    if (!fromOwnPage(ctx.req, this.publicUrl)) return this.send(ctx, 403, 'text/plain; charset=utf-8', `${t(ctx.lang, 'formExpired')}\n`);
    const form = await readForm(ctx.req);
    if (!tokensEqual(form.get('csrf'), session.csrf)) return this.send(ctx, 403, 'text/plain; charset=utf-8', `${t(ctx.lang, 'formExpired')}\n`);
    await this.operators.endSession(session.id);
    ctx.setCookies.push(clearCookie(SESSION_COOKIE, ctx.secure));
    this.redirect(ctx, '/fleet/login?bye=1');
  }
}

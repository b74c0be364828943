/**
 * Who may use the server. It answers only to the Host names it is configured for (the
 * loopback names by default): a page on another site whose name resolves to 127.0.0.1 (DNS
 * rebinding) is refused. On loopback no token is needed; anywhere else a bearer token is,
 * on every route (bull-board, metrics and health included). A browser may pass it once as
 * `?token=`: it is then kept in an HttpOnly cookie and the address is cleaned of it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const TOKEN_COOKIE = 'dossier_sync_token';

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped loopback) and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  if (isIP(h) === 6) {
    // ::1 in any spelling (0:0:0:0:0:0:0:1, ::0001)
    const groups = h.split('::');
    const expand = (s: string) => (s ? s.split(':') : []);
    const left = expand(groups[0] ?? '');
    const right = expand(groups[1] ?? '');
    const full = groups.length === 2 ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
    return full.length === 8 && full.slice(0, 7).every((g) => /^0+$/.test(g)) && /^0*1$/.test(full[7]!);
  }
  return false;
}

/** The names a server answers to unless told more (any port). */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/** A host name as compared: lower case, an IPv6 address in brackets, no port. */
export function hostName(hostOrHeader: string): string {
  const h = hostOrHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  if (isIP(h) === 6) return `[${h}]`;
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** Throws unless `name` is a host name or an IP address (for `--allow-host`). */
export function checkHostName(name: string): string {
  const h = hostName(name);
  const plain = h.replace(/^\[(.*)\]$/, '$1');
  if (
    isIP(plain) === 0 &&
    !/^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?)*\.?$/.test(h)
  )
    throw new Error(`"${name}" is not a host name or an IP address`);
  return h;
}

/** Answers only requests whose Host header names one of `names` (any port); 421 otherwise, saying which names it answers to. */
export function allowHosts(names: readonly string[]): RequestHandler {
  const allowed = new Set(names.map(hostName));
  const list = [...allowed].join(', ');
  return (req, res, next) => {
    const header = req.headers.host;
    if (header !== undefined && allowed.has(hostName(header))) return next();
    const given = header === undefined ? 'no Host header' : `Host "${header}"`;
    res
      .status(421)
      .type('text/plain')
      .send(
        `421 Misdirected Request: this server answers to ${list}, not ${given}. To reach it under another name, start it with --allow-host NAME.\n`,
      );
  };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares in constant time (both sides hashed first, so their lengths do not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieValue(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** The address without its `token` parameter. */
function withoutToken(originalUrl: string): string {
  const u = new URL(originalUrl, 'http://x');
  u.searchParams.delete('token');
  return `${u.pathname}${u.search}`;
}

export function requireToken(token: string, opts: { secureCookie: boolean }): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (tokenMatches(bearer(req), token) || tokenMatches(cookieValue(req, TOKEN_COOKIE), token)) return next();
    const q = req.query.token;
    if (typeof q === 'string' && tokenMatches(q, token)) {
      res.cookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: opts.secureCookie, path: '/' });
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, withoutToken(req.originalUrl));
        return;
      }
      return next();
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="dossier-sync"')
      .type('text/plain')
      .send('401 Unauthorized: send "Authorization: Bearer <token>" (or open the page once with ?token=<token>)\n');
  };
}

/**
 * Refuses state-changing requests from other sites (a page elsewhere posting a form to a
 * dashboard on localhost): the browser's Origin / Sec-Fetch-Site must say same origin.
 */
export const sameOriginWrites: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    res.status(403).type('text/plain').send('403 Forbidden: cross-site request\n');
    return;
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) {
      res.status(403).type('text/plain').send('403 Forbidden: cross-origin request\n');
      return;
    }
  } else if (origin === 'null') {
    res.status(403).type('text/plain').send('403 Forbidden: opaque origin\n');
    return;
  }
  next();
};

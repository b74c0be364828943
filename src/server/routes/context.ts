/** What every router of the dashboard shares: the runtime, the settings, how a page is served and the latest runs' lines. */
import type { Request, Response } from 'express';
import { LANGS, type Lang } from '../../report/labels.js';
import type { Runtime } from '../../queue/runtime.js';
import type { RunLine } from '../../store/run-lines.js';
import type { PageContext } from '../pages/layout.js';

export interface RouteContext {
  rt: Runtime;
  defaultLang: Lang;
  /** How many runs `/` and /api/runs list. */
  runsShown: number;
  /** How many of the latest runs the home page's trend covers and a dossier page searches. */
  runsTraced: number;
  /** How long /readyz waits for Redis to answer PING (ms). */
  readyTimeoutMs: number;
  /** Now, in epoch ms. */
  clock: () => number;
  /** The page context of a request: its language (`?lang=`, else the default) and path. */
  ctxOf(req: Request): PageContext;
  /** Sends a page with the pages' headers. */
  page(res: Response, body: string, status?: number): void;
  /** The latest runs' lines (what the run list shows of each, not their reports), newest first (`runsShown` unless told). */
  lines(n?: number): Promise<RunLine[]>;
}

const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
};

export function routeContext(
  s: Pick<RouteContext, 'rt' | 'defaultLang' | 'runsShown' | 'runsTraced' | 'readyTimeoutMs' | 'clock'>,
): RouteContext {
  const { rt, defaultLang } = s;
  return {
    ...s,
    ctxOf: (req) => {
      const q = req.query.lang;
      const lang = typeof q === 'string' && (LANGS as readonly string[]).includes(q) ? (q as Lang) : defaultLang;
      return { lang, defaultLang, path: req.path };
    },
    page: (res, body, status = 200) => void res.status(status).set(PAGE_HEADERS).type('html').send(body),
    lines: async (n = s.runsShown) => rt.runs.lines(await rt.runs.list(n)),
  };
}

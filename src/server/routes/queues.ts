/** bull-board, to be mounted at /queues. */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import { PAGE_LABELS } from '../labels.js';
import type { RouteContext } from './context.js';

export function queuesRoutes(c: RouteContext, basePath = '/queues'): Router {
  const board = new ExpressAdapter();
  board.setBasePath(basePath);
  createBullBoard({
    queues: [new BullMQAdapter(c.rt.queue)],
    serverAdapter: board,
    options: {
      uiConfig: { boardTitle: 'dossier-sync', miscLinks: [{ text: PAGE_LABELS[c.defaultLang].nav.runs, url: '/' }] },
    },
  });
  return board.getRouter() as Router;
}

/** The home page: the screens the signed-in role may use (the same capabilities as their API routes). */
import express from 'express';
import { page, who, type Screen } from '../context.ts';

const SCREENS = [
  { capability: 'audit', href: '/console/access-report', heading: 'Child access report', description: 'Who read a child\'s record, when, from where and why.' },
  { capability: 'review', href: '/console/break-glass', heading: 'Break-glass review', description: 'Emergency access waiting for review, and the reads made under it.' },
  { capability: 'alerts', href: '/console/alerts', heading: 'Alerts', description: 'Alerts raised by break-glass, self-claimed relationships and grants.' },
];

export function homeRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    const { principal } = who(res);
    const screens = SCREENS.filter((s) => services.policy.current.capability(s.capability, principal.role));
    page(views, res, 'home.njk', { title: 'Home', screens });
  });
  return router;
}

/** The home page: the screens the signed-in role may use (the same capabilities as their API routes). */
import express from 'express';
import { page, who, type Screen } from '../context.ts';

const SCREENS = [
  { capability: 'audit', href: '/console/access-report', heading: 'Child access report', description: 'Who read a child\'s record, when, from where and why.' },
  { capability: 'audit', href: '/console/staff-activity', heading: 'Staff activity', description: 'What one member of staff read and was refused in a period, and why.' },
  { capability: 'review', href: '/console/break-glass', heading: 'Break-glass review', description: 'Emergency access waiting for review, and the reads made under it.' },
  { capability: 'break-glass-area', href: '/console/break-glass', heading: 'Break-glass in your area', description: 'Emergency access to children of your area, the reads made under it and its review.' },
  { capability: 'audit', href: '/console/trail-integrity', heading: 'Trail integrity', description: 'Whether the audit trail is proved and witnessed, and a verifiable export with how to check it.' },
  { capability: 'alerts', href: '/console/alerts', heading: 'Alerts', description: 'Alerts raised by break-glass, self-claimed relationships, grants and monitoring: acknowledge them.' },
  { capability: 'monitoring', href: '/console/monitoring', heading: 'Monitoring cases', description: 'Cases privacy monitoring opened: assign, add notes, close with an outcome.' },
  { capability: 'monitoring-area', href: '/console/monitoring', heading: 'Monitoring cases', description: 'Household and break-glass cases about children of your area.' },
  { capability: 'grant', href: '/console/grants', heading: 'Grants', description: 'Find staff of your area by name, give them time-limited access to a child, extend or revoke what you gave.' },
  { capability: 'exposure', href: '/console/exposure', heading: 'Who can see a child', description: 'Who can read each section of a child\'s record now, and how far a user reaches.' },
  { capability: 'explain', href: '/console/what-if', heading: 'What if', description: 'The decision a member of staff would get, with every rule that answered.' },
];

export function homeRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    const { principal } = who(res);
    const screens = SCREENS.filter((s) => services.policy.current.capability(s.capability, principal.role))
      .filter((s, i, all) => all.findIndex((x) => x.href === s.href) === i);
    page(views, res, 'home.njk', { title: 'Home', screens });
  });
  return router;
}

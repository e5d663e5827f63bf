/** Loads the generated population once per (children, seed); a later run with the same marker reuses it. */
import type { Store } from '../src/store/store.ts';
import { generatePopulation } from '../src/population/generate.ts';
import { emptyPopulation, factCounts } from '../src/population/facts.ts';
import { getMarker, setMarker } from './db.ts';

export interface PopulationInfo {
  children: number;
  seed: number;
  relationships: number;
  users: number;
  teams: number;
  /** Seconds the load took in this run, or the recorded load time when reused. */
  loadSeconds: number;
  reused: boolean;
  loadedAt: string;
  referenceDate: string;
}

export async function ensurePopulation(store: Store, children: number, seed: number, log: (s: string) => void): Promise<PopulationInfo> {
  const marker = await getMarker<PopulationInfo>(store, 'population');
  const counts = await factCounts(store);
  if (marker && marker.children === children && marker.seed === seed && counts.children === children) {
    log(`population: reusing ${children.toLocaleString('en-GB')} children (seed ${seed}, loaded ${marker.loadedAt} in ${marker.loadSeconds.toFixed(1)} s)`);
    return { ...marker, reused: true };
  }
  if (Object.values(counts).some((n) => n > 0)) await emptyPopulation(store);
  log(`population: generating ${children.toLocaleString('en-GB')} children (seed ${seed})`);
  const started = performance.now();
  let lastTenth = -1;
  const s = await generatePopulation(store, {
    children,
    seed,
    onProgress: (p) => {
      const tenth = Math.floor((p.children / p.totalChildren) * 10);
      if (p.phase === 'children' && tenth !== lastTenth && children >= 100_000) {
        lastTenth = tenth;
        log(`  ${p.children.toLocaleString('en-GB')} children, ${(p.elapsedMs / 1000).toFixed(0)} s`);
      }
    },
  });
  await store.query('vacuum analyze relationships');
  await store.query('vacuum analyze children');
  const info: PopulationInfo = {
    children: s.children,
    seed,
    relationships: s.relationships,
    users: s.users,
    teams: s.teams,
    loadSeconds: (performance.now() - started) / 1000,
    reused: false,
    loadedAt: new Date().toISOString(),
    referenceDate: s.referenceDate,
  };
  await setMarker(store, 'population', info);
  log(`population: ${s.children.toLocaleString('en-GB')} children, ${s.relationships.toLocaleString('en-GB')} relationships in ${info.loadSeconds.toFixed(1)} s`);
  return info;
}

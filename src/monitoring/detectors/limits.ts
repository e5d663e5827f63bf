/**
 * median and robustLimit of a baseline, computed once per baseline array: the runner keeps one array per
 * group and day across batches, and every user of the group meets the same one (sorting a peer group's
 * month of counts again for each of them was most of the detectors' time). Arrays are never changed after
 * they are built, so the array itself is the key.
 */
import { median, robustLimit } from '../finding.ts';

const medians = new WeakMap<number[], number>();
const limits = new WeakMap<number[], Map<string, number>>();

export function medianOf(xs: number[]): number {
  let m = medians.get(xs);
  if (m === undefined) medians.set(xs, (m = median(xs)));
  return m;
}

export function limitOf(xs: number[], k: number, floor: number): number {
  let byParams = limits.get(xs);
  if (!byParams) limits.set(xs, (byParams = new Map()));
  const key = `${k}|${floor}`;
  let l = byParams.get(key);
  if (l === undefined) byParams.set(key, (l = robustLimit(xs, k, floor)));
  return l;
}

// Which launch configs to start workers from. A config's weight is its initialWeight, lowered by
// its load (capacity it already has / its maxCapacity), halved for each launch error in the last
// few minutes, and scaled by cost (cheapest known price / its price, so the cheapest config keeps
// its full weight and one twice as expensive half of it; an unknown price counts as cheapest).
// Each new worker goes to the config of highest weight (the first on ties), which is then
// weighed again with the worker counted in its load.
//
// Deterministic rather than Taskcluster's weighted random choice: an operator can predict where
// work goes, and tests can say so. What follows from the rule:
// - equal health, different price: the cheaper config gets the work until its load has lowered
//   its weight below the dearer one's (a config half the price takes work up to half full);
// - a failing cheap config: each launch error halves its weight, so work moves to the next
//   config after as many errors as it takes to undercut it (one error for a 1.5× price ratio,
//   two for 3×), and comes back once the errors age out of the window;
// - equal configs take turns, as each launch raises the chosen one's load.

export interface LaunchCandidate {
  launchConfigId: string;
  initialWeight: number;
  capacityPerInstance: number;
  /** Most capacity of this config at once. */
  maxCapacity: number;
  /** null when unknown. */
  costPerHour: number | null;
  /** Capacity of this config's requested, running and stopping workers. */
  existingCapacity: number;
  /** Launch errors of this config in the recent window. */
  recentErrors: number;
}

/** The weight of one candidate, given the cheapest known price among the pool's configs. */
export function launchWeight(c: LaunchCandidate, cheapest: number | null): number {
  if (c.maxCapacity <= 0 || c.existingCapacity + c.capacityPerInstance > c.maxCapacity) return 0;
  const load = c.existingCapacity / c.maxCapacity;
  const costFactor = c.costPerHour === null || cheapest === null ? 1 : cheapest / c.costPerHour;
  return c.initialWeight * (1 - load) * 0.5 ** c.recentErrors * costFactor;
}

/**
 * Launch configs for `toSpawn` capacity, one entry per worker to start, in launch order. Stops
 * early when no config has room; never exceeds `headroom` (the pool's maxCapacity minus what it
 * has), so a config with a large capacityPerInstance is skipped rather than overshooting.
 */
export function selectLaunchConfigs(candidates: readonly LaunchCandidate[], toSpawn: number, headroom = Infinity): string[] {
  const state = candidates.map((c) => ({ ...c }));
  const prices = state.map((c) => c.costPerHour).filter((p): p is number => p !== null && p > 0);
  const cheapest = prices.length ? Math.min(...prices) : null;
  const chosen: string[] = [];
  let left = toSpawn;
  let room = headroom;
  while (left > 0) {
    let best: (typeof state)[number] | undefined;
    let bestWeight = 0;
    for (const c of state) {
      if (c.capacityPerInstance > room) continue;
      const weight = launchWeight(c, cheapest);
      if (weight > bestWeight) {
        best = c;
        bestWeight = weight;
      }
    }
    if (!best) break;
    chosen.push(best.launchConfigId);
    best.existingCapacity += best.capacityPerInstance;
    left -= best.capacityPerInstance;
    room -= best.capacityPerInstance;
  }
  return chosen;
}

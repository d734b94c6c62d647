// Launch-config selection, table-driven: weight, load, recent errors and cost.
import { describe, expect, it } from 'vitest';
import { LaunchCandidate, launchWeight, selectLaunchConfigs } from '../../entities/provisioning/select-launch-configs';

function config(launchConfigId: string, overrides: Partial<LaunchCandidate> = {}): LaunchCandidate {
  return { launchConfigId, initialWeight: 1, capacityPerInstance: 1, maxCapacity: 10, costPerHour: null, existingCapacity: 0, recentErrors: 0, ...overrides };
}

// [what, candidates, toSpawn, headroom, expected launch order]
const cases: [string, LaunchCandidate[], number, number, string[]][] = [
  ['one config takes all the work', [config('a')], 3, Infinity, ['a', 'a', 'a']],
  ['equal configs take turns', [config('a'), config('b')], 4, Infinity, ['a', 'b', 'a', 'b']],
  ['nothing to start, nothing chosen', [config('a')], 0, Infinity, []],
  ['a heavier config is preferred until its load evens it out', [config('a', { initialWeight: 3 }), config('b')], 4, Infinity, ['a', 'a', 'a', 'a']],
  ['initialWeight 0 never launches', [config('a', { initialWeight: 0 }), config('b')], 2, Infinity, ['b', 'b']],
  ['a config at its maxCapacity is skipped', [config('a', { maxCapacity: 1, existingCapacity: 1 }), config('b')], 2, Infinity, ['b', 'b']],
  ['stops when no config has room', [config('a', { maxCapacity: 2 })], 5, Infinity, ['a', 'a']],
  ['a loaded config yields to an idle one', [config('a', { existingCapacity: 6 }), config('b')], 2, Infinity, ['b', 'b']],
  ['each recent error halves the weight', [config('a', { recentErrors: 1 }), config('b', { initialWeight: 0.6 })], 1, Infinity, ['b']],
  ['capacityPerInstance counts against toSpawn', [config('big', { capacityPerInstance: 4 })], 5, Infinity, ['big', 'big']],
  ['a config larger than the headroom is skipped', [config('big', { capacityPerInstance: 4 }), config('small')], 2, 2, ['small', 'small']],
  ['headroom 0 launches nothing', [config('a')], 3, 0, []],
  // Cost: with equal health the cheaper config gets the work …
  ['the cheaper config gets the work', [config('dear', { costPerHour: 3 }), config('cheap', { costPerHour: 1 })], 2, Infinity, ['cheap', 'cheap']],
  ['a config half the price takes work up to half full', [config('dear', { costPerHour: 2, maxCapacity: 4 }), config('cheap', { costPerHour: 1, maxCapacity: 4 })], 4, Infinity, ['cheap', 'cheap', 'dear', 'cheap']],
  // … and when it fails, work moves to the other.
  ['one error moves work off a config 1.5× cheaper', [config('dear', { costPerHour: 1.5 }), config('cheap', { costPerHour: 1, recentErrors: 1 })], 1, Infinity, ['dear']],
  ['two errors move work off a config 3× cheaper', [config('dear', { costPerHour: 3 }), config('cheap', { costPerHour: 1, recentErrors: 2 })], 1, Infinity, ['dear']],
  ['one error is not enough against a 3× price', [config('dear', { costPerHour: 3 }), config('cheap', { costPerHour: 1, recentErrors: 1 })], 1, Infinity, ['cheap']],
  ['an unknown price counts as the cheapest known one', [config('dear', { costPerHour: 4 }), config('unknown'), config('cheap', { costPerHour: 2 })], 2, Infinity, ['unknown', 'cheap']],
];

describe('launch-config selection', () => {
  it.each(cases)('%s', (_what, candidates, toSpawn, headroom, expected) => {
    expect(selectLaunchConfigs(candidates, toSpawn, headroom)).toEqual(expected);
  });

  it('weighs initialWeight × (1 − load) × ½^errors × cheapest/price', () => {
    expect(launchWeight(config('a', { initialWeight: 2, existingCapacity: 5, recentErrors: 1, costPerHour: 4 }), 1)).toBeCloseTo(2 * 0.5 * 0.5 * 0.25);
    expect(launchWeight(config('a', { maxCapacity: 0 }), null)).toBe(0);
  });

  it('does not change the candidates it is given', () => {
    const candidates = [config('a')];
    selectLaunchConfigs(candidates, 3);
    expect(candidates[0].existingCapacity).toBe(0);
  });
});

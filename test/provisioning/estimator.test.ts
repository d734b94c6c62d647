// Taskcluster's estimator, table-driven: how much capacity to start from pending and claimed
// tasks and the capacity a pool has.
import { describe, expect, it } from 'vitest';
import { estimate, EstimateInput } from '../../entities/provisioning/estimator';

const base: EstimateInput = {
  minCapacity: 0,
  maxCapacity: 10,
  scalingRatio: 1,
  pendingTasks: 0,
  claimedTasks: 0,
  existingCapacity: 0,
  requestedCapacity: 0,
  stoppingCapacity: 0,
};

// [what, input overrides, desiredCapacity, toSpawn]
const cases: [string, Partial<EstimateInput>, number, number][] = [
  ['an empty pool with no work starts nothing', {}, 0, 0],
  ['an empty pool starts its minimum', { minCapacity: 2 }, 2, 2],
  ['a pool at its minimum with no work starts nothing', { minCapacity: 2, existingCapacity: 2 }, 2, 0],
  ['one worker per pending task', { pendingTasks: 3 }, 3, 3],
  ['never more than maxCapacity', { pendingTasks: 50 }, 10, 10],
  ['maxCapacity 0 starts nothing', { maxCapacity: 0, pendingTasks: 5 }, 0, 0],
  ['idle workers are expected to take pending tasks', { pendingTasks: 3, existingCapacity: 2, claimedTasks: 0 }, 3, 1],
  ['busy workers leave pending tasks to new ones', { pendingTasks: 3, existingCapacity: 2, claimedTasks: 2 }, 5, 3],
  ['more claimed than existing (stale counts) adds no idle capacity', { pendingTasks: 2, existingCapacity: 1, claimedTasks: 4 }, 3, 2],
  ['the ratio scales pending tasks', { pendingTasks: 10, scalingRatio: 0.5 }, 5, 5],
  ['a fraction of a worker rounds up to one', { pendingTasks: 1, scalingRatio: 0.5 }, 0.5, 1],
  ['stopping capacity counts against max', { pendingTasks: 20, stoppingCapacity: 4 }, 10, 6],
  // Requested workers are idle capacity and are subtracted once more, as Taskcluster does.
  ['requested workers still booting hold back new ones', { pendingTasks: 10, existingCapacity: 2, requestedCapacity: 2 }, 10, 6],
  ['all requested: nothing more until they register', { pendingTasks: 10, existingCapacity: 8, requestedCapacity: 8 }, 10, 0],
  ['at max with work left starts nothing', { pendingTasks: 5, existingCapacity: 10, claimedTasks: 10 }, 10, 0],
  ['the minimum holds even with busy workers', { minCapacity: 4, existingCapacity: 1, claimedTasks: 1 }, 4, 3],
];

describe('the provisioning estimator', () => {
  it.each(cases)('%s', (_what, overrides, desired, toSpawn) => {
    const result = estimate({ ...base, ...overrides });
    expect(result.desiredCapacity).toBe(desired);
    expect(result.toSpawn).toBe(toSpawn);
  });

  it('never asks for a negative amount', () => {
    for (let existing = 0; existing <= 12; existing++) {
      for (let pending = 0; pending <= 12; pending++) {
        const result = estimate({ ...base, pendingTasks: pending, existingCapacity: existing, claimedTasks: Math.min(existing, 3) });
        expect(result.toSpawn).toBeGreaterThanOrEqual(0);
        expect(result.toSpawn + existing).toBeLessThanOrEqual(Math.max(existing, 10));
      }
    }
  });
});

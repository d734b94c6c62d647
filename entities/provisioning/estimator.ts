// How much capacity to start: Taskcluster's worker-manager estimator (services/worker-manager/
// src/estimator.js, `simple`), as a pure function.
//
//   idle         = max(0, existing − claimed)           idle workers will take pending tasks soon
//   adjPending   = max(0, pending − idle)
//   nonStopped   = existing + stopping                  stopping workers still count against max
//   desired      = max(min, min(adjPending × scalingRatio + nonStopped, max))
//   toSpawn      = max(0, max(0, desired − nonStopped) − requested)
//
// `existing` is the capacity of requested and running workers; `requested` (not yet registered)
// is part of it and is subtracted once more at the end, as Taskcluster does: a worker still
// booting is both idle capacity and capacity on its way, so the pool grows gently while workers
// start rather than overshooting.

export interface EstimateInput {
  minCapacity: number;
  maxCapacity: number;
  scalingRatio: number;
  /** Tasks pending in the pool's queue. */
  pendingTasks: number;
  /** Tasks of the queue claimed (running). */
  claimedTasks: number;
  /** Capacity of requested and running workers. */
  existingCapacity: number;
  /** Capacity of requested workers (a part of existingCapacity). */
  requestedCapacity: number;
  /** Capacity of stopping workers. */
  stoppingCapacity: number;
}

export interface Estimate {
  totalIdleCapacity: number;
  adjustedPendingTasks: number;
  desiredCapacity: number;
  /** Capacity to start now (0 or more). */
  toSpawn: number;
}

export function estimate(input: EstimateInput): Estimate {
  const { minCapacity, maxCapacity, scalingRatio, pendingTasks, claimedTasks, existingCapacity, requestedCapacity, stoppingCapacity } = input;
  const totalIdleCapacity = Math.max(0, existingCapacity - claimedTasks);
  const adjustedPendingTasks = Math.max(0, pendingTasks - totalIdleCapacity);
  const totalNonStopped = existingCapacity + stoppingCapacity;
  const desiredCapacity = Math.max(minCapacity, Math.min(adjustedPendingTasks * scalingRatio + totalNonStopped, maxCapacity));
  const toSpawn = Math.max(0, desiredCapacity - totalNonStopped);
  // Capacity is whole workers: a fraction of one (scalingRatio < 1) rounds up to one.
  return { totalIdleCapacity, adjustedPendingTasks, desiredCapacity, toSpawn: Math.ceil(Math.max(0, toSpawn - requestedCapacity)) };
}

import { evmBaselineBench } from './chain/ethereumjs'
import { floodBench } from './chain/flood'
import { chainImportBench, chainImportCachedBench } from './chain/import'
import { lightSyncBench } from './chain/light'
import { snapshotBench } from './chain/snapshot'

import { stateScalingBench } from './chain/state'
import { storageColdStartBench } from './storage/cold-start'
import { storageCommitBench } from './storage/commit'
import type { Bench } from './types'

/**
 * Every self-contained bench, in run order. This list is bundled into the browser bench page (and its
 * worker) and imported by the Node harness, so a bench added here runs everywhere it declares.
 */
export const pureBenches: readonly Bench[] = [
  chainImportBench,
  evmBaselineBench,
  chainImportCachedBench,
  stateScalingBench,
  storageCommitBench,
  storageColdStartBench,
  snapshotBench,
  lightSyncBench,
  floodBench,
]

/** The bench called `name`, or undefined. */
export function findBench(name: string): Bench | undefined {
  return pureBenches.find((b) => b.name === name)
}

import { openIdbRepository } from '../../src/node/storage/idb-repository'
import { runStorageCompliance } from '../../test/node/storage/compliance'
import { collectedTests } from './vitest-shim'

/**
 * Runs the storage compliance suite (test/node/storage/compliance.ts) against the IndexedDB repository
 * in this dedicated worker — Chromium's real IndexedDB, where the node runs — and posts the results.
 */

const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e9)}`
let profiles = 0
runStorageCompliance('IndexedDB (Chromium worker)', () => {
  profiles++
  const profileId = `compliance-${stamp}-${profiles}`
  return { open: (options) => openIdbRepository({ profileId, ...options }) }
})

const results: { name: string; error?: string }[] = []
for (const t of collectedTests()) {
  try {
    await t.run()
    results.push({ name: t.name })
  } catch (err) {
    results.push({ name: t.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  }
}
postMessage(results)

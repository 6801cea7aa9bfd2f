import { requestPersistence, type StorageManagerLike } from '../node/storage/storage-quota'
import { useApp } from './store'

/**
 * Asks the browser to keep this origin's data (chain, keys) under storage pressure — it may say no —
 * and puts its answer in the store (`persistence`) once it comes, granted or not.
 */
export async function askPersistence(manager?: StorageManagerLike): Promise<void> {
  useApp.setState({ persistence: await requestPersistence(manager) })
}

/**
 * When the Home screen's storage card reads the node's storage status again: whenever the key changes.
 * Usage grows with the chain, so on every tenth block rather than every block; and at once when the
 * browser answers the page's persistence request. Whether the data is kept (`persisted()`) reads true
 * only once the browser said yes, and it answers in its own time: a read made before said no, and the
 * card lacked "kept by the browser" for up to ten blocks — on some loads of a profile and not others.
 */
export function storageReadKey(head: bigint | null, persistence: boolean | null): string {
  return `${head === null ? -1n : head / 10n}:${persistence ?? 'asking'}`
}

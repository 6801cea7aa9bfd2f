import { type IDBPDatabase, openDB } from 'idb'
import type { Hex } from 'viem'
import { StorageError } from './errors'
import { checkStateNode, hashKey } from './rows'

/**
 * Read-only access to the state tree nodes of another profile's database (`databaseName`): where a
 * new tab of this browser proves its first reads before any peer links (see `SharedHeaders`). The nodes
 * are not trusted: each proof made from them is verified against a verified header's state root.
 */
export interface StateNodeReader {
  /** The node's encoding; undefined when the database lacks it or holds something else there. */
  get(hash: Hex): Promise<Uint8Array | undefined>
  close(): void
}

/**
 * Opens database `name` for reading its state nodes, never creating or upgrading it: undefined when it
 * does not exist (it is then left as it was) or cannot be opened.
 */
export async function openStateNodeReader(name: string): Promise<StateNodeReader | undefined> {
  if (typeof indexedDB === 'undefined') return undefined
  let db: IDBPDatabase<unknown>
  try {
    db = await openDB(name, undefined, {
      // Opening without a version creates a missing database: undo that.
      upgrade: (_db, oldVersion, _newVersion, tx) => {
        if (oldVersion !== 0) return
        // The open then fails (caught below); the transaction's own outcome is that same abort.
        tx.done.catch(() => {})
        tx.abort()
      },
      // Its owner's tab upgrades the schema: step aside.
      blocking: () => db.close(),
    })
  } catch {
    return undefined
  }
  if (!db.objectStoreNames.contains('stateNodes')) {
    db.close()
    return undefined
  }
  return {
    async get(hash) {
      try {
        const value: unknown = await db.get('stateNodes', hashKey(hash))
        return value === undefined ? undefined : checkStateNode(value).encoded
      } catch (err) {
        // A closed connection or a malformed row: nothing from here; the reads go to peers.
        if (err instanceof StorageError || err instanceof DOMException) return undefined
        throw err
      }
    },
    close() {
      db.close()
    },
  }
}

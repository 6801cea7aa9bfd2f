import 'fake-indexeddb/auto'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { keccak } from '../../../src/node/codec/bytes'
import {
  downloadSnapshot,
  SNAPSHOT_PROGRESS_KEY,
  type SnapshotProgress,
} from '../../../src/node/snapshot/download'
import { MemoryNodeStore } from '../../../src/node/state/node-store'
import { Trie } from '../../../src/node/state/trie'
import { openIdbRepository } from '../../../src/node/storage/idb-repository'
import {
  collectSubtrees,
  decodeSnapshotRequest,
  encodeSnapshotResponse,
} from '../../../src/node/sync/snapshot-messages'

const CHAIN = { chainId: 31416, genesisHash: `0x${'11'.repeat(32)}` as Hex }

describe('snapshot download on IndexedDB (fake-indexeddb)', () => {
  test('progress and nodes survive closing the database; the download resumes and ends at the root', async () => {
    const store = new MemoryNodeStore()
    const changes = Array.from({ length: 3000 }, (_, i) => ({
      key: keccak(new Uint8Array([i >> 8, i & 0xff, 7])),
      value: new Uint8Array([i & 0xff, 1]),
    }))
    const { trie, created } = Trie.empty(store).update(changes)
    store.putAll(created)
    const target = { blockHash: `0x${'22'.repeat(32)}` as Hex, number: 12_345n, stateRoot: trie.root }
    let chunks = 0
    const init = (repo: Awaited<ReturnType<typeof openIdbRepository>>, limit: number) => ({
      repo,
      target,
      protocol: 'p',
      peers: () => ['a'],
      penalize: () => {},
      request: async (_peer: string, _protocol: string, data: Uint8Array) =>
        encodeSnapshotResponse(
          chunks++ < limit ? collectSubtrees(store, decodeSnapshotRequest(data).nodeHashes, 500) : [],
        ),
    })
    const first = await openIdbRepository({ profileId: 'snapshot-resume', chain: CHAIN })
    await expect(downloadSnapshot(init(first, 3))).rejects.toMatchObject({
      type: { code: 'SNAPSHOT_NO_PEER' },
    })
    first.close()

    const second = await openIdbRepository({ profileId: 'snapshot-resume', chain: CHAIN })
    const saved = await second.getMeta<SnapshotProgress>(SNAPSHOT_PROGRESS_KEY)
    expect(saved?.target).toEqual(target)
    expect(saved?.nodes).toBeGreaterThan(0)
    chunks = 0
    const result = await downloadSnapshot(init(second, Number.POSITIVE_INFINITY))
    expect(result.root).toBe(trie.root)
    expect(result.nodes).toBe(2 * 3000 - 1)
    expect(result.records).toHaveLength(2 * 3000 - 1)
    second.close()
  }, 60_000)
})

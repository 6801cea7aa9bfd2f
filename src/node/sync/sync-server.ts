import { encodeBlock } from '../chain/block'
import type { Chain } from '../chain/chain'
import type { Header } from '../chain/types'
import { chainProtocol } from '../network/protocol'
import { SyncError } from './errors'
import {
  decodeBlocksRequest,
  decodeHeadersRequest,
  encodeBlocksResponse,
  encodeHeadersResponse,
  MAX_SYNC_RESPONSE_BYTES,
} from './messages'
import { RateLimiter } from './rate-limiter'
import { collectSubtrees, decodeSnapshotRequest, encodeSnapshotResponse } from './snapshot-messages'

/** Protocol ids of the sync exchanges of one chain. */
export const syncProtocols = (chainId: number) => ({
  headers: chainProtocol(chainId, 'sync-headers'),
  blocks: chainProtocol(chainId, 'sync-blocks'),
  snapshot: chainProtocol(chainId, 'sync-snapshot'),
})

export interface SyncServerInit {
  readonly chain: Chain
  readonly now: () => number
  /** Requests a peer may make at once, then `ratePerSecond` (both protocols together). */
  readonly rateBurst?: number
  readonly ratePerSecond?: number
}

/** Headroom for the response list's own RLP prefix within the byte budget. */
const LIST_PREFIX_BYTES = 16

/**
 * The serving side of sync: canonical headers by range, blocks by hash and state subtrees (snapshot
 * chunks, `snapshot-messages.ts`), within the size limits of `messages.ts`, at most `ratePerSecond` requests per peer (a token bucket). Requests beyond a limit
 * are refused with a typed `SyncError` (the stream is then aborted), never truncated silently.
 */
export function createSyncServer(init: SyncServerInit) {
  const protocols = syncProtocols(init.chain.params.chainId)
  const limiter = new RateLimiter({ burst: init.rateBurst ?? 32, perSecond: init.ratePerSecond ?? 16 })

  function headers(data: Uint8Array): Uint8Array {
    const req = decodeHeadersRequest(data)
    const head = init.chain.head
    const out: Header[] = []
    let bytes = LIST_PREFIX_BYTES
    for (let n = req.from; n < req.from + BigInt(req.count) && n <= head.block.header.number; n++) {
      const stored = init.chain.getBlockByNumber(n)
      // A gap below the head (a chain started from a snapshot, older blocks still loading): refuse rather
      // than answer short, which the client would take for a lie about the head.
      if (stored === undefined) throw new SyncError({ code: 'SYNC_NOT_HELD', what: 'headers', from: n })
      // A header is at most 1 KiB: 512 of them stay far below the budget, checked anyway.
      bytes += 1024
      if (bytes > MAX_SYNC_RESPONSE_BYTES) break
      out.push(stored.block.header)
    }
    return encodeHeadersResponse({
      headNumber: head.block.header.number,
      headTotalDifficulty: head.totalDifficulty,
      headers: out,
    })
  }

  function blocks(data: Uint8Array): Uint8Array {
    const out: Uint8Array[] = []
    let bytes = LIST_PREFIX_BYTES
    for (const hash of decodeBlocksRequest(data)) {
      const stored = init.chain.getBlock(hash)
      if (stored === undefined) break
      const encoded = encodeBlock(stored.block)
      // The string prefix of each block is at most 5 bytes.
      bytes += encoded.byteLength + 5
      if (bytes > MAX_SYNC_RESPONSE_BYTES && out.length > 0) break
      out.push(encoded)
    }
    return encodeBlocksResponse(out)
  }

  function snapshot(data: Uint8Array): Uint8Array {
    const req = decodeSnapshotRequest(data)
    // Only a block this node holds names a state it serves; the nodes themselves are content-addressed,
    // so the client checks them against its own trusted hashes, whatever the server sends.
    if (init.chain.getBlock(req.blockHash) === undefined) return encodeSnapshotResponse([])
    return encodeSnapshotResponse(collectSubtrees(init.chain.store.nodes, req.nodeHashes))
  }

  return {
    protocols: [protocols.headers, protocols.blocks, protocols.snapshot] as const,
    /**
     * Answers a sync request (headers, blocks, snapshot chunk) from `from`, or null when `protocol` is not a sync protocol. Throws
     * `SyncError` (`SYNC_RATE_LIMITED`, `SYNC_REQUEST_TOO_LARGE`, `SYNC_MALFORMED`).
     */
    answer(protocol: string, data: Uint8Array, from: string): Uint8Array | null {
      if (protocol !== protocols.headers && protocol !== protocols.blocks && protocol !== protocols.snapshot)
        return null
      const wait = limiter.take(from, init.now())
      if (wait > 0) throw new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: from, retryInMs: wait })
      if (protocol === protocols.snapshot) return snapshot(data)
      return protocol === protocols.headers ? headers(data) : blocks(data)
    },
  }
}

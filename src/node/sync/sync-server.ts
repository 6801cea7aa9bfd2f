import type { Address, Hex } from 'viem'
import { encodeBlock } from '../chain/block'
import type { Chain } from '../chain/chain'
import type { Header } from '../chain/types'
import { toHex } from '../codec/bytes'
import { merkleProof } from '../codec/merkle'
import { encodeReceipt, receiptHash } from '../codec/receipt'
import { chainProtocol } from '../network/protocol'
import { StateError } from '../state/errors'
import { SyncError } from './errors'
import {
  decodeBlocksRequest,
  decodeHeadersRequest,
  encodeBlocksResponse,
  encodeHeadersResponse,
  MAX_SYNC_RESPONSE_BYTES,
} from './messages'
import { checkPoolRequest, encodePoolResponse } from './pool-messages'
import {
  type BlockReceiptsEntry,
  decodeActivityRequest,
  decodeBlockReceiptsRequest,
  decodeInclusionRequest,
  decodeStateProofRequest,
  encodeActivityResponse,
  encodeBlockReceiptsResponse,
  encodeInclusionResponse,
  encodeStateProofResponse,
  type InclusionEntry,
} from './proof-messages'
import { RateLimiter } from './rate-limiter'
import { collectSubtrees, decodeSnapshotRequest, encodeSnapshotResponse } from './snapshot-messages'

/** Protocol ids of the sync exchanges of one chain. */
export const syncProtocols = (chainId: number) => ({
  /**
   * Version 4: the compact header form of `messages.ts` with its list of miners and empty roots left
   * out (version 3 spelled both out in every header; version 1 sent every header whole).
   */
  headers: chainProtocol(chainId, 'sync-headers', '4.0.0'),
  blocks: chainProtocol(chainId, 'sync-blocks'),
  /** State subtrees by hash (snapshot chunks, for a node starting from a snapshot). */
  snapshot: chainProtocol(chainId, 'sync-snapshot'),
  /** State proofs at a block (light nodes). */
  proof: chainProtocol(chainId, 'sync-proof'),
  /** Transaction and receipt inclusion proofs (light nodes). */
  inclusion: chainProtocol(chainId, 'sync-inclusion'),
  /** Every transaction hash and receipt of whole blocks (light nodes' logs). */
  receipts: chainProtocol(chainId, 'sync-receipts'),
  /** The server's pending transactions, asked once of each new direct peer (`pool-messages.ts`). */
  pool: chainProtocol(chainId, 'sync-pool'),
  /**
   * An address's transactions, newest first (light nodes, which prove each one). Version 3 lists too the
   * HTLC payouts to the address that someone else sent (the client proves each one's lock); version 2
   * leaves them out, for light clients that would take such a row for a forged one, and is still served.
   */
  activity: chainProtocol(chainId, 'sync-activity', '3.0.0'),
  /** `activity` without the payouts others sent (the wire form is the same). */
  activityV2: chainProtocol(chainId, 'sync-activity'),
})

/** Requests a peer may make at once, and then per second, by default (all sync protocols together). */
export const SYNC_RATE = { burst: 32, perSecond: 16 } as const

export interface SyncServerInit {
  readonly chain: Chain
  readonly now: () => number
  /** Requests a peer may make at once, then `ratePerSecond` (both protocols together). */
  readonly rateBurst?: number
  readonly ratePerSecond?: number
  /** The mempool's transactions' signed bytes, each sender's by nonce; the pool exchange is not served without it. */
  readonly pendingTxs?: () => readonly Uint8Array[]
  /**
   * The canonical transactions touching `address`, newest first (at most `limit`), or undefined while the
   * node cannot list them whole (not a full node yet, its stored blocks still loading): refused as
   * `SYNC_NOT_HELD`. `payouts`: whether the list holds those that touch it only as the payee of an HTLC
   * lock (`activity`, version 3) or leaves them out (`activityV2`). The activity exchanges are not served
   * without it.
   */
  readonly activity?: (address: Address, limit: number, payouts: boolean) => readonly Hex[] | undefined
}

/** Headroom for the response list's own RLP prefix within the byte budget. */
const LIST_PREFIX_BYTES = 16

/**
 * The serving side of sync: canonical headers by range, blocks by hash, state subtrees (snapshot
 * chunks, `snapshot-messages.ts`), and for light nodes state proofs at a block and transaction/receipt
 * inclusion proofs, within the size limits of `messages.ts` / `proof-messages.ts` /
 * `snapshot-messages.ts`, at most `ratePerSecond` requests per peer (a token bucket, all protocols
 * together). Requests beyond a limit are refused with a typed `SyncError` (the stream is then aborted),
 * never truncated silently.
 */
export function createSyncServer(init: SyncServerInit) {
  const protocols = syncProtocols(init.chain.params.chainId)
  const limiter = new RateLimiter({
    burst: init.rateBurst ?? SYNC_RATE.burst,
    perSecond: init.ratePerSecond ?? SYNC_RATE.perSecond,
  })

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

  /** Proofs of each key in the state after `blockHash`; null when the block or its state is not held. */
  function proofs(data: Uint8Array): Uint8Array {
    const req = decodeStateProofRequest(data)
    if (init.chain.getBlock(req.blockHash) === undefined) return encodeStateProofResponse(null)
    const state = init.chain.stateAt(req.blockHash)
    const out: Hex[][] = []
    let bytes = LIST_PREFIX_BYTES
    try {
      for (const key of req.keys) {
        const nodes = state.prove(key).nodes
        for (const n of nodes) bytes += (n.length - 2) / 2 + 3
        if (bytes > MAX_SYNC_RESPONSE_BYTES) return encodeStateProofResponse(null)
        out.push([...nodes])
      }
    } catch (err) {
      // State nodes of an old block may be gone (or not loaded yet): that is "unavailable", not a fault.
      if (err instanceof StateError && err.type.code === 'STATE_MISSING_NODE')
        return encodeStateProofResponse(null)
      throw err
    }
    return encodeStateProofResponse(out)
  }

  /** Inclusion proofs of canonical transactions and their receipts; null entries for unknown hashes. */
  function inclusion(data: Uint8Array): Uint8Array {
    const entries: (InclusionEntry | null)[] = []
    for (const hash of decodeInclusionRequest(data)) {
      // The receipt lookup gives the location without recovering the sender.
      const found = init.chain.getReceipt(hash)
      const stored = found === undefined ? undefined : init.chain.getBlock(found.blockHash)
      const rawTx = found === undefined ? undefined : stored?.block.transactions[found.index]
      if (found === undefined || stored === undefined || rawTx === undefined) {
        entries.push(null)
        continue
      }
      entries.push({
        blockHash: found.blockHash,
        index: found.index,
        count: stored.txHashes.length,
        rawTx,
        txSiblings: merkleProof(stored.txHashes, found.index).siblings,
        receipt: toHex(encodeReceipt(found.receipt)),
        receiptSiblings: merkleProof(stored.receipts.map(receiptHash), found.index).siblings,
      })
    }
    return encodeInclusionResponse(entries)
  }

  /**
   * The transaction hashes and receipts of canonical blocks, in request order, as many as fit the
   * budget (at least one); an empty entry for a block not held, not canonical, or held without its
   * receipts (a snapshot's base) here.
   */
  function receipts(data: Uint8Array): Uint8Array {
    const entries: (BlockReceiptsEntry | null)[] = []
    let bytes = LIST_PREFIX_BYTES
    for (const hash of decodeBlockReceiptsRequest(data)) {
      const stored = init.chain.getBlock(hash)
      // A snapshot's base block is held without its transactions' receipts: not served either.
      if (
        stored === undefined ||
        !init.chain.isCanonical(hash) ||
        stored.receipts.length !== stored.block.transactions.length
      ) {
        entries.push(null)
        continue
      }
      const encoded = stored.receipts.map((r) => toHex(encodeReceipt(r)))
      // Each item's prefix is at most 5 bytes, the two lists' and the entry's at most 15.
      for (const r of encoded) bytes += (r.length - 2) / 2 + 5 + 33
      bytes += 15
      if (bytes > MAX_SYNC_RESPONSE_BYTES && entries.length > 0) break
      entries.push({ txHashes: stored.txHashes, receipts: encoded })
    }
    return encodeBlockReceiptsResponse(entries)
  }

  const handlers: Record<string, (data: Uint8Array) => Uint8Array> = {
    [protocols.headers]: headers,
    [protocols.blocks]: blocks,
    [protocols.snapshot]: snapshot,
    [protocols.proof]: proofs,
    [protocols.inclusion]: inclusion,
    [protocols.receipts]: receipts,
  }
  const { pendingTxs, activity } = init
  if (pendingTxs !== undefined) {
    handlers[protocols.pool] = (data) => {
      checkPoolRequest(data)
      return encodePoolResponse(pendingTxs())
    }
  }
  if (activity !== undefined) {
    const listing = (payouts: boolean) => (data: Uint8Array) => {
      const req = decodeActivityRequest(data)
      const hashes = activity(req.address, req.limit, payouts)
      if (hashes === undefined)
        throw new SyncError({ code: 'SYNC_NOT_HELD', what: 'address transactions', from: 0n })
      return encodeActivityResponse(hashes.slice(0, req.limit))
    }
    handlers[protocols.activity] = listing(true)
    handlers[protocols.activityV2] = listing(false)
  }

  return {
    protocols: Object.keys(handlers),
    /**
     * Answers a sync, snapshot, proof, pool or activity request from `from`, or null when `protocol` is not one of them. Throws
     * `SyncError` (`SYNC_RATE_LIMITED`, `SYNC_REQUEST_TOO_LARGE`, `SYNC_MALFORMED`).
     */
    answer(protocol: string, data: Uint8Array, from: string): Uint8Array | null {
      const handler = handlers[protocol]
      if (handler === undefined) return null
      const wait = limiter.take(from, init.now())
      if (wait > 0) throw new SyncError({ code: 'SYNC_RATE_LIMITED', peerId: from, retryInMs: wait })
      return handler(data)
    },
  }
}

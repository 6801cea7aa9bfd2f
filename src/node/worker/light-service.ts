import type { Address, Hex } from 'viem'
import { decodeBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { parseTx } from '../chain/tx'
import type { Genesis, Header, Tx } from '../chain/types'
import { fromHex } from '../codec/bytes'
import { nextBaseFee } from '../consensus/base-fee'
import { type HeaderCheckpoint, heavierCheckpoint, type StoredHeader } from '../light/header-chain'
import { LightClient, type LightClientConfig, type LightClientInit } from '../light/light-client'
import type { ModePin } from '../light/mode'
import { startupMark } from '../marks'
import type { GossipVerdict, NetworkApi } from '../network/bridge'
import { NetError } from '../network/errors'
import { chainTopic } from '../network/protocol'
import type { Remote } from '../rpc/protocol'
import { treeKey } from '../state/keys'
import { proveFrom } from '../state/trie'
import type { StateNodeReader } from '../storage/state-reader'
import type { NodeRepository } from '../storage/types'
import { syncProtocols } from '../sync/sync-server'
import type { SyncStatus } from '../sync/syncer'
import type { HeadInfo } from './chain-service'

export interface LightServiceInit {
  readonly genesis: Genesis
  readonly network: Remote<NetworkApi>
  readonly now: () => number
  /** The header head moved; `removed` lists the headers a reorg took out (newest first). */
  readonly onHead: (head: HeadInfo, removed: readonly Hex[]) => void
  /** Header sync started, progressed or ended. */
  readonly onSyncing?: (status: SyncStatus) => void
  /** A transaction this node submitted. */
  readonly onPendingTx?: (tx: Tx) => void
  readonly config?: Partial<LightClientConfig>
  /** Where the verified headers are kept across reloads (`LIGHT_CHECKPOINT_KEY`); nowhere when absent. */
  readonly repo?: NodeRepository
  /** The headers kept by an earlier run (`loadLightCheckpoint`): the header chain starts there. */
  readonly checkpoint?: HeaderCheckpoint
  /** The node's board of penalties and bans (its syncer's), instead of the client's own. */
  readonly board?: LightClientInit['board']
  /** Another profile's stored state, where reads are proven before any peer is asked (`localProofs`). */
  readonly localState?: Promise<StateNodeReader | undefined>
}

/** Repository meta key of the light client's header checkpoint. */
export const LIGHT_CHECKPOINT_KEY = 'light-headers'
/** A header head change is written at most this often (a sync run's end is written at once). */
const CHECKPOINT_EVERY_MS = 5_000

/** The header checkpoint an earlier run kept in `repo`, if any. */
export function loadLightCheckpoint(repo: NodeRepository): Promise<HeaderCheckpoint | undefined> {
  return repo.getMeta<HeaderCheckpoint>(LIGHT_CHECKPOINT_KEY)
}

/**
 * Where a node's light client starts (undefined: at the genesis; none when pinned `full`): the headers
 * this profile verified in an earlier run, or the browser's (`SharedHeaders`, verified by another
 * profile of this browser) when heavier — for a profile that executed nothing yet (a new tab's) or only
 * follows headers. A profile that executed blocks keeps to its own, so that its view does not jump
 * past what it holds before a peer is there to prove it.
 */
export async function startingCheckpoint(init: {
  readonly modePin: ModePin
  readonly repo: NodeRepository
  /** Whether the profile's chain holds executed blocks past the genesis. */
  readonly executedBlocks: boolean
  /** The browser's shared headers, if any. */
  readonly shared?: HeaderCheckpoint
}): Promise<HeaderCheckpoint | undefined> {
  if (init.modePin === 'full') return undefined
  const own = await loadLightCheckpoint(init.repo)
  if (init.modePin !== 'light' && init.executedBlocks) return own
  return heavierCheckpoint(own, init.shared)
}

/** Proofs of logical keys made from another profile's state nodes: undefined when a node is missing. */
function localProofs(
  state: Promise<StateNodeReader | undefined>,
): NonNullable<LightClientInit['localProofs']> {
  return async (stateRoot, keys) => {
    const reader = await state
    if (reader === undefined) return undefined
    const proofs = await Promise.all(
      keys.map((key) => proveFrom(stateRoot, treeKey(key), (h) => reader.get(h))),
    )
    return proofs.every((p): p is Hex[] => p !== undefined) ? proofs : undefined
  }
}

/** Head info of a header: a light node knows no bodies, so the transaction count is unknown (null). */
export function headerHeadInfo(h: StoredHeader): HeadInfo {
  return {
    number: h.header.number,
    hash: h.hash,
    timestamp: h.header.timestamp,
    difficulty: h.header.difficulty,
    totalDifficulty: h.totalDifficulty,
    txCount: null,
  }
}

/**
 * Light mode in the worker: the light client (src/node/light) on the network bridge. It follows
 * headers by range from peers that are ahead and takes the header of each gossiped block (checked by
 * the header rules; the verdict is always `ignore`, so a body it cannot check is never forwarded), and
 * submits transactions by gossip after checking what it can alone (encoding, chain id, signature).
 */
export function createLightService(init: LightServiceInit) {
  const blocksTopic = chainTopic(init.genesis.params.chainId, 'blocks')
  const txsTopic = chainTopic(init.genesis.params.chainId, 'txs')
  const protocols = syncProtocols(init.genesis.params.chainId)
  /** Whether header sync has once reached a peer's head (the start-up marks after it). */
  let synced = false
  const client = new LightClient({
    genesis: init.genesis,
    request: async (peer, protocol, data, timeoutMs) => {
      if (protocol === protocols.headers) startupMark('light-headers-request')
      const res = await init.network.request(peer, protocol, data, timeoutMs)
      if (synced && protocol === protocols.proof) startupMark('light-proof-fetched')
      return res
    },
    disconnect: (peer, reason, banMs) => init.network.disconnect(peer, reason, banMs),
    now: init.now,
    onHead: (head, removed) => {
      init.onHead(headerHeadInfo(head), removed)
      scheduleKeep()
    },
    onStatus: (status) => {
      if (status === false && client.headers.head.header.number > 0n) {
        synced = true
        startupMark('light-headers-synced')
      }
      init.onSyncing?.(status)
      if (status === false) void keep()
    },
    ...(init.config === undefined ? {} : { config: init.config }),
    ...(init.checkpoint === undefined ? {} : { checkpoint: init.checkpoint }),
    ...(init.board === undefined ? {} : { board: init.board }),
    ...(init.localState === undefined ? {} : { localProofs: localProofs(init.localState) }),
  })
  /** The lowest header the checkpoint must hold (a snapshot download's block), if any. */
  let keptFrom: bigint | undefined
  let keepTimer: ReturnType<typeof setTimeout> | undefined
  let writing: Promise<void> = Promise.resolve()
  /** The canonical headers from two reorg limits below the head (or from `keptFrom`, if lower). */
  const kept = (): HeaderCheckpoint => {
    const h = client.headers
    const span = BigInt(2 * h.params.maxReorgDepth)
    const head = h.head.header.number
    let from = head > span ? head - span : 0n
    if (keptFrom !== undefined && keptFrom < from) from = keptFrom
    return h.checkpoint(from)
  }
  /** Writes those headers (`kept`) to the repository, one write after another. */
  const keep = (): Promise<void> => {
    const repo = init.repo
    if (repo === undefined) return writing
    clearTimeout(keepTimer)
    keepTimer = undefined
    const checkpoint = kept()
    writing = writing
      .then(() => repo.putMeta(LIGHT_CHECKPOINT_KEY, checkpoint))
      .catch((err: unknown) => console.warn('keeping the verified headers failed', err))
    return writing
  }
  const scheduleKeep = (): void => {
    if (init.repo !== undefined && keepTimer === undefined) keepTimer = setTimeout(keep, CHECKPOINT_EVERY_MS)
  }
  /** Highest nonce submitted here per sender, so consecutive sends get consecutive nonces. */
  const submitted = new Map<Address, bigint>()

  return {
    client,
    head: (): HeadInfo => headerHeadInfo(client.headers.head),
    async start(): Promise<void> {
      await init.network.subscribe(blocksTopic)
    },
    stop(): void {
      clearTimeout(keepTimer)
      client.stop()
    },
    /** The verified headers this profile keeps across reloads (what `keep` writes); none at the genesis. */
    checkpoint(): HeaderCheckpoint | undefined {
      return client.headers.head.header.number === 0n ? undefined : kept()
    },
    /** The header chain once header sync has caught up with the peers heard from. */
    async synced() {
      await client.idle()
      return client.headers
    },
    /** Keeps the headers from `number` up in the checkpoint from now on, and writes it. */
    keepFrom(number: bigint): Promise<void> {
      keptFrom = number
      return keep()
    },
    /**
     * The header of a block the full chain took from gossip (`auto` mode): added to the header chain when
     * its parent is there; with `follow`, header sync also asks `from` for what is missing. The full
     * chain already judged the block.
     */
    noteHeader(header: Header, from: string, follow: boolean): void {
      try {
        const r = client.headers.add(header, BigInt(init.now()))
        if (r.kind === 'extended') init.onHead(headerHeadInfo(client.headers.head), [])
        if (r.kind === 'reorg') init.onHead(headerHeadInfo(client.headers.head), r.removed)
        if (r.kind !== 'known') scheduleKeep()
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
      }
      if (follow) client.notePeerHead(from, header.number)
    },
    /** Base fee of the next block, from the head header. */
    nextBaseFee: (): bigint => nextBaseFee(client.headers.params, client.headers.head.header),
    /** The next nonce for `address`: its proven nonce, or past what this node submitted for it. */
    async pendingNonce(address: Address): Promise<bigint> {
      const proven = (await client.account(address)).value.nonce
      const sent = submitted.get(address)
      return sent !== undefined && sent >= proven ? sent + 1n : proven
    },
    /**
     * Checks a raw transaction alone (encoding, chain id, static gas rules, signature: typed `TxError`)
     * and gossips it to the full nodes. Its state checks (nonce, funds) happen at theirs. A light node
     * keeps no pool: a transaction no peer received is refused (`NET_NO_PEERS`), not lost unseen.
     */
    async submitTransaction(raw: Hex): Promise<Hex> {
      const tx = parseTx(raw, client.headers.params)
      const { recipients } = await init.network.publish(txsTopic, fromHex(raw))
      if (recipients === 0)
        throw new NetError(
          { code: 'NET_NO_PEERS', topic: txsTopic },
          'no peer is linked to take the transaction (a light node keeps no pool): it was not sent',
        )
      const sent = submitted.get(tx.from)
      if (sent === undefined || tx.nonce > sent) submitted.set(tx.from, tx.nonce)
      init.onPendingTx?.(tx)
      return tx.hash
    },
    notePeerHead(peer: string, head: bigint): void {
      client.notePeerHead(peer, head)
    },
    peerJoined(peer: string): void {
      client.peerJoined(peer)
    },
    forgetPeer(peer: string): void {
      client.forgetPeer(peer)
    },
    /** Verdict on gossip (null for other topics): headers of blocks are taken, bodies never forwarded. */
    gossip(topic: string, data: Uint8Array, from: string): GossipVerdict | null {
      if (topic !== blocksTopic) return null
      if (client.isBanned(from)) return 'reject'
      let header: ReturnType<typeof decodeBlock>['header']
      try {
        header = decodeBlock(data).header
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
        client.penalize(from, err.type.code === 'BLOCK_TOO_LARGE' ? 'oversized' : 'garbage')
        return 'reject'
      }
      try {
        const r = client.headers.add(header, BigInt(init.now()))
        if (r.kind === 'extended') init.onHead(headerHeadInfo(client.headers.head), [])
        if (r.kind === 'reorg') init.onHead(headerHeadInfo(client.headers.head), r.removed)
        if (r.kind !== 'known') scheduleKeep()
        client.notePeerHead(from, header.number)
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
        switch (err.type.code) {
          case 'BLOCK_UNKNOWN_PARENT':
            // We are behind: fetch the headers in between from this peer.
            client.notePeerHead(from, header.number)
            break
          case 'BLOCK_FUTURE':
          case 'BLOCK_REORG_TOO_DEEP':
            break
          default:
            client.penalize(from, 'invalid-block')
            return 'reject'
        }
      }
      return 'ignore'
    },
  }
}

export type LightService = ReturnType<typeof createLightService>

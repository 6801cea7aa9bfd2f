import { create } from 'zustand'
import type { Genesis } from '../node/chain/types'
import type { HeadersAsked } from '../node/light/light-client'
import type { ModePin, NodeMode } from '../node/light/mode'
import type { NetworkSnapshot } from '../node/network/types'
import type { ProfileInfo } from '../node/profile/types'
import type { Remote } from '../node/rpc/protocol'
import type { StorageFault } from '../node/storage/storage-quota'
import type { CheckpointConflict } from '../node/sync/checkpoint-conflict'
import type { ChainSplit } from '../node/sync/splits'
import type { SyncStatus, SyncWait } from '../node/sync/syncer'
import type { HeadInfo, MiningInfo } from '../node/worker/chain-service'
import type { NodeApi, PendingTxInfo, ReorgInfo } from '../node/worker/node'

/** What did not start beside a running node (`AppState.partFailure`). */
export type PartFailure = 'wallet' | 'market' | 'rewards'

/** Lifecycle of the node worker as the page sees it. */
export type NodeLifecycle =
  | { readonly state: 'starting' }
  /** Still starting after `waitedMs`: stuck, or its worker died without a word; it may yet start. */
  | { readonly state: 'slow'; readonly waitedMs: number }
  | { readonly state: 'ready' }
  | { readonly state: 'failed'; readonly error: string }
  /** It ran, then stopped answering (crashed, out of memory): its calls fail with `RPC_LOST`. */
  | { readonly state: 'lost'; readonly error: string }

/**
 * The UI's mirror of the node: written only by the bootstrap (src/main.ts) from events of the
 * network host and the worker, read by components. Components never poll.
 */
export interface AppState {
  readonly node: NodeLifecycle
  /** The profile this tab runs, once claimed. */
  readonly profile: ProfileInfo | null
  /** Every profile of this browser, with whether another tab holds it. */
  readonly profiles: readonly (ProfileInfo & { readonly inUse: boolean })[]
  /**
   * Lists this browser's profiles again, and which tabs run them (the list is also read every few
   * seconds): the profile menu asks as it opens, so a tab closed a moment ago frees its profile there.
   */
  readonly refreshProfiles: () => Promise<void>
  /**
   * Removes a profile of this browser and all it stored (src/node/profile/remove.ts; throws its
   * `ProfileError`), then lists the profiles again.
   */
  readonly removeProfile: (id: string) => Promise<void>
  /** Whether a profile has a wallet keystore: removing it then loses the keys only it holds. */
  readonly profileHasWallet: (id: string) => Promise<boolean>
  readonly network: NetworkSnapshot | null
  /**
   * "Retry now": connects to the unreachable relay at once instead of after its backoff (the host's
   * `retryRelayNow`); false, and nothing happens, while an attempt runs or there is nothing to retry.
   */
  readonly retryRelayNow: () => boolean
  /** The node's API (queries), once it runs. */
  readonly api: Remote<NodeApi> | null
  /** The chain this tab runs (the server's genesis), once known. */
  readonly chain: Pick<Genesis, 'name' | 'params'> | null
  /** The canonical head, pushed by the node on every change. */
  readonly head: HeadInfo | null
  readonly mining: MiningInfo | null
  /**
   * A part of the page that starts once the node runs (the wallet, the market, the rewards' follower)
   * did not start, its code or its storage failing to load: what (`PartFailure`) and why. The node runs
   * on; a reload starts the part again. Null: none.
   */
  readonly partFailure: { readonly part: PartFailure; readonly error: string } | null
  /** Set when the node stopped saving the chain on this device (quota full…). */
  readonly storageFault: StorageFault | null
  /**
   * The browser's answer to this page's request to keep the origin's data under storage pressure
   * (`navigator.storage.persist()`, asked at boot): null until it answers, which it does in its own time.
   */
  readonly persistence: boolean | null
  /** The latest transaction that entered the node's mempool (a `pendingTx` event). */
  readonly lastPendingTx: PendingTxInfo | null
  /** The latest reorganisation of the canonical chain (a `reorg` event). */
  readonly lastReorg: ReorgInfo | null
  /** Sync progress (`eth_syncing` shape), pushed by the node; false when not syncing. */
  readonly syncing: SyncStatus
  /** The peer the node waits on to sync (the `syncWait` event); null: none. */
  readonly syncWait: SyncWait | null
  /** The peer a light node asked for headers and heard nothing from yet (the `syncAsked` event); null: none. */
  readonly syncAsked: HeadersAsked | null
  /**
   * The peers whose head the node has heard (a `peerStatus` event: their status answer or beacon) and the
   * last head each told, while the network lists them: the node forgets a peer that leaves, and asks it
   * again when it is back.
   */
  readonly headsTold: ReadonlyMap<string, bigint>
  /** A peer's heavier chain forks off this tab's past the reorg limit (the `split` event); null: none. */
  readonly split: ChainSplit | null
  /**
   * The latest peer whose heavier chain met none of the headers this tab kept from its checkpoint, and
   * what the node did (the `checkpointConflict` event); null: none this page load.
   */
  readonly checkpointConflict: CheckpointConflict | null
  /** Light, upgrading n % or full, pushed by the node; null until it runs. */
  readonly mode: NodeMode | null
  /** What this page load runs as (`?mode=`, else the profile's setting); null until the node starts. */
  readonly modePin: ModePin | null
  /** Whether `modePin` is the page address's `?mode=` (which comes before the profile's setting). */
  readonly modeFromAddress: boolean
  /** Asks the node to start or stop mining (no-op until the node is up). */
  readonly setMining: (on: boolean) => void
  /** navigator.onLine, kept current. */
  readonly online: boolean
  /**
   * A new version of the app: waiting for this tab's "Reload" ('waiting'), or already running, accepted in
   * another tab, while this tab still runs the old code ('elsewhere'); `applyUpdate` reloads into it.
   */
  readonly update: 'waiting' | 'elsewhere' | null
  readonly applyUpdate: () => void
}

/** The peer ids this tab has a direct link to, in the snapshot's order. */
export const directPeerIds = (s: AppState): readonly string[] =>
  s.network?.peers.filter((p) => p.kind === 'direct').map((p) => p.peerId) ?? []

/** How many peers this tab has a direct link to (the only links chain traffic uses). */
export const directPeerCount = (s: AppState): number =>
  s.network?.peers.filter((p) => p.kind === 'direct').length ?? 0

/**
 * Whether the node is still finding out how far the chain goes, so that what it reads may be an older
 * block's: linked to direct peers, none of which has told its head yet (`toldHeadCount`) or one of which
 * told a head past the one shown (before the sync or the header sync it starts moves it), or syncing, or
 * executing the blocks after a snapshot or those it missed (`upgrading`, light `catchingUp`). Alone it
 * has only its own chain to go by: not catching up.
 */
export const catchingUp = (s: AppState): boolean =>
  directPeerCount(s) > 0 &&
  (toldHeadCount(s) === 0 ||
    directPeerIds(s).some((id) => (s.headsTold.get(id) ?? -1n) > (s.head?.number ?? 0n)) ||
    s.syncing !== false ||
    s.mode?.kind === 'upgrading' ||
    (s.mode?.kind === 'light' && s.mode.catchingUp === true))

/** How many of this tab's direct peers have told the node their head (`headsTold`). */
export const toldHeadCount = (s: AppState): number =>
  directPeerIds(s).filter((id) => s.headsTold.has(id)).length

export const useApp = create<AppState>(() => ({
  node: { state: 'starting' },
  profile: null,
  profiles: [],
  refreshProfiles: () => Promise.resolve(),
  removeProfile: () => Promise.reject(new Error('the profiles are not loaded yet')),
  profileHasWallet: () => Promise.reject(new Error('the profiles are not loaded yet')),
  network: null,
  retryRelayNow: () => false,
  api: null,
  chain: null,
  head: null,
  mining: null,
  partFailure: null,
  storageFault: null,
  persistence: null,
  lastPendingTx: null,
  lastReorg: null,
  syncing: false,
  syncWait: null,
  syncAsked: null,
  headsTold: new Map(),
  split: null,
  checkpointConflict: null,
  mode: null,
  modePin: null,
  modeFromAddress: false,
  setMining: () => {},
  online: true,
  update: null,
  applyUpdate: () => {},
}))

/**
 * Whether the head moved from `prev` to `now`: another block, at a new height or (a reorganisation onto a
 * branch as long) at the same one. Not a head pushed again as it was.
 */
export function headMoved(now: Pick<AppState, 'head'>, prev: Pick<AppState, 'head'>): boolean {
  return now.head !== null && now.head.hash !== prev.head?.hash
}

/**
 * A watch of the chain the app reads: the function it returns tells, at each call, whether this is its
 * first call or the last reorganisation heard of (`lastReorg`) or the node's mode changed since its
 * previous one (a snapshot upgrade replaces the chain with no reorg event) — when what was read of the
 * chain must all be read again.
 */
export function chainChangeWatch(): () => boolean {
  /** The reorganisation and the node's mode the last call saw; undefined: none ran. */
  let saw: { readonly reorg: ReorgInfo | null; readonly mode: NodeMode['kind'] | null } | undefined
  return () => {
    const { lastReorg, mode } = useApp.getState()
    const now = { reorg: lastReorg, mode: mode?.kind ?? null }
    const changed = saw?.reorg !== now.reorg || saw.mode !== now.mode
    saw = now
    return changed
  }
}

import type { Hex } from 'viem'
import { BlockError } from '../chain/block-error'
import type { HeaderHashes } from '../chain/header'
import type { ChainParams, Header } from '../chain/types'
import { validateHeader } from '../consensus/validate'
import { NodeError } from '../rpc/errors'
import type { DecodedHeadersResponse } from './messages'
import { Misbehaviour } from './peer-scores'

/**
 * A peer whose chain is heavier than ours but forks off it further back than the reorg limit: a node
 * does not follow it on its own (it would undo more than `maxReorgDepth` of our blocks), so two groups
 * of tabs that mined apart for longer stay apart until the user chooses (`followSplit`).
 */
export interface ChainSplit {
  readonly peerId: string
  /** The last block both chains share. */
  readonly ancestor: { readonly number: bigint; readonly hash: Hex }
  /** Our canonical blocks above it: what following the peer's chain takes out. */
  readonly depth: number
  /** The peer's head and its total difficulty, as its headers were checked up to (`checkBranch`). */
  readonly peerHead: bigint
  readonly peerTotalDifficulty: bigint
}

/** The newest header of a peer's branch checked so far, and the branch's total difficulty there. */
export interface BranchTip {
  readonly header: Header
  readonly hash: Hex
  readonly work: bigint
}

/** A split found with a peer, and how far its branch's headers were checked. */
export interface KnownSplit {
  readonly split: ChainSplit
  readonly tip: BranchTip
}

/** What the split bookkeeping reads of the chain a client follows (the executed one, or a light node's headers). */
export interface SplitView {
  isCanonical(hash: Hex): boolean
  /** The canonical head's number and total difficulty. */
  head(): { readonly number: bigint; readonly totalDifficulty: bigint }
  isBanned(peerId: string): boolean
  /** The shared block of the split being followed (`allowDeepReorg`), if any. */
  following(): Hex | undefined
  /** The chain's header rules, and the clock they judge timestamps by (ms). */
  readonly params: ChainParams
  readonly now: () => number
}

/**
 * The splits a sync client found, by peer (each peer's last pass), and the heaviest one told to
 * `onSplit` whenever it changes. A split counts while its peer is not banned, is still heavier than our
 * head, and the block both share is still canonical.
 */
export class SplitWatch {
  readonly #view: SplitView
  readonly #onSplit: ((split: ChainSplit | null) => void) | undefined
  readonly #splits = new Map<string, KnownSplit>()
  #shown: ChainSplit | null = null

  constructor(view: SplitView, onSplit?: (split: ChainSplit | null) => void) {
    this.#view = view
    this.#onSplit = onSplit
  }

  /** The heaviest split that still counts, or null. */
  best(): ChainSplit | null {
    const head = this.#view.head()
    let best: ChainSplit | null = null
    for (const [peerId, { split: s }] of this.#splits) {
      if (
        this.#view.isBanned(peerId) ||
        s.peerTotalDifficulty <= head.totalDifficulty ||
        !this.#view.isCanonical(s.ancestor.hash)
      )
        this.#splits.delete(peerId)
      else if (best === null || s.peerTotalDifficulty > best.peerTotalDifficulty) best = s
    }
    return best
  }

  /** The split with `peerId` whose shared block is still canonical: its branch is checked on from its tip. */
  #known(peerId: string): KnownSplit | undefined {
    const k = this.#splits.get(peerId)
    return k !== undefined && this.#view.isCanonical(k.split.ancestor.hash) ? k : undefined
  }

  /**
   * A sync pass's first step with `peerId`: when it was split from us before (and that split is not the
   * one being followed, `following`), checks only what its branch grew by since and keeps the split.
   * Returns `held` when the split still holds (nothing to sync from the peer), else where the pass looks
   * for the fork: just above the block we share, or undefined (from our head, as usual).
   */
  async recheck(
    peerId: string,
    fetch: (from: bigint) => Promise<DecodedHeadersResponse>,
  ): Promise<'held' | bigint | undefined> {
    const known = this.#known(peerId)
    if (known === undefined || this.#view.following() === known.split.ancestor.hash) return undefined
    const tip = await checkBranch(this.#view.params, this.#view.now, fetch, known.tip, null)
    if (tip === null) return known.split.ancestor.number + 1n
    this.note(peerId, known.split.ancestor, tip)
    return 'held'
  }

  /** Tells `onSplit` when the heaviest split changed (call on every head change, too). */
  check(): void {
    const now = this.best()
    const was = this.#shown
    if (
      now === was ||
      (now !== null &&
        was !== null &&
        now.peerId === was.peerId &&
        now.ancestor.hash === was.ancestor.hash &&
        now.depth === was.depth &&
        now.peerHead === was.peerHead)
    )
      return
    this.#shown = now
    this.#onSplit?.(now)
  }

  /**
   * Keeps the split with `peerId` whose branch was checked to `tip` (or drops it when the branch is not
   * heavier than our head); says whether it was kept.
   */
  note(peerId: string, ancestor: { readonly number: bigint; readonly hash: Hex }, tip: BranchTip): boolean {
    const head = this.#view.head()
    const heavier = tip.work > head.totalDifficulty
    if (heavier)
      this.#splits.set(peerId, {
        split: {
          peerId,
          ancestor: { number: ancestor.number, hash: ancestor.hash },
          depth: Number(head.number - ancestor.number),
          peerHead: tip.header.number,
          peerTotalDifficulty: tip.work,
        },
        tip,
      })
    else this.#splits.delete(peerId)
    this.check()
    return heavier
  }

  /** Forgets the split with `peerId` (it left, or a pass found none). */
  drop(peerId: string): void {
    if (this.#splits.delete(peerId)) this.check()
  }
}

/**
 * Checks the headers of a peer's branch after `parent` (a block we hold, or the tip checked last time)
 * up to the peer's head, without fetching their bodies: each against its parent with the chain's header
 * rules (link, number, timestamp, difficulty, proof of work), adding up the work. `res` is a headers
 * response already in hand that holds the branch's first headers (those up to `parent` are skipped);
 * `fetch(from)` asks the peer for the next range. Returns the peer's head as checked, or null when that
 * cannot be said now (a header dated ahead of our clock, or a branch that no longer links to `parent`
 * or its claimed head: the peer moved). Throws `Misbehaviour` for a header that breaks a rule, or a head
 * whose work is not what the peer claims for it in the same response.
 */
export async function checkBranch(
  params: ChainParams,
  now: () => number,
  fetch: (from: bigint) => Promise<DecodedHeadersResponse>,
  parent: BranchTip,
  res: DecodedHeadersResponse | null,
): Promise<BranchTip | null> {
  let tip = parent
  let range = res ?? (await fetch(parent.header.number + 1n))
  for (;;) {
    for (const [i, header] of range.headers.entries()) {
      if (header.number <= parent.header.number) continue
      // Within a range the links were checked as it was decoded: a break here is between two ranges.
      if (header.parentHash !== tip.hash) return null
      const { hash, seal } = range.hashes[i] as HeaderHashes
      try {
        validateHeader(params, header, tip.header, BigInt(now()), tip.hash, seal)
      } catch (err) {
        if (!(err instanceof BlockError)) throw err
        if (err.type.code === 'BLOCK_FUTURE') return null
        throw new Misbehaviour('invalid-block', `a header of its branch: ${err.message}`)
      }
      tip = { header, hash, work: tip.work + header.difficulty }
    }
    if (tip.header.number >= range.headNumber) break
    range = await fetch(tip.header.number + 1n)
  }
  if (tip.work === range.headTotalDifficulty) return tip
  // A response that holds the head's own header claims its work: one its headers do not add up to is a
  // lie. Otherwise the peer's head moved away from a tip checked before.
  const last = range.headers.at(-1)
  if (last !== undefined && last.number === range.headNumber && last.number > parent.header.number)
    throw new Misbehaviour('wrong-response', 'a head whose work its headers do not add up to')
  return null
}

/** What following a split does to the chain a node follows (its executed chain, or its headers). */
export interface SplitFollower {
  split(): ChainSplit | null
  /** The canonical head's hash, and whether a hash is canonical. */
  headHash(): Hex
  isCanonical(hash: Hex): boolean
  /** `Chain.allowDeepReorg` / `HeaderChain.allowDeepReorg`. */
  allowDeepReorg(ancestor: Hex | null): void
  /** Syncs from `peerId` again now, and resolves when that sync ends. */
  syncFrom(peerId: string): Promise<void>
}

/**
 * Follows the split that meets ours at `ancestor` (the user's choice): lets the chain reorganise back to
 * it, however deep, and syncs from its peer. Throws `NodeError`: `NODE_NO_SPLIT` when no split at
 * `ancestor` is known (it healed, or its peer left); `NODE_SPLIT_NOT_FOLLOWED` when the sync ended with
 * our chain where it was (the peer failed to serve its chain, or left): nothing changed, and the leave
 * to reorganise is taken back.
 */
export async function followSplit(ancestor: Hex, chain: SplitFollower): Promise<void> {
  const split = chain.split()
  if (split === null || split.ancestor.hash !== ancestor)
    throw new NodeError(
      { code: 'NODE_NO_SPLIT', ancestor },
      `no heavier chain splitting from ours at ${ancestor} is known: it was followed, or its peer left`,
    )
  const before = chain.headHash()
  chain.allowDeepReorg(ancestor)
  await chain.syncFrom(split.peerId)
  if (chain.isCanonical(before)) {
    chain.allowDeepReorg(null)
    throw new NodeError(
      { code: 'NODE_SPLIT_NOT_FOLLOWED', ancestor, peerId: split.peerId },
      'the heavier chain could not be fetched (its peer failed to serve it, or left): this tab’s chain is unchanged',
    )
  }
}

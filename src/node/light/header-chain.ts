import type { Hex } from 'viem'
import { genesisBlock, hashBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { type HeaderHashes, hashHeader } from '../chain/header'
import type { ChainParams, Genesis, Header } from '../chain/types'
import { validateHeader } from '../consensus/validate'
import { badParams } from '../rpc/errors'

/** A checked header with its hash and the cumulative difficulty of its branch. */
export interface StoredHeader {
  readonly header: Header
  readonly hash: Hex
  readonly totalDifficulty: bigint
}

/**
 * A stretch of the canonical header chain this node verified earlier, kept in the profile so a reload
 * does not start from the genesis: the first header with its total difficulty (trusted as the node's own
 * earlier verification, like its stored blocks), then its descendants, each checked again on restore.
 */
export interface HeaderCheckpoint {
  readonly totalDifficulty: bigint
  /** Canonical headers, oldest first, each the parent of the next. */
  readonly headers: readonly Header[]
}

/** The total difficulty at a checkpoint's last header: which of two checkpoints is heavier. */
export function checkpointWeight(checkpoint: HeaderCheckpoint): bigint {
  let weight = checkpoint.totalDifficulty
  for (const h of checkpoint.headers.slice(1)) weight += h.difficulty
  return weight
}

/** The heavier of two checkpoints (the first on a tie); undefined when both are. */
export function heavierCheckpoint(
  a: HeaderCheckpoint | undefined,
  b: HeaderCheckpoint | undefined,
): HeaderCheckpoint | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return checkpointWeight(b) > checkpointWeight(a) ? b : a
}

/**
 * What adding a header did to the canonical header chain: nothing new (`known`), a side branch
 * (`side`), the head extended (`extended`) or a branch switch (`reorg`, with the hashes that left
 * the canonical chain, newest first).
 */
export type HeaderImport =
  | { readonly kind: 'known'; readonly hash: Hex }
  | { readonly kind: 'side'; readonly hash: Hex }
  | { readonly kind: 'extended'; readonly hash: Hex }
  | { readonly kind: 'reorg'; readonly hash: Hex; readonly removed: readonly Hex[] }

/**
 * The header chain of a light node: every header checked with the full node's header rules
 * (`validateHeader`: parent link, number, timestamp after the parent plus the genesis's minimum gap,
 * the difficulty rule, proof of work, gas limit, base fee, future tolerance), the canonical branch
 * chosen by total difficulty (ties keep the first seen), and reorgs deeper than
 * `params.maxReorgDepth` refused — the same fork choice as `Chain`, without bodies or state.
 *
 * Pure: time arrives as an argument. Refusals throw `BlockError` and change nothing.
 */
export class HeaderChain {
  readonly params: ChainParams
  readonly genesisHash: Hex
  readonly #headers = new Map<Hex, StoredHeader>()
  /** Canonical hashes by number, from `#base` up. */
  readonly #canonical: Hex[] = []
  /** The lowest canonical number held: 0, or the first header of a restored checkpoint. */
  readonly #base: bigint
  /** A canonical header the user let the chain reorganise back to, past the limit (`allowDeepReorg`). */
  #deepReorgTo: Hex | undefined

  /**
   * A header chain at the genesis, or restored from `checkpoint` (`checkpoint()` of an earlier run):
   * its first header is the new base, every later one is checked again with `add` at `now`. Throws
   * `BlockError` for a checkpoint that does not hold together (the caller then starts from genesis).
   */
  constructor(genesis: Genesis, checkpoint?: HeaderCheckpoint, now?: bigint) {
    this.params = genesis.params
    const block = genesisBlock(genesis)
    this.genesisHash = hashBlock(block)
    const genesisHeader = {
      header: block.header,
      hash: this.genesisHash,
      totalDifficulty: block.header.difficulty,
    }
    this.#headers.set(this.genesisHash, genesisHeader)
    const first = checkpoint?.headers[0]
    if (checkpoint === undefined || first === undefined || first.number === 0n) {
      this.#base = 0n
      this.#canonical.push(this.genesisHash)
      for (const h of checkpoint?.headers.slice(1) ?? []) this.add(h, now ?? 0n)
      return
    }
    this.#base = first.number
    const hash = hashHeader(first)
    this.#headers.set(hash, { header: first, hash, totalDifficulty: checkpoint.totalDifficulty })
    this.#canonical.push(hash)
    for (const h of checkpoint.headers.slice(1)) {
      if (this.add(h, now ?? 0n).kind !== 'extended')
        throw new BlockError({ code: 'BLOCK_UNKNOWN_PARENT', parentHash: h.parentHash })
    }
  }

  /** The lowest canonical header held (the genesis unless restored from a checkpoint). */
  get base(): StoredHeader {
    return this.#mustGet(this.#canonical[0] as Hex)
  }

  /**
   * The canonical headers from `from` (or the base, if higher) to the head, with the first one's total
   * difficulty: what to keep so a later `new HeaderChain(genesis, checkpoint)` starts here.
   */
  checkpoint(from: bigint): HeaderCheckpoint {
    const start = from > this.#base ? from : this.#base
    const hashes = this.#canonical.slice(Number(start - this.#base))
    const headers = hashes.map((h) => this.#mustGet(h))
    return { totalDifficulty: headers[0]?.totalDifficulty ?? 0n, headers: headers.map((h) => h.header) }
  }

  /** The canonical head. */
  get head(): StoredHeader {
    return this.#mustGet(this.#canonical[this.#canonical.length - 1] as Hex)
  }

  /** Any checked header (canonical or side branch) by hash. */
  get(hash: Hex): StoredHeader | undefined {
    return this.#headers.get(hash)
  }

  /** The canonical header at `number`. */
  byNumber(number: bigint): StoredHeader | undefined {
    if (number < this.#base) return undefined
    const hash = this.#canonical[Number(number - this.#base)]
    return hash === undefined ? undefined : this.#headers.get(hash)
  }

  /**
   * The headers that were canonical up to `hash` and are no longer (newest first): what reorgs took out
   * since `hash` was the head. None while `hash` is still canonical.
   */
  removedSince(hash: Hex): Hex[] {
    const out: Hex[] = []
    for (
      let h = this.#headers.get(hash);
      h !== undefined && !this.isCanonical(h.hash);
      h = this.#headers.get(h.header.parentHash)
    )
      out.push(h.hash)
    return out
  }

  isCanonical(hash: Hex): boolean {
    const h = this.#headers.get(hash)
    return (
      h !== undefined &&
      h.header.number >= this.#base &&
      this.#canonical[Number(h.header.number - this.#base)] === hash
    )
  }

  /**
   * The canonical header with at least `k` confirmations (the head has 1): the newest header whose
   * state a light node trusts. The genesis when the chain is shorter.
   */
  anchor(k: number = this.params.confirmations): StoredHeader {
    const n = this.#canonical.length - Math.max(1, k)
    return this.#mustGet(this.#canonical[Math.max(n, 0)] as Hex)
  }

  /**
   * Where a held header's branch meets the canonical chain, and how many canonical headers lie above
   * that point; undefined when they meet only below the base.
   */
  forkPoint(hash: Hex): { readonly ancestor: StoredHeader; readonly depth: number } | undefined {
    const ancestor = this.#commonAncestor(this.#mustGet(hash))
    if (ancestor === undefined) return undefined
    return { ancestor, depth: Number(this.head.header.number - ancestor.header.number) }
  }

  /**
   * Lets the chain reorganise, once, onto a heavier branch that forks off at canonical header `ancestor`
   * however far back (`Chain.allowDeepReorg`, for a light node's headers); `null` takes it back. Throws
   * `NodeError` `NODE_BAD_PARAMS` when `ancestor` is not canonical.
   */
  allowDeepReorg(ancestor: Hex | null): void {
    if (ancestor !== null && !this.isCanonical(ancestor))
      throw badParams(`${ancestor} is not a header of the canonical chain`)
    this.#deepReorgTo = ancestor ?? undefined
  }

  /** The header `allowDeepReorg` named, until the reorg it allowed happens. */
  get deepReorgTarget(): Hex | undefined {
    return this.#deepReorgTo
  }

  /**
   * Checks `header` against its parent and adds it. Throws `BlockError`: `BLOCK_UNKNOWN_PARENT`
   * (broken link), `BLOCK_BAD_NUMBER`, `BLOCK_BAD_TIMESTAMP`, `BLOCK_BAD_DIFFICULTY`,
   * `BLOCK_INSUFFICIENT_WORK`, `BLOCK_BAD_GAS_LIMIT`, `BLOCK_BAD_BASE_FEE`, `BLOCK_FUTURE`,
   * `BLOCK_REORG_TOO_DEEP`.
   *
   * @param now the caller's clock, ms since the Unix epoch
   * @param hashes `hashHeader(header)` and `sealHash(header)` when the caller computed them already
   *   (`decodeHeadersResponse` does); never hashes taken from the wire
   */
  add(header: Header, now: bigint, hashes?: HeaderHashes): HeaderImport {
    const hash = hashes?.hash ?? hashHeader(header)
    if (this.#headers.has(hash)) return { kind: 'known', hash }
    const parent = this.#headers.get(header.parentHash)
    if (parent === undefined)
      throw new BlockError({ code: 'BLOCK_UNKNOWN_PARENT', parentHash: header.parentHash })
    validateHeader(this.params, header, parent.header, now, parent.hash, hashes?.seal)
    const head = this.head
    const ancestor = this.#commonAncestor(parent)
    // A branch leaving the chain below a restored base is as deep as it gets.
    const depth =
      ancestor === undefined ? Number.POSITIVE_INFINITY : Number(head.header.number - ancestor.header.number)
    if (
      ancestor === undefined ||
      (depth > this.params.maxReorgDepth && ancestor.hash !== this.#deepReorgTo)
    ) {
      throw new BlockError({ code: 'BLOCK_REORG_TOO_DEEP', depth, max: this.params.maxReorgDepth })
    }
    const stored: StoredHeader = { header, hash, totalDifficulty: parent.totalDifficulty + header.difficulty }
    this.#headers.set(hash, stored)
    if (stored.totalDifficulty <= head.totalDifficulty) return { kind: 'side', hash }
    if (parent.hash === head.hash) {
      this.#canonical.push(hash)
      return { kind: 'extended', hash }
    }
    if (ancestor.hash === this.#deepReorgTo) this.#deepReorgTo = undefined
    const removed = this.#canonical.splice(Number(ancestor.header.number - this.#base) + 1).reverse()
    const added: Hex[] = []
    for (let h: StoredHeader = stored; h.hash !== ancestor.hash; h = this.#mustGet(h.header.parentHash)) {
      added.push(h.hash)
    }
    this.#canonical.push(...added.reverse())
    return { kind: 'reorg', hash, removed }
  }

  /** The newest canonical header that `branchTip` descends from; undefined below a restored base. */
  #commonAncestor(branchTip: StoredHeader): StoredHeader | undefined {
    let h: StoredHeader | undefined = branchTip
    while (h !== undefined && !this.isCanonical(h.hash)) h = this.#headers.get(h.header.parentHash)
    return h
  }

  #mustGet(hash: Hex): StoredHeader {
    const h = this.#headers.get(hash)
    if (h === undefined) throw new RangeError(`header ${hash} is not stored`)
    return h
  }
}

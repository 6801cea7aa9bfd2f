import type { Hex } from 'viem'
import { genesisBlock, hashBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { hashHeader } from '../chain/header'
import type { ChainParams, Genesis, Header } from '../chain/types'
import { validateHeader } from '../consensus/validate'

/** A checked header with its hash and the cumulative difficulty of its branch. */
export interface StoredHeader {
  readonly header: Header
  readonly hash: Hex
  readonly totalDifficulty: bigint
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
  /** Canonical hashes by number. */
  readonly #canonical: Hex[] = []

  constructor(genesis: Genesis) {
    this.params = genesis.params
    const block = genesisBlock(genesis)
    this.genesisHash = hashBlock(block)
    this.#headers.set(this.genesisHash, {
      header: block.header,
      hash: this.genesisHash,
      totalDifficulty: block.header.difficulty,
    })
    this.#canonical.push(this.genesisHash)
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
    if (number < 0n || number >= BigInt(this.#canonical.length)) return undefined
    const hash = this.#canonical[Number(number)]
    return hash === undefined ? undefined : this.#headers.get(hash)
  }

  isCanonical(hash: Hex): boolean {
    const h = this.#headers.get(hash)
    return h !== undefined && this.#canonical[Number(h.header.number)] === hash
  }

  /**
   * The canonical header with at least `k` confirmations (the head has 1): the newest header whose
   * state a light node trusts. The genesis when the chain is shorter.
   */
  anchor(k: number = this.params.confirmations): StoredHeader {
    const n = BigInt(this.#canonical.length - Math.max(1, k))
    return this.#mustGet(this.#canonical[Number(n < 0n ? 0n : n)] as Hex)
  }

  /**
   * Checks `header` against its parent and adds it. Throws `BlockError`: `BLOCK_UNKNOWN_PARENT`
   * (broken link), `BLOCK_BAD_NUMBER`, `BLOCK_BAD_TIMESTAMP`, `BLOCK_BAD_DIFFICULTY`,
   * `BLOCK_INSUFFICIENT_WORK`, `BLOCK_BAD_GAS_LIMIT`, `BLOCK_BAD_BASE_FEE`, `BLOCK_FUTURE`,
   * `BLOCK_REORG_TOO_DEEP`.
   *
   * @param now the caller's clock, ms since the Unix epoch
   */
  add(header: Header, now: bigint): HeaderImport {
    const hash = hashHeader(header)
    if (this.#headers.has(hash)) return { kind: 'known', hash }
    const parent = this.#headers.get(header.parentHash)
    if (parent === undefined)
      throw new BlockError({ code: 'BLOCK_UNKNOWN_PARENT', parentHash: header.parentHash })
    validateHeader(this.params, header, parent.header, now, parent.hash)
    const head = this.head
    const ancestor = this.#commonAncestor(parent)
    const depth = Number(head.header.number - ancestor.header.number)
    if (depth > this.params.maxReorgDepth) {
      throw new BlockError({ code: 'BLOCK_REORG_TOO_DEEP', depth, max: this.params.maxReorgDepth })
    }
    const stored: StoredHeader = { header, hash, totalDifficulty: parent.totalDifficulty + header.difficulty }
    this.#headers.set(hash, stored)
    if (stored.totalDifficulty <= head.totalDifficulty) return { kind: 'side', hash }
    if (parent.hash === head.hash) {
      this.#canonical.push(hash)
      return { kind: 'extended', hash }
    }
    const removed = this.#canonical.splice(Number(ancestor.header.number) + 1).reverse()
    const added: Hex[] = []
    for (let h: StoredHeader = stored; h.hash !== ancestor.hash; h = this.#mustGet(h.header.parentHash)) {
      added.push(h.hash)
    }
    this.#canonical.push(...added.reverse())
    return { kind: 'reorg', hash, removed }
  }

  /** The newest canonical header that `branchTip` descends from. */
  #commonAncestor(branchTip: StoredHeader): StoredHeader {
    let h = branchTip
    while (!this.isCanonical(h.hash)) h = this.#mustGet(h.header.parentHash)
    return h
  }

  #mustGet(hash: Hex): StoredHeader {
    const h = this.#headers.get(hash)
    if (h === undefined) throw new RangeError(`header ${hash} is not stored`)
    return h
  }
}

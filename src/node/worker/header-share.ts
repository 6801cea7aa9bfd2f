import type { Chain } from '../chain/chain'
import type { Header } from '../chain/types'
import type { HeaderCheckpoint } from '../light/header-chain'
import type { SharedCheckpoint, SharedHeaders } from '../storage/shared-headers'

/** A head change is offered to the browser's shared headers at most this often, ms. */
export const SHARE_EVERY_MS = 5_000

/**
 * The executed chain's canonical headers from `span` blocks below its head (or from the lowest block it
 * holds), with the first one's total difficulty: a full node's checkpoint. Undefined for a chain at its
 * genesis (nothing verified to share).
 */
export function chainCheckpoint(chain: Chain, span: number): HeaderCheckpoint | undefined {
  let b = chain.head
  if (b.block.header.number === 0n) return undefined
  const headers: Header[] = [b.block.header]
  for (let i = 0; i < span && b.block.header.number > 0n; i++) {
    const parent = chain.getBlock(b.block.header.parentHash)
    if (parent === undefined) break
    b = parent
    headers.push(b.block.header)
  }
  return { totalDifficulty: b.totalDifficulty, headers: headers.reverse() }
}

export interface HeaderSharerInit {
  readonly shared: SharedHeaders
  /**
   * This node's best verified headers now (its light client's or its executed chain's, the heavier),
   * with its database when they are its executed chain's.
   */
  readonly checkpoint: () => SharedCheckpoint | undefined
  readonly everyMs?: number
}

/**
 * Offers this node's verified headers to the browser's shared store (`SharedHeaders`): `everyMs` after a
 * head change, one offer after another; the store keeps the heaviest. A failed offer is logged and the
 * next head change tries again — nothing of the node's own state depends on it.
 */
export function createHeaderSharer(init: HeaderSharerInit) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let offering: Promise<void> = Promise.resolve()
  const offer = (): Promise<void> => {
    clearTimeout(timer)
    timer = undefined
    const shared = init.checkpoint()
    if (shared === undefined) return offering
    offering = offering
      .then(() => init.shared.offer(shared))
      .then(
        () => {},
        (err: unknown) => console.warn('sharing the verified headers failed', err),
      )
    return offering
  }
  return {
    /** The head moved: offer within `everyMs`. */
    noteHead(): void {
      if (timer === undefined) timer = setTimeout(offer, init.everyMs ?? SHARE_EVERY_MS)
    },
    /** Offers now (and drops a pending offer); resolves when it is stored or refused. */
    flush: offer,
    stop(): void {
      clearTimeout(timer)
      timer = undefined
    },
  }
}

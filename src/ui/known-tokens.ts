import { type Address, encodeEventTopics, type Hex } from 'viem'
import { MAX_LOG_RANGE } from '../node/chain/log-selection'
import { TOKEN_FACTORY_ADDRESS } from '../node/contracts/addresses'
import { tokenFactoryAbi } from '../node/contracts/token-factory/abi'
import type { Remote } from '../node/rpc/protocol'
import type { NodeApi } from '../node/worker/node'
import type { TokenInfo } from '../node/worker/queries'

/** The topic of the TokenFactory's `TokenCreated` log: a block holding one created a token. */
const TOKEN_CREATED: Hex = encodeEventTopics({ abi: tokenFactoryAbi, eventName: 'TokenCreated' })[0]

/** What the explorer's token list reads from the node. */
export type TokenListApi = Pick<Remote<NodeApi>, 'tokens' | 'logs'>

/**
 * The tokens the explorer names addresses by, read from the node once, and again only when it may have
 * changed: a head whose new blocks hold a `TokenCreated` log (a `logs` query over them: a light node
 * checks their headers' blooms, and fetches only a block whose bloom may hold one), a head too far past
 * the last read for one query, a query that fails, `invalidate` (a reorganisation, a switch of the
 * node's mode), or a token the list lacks (`lacks`). Before, the list was read again at every head: a
 * light tab left on the Explorer asked its peers for proofs of every token at each block.
 */
export interface TokenList {
  /**
   * The list at `head`: read again when it may have changed, else the one read last (the same array,
   * so a caller that dropped an earlier answer, its page having moved on to a newer head meanwhile,
   * still gets it). A failed read throws, and the next call reads again.
   */
  at(head: bigint): Promise<readonly TokenInfo[]>
  /** The next `at` reads the list again. */
  invalidate(): void
  /**
   * True when `address`, a token the node holds, is not in the list last read and was not asked for
   * before: the next `at` reads the list again (once per address: a token the node's list leaves out
   * does not make every head read it). Before the first read has ended, the next `at` after it reads
   * again only if that first read lacks `address` (a page opened while the list was read asks then,
   * not never).
   */
  lacks(address: Address): boolean
}

export function createTokenList(api: TokenListApi): TokenList {
  /** The head the list was last read at (or found unchanged at); null before the first read. */
  let readAt: bigint | null = null
  /** Read the list at the next head whatever its blocks hold (`invalidate`, `lacks`, a failed read). */
  let stale = true
  let tokens: readonly TokenInfo[] = []
  let known = new Set<string>()
  const asked = new Set<string>()
  /** Asked for (`lacks`) before the first read ended: read again after it if it lacks them. */
  const beforeFirst = new Set<string>()
  /** One read at a time, in the order the heads came. */
  let queue: Promise<unknown> = Promise.resolve()

  /** Whether the blocks after `readAt` up to `head` may have created a token. */
  const changed = async (head: bigint): Promise<boolean> => {
    if (stale || readAt === null || head < readAt || head - readAt > MAX_LOG_RANGE) return true
    if (head === readAt) return false
    try {
      const created = await api.logs({
        fromBlock: readAt + 1n,
        toBlock: head,
        address: TOKEN_FACTORY_ADDRESS,
        topics: [TOKEN_CREATED],
      })
      return created.length > 0
    } catch {
      // Cannot tell (no peer served a block whose bloom matched, history missing): read the list.
      return true
    }
  }

  const read = async (head: bigint): Promise<readonly TokenInfo[]> => {
    if (!(await changed(head))) {
      readAt = head
      return tokens
    }
    // Cleared before the read: an `invalidate` while it runs makes the next head read again.
    stale = false
    try {
      tokens = await api.tokens()
      known = new Set(tokens.map((t) => t.address.toLowerCase()))
      readAt = head
      for (const key of beforeFirst) if (!known.has(key)) stale = true
      beforeFirst.clear()
      return tokens
    } catch (err) {
      stale = true
      throw err
    }
  }

  return {
    at(head) {
      const next = queue.then(() => read(head))
      queue = next.catch(() => undefined)
      return next
    },
    invalidate() {
      stale = true
    },
    lacks(address) {
      const key = address.toLowerCase()
      if (known.has(key) || asked.has(key)) return false
      asked.add(key)
      // Before the first read ended every token is lacking: that read decides whether to read again.
      if (readAt === null) beforeFirst.add(key)
      else stale = true
      return true
    },
  }
}

/** What follows a token list as heads come (`followTokenList`). */
export interface TokenListFollower {
  /** Asks for the list at `head` (again at the same head: a reorganisation, a mode switch, a token lacking). */
  head(head: bigint): void
  /** No answer is passed on after this (the screens closed). */
  close(): void
}

/**
 * Follows `list` as heads come, passing each answer to `shown` until `close`, and saying each read that
 * failed to `failed` (the first one ending so tells a screen waiting for it to stop). Each answer is passed on,
 * even one whose head was passed meanwhile: `at` answers in the order the heads came, so it is never
 * older than the one shown, and a screen that waited for an answer to a head no newer head overtook,
 * on a chain whose blocks come faster than the list is read, never named a token (its amounts read
 * "100 base units of token 0x…" for good). One read at a time: heads that came while it ran are read as
 * one, the newest, after it.
 */
export function followTokenList(
  list: Pick<TokenList, 'at'>,
  shown: (tokens: readonly TokenInfo[]) => void,
  failed: () => void = () => {},
): TokenListFollower {
  let closed = false
  let running = false
  let next: bigint | null = null
  const pump = () => {
    if (closed || running || next === null) return
    const head = next
    next = null
    running = true
    list
      .at(head)
      .then(
        (tokens) => {
          if (!closed) shown(tokens)
        },
        // Kept as last read (names are an aid); the next head reads again.
        () => {
          if (!closed) failed()
        },
      )
      .finally(() => {
        running = false
        pump()
      })
  }
  return {
    head(head) {
      next = head
      pump()
    },
    close() {
      closed = true
    },
  }
}

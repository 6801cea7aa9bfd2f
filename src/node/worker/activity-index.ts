import type { Address, Hex } from 'viem'
import type { Chain } from '../chain/chain'
import type { StoredBlock } from '../chain/chain-store'
import { lockPayees, topicAddress, transactionParties } from '../chain/parties'
import { TOKEN_FACTORY_ADDRESS } from '../contracts/addresses'
import { TRANSFER_TOPIC } from '../contracts/erc20/erc20'
import { decodeLock } from '../contracts/htlc/htlc'
import { TOKEN_CREATED_TOPIC } from '../contracts/token-factory/token-factory'
import { htlcKey } from '../state/keys'
import type { LogRecord } from '../storage/types'

/** A token as the factory's `TokenCreated` log announced it. */
export interface CreatedToken {
  readonly address: Address
  readonly owner: Address
  readonly blockNumber: bigint
  readonly transactionHash: Hex
}

/** What one scanned block added to the index, kept so a reorg can take it back. */
interface Scanned {
  readonly number: bigint
  readonly hash: Hex
  /** Addresses whose transaction list got one entry each, in order. */
  readonly touched: Address[]
  readonly created: Address[]
  /** Tokens whose transfer list got one entry each, in order. */
  readonly transferred: Address[]
}

/**
 * A transaction in an address's list. `payout`: the address is in it only as the payee of an HTLC lock
 * it redeemed or refunded (`lockPayees`), which no light peer can check from the transaction and its
 * receipt alone (`transactionParties`): served to light peers of `sync-activity` 3, which prove the lock,
 * and left out of the version 2 list.
 */
interface Listed {
  readonly hash: Hex
  readonly payout: boolean
}

/**
 * An in-memory index of the canonical chain that the repository has no index for: the tokens the
 * factory created and each token's `Transfer` logs, and — with `senders` — the transactions touching an
 * address (as sender, recipient, party of a token `Transfer`, or payee of an HTLC lock a redeem or refund
 * paid, whoever sent it: the lock read from the head state, where a lock stays once made and its parties
 * never change). Built lazily: `refresh()` scans the
 * canonical blocks it has not seen and first takes back the blocks a reorg removed, so it always
 * mirrors the head. A chain started from a snapshot is indexed from its base (what came before it is
 * not held); a reopened store's older blocks must be loaded first (the queries wait for them). Only the address part needs each transaction's sender, which after a reload costs
 * a signature recovery per stored transaction: the log part never pays it.
 */
export class ActivityIndex {
  readonly #chain: Chain
  readonly #senders: boolean
  readonly #scanned: Scanned[] = []
  readonly #txs = new Map<Address, Listed[]>()
  readonly #tokens = new Map<Address, CreatedToken>()
  readonly #transfers = new Map<Address, LogRecord[]>()

  /** @param senders also index transactions by address (recovers the senders of every transaction) */
  constructor(chain: Chain, { senders }: { readonly senders: boolean }) {
    this.#chain = chain
    this.#senders = senders
  }

  /** Brings the index to the canonical head. */
  refresh(): void {
    for (let last = this.#scanned.at(-1); last !== undefined; last = this.#scanned.at(-1)) {
      if (this.#chain.store.getCanonicalHash(last.number) === last.hash) break
      this.#rollback(this.#scanned.pop() as Scanned)
    }
    const head = this.#chain.head.block.header.number
    for (let n = (this.#scanned.at(-1)?.number ?? -1n) + 1n; n <= head; n++) {
      const block = this.#chain.getBlockByNumber(n)
      if (block !== undefined) {
        this.#scan(block)
        continue
      }
      // A chain started from a snapshot holds nothing below its base: go on from there.
      const base = this.#chain.base
      if (n >= base) break
      n = base - 1n
    }
  }

  /** Transaction hashes touching `address` (lowercase), newest first (at most `limit`). */
  transactions(address: Address, limit: number): Hex[] {
    return this.#listed(address, limit, () => true)
  }

  /**
   * As `transactions`, less those touching `address` only as the payee of an HTLC lock: what a light peer
   * can check to touch it from each transaction and its receipt alone (`transactionParties`), so what the
   * node serves light peers of `sync-activity` version 2, who would take any other row for a forged one
   * (version 3's prove the lock, and are served `transactions`).
   */
  provableTransactions(address: Address, limit: number): Hex[] {
    return this.#listed(address, limit, (l) => !l.payout)
  }

  #listed(address: Address, limit: number, keep: (listed: Listed) => boolean): Hex[] {
    this.refresh()
    const list = this.#txs.get(address) ?? []
    const out: Hex[] = []
    for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
      const listed = list[i] as Listed
      if (keep(listed)) out.push(listed.hash)
    }
    return out
  }

  /** Every token created on the canonical chain, oldest first. */
  tokens(): CreatedToken[] {
    this.refresh()
    return [...this.#tokens.values()]
  }

  /** `Transfer` logs of `token`, newest first (at most `limit`). */
  transfers(token: Address, limit: number): LogRecord[] {
    this.refresh()
    return (this.#transfers.get(token) ?? []).slice(-limit).reverse()
  }

  #scan(stored: StoredBlock): void {
    const entry: Scanned = {
      number: stored.block.header.number,
      hash: stored.hash,
      touched: [],
      created: [],
      transferred: [],
    }
    const senders =
      this.#senders && stored.block.transactions.length > 0 ? this.#chain.blockTransactions(stored.block) : []
    let logIndex = 0
    stored.txHashes.forEach((hash, index) => {
      const logs = stored.receipts[index]?.logs ?? []
      const tx = senders[index]
      if (tx !== undefined) {
        const parties = transactionParties(tx.from, tx.to, logs)
        for (const a of parties) {
          append(this.#txs, a, { hash, payout: false })
          entry.touched.push(a)
        }
        for (const a of lockPayees(logs, (id) => this.#lock(id))) {
          if (parties.has(a)) continue
          append(this.#txs, a, { hash, payout: true })
          entry.touched.push(a)
        }
      }
      if (this.#senders) return
      for (const log of logs) {
        const record: LogRecord = {
          ...log,
          blockNumber: entry.number,
          blockHash: stored.hash,
          transactionHash: hash,
          transactionIndex: index,
          logIndex: logIndex++,
        }
        const topic0 = log.topics[0]
        if (topic0 === TRANSFER_TOPIC && log.topics.length === 3) {
          append(this.#transfers, log.address, record)
          entry.transferred.push(log.address)
        } else if (topic0 === TOKEN_CREATED_TOPIC && log.address === TOKEN_FACTORY_ADDRESS) {
          const token = topicAddress(log.topics[1])
          const owner = topicAddress(log.topics[2])
          if (token !== undefined && owner !== undefined) {
            this.#tokens.set(token, {
              address: token,
              owner,
              blockNumber: entry.number,
              transactionHash: hash,
            })
            entry.created.push(token)
          }
        }
      }
    })
    this.#scanned.push(entry)
  }

  /** The HTLC lock `id` in the head state: a canonical block's redeem or refund settles a lock held there. */
  #lock(id: Hex) {
    const value = this.#chain.headState.getRaw(htlcKey(id))
    return value === undefined ? undefined : decodeLock(value)
  }

  #rollback(entry: Scanned): void {
    for (const a of entry.touched.reverse()) pop(this.#txs, a)
    for (const t of entry.transferred.reverse()) pop(this.#transfers, t)
    for (const t of entry.created) this.#tokens.delete(t)
  }
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

function pop<K, V>(map: Map<K, V[]>, key: K): void {
  const list = map.get(key)
  list?.pop()
  if (list?.length === 0) map.delete(key)
}

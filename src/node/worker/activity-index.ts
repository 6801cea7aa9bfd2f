import type { Address, Hex } from 'viem'
import type { Chain } from '../chain/chain'
import type { StoredBlock } from '../chain/chain-store'
import { topicAddress, transactionParties } from '../chain/parties'
import { TOKEN_FACTORY_ADDRESS } from '../contracts/addresses'
import { TRANSFER_TOPIC } from '../contracts/erc20/erc20'
import { TOKEN_CREATED_TOPIC } from '../contracts/token-factory/token-factory'
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
 * An in-memory index of the canonical chain that the repository has no index for: the tokens the
 * factory created and each token's `Transfer` logs, and — with `senders` — the transactions touching an
 * address (as sender, recipient, or party of a token `Transfer`). Built lazily: `refresh()` scans the
 * canonical blocks it has not seen and first takes back the blocks a reorg removed, so it always
 * mirrors the head. A chain started from a snapshot is indexed from its base (what came before it is
 * not held); a reopened store's older blocks must be loaded first (the queries wait for them). Only the address part needs each transaction's sender, which after a reload costs
 * a signature recovery per stored transaction: the log part never pays it.
 */
export class ActivityIndex {
  readonly #chain: Chain
  readonly #senders: boolean
  readonly #scanned: Scanned[] = []
  readonly #txs = new Map<Address, Hex[]>()
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

  /** Transaction hashes touching `address`, newest first (at most `limit`). */
  transactions(address: Address, limit: number): Hex[] {
    this.refresh()
    return (this.#txs.get(address) ?? []).slice(-limit).reverse()
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
      if (tx !== undefined)
        for (const a of transactionParties(tx.from, tx.to, logs)) {
          append(this.#txs, a, hash)
          entry.touched.push(a)
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

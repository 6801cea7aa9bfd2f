import { type Address, decodeErrorResult, type Hex } from 'viem'
import { EMPTY_BLOOM } from '../chain/block'
import type { Chain } from '../chain/chain'
import { type BlockEnv, type CallRequest, call } from '../chain/execute'
import { bloomGroups, collectBlockLogs, type LogQuery, selectLogs } from '../chain/log-selection'
import type { ChainParams, Header, Tx } from '../chain/types'
import { bloomMayMatch } from '../codec/bloom'
import { nextBaseFee } from '../consensus/base-fee'
import { readTokenMeta } from '../contracts/erc20/erc20'
import type { Mempool } from '../mempool/mempool'
import { badParams, NodeError } from '../rpc/errors'
import { tokenAllowanceKey, tokenBalanceKey, tokenSupplyKey } from '../state/keys'
import type { State } from '../state/state'
import type { LogRecord } from '../storage/types'
import { ActivityIndex } from './activity-index'

/** Most entries a list query (`addressTransactions`, `tokenTransfers`, `pendingTransactions`) returns. */
export const MAX_LIST = 200

/** A transaction, mined on the canonical chain or waiting in this node's mempool. */
export interface TxView {
  readonly hash: Hex
  /** The signed transaction as sent (its signature included). */
  readonly raw: Hex
  readonly from: Address
  readonly to: Address
  readonly value: bigint
  readonly nonce: bigint
  readonly gas: bigint
  readonly maxFeePerGas: bigint
  readonly maxPriorityFeePerGas: bigint
  readonly input: Hex
  /** `pending`: in the mempool, not in any canonical block (it may still never be mined). */
  readonly state: 'pending' | 'mined'
  /** Null while pending. */
  readonly blockHash: Hex | null
  readonly blockNumber: bigint | null
  readonly index: number | null
  /** When its block was mined (its header's timestamp, ms since epoch); null while pending. */
  readonly blockTimestamp: bigint | null
  /** 1 in the head block, 0 while pending. */
  readonly confirmations: bigint
  /**
   * The outcome its receipt holds (on a light node proven with its inclusion, against the block's
   * receipts root); null while pending, or when the node holds no receipt of its block.
   */
  readonly status: 'success' | 'reverted' | null
  /**
   * Set by a full node started from a snapshot for one of its own transactions mined below its base (it
   * executed none of those blocks): proven by inclusion against the block header its light mode kept for
   * it, not read from a block of its own.
   */
  readonly provenBelowBase?: true
}

/** A canonical transaction's receipt. */
export interface ReceiptView {
  readonly transactionHash: Hex
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly index: number
  readonly from: Address
  readonly to: Address
  readonly status: 'success' | 'reverted'
  readonly gasUsed: bigint
  readonly cumulativeGasUsed: bigint
  readonly effectiveGasPrice: bigint
  readonly logs: readonly LogRecord[]
  readonly logsBloom: Hex
  /** The decoded `Error(string)` (or panic) reason of a reverted call; null on success. */
  readonly revertReason: string | null
  readonly confirmations: bigint
  /** As `TxView.provenBelowBase`: proven against the header kept for it, below a snapshot's base. */
  readonly provenBelowBase?: true
}

/** A native ERC20 token at the head. */
export interface TokenInfo {
  readonly address: Address
  readonly name: string
  readonly symbol: string
  readonly decimals: number
  readonly totalSupply: bigint
  readonly owner: Address
}

/** A token an address holds or created, with its balance at the head (in base units). */
export interface TokenHolding {
  readonly token: TokenInfo
  readonly balance: bigint
  /** The address created the token (it may hold none of it). */
  readonly created: boolean
}

/** What to pay for a transaction in the next block. */
export interface FeeInfo {
  /** Base fee of the next block, wei per gas. */
  readonly nextBaseFee: bigint
  /** A tip the miners here accept and the pool admits now (`Mempool.suggestedTip`), wei per gas. */
  readonly suggestedTip: bigint
}

/** Outcome of a read-only `call` against the head state. */
export interface CallView {
  readonly status: 'success' | 'reverted'
  readonly returnData: Hex
  readonly revertReason: string | null
  /** The raw revert data (ABI-encoded error) of a reverted call; null on success. */
  readonly revertData: Hex | null
  /** Gas a transaction doing the same would use, intrinsic gas included. */
  readonly gasUsed: bigint
}

/** Read-only queries of the chain and the mempool: the part of `NodeApi` the explorer and wallet screens use. */
export interface QueryApi {
  /** A transaction by hash: canonical (with its location) or pending in the mempool; null when unknown. */
  transaction(hash: Hex): Promise<TxView | null>
  /** The receipt of a canonical transaction; null while pending or unknown. */
  receipt(hash: Hex): Promise<ReceiptView | null>
  /**
   * Canonical logs matching the filter, in chain order. Throws `NODE_QUERY_LIMIT` past
   * `MAX_LOG_RESULTS`, and `NODE_HISTORY_MISSING` (the first block missing, and `base`, the lowest held)
   * for a range reaching below the blocks this node holds (one started from a snapshot) — never a
   * partial answer.
   */
  logs(query: LogQuery): Promise<LogRecord[]>
  /** Metadata and supply of a native token at the head; null when no token lives at `address`. */
  token(address: Address): Promise<TokenInfo | null>
  /** Every token created on the canonical chain, oldest first. */
  tokens(): Promise<TokenInfo[]>
  /** Balance of `holder` in `token` at the head (0 for an unknown token). */
  tokenBalance(token: Address, holder: Address): Promise<bigint>
  tokenAllowance(token: Address, owner: Address, spender: Address): Promise<bigint>
  /** The tokens `holder` has a balance of or created, from the factory's and tokens' logs. */
  tokenHoldings(holder: Address): Promise<TokenHolding[]>
  /** The latest `Transfer` logs of a token, newest first (`limit` ≤ 200). */
  tokenTransfers(token: Address, limit: number): Promise<LogRecord[]>
  /** Canonical transactions sent by, sent to, or moving tokens of `address`, newest first (`limit` ≤ 200). */
  addressTransactions(address: Address, limit: number): Promise<Hex[]>
  /** The mempool's executable transactions in block-building order (at most 200). */
  pendingTransactions(): Promise<TxView[]>
  /**
   * The mempool's executable transactions calling `to`, sent by `from` when given, in block-building
   * order: every one of them, not cut at `MAX_LIST` as `pendingTransactions` is — a swap step looks there
   * for its own redeem or refund, and a taker for the maker's redeem with the secret, and a busy pool
   * lists thousands that tip more first. A light node's pool is what it submitted (`pendingTransactions`).
   */
  pendingCalls(to: Address, from?: Address): Promise<TxView[]>
  /** The next nonce `address` should use: its account nonce plus its pending transactions. */
  pendingNonce(address: Address): Promise<bigint>
  fees(): Promise<FeeInfo>
  /** Runs a call against the head state as if mined in the next block; nothing is changed. */
  call(request: CallRequest): Promise<CallView>
}

export interface QueryInit {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly coinbase: Address
  readonly now: () => number
  /**
   * Resolves once every stored block is readable (`ChainStore.loaded`: a reopened store loads the
   * blocks below its recent ones in the background). Until then a transaction, receipt or log range
   * not found is looked up again after it, never answered as absent.
   */
  readonly history?: Promise<void>
  /**
   * Tokens created on the chain as found elsewhere, for a node started from a snapshot: it holds no
   * block below its base, so its own index misses the tokens created there (an `auto` node's light
   * client finds them in the logs of the blocks its verified headers cover). Each is listed only if
   * its metadata is in this node's state.
   */
  readonly createdTokens?: () => Promise<readonly Address[]>
  /** The index of each address's transactions (the chain service's, which its sync server reads too). */
  readonly activity?: ActivityIndex
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HASH = /^0x[0-9a-fA-F]{64}$/

function address(value: unknown, name: string): Address {
  if (typeof value !== 'string' || !ADDRESS.test(value))
    throw badParams(`${name} must be a 20-byte 0x-prefixed hex address`)
  return value.toLowerCase() as Address
}

function hash(value: unknown, name: string): Hex {
  if (typeof value !== 'string' || !HASH.test(value))
    throw badParams(`${name} must be a 32-byte 0x-prefixed hex hash`)
  return value.toLowerCase() as Hex
}

/**
 * Checks the parameters of a `pendingCalls` query (`NODE_BAD_PARAMS`); returns whether a transaction
 * answers it.
 */
export function callsFilter(to: unknown, from: unknown): (tx: Pick<Tx, 'from' | 'to'>) => boolean {
  const callee = address(to, 'to')
  const sender = from === undefined ? undefined : address(from, 'from')
  return (tx) => tx.to.toLowerCase() === callee && (sender === undefined || tx.from === sender)
}

/** A list query's `limit`: an integer in [1, `MAX_LIST`] (`NODE_BAD_PARAMS`). */
export function checkLimit(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_LIST)
    throw badParams(`limit must be an integer in [1, ${MAX_LIST}]`)
  return value as number
}

function optionalHex(value: unknown, name: string): Hex | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value))
    throw badParams(`${name} must be 0x-prefixed hex bytes`)
  return value as Hex
}

/** Decodes revert data: `Error(string)` → its reason, `Panic(uint256)` → `panic 0x…`; raw hex otherwise. */
export function revertReason(data: Hex | undefined): string | null {
  if (data === undefined) return null
  if (data === '0x') return 'reverted without a reason'
  try {
    const decoded = decodeErrorResult({ data })
    return decoded.errorName === 'Panic' ? `panic ${String(decoded.args[0])}` : String(decoded.args[0])
  } catch {
    return `reverted with data ${data}`
  }
}

/** The view of `tx`, mined at `at` (with its confirmations and its receipt's status) or pending (null). */
export function viewOfTx(
  tx: Tx,
  at: {
    blockHash: Hex
    blockNumber: bigint
    index: number
    blockTimestamp: bigint | null
    confirmations: bigint
    status: 0 | 1 | undefined
  } | null,
): TxView {
  return {
    hash: tx.hash,
    raw: tx.raw,
    from: tx.from,
    to: tx.to.toLowerCase() as Address,
    value: tx.value,
    nonce: tx.nonce,
    gas: tx.gas,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    input: tx.data,
    state: at === null ? 'pending' : 'mined',
    blockHash: at?.blockHash ?? null,
    blockNumber: at?.blockNumber ?? null,
    index: at?.index ?? null,
    blockTimestamp: at?.blockTimestamp ?? null,
    confirmations: at?.confirmations ?? 0n,
    status: at?.status === undefined ? null : at.status === 1 ? 'success' : 'reverted',
  }
}

/** The block a call runs in: the one after `head`, mined by `miner` at `now` (ms) or just after `head`. */
export function nextBlockEnv(params: ChainParams, head: Header, now: number, miner: Address): BlockEnv {
  const at = BigInt(now)
  return {
    number: head.number + 1n,
    timestamp: at > head.timestamp ? at : head.timestamp + 1n,
    miner,
    baseFeePerGas: nextBaseFee(params, head),
    gasLimit: params.blockGasLimit,
  }
}

/**
 * Checks a call request (`NODE_BAD_PARAMS`) and runs it against `state` in the block `env`; nothing is
 * changed. Throws what reading `state` throws (`STATE_MISSING_NODE` for state not held).
 */
export function runCall(state: State, request: CallRequest, env: BlockEnv, params: ChainParams): CallView {
  if (typeof request !== 'object' || request === null) throw badParams('request must be an object')
  const from = request.from === undefined ? undefined : address(request.from, 'from')
  const to = address(request.to, 'to')
  const data = optionalHex(request.data, 'data')
  if (request.value !== undefined && (typeof request.value !== 'bigint' || request.value < 0n))
    throw badParams('value must be a non-negative bigint')
  if (request.gas !== undefined && (typeof request.gas !== 'bigint' || request.gas <= 0n))
    throw badParams('gas must be a positive bigint')
  const result = call(
    state,
    {
      to,
      ...(from === undefined ? {} : { from }),
      ...(data === undefined ? {} : { data }),
      ...(request.value === undefined ? {} : { value: request.value }),
      ...(request.gas === undefined ? {} : { gas: request.gas }),
    },
    env,
    params,
  )
  return {
    status: result.status === 1 ? 'success' : 'reverted',
    returnData: result.returnData,
    revertReason: result.status === 1 ? null : revertReason(result.revertData),
    revertData: result.status === 1 ? null : (result.revertData ?? '0x'),
    gasUsed: result.gasUsed,
  }
}

/** The chain's read-only queries, validating every parameter (`NODE_BAD_PARAMS`) before reading. */
export function createQueries(init: QueryInit): QueryApi {
  const { chain, mempool } = init
  // Settles once every stored block is readable; a failed load leaves the queries with what is held.
  const history = (init.history ?? Promise.resolve()).catch(() => {})
  /** `read()`, or — when it finds nothing — `read()` again once the stored history is loaded. */
  const readOrAfterHistory = async <T>(read: () => T | undefined): Promise<T | undefined> => {
    const found = read()
    if (found !== undefined) return found
    await history
    return read()
  }
  // Tokens and transfers come from logs alone; transactions by address need senders (costly after a
  // reload), so they have their own index, built only when an address page asks. Both are read once
  // the stored history is loaded: an index built on part of it would skip the rest.
  const index = new ActivityIndex(chain, { senders: false })
  const byAddress = init.activity ?? new ActivityIndex(chain, { senders: true })

  const txView = (tx: Tx, at: { blockHash: Hex; blockNumber: bigint; index: number } | null): TxView =>
    viewOfTx(
      tx,
      at === null
        ? null
        : {
            ...at,
            // Held: the block was just read for the transaction.
            blockTimestamp: chain.getHeader(at.blockHash)?.timestamp ?? null,
            confirmations: chain.confirmations(at.blockHash),
            status: chain.getReceipt(tx.hash)?.receipt.status,
          },
    )

  const tokenInfo = (token: Address): TokenInfo | null => {
    const state = chain.headState
    const meta = readTokenMeta(state.buffer(), token)
    if (meta === undefined) return null
    return {
      address: token,
      name: meta.name,
      symbol: meta.symbol,
      decimals: meta.decimals,
      totalSupply: state.getWord(tokenSupplyKey(token)),
      owner: meta.owner,
    }
  }

  const nextEnv = () => nextBlockEnv(chain.params, chain.headHeader, init.now(), init.coinbase)

  /**
   * Every token created on the chain, oldest first, with its owner where the index knows it: on a node
   * started from a snapshot first those created below its base (`createdTokens`), then the index's.
   * When those below the base cannot be read now (no peer serves their blocks), the index's alone.
   */
  const createdTokens = async (): Promise<{ readonly address: Address; readonly owner?: Address }[]> => {
    await history
    const indexed = index.tokens()
    if (chain.base === 0n || init.createdTokens === undefined) return indexed
    const found = await init.createdTokens().catch((err: unknown) => {
      console.warn('the tokens created below the snapshot base could not be read', err)
      return []
    })
    const known = new Set(indexed.map((t) => t.address))
    return [...found.filter((t) => !known.has(t)).map((t) => ({ address: t })), ...indexed]
  }

  return {
    async transaction(h) {
      const txHash = hash(h, 'hash')
      const read = () => {
        const mined = chain.getTransaction(txHash)
        if (mined !== undefined) return txView(mined.tx, mined)
        const pending = mempool.get(txHash)
        return pending === undefined ? undefined : txView(pending, null)
      }
      return (await readOrAfterHistory(read)) ?? null
    },

    async receipt(h) {
      const txHash = hash(h, 'hash')
      const mined = await readOrAfterHistory(() => {
        const found = chain.getReceipt(txHash)
        const tx = chain.getTransaction(txHash)
        return found === undefined || tx === undefined ? undefined : { found, tx }
      })
      if (mined === undefined) return null
      const { found, tx } = mined
      const block = chain.getBlock(found.blockHash)
      let logIndex = 0
      for (const r of block?.receipts.slice(0, found.index) ?? []) logIndex += r.logs.length
      const r = found.receipt
      return {
        transactionHash: txHash,
        blockHash: found.blockHash,
        blockNumber: found.blockNumber,
        index: found.index,
        from: tx.tx.from,
        to: tx.tx.to.toLowerCase() as Address,
        status: r.status === 1 ? 'success' : 'reverted',
        gasUsed: r.gasUsed,
        cumulativeGasUsed: r.cumulativeGasUsed,
        effectiveGasPrice: r.effectiveGasPrice,
        logs: r.logs.map((log) => ({
          ...log,
          blockNumber: found.blockNumber,
          blockHash: found.blockHash,
          transactionHash: txHash,
          transactionIndex: found.index,
          logIndex: logIndex++,
        })),
        logsBloom: r.logsBloom,
        revertReason: r.status === 1 ? null : revertReason(r.revertData ?? '0x'),
        confirmations: chain.confirmations(found.blockHash),
      }
    },

    async logs(query) {
      const selection = selectLogs(query, chain.headHeader.number)
      const { from, to } = selection
      const groups = bloomGroups(selection)
      /** The logs, or the first block of the range this node does not hold. */
      const collect = (): LogRecord[] | bigint => {
        const out: LogRecord[] = []
        const last = chain.headHeader.number
        for (let n = from; n <= to && n <= last; n++) {
          const stored = chain.getBlockByNumber(n)
          // A snapshot's base block is held without its receipts: its logs are missing too.
          if (stored === undefined || stored.receipts.length !== stored.block.transactions.length) return n
          // Its header's bloom (checked against its receipts when it was executed) holds no match: none of
          // its logs can, so its receipts are not walked.
          const bloom = stored.block.header.logsBloom
          if (bloom === EMPTY_BLOOM || !bloomMayMatch(bloom, groups)) continue
          collectBlockLogs(out, { number: n, hash: stored.hash }, stored.receipts, stored.txHashes, selection)
        }
        return out
      }
      // Read at once; a block missing may still be loading (a reopened store), so once more after that.
      let logs = collect()
      if (typeof logs === 'bigint') {
        await history
        logs = collect()
      }
      if (typeof logs === 'bigint')
        throw new NodeError(
          { code: 'NODE_HISTORY_MISSING', number: logs, base: chain.base },
          `the logs of block #${logs} are not held here: this node started from a snapshot at block #${chain.base} and holds the logs of the blocks after it`,
        )
      return logs
    },

    async token(a) {
      return tokenInfo(address(a, 'address'))
    },

    async tokens() {
      return (await createdTokens()).flatMap((t) => tokenInfo(t.address) ?? [])
    },

    async tokenBalance(token, holder) {
      return chain.headState.getWord(tokenBalanceKey(address(token, 'token'), address(holder, 'holder')))
    },

    async tokenAllowance(token, owner, spender) {
      return chain.headState.getWord(
        tokenAllowanceKey(address(token, 'token'), address(owner, 'owner'), address(spender, 'spender')),
      )
    },

    async tokenHoldings(h) {
      const holder = address(h, 'holder')
      const state = chain.headState
      const out: TokenHolding[] = []
      for (const created of await createdTokens()) {
        const balance = state.getWord(tokenBalanceKey(created.address, holder))
        // A token below a snapshot's base: its owner is in its metadata only.
        const owner = created.owner ?? tokenInfo(created.address)?.owner
        if (balance === 0n && owner !== holder) continue
        const token = tokenInfo(created.address)
        if (token !== null) out.push({ token, balance, created: owner === holder })
      }
      return out
    },

    async tokenTransfers(token, n) {
      const t = address(token, 'token')
      const count = checkLimit(n)
      await history
      return index.transfers(t, count)
    },

    async addressTransactions(a, n) {
      const who = address(a, 'address')
      const count = checkLimit(n)
      await history
      return byAddress.transactions(who, count)
    },

    async pendingTransactions() {
      return mempool
        .pending(0n)
        .slice(0, MAX_LIST)
        .map((tx) => txView(tx, null))
    },

    async pendingCalls(to, from) {
      const calls = callsFilter(to, from)
      return mempool
        .pending(0n)
        .filter(calls)
        .map((tx) => txView(tx, null))
    },

    async pendingNonce(a) {
      const who = address(a, 'address')
      const queued = mempool.pending(0n).filter((tx) => tx.from === who).length
      return chain.headState.getAccount(who).nonce + BigInt(queued)
    },

    async fees() {
      return {
        nextBaseFee: nextBaseFee(chain.params, chain.headHeader),
        suggestedTip: mempool.suggestedTip(),
      }
    },

    async call(request) {
      return runCall(chain.headState, request, nextEnv(), chain.params)
    },
  }
}

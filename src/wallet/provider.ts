import {
  type Address,
  BaseError,
  decodeErrorResult,
  getAddress,
  type Hex,
  hashTypedData,
  numberToHex,
  parseTransaction,
  stringToHex,
  type TypedDataDefinition,
} from 'viem'
import { MAX_LOG_RANGE } from '../node/chain/log-selection'
import { NodeError } from '../node/rpc/errors'
import { parseAddress } from './address'
import { sendApproved } from './approved-sign'
import type { BlockAt, BlockView, LogView, ProviderBackend, ReceiptView, TxView } from './backend'
import {
  type Approve,
  describeMessage,
  describeTypedData,
  isHexData,
  offerTerms,
  permitTerms,
} from './describe'
import { WalletError } from './errors'
import { gasLimitFor } from './gas'
import { disconnectedError, invalidParams, ProviderRpcError, RpcCode } from './rpc-error'
import type { Wallet } from './wallet'

/** An EIP-1193 request. */
export interface RequestArguments {
  readonly method: string
  readonly params?: readonly unknown[] | object
}

export type ProviderEvent = 'connect' | 'disconnect' | 'chainChanged' | 'accountsChanged'

/** The EIP-1193 provider of the in-tab node and wallet. */
export interface TabchainProvider {
  readonly isTabchain: true
  request(args: RequestArguments): Promise<unknown>
  on(event: ProviderEvent, listener: (data: unknown) => void): TabchainProvider
  removeListener(event: ProviderEvent, listener: (data: unknown) => void): TabchainProvider
  /**
   * The node is gone (its worker stopped answering; the page must reload): emits `disconnect` once with
   * a 4900 error saying why, and refuses every request after with it (EIP-1193: disconnected from all
   * chains), instead of leaving the dApp's requests waiting for ever: an `eth_requestAccounts` waiting on
   * the unlock prompt, a send or signature waiting for approval (nothing is signed, whatever the prompt
   * answers after) and a read the node left unanswered are refused with it then.
   */
  disconnect(reason: string): void
}

/** A transaction the wallet sent, as the activity list shows it. */
export interface SentTransaction {
  readonly hash: Hex
  readonly from: Address
  readonly title: string
  readonly nonce: number
  /** ms since epoch. */
  readonly sentAt: number
}

export interface ProviderInit {
  readonly backend: ProviderBackend
  readonly wallet: Wallet
  /** Asks the user about a transaction or signature. Tests pass their own; the app shows a dialog. */
  readonly approve: Approve
  /**
   * Told when a request needed the wallet unlocked: the app prompts for the password, and settles the
   * promise once the prompt is gone (the user unlocked, or dismissed it). `eth_requestAccounts` waits for
   * it, as MetaMask keeps a dApp's "Connect" open; signing requests do not.
   */
  readonly onLocked?: () => Promise<void>
  /** Told about every transaction sent through `eth_sendTransaction`. */
  readonly onSent?: (tx: SentTransaction) => void
  readonly now?: () => number
  /**
   * The origin of the page the dApp runs in: the `invoker` of the permissions it is granted (EIP-2255).
   * Default: this page's (`location.origin`); "null" (an opaque origin's serialization) where there is none.
   */
  readonly origin?: string
}

/** An EIP-2255 permission, as MetaMask (and viem's `WalletPermission`) gives it; `date` in ms since epoch. */
export interface WalletPermission {
  readonly parentCapability: 'eth_accounts'
  readonly invoker: string
  readonly caveats: readonly [
    { readonly type: 'restrictReturnedAccounts'; readonly value: readonly Address[] },
  ]
  readonly date: number
}

const EMPTY_UNCLES = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex

const q = (n: bigint | number): Hex => numberToHex(n)

// ——— parameter checks: each names the field it refuses ———

function list(params: RequestArguments['params']): readonly unknown[] {
  if (params === undefined) return []
  if (!Array.isArray(params)) throw invalidParams('params', 'must be an array')
  return params
}

function address(v: unknown, field: string): Address {
  const parsed = typeof v === 'string' ? parseAddress(v) : 'not an address'
  if (parsed === 'not an address') throw invalidParams(field, 'must be a 20-byte hex address')
  if (parsed === 'bad checksum') throw invalidParams(field, 'has a wrong EIP-55 checksum')
  return parsed
}

function quantity(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/.test(v))
    throw invalidParams(field, 'must be a hex quantity (0x-prefixed, no leading zeros)')
  return BigInt(v)
}

function hash32(v: unknown, field: string): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v))
    throw invalidParams(field, 'must be a 32-byte hex hash')
  return v.toLowerCase() as Hex
}

function data(v: unknown, field: string): Hex {
  if (!isHexData(v)) throw invalidParams(field, 'must be 0x-prefixed hex bytes')
  return v.toLowerCase() as Hex
}

/**
 * The permissions a `wallet_requestPermissions` or `wallet_revokePermissions` names (`{ eth_accounts: {} }`):
 * `eth_accounts`, the one this wallet grants, each with an object (its requested caveats, MetaMask's `{}`).
 */
function permissionNames(v: unknown): void {
  const asked = object(v, 'params[0]')
  const names = Object.keys(asked)
  if (names.length === 0) throw invalidParams('params[0]', 'must name a permission, as { eth_accounts: {} }')
  for (const name of names) {
    if (name !== 'eth_accounts')
      throw invalidParams(
        `params[0].${name}`,
        'is not a permission this wallet grants: it grants eth_accounts only',
      )
    object(asked[name], `params[0].${name}`)
  }
}

/** A block as a dApp names it: `safe` and `finalized` are resolved against the head when used (`tagged`). */
type Tag = BlockAt | 'safe' | 'finalized'

function blockAt(v: unknown, field: string): Tag {
  if (v === undefined || v === 'latest') return 'latest'
  if (v === 'pending' || v === 'safe' || v === 'finalized') return v
  if (v === 'earliest') return 0n
  if (typeof v === 'object' && v !== null && 'blockNumber' in v)
    return quantity(v.blockNumber, `${field}.blockNumber`)
  return quantity(v, field)
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidParams(field, 'must be an object')
  return v as Record<string, unknown>
}

/** A string of an address's shape (its checksum not checked), as MetaMask tells `personal_sign`'s order. */
const looksLikeAddress = (v: unknown): boolean => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)

/**
 * `personal_sign`'s message as MetaMask signs it: 0x-hex is bytes, any other string its UTF-8 text. Hex
 * of half a byte is refused: neither bytes nor meant as text.
 */
function signedMessage(v: unknown, field: string): Hex {
  if (typeof v !== 'string') throw invalidParams(field, 'must be 0x-prefixed hex bytes or text')
  return /^0x[0-9a-fA-F]*$/.test(v) ? data(v, field) : stringToHex(v)
}

/** An EIP-712 domain's chainId: a number, or a decimal or hex string (as dApps send it in JSON). */
function domainChainId(v: unknown): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(v)) return BigInt(v)
  throw invalidParams('params[1].domain.chainId', 'must be a number, or a decimal or hex string')
}

/** viem's one-line reason for an error (its full message spans lines with docs links and version). */
const reasonOf = (err: unknown): string =>
  err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)

const optional = <T>(v: unknown, parse: (v: unknown) => T): T | undefined =>
  v === undefined || v === null ? undefined : parse(v)

// ——— formatting: node types → JSON-RPC objects ———

function formatBlock(b: BlockView, txs: readonly unknown[]): Record<string, unknown> {
  return {
    number: q(b.number),
    hash: b.hash,
    parentHash: b.parentHash,
    // The chain keeps ms; Ethereum's JSON-RPC reports seconds.
    timestamp: q(b.timestamp / 1000n),
    miner: b.miner,
    difficulty: q(b.difficulty),
    totalDifficulty: b.totalDifficulty === undefined ? null : q(b.totalDifficulty),
    gasLimit: q(b.gasLimit),
    gasUsed: q(b.gasUsed),
    baseFeePerGas: q(b.baseFeePerGas),
    stateRoot: b.stateRoot,
    transactionsRoot: b.transactionsRoot ?? null,
    receiptsRoot: b.receiptsRoot ?? null,
    logsBloom: b.logsBloom ?? null,
    nonce: b.nonce === undefined ? null : numberToHex(b.nonce, { size: 8 }),
    mixHash: ZERO_HASH,
    sha3Uncles: EMPTY_UNCLES,
    extraData: '0x',
    uncles: [],
    size: null,
    transactions: txs,
  }
}

function formatTx(v: TxView): Record<string, unknown> {
  const t = v.tx
  const sig = parseTransaction(t.raw)
  const price =
    v.baseFeePerGas === null
      ? t.maxFeePerGas
      : v.baseFeePerGas + min(t.maxPriorityFeePerGas, t.maxFeePerGas - v.baseFeePerGas)
  return {
    hash: t.hash,
    type: '0x2',
    chainId: q(t.chainId),
    nonce: q(t.nonce),
    blockHash: v.blockHash,
    blockNumber: v.blockNumber === null ? null : q(v.blockNumber),
    transactionIndex: v.index === null ? null : q(v.index),
    from: getAddress(t.from),
    to: getAddress(t.to),
    value: q(t.value),
    gas: q(t.gas),
    gasPrice: q(price),
    maxFeePerGas: q(t.maxFeePerGas),
    maxPriorityFeePerGas: q(t.maxPriorityFeePerGas),
    input: t.data,
    accessList: [],
    r: sig.r,
    s: sig.s,
    v: q(sig.yParity ?? 0),
    yParity: q(sig.yParity ?? 0),
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

function formatLog(l: LogView): Record<string, unknown> {
  return {
    address: getAddress(l.address),
    topics: l.topics,
    data: l.data,
    blockHash: l.blockHash,
    blockNumber: q(l.blockNumber),
    transactionHash: l.transactionHash,
    transactionIndex: q(l.transactionIndex),
    logIndex: q(l.logIndex),
    removed: false,
  }
}

function formatReceipt(v: ReceiptView): Record<string, unknown> {
  const r = v.receipt
  return {
    transactionHash: r.transactionHash,
    transactionIndex: q(v.index),
    blockHash: v.blockHash,
    blockNumber: q(v.blockNumber),
    from: getAddress(v.from),
    to: getAddress(v.to),
    cumulativeGasUsed: q(r.cumulativeGasUsed),
    gasUsed: q(r.gasUsed),
    effectiveGasPrice: q(r.effectiveGasPrice),
    contractAddress: null,
    logs: r.logs.map((l, i) =>
      formatLog({
        ...l,
        blockHash: v.blockHash,
        blockNumber: v.blockNumber,
        transactionHash: r.transactionHash,
        transactionIndex: v.index,
        logIndex: v.firstLogIndex + i,
      }),
    ),
    logsBloom: r.logsBloom,
    status: r.status === 1 ? '0x1' : '0x0',
    type: '0x2',
  }
}

/** A reverted call as go-ethereum reports it: code 3, the reason in the message, revert data in `data`. */
function reverted(revertData: Hex | undefined): ProviderRpcError {
  let reason = 'execution reverted'
  try {
    if (revertData !== undefined && revertData !== '0x') {
      const decoded = decodeErrorResult({ data: revertData })
      if (decoded.errorName === 'Error') reason = `execution reverted: ${String(decoded.args[0])}`
    }
  } catch {
    // Not an Error(string): the data still goes to the caller.
  }
  return new ProviderRpcError(RpcCode.reverted, reason, revertData)
}

/** 4100: the wallet is locked (`onLocked` has the app prompt for the password). */
const locked = (): ProviderRpcError =>
  new ProviderRpcError(RpcCode.unauthorized, 'the wallet is locked: unlock it first')

/** -32000 with what a send needs and what the sender has, wei. */
const insufficient = (need: bigint, have: bigint): ProviderRpcError =>
  new ProviderRpcError(RpcCode.execution, `insufficient funds: need ${need} wei, have ${have}`, {
    need: q(need),
    have: q(have),
  })

/**
 * go-ethereum's words for the pool's refusals, put first in the message: viem (`NonceTooLowError`,
 * `FeeCapTooLowError`, …) and ethers (`NONCE_EXPIRED`, `REPLACEMENT_UNDERPRICED`, …) type a node's
 * refusal by its message alone.
 */
const GETH_WORDS: Readonly<Record<string, string>> = {
  MEMPOOL_NONCE_TOO_LOW: 'nonce too low',
  MEMPOOL_KNOWN: 'already known',
  MEMPOOL_NONCE_TOO_HIGH: 'nonce too high',
  MEMPOOL_NONCE_GAP: 'nonce too high',
  MEMPOOL_INSUFFICIENT_FUNDS: 'insufficient funds for gas * price + value',
  MEMPOOL_FEE_TOO_LOW: 'max fee per gas less than block base fee',
  MEMPOOL_TIP_ABOVE_FEE: 'max priority fee per gas higher than max fee per gas',
  MEMPOOL_UNDERPRICED: 'transaction underpriced',
  MEMPOOL_REPLACEMENT_UNDERPRICED: 'replacement transaction underpriced',
}

/** Node and wallet errors as EIP-1193 errors. */
function toRpcError(err: unknown): unknown {
  if (err instanceof ProviderRpcError) return err
  if (err instanceof WalletError) {
    if (err.type.code === 'WALLET_LOCKED' || err.type.code === 'WALLET_UNKNOWN_ACCOUNT')
      return new ProviderRpcError(RpcCode.unauthorized, err.message)
    return new ProviderRpcError(RpcCode.execution, err.message, { code: err.type.code })
  }
  if (err instanceof NodeError) {
    const words = GETH_WORDS[err.type.code]
    const message = words === undefined ? err.message : `${words}: ${err.message}`
    return new ProviderRpcError(RpcCode.execution, message, { code: err.type.code })
  }
  return err
}

/**
 * How many params each method served takes: go-ethereum refuses more (-32602, "too many arguments, want
 * at most N") rather than ignore what a caller meant. Its counts, but for `eth_call` and `eth_estimateGas`
 * (go-ethereum takes state and block overrides after the block, which this node does not apply: a call
 * with them is refused, not answered without them); `personal_sign`'s third is go-ethereum's password,
 * which MetaMask takes too and ignores, as this wallet does (it signs after its own prompt).
 */
export const MAX_PARAMS = {
  eth_chainId: 0,
  net_version: 0,
  eth_accounts: 0,
  eth_requestAccounts: 0,
  eth_blockNumber: 0,
  eth_getBalance: 2,
  eth_getTransactionCount: 2,
  eth_gasPrice: 0,
  eth_maxPriorityFeePerGas: 0,
  eth_feeHistory: 3,
  eth_getCode: 2,
  eth_call: 2,
  eth_estimateGas: 2,
  eth_sendTransaction: 1,
  eth_sendRawTransaction: 1,
  eth_getTransactionByHash: 1,
  eth_getTransactionReceipt: 1,
  eth_getBlockByNumber: 2,
  eth_getBlockByHash: 2,
  eth_getLogs: 1,
  eth_syncing: 0,
  net_peerCount: 0,
  personal_sign: 3,
  eth_signTypedData_v4: 2,
  wallet_switchEthereumChain: 1,
  wallet_addEthereumChain: 1,
  wallet_requestPermissions: 1,
  wallet_getPermissions: 0,
  wallet_revokePermissions: 1,
} as const

type Method = keyof typeof MAX_PARAMS

/**
 * The EIP-1193 provider: reads go to the node (through `backend`), accounts and signatures to the
 * wallet, and everything that spends or signs goes through `approve` first (4001 when refused). A
 * locked wallet answers `eth_accounts` with [] and refuses to sign with 4100 (and `onLocked` is told);
 * `eth_requestAccounts` waits for its prompt: the accounts once unlocked, 4001 once it is dismissed.
 */
export function createProvider(init: ProviderInit): TabchainProvider {
  const { backend, wallet } = init
  const now = init.now ?? Date.now
  const listeners = new Map<ProviderEvent, Set<(data: unknown) => void>>()

  /**
   * Tells every listener; one that throws is logged, not thrown: it would stop the others and reach the
   * wallet's own change loop (whose later subscribers, the app's, would miss a lock).
   */
  const emit = (event: ProviderEvent, data: unknown): void => {
    for (const l of listeners.get(event) ?? [])
      try {
        l(data)
      } catch (err) {
        console.error(`a provider "${event}" listener threw`, err)
      }
  }
  /** Why the provider is disconnected (`disconnect`), once it is. */
  let gone: ProviderRpcError | null = null
  let markGone = (): void => {}
  /** Settles at `disconnect`: a request waiting on the user's prompt stops waiting then. */
  const disconnected = new Promise<void>((settle) => {
    markGone = settle
  })
  /** The unlocked wallet's selected account: what the dApp is given unless it revoked its permission. */
  const unlocked = (): Address[] => {
    const v = wallet.view()
    return v.state === 'unlocked' && v.selected !== null ? [v.selected] : []
  }
  /**
   * The dApp's `eth_accounts` permission (EIP-2255), for this page load as its connection always was:
   * taken when the provider first gives it an account (the wallet unlocked, unasked as before, or its
   * `eth_requestAccounts` / `wallet_requestPermissions` answered), with the accounts last given, which it
   * keeps while the wallet is locked (MetaMask's answer then); `revoked` once the dApp revoked it
   * (`wallet_revokePermissions`), until it asks again.
   */
  let grant: { readonly date: number; accounts: Address[] } | 'revoked' | null = null
  const invoker = init.origin ?? (typeof location === 'undefined' ? 'null' : location.origin)
  /** What `eth_accounts` gives the dApp. */
  const accounts = (): Address[] => (grant === 'revoked' ? [] : unlocked())
  let lastAccounts = ''
  /** Keeps the grant's accounts, and tells `accountsChanged` when what the dApp is given changed. */
  const sync = (): void => {
    const given = accounts()
    if (given.length > 0 && grant !== 'revoked') grant = { date: grant?.date ?? now(), accounts: given }
    if (given.join() !== lastAccounts) {
      lastAccounts = given.join()
      emit('accountsChanged', given)
    }
  }
  /**
   * Ends the dApp's permission (`wallet_revokePermissions`): `eth_accounts` answers [] until it asks
   * again, and `accountsChanged` tells [] if it was given an account.
   */
  const revoke = (): void => {
    grant = 'revoked'
    sync()
  }
  sync()
  wallet.subscribe(sync)
  // Another phrase's wallet replaced this one: what the dApp was granted is gone, and the new wallet's
  // account is not given unasked. A dApp that held a grant hears [] even if the lock told it [] already:
  // its accounts are gone, not locked.
  wallet.onReplaced(() => {
    const held = grant !== null && grant !== 'revoked'
    const toldNone = lastAccounts === ''
    revoke()
    if (held && toldNone) emit('accountsChanged', [])
  })
  setTimeout(() => emit('connect', { chainId: q(backend.chainId) }), 0)

  /**
   * The signing account: the one `eth_accounts` gives the dApp (the selected account of the unlocked
   * wallet), else 4100 — a locked wallet (and the app prompts), an unknown address, and the wallet's
   * other accounts alike: the dApp was never given them.
   */
  function signer(from: Address): Address {
    const v = wallet.view()
    if (v.state !== 'unlocked') {
      void init.onLocked?.()
      throw locked()
    }
    if (!accounts().includes(from))
      throw new ProviderRpcError(
        RpcCode.unauthorized,
        `${from} is not an account this wallet gave (eth_accounts)`,
      )
    return from
  }

  /** The wallet's name for `from`, which the message and typed-data dialogs show with its address. */
  const nameOf = (from: Address): string | undefined =>
    wallet.view().accounts.find((a) => a.address === from)?.name

  /**
   * The user's answer to `request` (`init.approve`), unless the node is lost first: then the request is
   * refused with the 4900 of `disconnect`, whatever the prompt answers later or in the same turn, and
   * nothing is signed for a chain the provider no longer reaches.
   */
  const approve: Approve = async (request) => {
    if (gone !== null) throw gone
    const approved = await Promise.race([init.approve(request), disconnected.then(() => false)])
    if (gone !== null) throw gone
    return approved
  }

  /**
   * The dApp's "Connect" (`eth_requestAccounts`, `wallet_requestPermissions`): the unlocked wallet's
   * account at once; on a locked wallet it waits on the unlock prompt (`onLocked`): the account once
   * unlocked, 4001 once dismissed, 4100 with no prompt to wait on. Asking again ends a revocation.
   */
  async function connect(): Promise<Address[]> {
    if (unlocked().length === 0) {
      const prompt = init.onLocked?.()
      // Nothing to wait for without a prompt, or without a wallet to unlock (one not yet created).
      if (prompt === undefined || wallet.view().state !== 'locked') throw locked()
      await Promise.race([prompt, disconnected])
      // The node gone meanwhile: no account is given for a chain the provider no longer reaches.
      if (gone !== null) throw gone
      if (unlocked().length === 0)
        throw new ProviderRpcError(RpcCode.userRejected, 'the user dismissed the unlock prompt')
    }
    if (grant === 'revoked') grant = null
    sync()
    return accounts()
  }

  /** The permissions granted now (`wallet_getPermissions`): none before a grant and after a revocation. */
  const permissions = (): WalletPermission[] =>
    grant === null || grant === 'revoked'
      ? []
      : [
          {
            parentCapability: 'eth_accounts',
            invoker,
            caveats: [{ type: 'restrictReturnedAccounts', value: [...grant.accounts] }],
            date: grant.date,
          },
        ]

  async function approveOr4001(request: Parameters<Approve>[0]): Promise<void> {
    if (!(await approve(request)))
      throw new ProviderRpcError(RpcCode.userRejected, 'the user rejected the request')
  }

  /** Simulates against the head; a call with data gets the margin every sender here signs with. */
  async function estimate(
    args: { from?: Address; to: Address; data: Hex; value: bigint },
    at: BlockAt = 'latest',
  ): Promise<bigint> {
    const out = await backend.call(args, at)
    if (out.status === 0) throw reverted(out.revertData)
    return args.data === '0x' ? out.gasUsed : gasLimitFor(out.gasUsed)
  }

  /**
   * A send's fees (wei per gas): a legacy `gasPrice` is both the fee cap and the tip, as go-ethereum takes
   * it (the suggested tip could exceed it); otherwise the EIP-1559 fields given, the tip the node
   * suggests and 2 × next base fee + tip filling what is not.
   */
  async function fees(t: Record<string, unknown>): Promise<{ tip: bigint; maxFeePerGas: bigint }> {
    const price = optional(t.gasPrice, (v) => feeCap(v, 'params[0].gasPrice'))
    if (price !== undefined) {
      for (const field of ['maxFeePerGas', 'maxPriorityFeePerGas'])
        if (t[field] !== undefined && t[field] !== null)
          throw invalidParams('params[0].gasPrice', `cannot be given with ${field}`)
      return { tip: price, maxFeePerGas: price }
    }
    const tip =
      optional(t.maxPriorityFeePerGas, (v) => quantity(v, 'params[0].maxPriorityFeePerGas')) ??
      (await backend.suggestedTip())
    const maxFeePerGas =
      optional(t.maxFeePerGas, (v) => feeCap(v, 'params[0].maxFeePerGas')) ??
      2n * (await backend.nextBaseFee()) + tip
    if (tip > maxFeePerGas) throw invalidParams('params[0].maxPriorityFeePerGas', 'is above maxFeePerGas')
    return { tip, maxFeePerGas }
  }

  /**
   * A dApp's fee cap, refused below the chain's minimum base fee before the user is asked: every pool
   * refuses it (go-ethereum's "max fee per gas less than block base fee"), so an approval could only fail.
   * One between that and the next base fee is sent: the pool keeps it until the base fee falls to it.
   */
  function feeCap(v: unknown, field: string): bigint {
    const cap = quantity(v, field)
    if (cap < backend.minBaseFee)
      throw invalidParams(field, `is below the chain's minimum base fee (${backend.minBaseFee} wei)`)
    return cap
  }

  async function sendTransaction(p: readonly unknown[]): Promise<Hex> {
    const t = object(p[0], 'params[0]')
    const from = signer(address(t.from, 'params[0].from'))
    if (t.to === undefined || t.to === null)
      throw invalidParams('params[0].to', 'is required: contract creation is not supported')
    const to = address(t.to, 'params[0].to')
    const value = optional(t.value, (v) => quantity(v, 'params[0].value')) ?? 0n
    const input = optional(t.data ?? t.input, (v) => data(v, 'params[0].data')) ?? '0x'
    if (t.chainId !== undefined && quantity(t.chainId, 'params[0].chainId') !== BigInt(backend.chainId))
      throw invalidParams('params[0].chainId', `must be ${q(backend.chainId)}`)
    // Caught before signing (and before simulating, which would only say "reverted").
    const { balance } = await backend.account(from, 'latest')
    if (balance < value) throw insufficient(value, balance)
    const gas =
      optional(t.gas, (v) => quantity(v, 'params[0].gas')) ??
      (await estimate({ from, to, data: input, value }))
    const { tip, maxFeePerGas } = await fees(t)
    // A dApp's own nonce is kept; otherwise it is chosen once the user approved (`sendApproved`).
    const given = optional(t.nonce, (v) => quantity(v, 'params[0].nonce'))
    const need = value + gas * maxFeePerGas
    if (balance < need) throw insufficient(need, balance)
    const { hash, nonce, title } = await sendApproved(
      { backend, wallet, approve },
      from,
      {
        chainId: backend.chainId,
        ...(given === undefined ? {} : { nonce: Number(given) }),
        to,
        value,
        data: input,
        gas,
        maxFeePerGas,
        maxPriorityFeePerGas: tip,
      },
      {
        // The backend's pending nonce alone (a full node counts its pool, a light node what it
        // submitted): a record of our own sends on top would outlive a send the pool dropped, and leave
        // every later one behind its nonce gap.
        pendingNonce: async () => (await backend.account(from, 'pending')).nonce,
        submit: (raw) => backend.sendRawTransaction(raw),
      },
    )
    init.onSent?.({ hash, from, title, nonce, sentAt: now() })
    return hash
  }

  async function block(ref: bigint | Hex, full: boolean): Promise<Record<string, unknown> | null> {
    const b = await backend.block(ref)
    if (b === null) return null
    if (!full) return formatBlock(b, b.transactions)
    const txs = await Promise.all(
      b.transactions.map(async (h) => {
        const v = await backend.transaction(h)
        if (v === null) throw new ProviderRpcError(RpcCode.resourceUnavailable, `transaction ${h} not found`)
        return formatTx(v)
      }),
    )
    return formatBlock(b, txs)
  }

  /**
   * The block whose state a read is at: a tag or number (`blockAt`), or an EIP-1898 `{ blockHash,
   * requireCanonical? }` — its number once it is known to be canonical (the node keeps no other state).
   */
  async function stateAt(v: unknown, field: string): Promise<BlockAt> {
    if (typeof v !== 'object' || v === null || !('blockHash' in v)) return tagged(blockAt(v, field))
    const hash = hash32(v.blockHash, `${field}.blockHash`)
    const strict = 'requireCanonical' in v ? v.requireCanonical : false
    if (typeof strict !== 'boolean') throw invalidParams(`${field}.requireCanonical`, 'must be a boolean')
    const b = await backend.block(hash)
    if (b === null) throw new ProviderRpcError(RpcCode.resourceNotFound, `block ${hash} not found`)
    if ((await backend.block(b.number))?.hash !== hash)
      throw new ProviderRpcError(
        strict ? RpcCode.execution : RpcCode.resourceUnavailable,
        `block ${hash} is not on the canonical chain: its state is not available`,
      )
    return b.number
  }

  /**
   * A tag's block: `safe` has k confirmations (genesis `confirmations`), `finalized` is deeper than any
   * reorg the node takes on its own (`maxReorgDepth`); genesis while the chain is shorter.
   */
  async function tagged(tag: Tag): Promise<BlockAt> {
    if (tag !== 'safe' && tag !== 'finalized') return tag
    const head = await backend.blockNumber()
    const depth = backend.depths[tag]
    return head > depth ? head - depth : 0n
  }

  async function resolveBlock(at: BlockAt): Promise<bigint> {
    return typeof at === 'bigint' ? at : backend.blockNumber()
  }

  /**
   * A block's rewards as go-ethereum's `eth_feeHistory` gives them: its transactions sorted by effective
   * tip (block order among equals), each percentile's is the tip of the transaction at which their gas
   * used, added up, reaches that percentile of the block's gas used; 0 for a block without transactions.
   */
  async function rewardsOf(b: BlockView, percentiles: readonly number[]): Promise<Hex[]> {
    if (percentiles.length === 0) return []
    const sorted = (await Promise.all(b.transactions.map((h) => backend.receipt(h))))
      .filter((v): v is ReceiptView => v !== null)
      .map((v) => ({ tip: v.receipt.effectiveGasPrice - b.baseFeePerGas, gasUsed: v.receipt.gasUsed }))
      .sort((x, y) => (x.tip < y.tip ? -1 : x.tip > y.tip ? 1 : 0))
    const first = sorted[0]
    if (first === undefined) return percentiles.map(() => q(0n))
    let at = first
    let index = 0
    let sum = at.gasUsed
    return percentiles.map((pc) => {
      // go-ethereum's float arithmetic, so that a percentile on a boundary picks the same transaction.
      const threshold = BigInt(Math.floor((Number(b.gasUsed) * pc) / 100))
      for (let next = sorted[index + 1]; sum < threshold && next !== undefined; next = sorted[index + 1]) {
        index++
        sum += next.gasUsed
        at = next
      }
      return q(at.tip)
    })
  }

  async function feeHistory(p: readonly unknown[]): Promise<Record<string, unknown>> {
    // A JSON number (as some dApps send the count) must be whole: 1.5 is refused here, not by a RangeError.
    const count = typeof p[0] === 'number' ? p[0] : Number(quantity(p[0], 'params[0] (blockCount)'))
    if (!Number.isSafeInteger(count) || count < 1 || count > 1024)
      throw invalidParams('params[0] (blockCount)', 'must be in [1, 1024]')
    const newest = await resolveBlock(await tagged(blockAt(p[1], 'params[1] (newestBlock)')))
    const head = await backend.blockNumber()
    if (newest > head) throw invalidParams('params[1] (newestBlock)', `is beyond the head block ${q(head)}`)
    const percentiles =
      optional(p[2], (v) => {
        if (
          !Array.isArray(v) ||
          v.some((x, i) => typeof x !== 'number' || x < 0 || x > 100 || (i > 0 && x < v[i - 1]))
        )
          throw invalidParams('params[2] (rewardPercentiles)', 'must be increasing numbers in [0, 100]')
        return v as number[]
      }) ?? []
    const oldest = newest - BigInt(count) + 1n < 0n ? 0n : newest - BigInt(count) + 1n
    const blocks: BlockView[] = []
    for (let n = oldest; n <= newest; n++) {
      const b = await backend.block(n)
      if (b !== null) blocks.push(b)
    }
    const rewards = await Promise.all(blocks.map((b) => rewardsOf(b, percentiles)))
    const next =
      newest === head ? await backend.nextBaseFee() : (await backend.block(newest + 1n))?.baseFeePerGas
    return {
      oldestBlock: q(oldest),
      baseFeePerGas: [...blocks.map((b) => q(b.baseFeePerGas)), q(next ?? 0n)],
      gasUsedRatio: blocks.map((b) => Number(b.gasUsed) / Number(b.gasLimit)),
      ...(percentiles.length === 0 ? {} : { reward: rewards }),
    }
  }

  async function getLogs(p: readonly unknown[]): Promise<unknown[]> {
    const f = object(p[0], 'params[0]')
    const head = await backend.blockNumber()
    let fromBlock: bigint
    let toBlock: bigint
    if (f.blockHash !== undefined) {
      if (f.fromBlock !== undefined || f.toBlock !== undefined)
        throw invalidParams('params[0].blockHash', 'cannot be given with fromBlock or toBlock')
      const hash = hash32(f.blockHash, 'params[0].blockHash')
      const b = await backend.block(hash)
      if (b === null) throw new ProviderRpcError(RpcCode.resourceUnavailable, 'unknown block hash')
      // The node keeps the logs of canonical blocks only: the range of its height would give another block's.
      if ((await backend.block(b.number))?.hash !== hash)
        throw new ProviderRpcError(
          RpcCode.resourceUnavailable,
          `block ${hash} is not on the canonical chain: its logs are not kept`,
        )
      fromBlock = b.number
      toBlock = b.number
    } else {
      const fb = await tagged(blockAt(f.fromBlock, 'params[0].fromBlock'))
      const tb = await tagged(blockAt(f.toBlock, 'params[0].toBlock'))
      if (typeof fb === 'bigint' && typeof tb === 'bigint' && fb > tb)
        throw invalidParams('params[0].fromBlock', 'is after toBlock')
      fromBlock = typeof fb === 'bigint' ? fb : head
      toBlock = typeof tb === 'bigint' ? tb : head
    }
    if (toBlock > head) toBlock = head
    if (fromBlock > toBlock) return []
    // The node's own limit, checked here so the caller gets the provider's -32602 and its message.
    if (toBlock - fromBlock >= MAX_LOG_RANGE)
      throw invalidParams(
        'params[0].fromBlock',
        `range is over ${MAX_LOG_RANGE.toLocaleString('en-US')} blocks`,
      )
    const addresses =
      f.address === undefined || f.address === null
        ? undefined
        : (Array.isArray(f.address) ? f.address : [f.address]).map((a, i) =>
            address(a, `params[0].address[${i}]`),
          )
    const topics =
      f.topics === undefined || f.topics === null
        ? undefined
        : (() => {
            if (!Array.isArray(f.topics)) throw invalidParams('params[0].topics', 'must be an array')
            return f.topics.map((t, i) =>
              t === null
                ? null
                : (Array.isArray(t) ? t : [t]).map((x, j) => hash32(x, `params[0].topics[${i}][${j}]`)),
            )
          })()
    const logs = await backend.logs({
      fromBlock,
      toBlock,
      ...(addresses === undefined ? {} : { address: addresses }),
      ...(topics === undefined ? {} : { topics }),
    })
    return logs.map(formatLog)
  }

  /**
   * An `eth_call` / `eth_estimateGas` request. Without `from` it runs as the account `eth_accounts` gives
   * the dApp (the unlocked wallet's selected one), as a wallet's provider does for its dApp, so an
   * estimate is that of the send it comes before (a payment, a token transfer); with no account given (a
   * locked wallet) as the node's default, the zero address (go-ethereum's): a call never runs as an
   * account the dApp was not given, whose balance or `msg.sender` its result would tell.
   */
  function callArgs(v: unknown): { from?: Address; to: Address; data: Hex; value: bigint; gas?: bigint } {
    const t = object(v, 'params[0]')
    if (t.to === undefined || t.to === null) throw invalidParams('params[0].to', 'is required')
    const from = optional(t.from, (x) => address(x, 'params[0].from')) ?? accounts()[0]
    const gas = optional(t.gas, (x) => quantity(x, 'params[0].gas'))
    return {
      to: address(t.to, 'params[0].to'),
      data: optional(t.data ?? t.input, (x) => data(x, 'params[0].data')) ?? '0x',
      value: optional(t.value, (x) => quantity(x, 'params[0].value')) ?? 0n,
      ...(from === undefined ? {} : { from }),
      ...(gas === undefined ? {} : { gas }),
    }
  }

  const methods: Record<Method, (p: readonly unknown[]) => Promise<unknown>> = {
    eth_chainId: async () => q(backend.chainId),
    net_version: async () => String(backend.chainId),
    eth_accounts: async () => accounts(),
    eth_requestAccounts: connect,
    eth_blockNumber: async () => q(await backend.blockNumber()),
    eth_getBalance: async (p) =>
      q(
        (
          await backend.account(
            address(p[0], 'params[0] (address)'),
            await stateAt(p[1], 'params[1] (block)'),
          )
        ).balance,
      ),
    eth_getTransactionCount: async (p) =>
      q(
        (
          await backend.account(
            address(p[0], 'params[0] (address)'),
            await stateAt(p[1], 'params[1] (block)'),
          )
        ).nonce,
      ),
    eth_gasPrice: async () => q((await backend.nextBaseFee()) + (await backend.suggestedTip())),
    eth_maxPriorityFeePerGas: async () => q(await backend.suggestedTip()),
    eth_feeHistory: feeHistory,
    eth_getCode: async (p) =>
      backend.code(address(p[0], 'params[0] (address)'), await stateAt(p[1], 'params[1] (block)')),
    eth_call: async (p) => {
      const args = callArgs(p[0])
      const out = await backend.call(args, await stateAt(p[1], 'params[1] (block)'))
      if (out.status === 0) throw reverted(out.revertData)
      return out.returnData
    },
    eth_estimateGas: async (p) => {
      const args = callArgs(p[0])
      return q(await estimate(args, await stateAt(p[1], 'params[1] (block)')))
    },
    eth_sendTransaction: sendTransaction,
    eth_sendRawTransaction: async (p) =>
      backend.sendRawTransaction(data(p[0], 'params[0] (raw transaction)')),
    eth_getTransactionByHash: async (p) => {
      const v = await backend.transaction(hash32(p[0], 'params[0] (hash)'))
      return v === null ? null : formatTx(v)
    },
    eth_getTransactionReceipt: async (p) => {
      const v = await backend.receipt(hash32(p[0], 'params[0] (hash)'))
      return v === null ? null : formatReceipt(v)
    },
    eth_getBlockByNumber: async (p) => {
      const at = await tagged(blockAt(p[0], 'params[0] (block)'))
      return block(await resolveBlock(at), p[1] === true)
    },
    eth_getBlockByHash: async (p) => block(hash32(p[0], 'params[0] (hash)'), p[1] === true),
    eth_getLogs: getLogs,
    eth_syncing: async () => false,
    net_peerCount: async () => q(await backend.peerCount()),
    personal_sign: async (p) => {
      // The address first and the message second is taken as MetaMask takes it: when the first looks
      // like an address and the second does not (a 20-byte message before its address keeps the order).
      const swapped = looksLikeAddress(p[0]) && !looksLikeAddress(p[1])
      const [m, a] = swapped ? [1, 0] : [0, 1]
      const message = signedMessage(p[m], `params[${m}] (message)`)
      const from = signer(address(p[a], `params[${a}] (address)`))
      await approveOr4001(describeMessage(from, message, nameOf(from)))
      return wallet.signMessage(from, { raw: message })
    },
    eth_signTypedData_v4: async (p) => {
      const from = signer(address(p[0], 'params[0] (address)'))
      let typed: unknown = p[1]
      if (typeof typed === 'string') {
        try {
          typed = JSON.parse(typed)
        } catch {
          throw invalidParams('params[1] (typed data)', 'is not valid JSON')
        }
      }
      const t = object(typed, 'params[1] (typed data)')
      if (typeof t.primaryType !== 'string') throw invalidParams('params[1].primaryType', 'must be a string')
      const types = object(t.types, 'params[1].types')
      const message = object(t.message, 'params[1].message')
      const domain = optional(t.domain, (d) => object(d, 'params[1].domain')) ?? {}
      if (domain.chainId !== undefined && domainChainId(domain.chainId) !== BigInt(backend.chainId))
        throw invalidParams('params[1].domain.chainId', `must be ${backend.chainId}`)
      // Signed over the EIP712Domain type the request declares, as MetaMask (eth-sig-util) hashes it and
      // the dApp's verifier expects; viem derives it from the domain's keys only when none is declared.
      const definition = t as unknown as TypedDataDefinition
      // Hashed before the user is asked: what cannot be signed (an address field that is not one, a
      // number out of its type's range, a primary type not among the types) is the dApp's mistake, not
      // a prompt whose approval then fails.
      try {
        hashTypedData(definition)
      } catch (err) {
        throw invalidParams('params[1] (typed data)', `cannot be hashed: ${reasonOf(err)}`)
      }
      const toApprove = { domain, types, primaryType: t.primaryType, message }
      const [terms, permit] = await Promise.all([
        offerTerms(backend, toApprove),
        permitTerms(backend, toApprove),
      ])
      await approveOr4001(describeTypedData(from, toApprove, nameOf(from), terms, permit))
      return wallet.signTypedData(from, definition)
    },
    wallet_switchEthereumChain: async (p) => {
      const want = quantity(object(p[0], 'params[0]').chainId, 'params[0].chainId')
      if (want !== BigInt(backend.chainId))
        throw new ProviderRpcError(
          RpcCode.unknownChain,
          `unknown chain ${q(want)}: this node runs ${q(backend.chainId)}`,
        )
      return null
    },
    // EIP-3085: this node's own chain is known already (null, as MetaMask answers); it runs no other.
    wallet_addEthereumChain: async (p) => {
      const want = quantity(object(p[0], 'params[0]').chainId, 'params[0].chainId')
      if (want !== BigInt(backend.chainId))
        throw new ProviderRpcError(
          RpcCode.unsupported,
          `cannot add chain ${q(want)}: this wallet serves its node's chain ${q(backend.chainId)} only`,
        )
      return null
    },
    // EIP-2255: the one permission a dApp asks for, eth_accounts, through the same prompt as its "Connect".
    wallet_requestPermissions: async (p) => {
      permissionNames(p[0])
      await connect()
      return permissions()
    },
    wallet_getPermissions: async () => permissions(),
    // MetaMask's (MIP-2): the dApp's own "Disconnect"; eth_accounts answers [] until it asks again.
    wallet_revokePermissions: async (p) => {
      permissionNames(p[0])
      revoke()
      return null
    },
  }

  const provider: TabchainProvider = {
    isTabchain: true,
    async request(args) {
      if (gone !== null) throw gone
      if (typeof args !== 'object' || args === null || typeof args.method !== 'string')
        throw invalidParams('method', 'must be a string')
      if (!Object.hasOwn(methods, args.method))
        throw new ProviderRpcError(
          RpcCode.methodNotFound,
          `the method ${args.method} does not exist / is not available`,
        )
      const method = args.method as Method
      const params = list(args.params)
      if (params.length > MAX_PARAMS[method])
        throw new ProviderRpcError(
          RpcCode.invalidParams,
          `too many arguments, want at most ${MAX_PARAMS[method]}`,
        )
      try {
        return await methods[method](params)
      } catch (err) {
        // A call the lost node left unanswered fails (RPC_LOST) as the provider is told: the dApp gets
        // the one reason, 4900, for every request in flight then.
        throw gone ?? toRpcError(err)
      }
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (set === undefined) {
        set = new Set()
        listeners.set(event, set)
      }
      set.add(listener)
      return provider
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener)
      return provider
    },
    disconnect(reason) {
      if (gone !== null) return
      gone = disconnectedError(reason)
      markGone()
      emit('disconnect', gone)
    },
  }
  return provider
}

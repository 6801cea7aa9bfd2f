import { type Address, decodeFunctionData, getAddress, type Hex, maxUint256 } from 'viem'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import { erc20Abi } from '../node/contracts/erc20/abi'
import { htlcAbi } from '../node/contracts/htlc/abi'
import type { HtlcLock } from '../node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../node/contracts/token-factory/abi'
import type { TxView } from '../node/worker/queries'
import { formatAmount, formatCoin } from '../wallet/amount'
import { showHidden } from '../wallet/describe'
import { timeToBlock } from '../wallet/duration'
import { type AddressSide, addressName, type TokenDirectory } from './address-name'
import { short } from './components/explorer'
import type { TxStatus } from './tx-tracker'

/** Where the blocks below a snapshot's base can be seen: a tab that runs every block from the genesis. */
export const KEPT_BY_FULL = 'A tab set to “stay full” (Home, Mode) runs and keeps every block.'

/**
 * What a full node started from a snapshot at block `base` says of a list its own index reads (`what`:
 * "Payments received" in the Wallet's Activity, "Transactions" on an address page): the index is whole
 * only past that block, so those in it or before may be missing.
 */
export const missingBelowNote = (what: string, base: bigint): string =>
  `${what} in block #${base.toLocaleString()} or earlier may be missing here: this node started from a copy of the chain’s state at that block and has read only the blocks after it. ${KEPT_BY_FULL}`

/** The address's side of what a transaction moved: it received, sent, both (to itself), or neither. */
export type Direction = 'in' | 'out' | 'self' | null

/** A piece of a row's words: plain text, or a name linking to its page (a token's, an address's). */
export type WhatPart = string | { readonly text: string; readonly href: string }

/** The words of `parts`, links and all, as one string. */
const textOf = (parts: readonly WhatPart[]): string =>
  parts.map((p) => (typeof p === 'string' ? p : p.text)).join('')

/** A template's pieces: its text, and each value a string, a link or pieces of their own. */
function words(
  strings: TemplateStringsArray,
  ...values: readonly (WhatPart | readonly WhatPart[])[]
): WhatPart[] {
  const out: WhatPart[] = []
  // Text next to text is one piece.
  const add = (part: WhatPart) => {
    const last = out[out.length - 1]
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part
    else if (part !== '') out.push(part)
  }
  strings.forEach((text, i) => {
    add(text)
    const value = values[i]
    if (value === undefined) return
    if (Array.isArray(value)) for (const part of value as readonly WhatPart[]) add(part)
    else add(value as WhatPart)
  })
  return out
}

/** One transaction as an address's page lists it. */
export interface AddressTxRow {
  readonly hash: Hex
  /**
   * What it did, in the words the Tokens screen and the wallet's approvals use, seen from the address:
   * `Send 1 TAB to 0x12345678…abcdef`, `Receive 5 GLD from 0x…`, `Allow 0x… to spend up to 5 GLD`.
   */
  readonly what: string
  /** `what` in pieces: each token, contract or address it names links to its page (`WhatPart`). */
  readonly whatParts: readonly WhatPart[]
  /** The coin or tokens it moved (the call's amount; a reverted one moved nothing, its status says so), or null. */
  readonly amount: string | null
  readonly direction: Direction
  /**
   * A redeem's or refund's lock, while the page reads it (`reading`) or after the read failed (`failed`,
   * with why): its amount and direction are not known meanwhile (null). Null for any other row.
   */
  readonly lockRead: LockUnread | null
  /** Null while pending. */
  readonly blockNumber: bigint | null
  readonly status: TxStatus
}

/**
 * What a light or upgrading node's list of `whose` transactions is, in the words the Explorer's address
 * page (`address`) and the wallet's Activity (`account`) both use: a full peer's list, each row proven,
 * which could leave some out (`line`, shown above the list); what "proven" means, and that a lock's
 * payout to it sent by someone else is listed too, proven by the lock's record (`sync-activity` 3), but
 * not by a full peer of before that version, which leaves it out (`about`, folded away under the line).
 */
export function peerListed(whose: 'address' | 'account'): { readonly line: string; readonly about: string } {
  return {
    line: 'each one proven, but a peer could leave some out.',
    about: `Each one is proven in a block whose header this node verified. A swap lock's payout to this ${whose} that someone else redeemed or refunded is listed too, proven by the lock's record (a full peer of an older version leaves it out).`,
  }
}

/** A lock read not ended (`reading`), or ended without a record: `failed`, with why (the error's message). */
export type LockUnread = { readonly state: 'reading' } | { readonly state: 'failed'; readonly error: string }

/** A read of an HTLC lock's record: being read, failed, or read as the node proves it (null: no such lock). */
export type LockRead = LockUnread | { readonly state: 'read'; readonly lock: HtlcLock | null }

/**
 * The reads of HTLC lock records by id (lower-case): where a redeem or refund, whose input names only the
 * lock, reads the amount and token it moved and to whom.
 */
export type SettledLocks = ReadonlyMap<Hex, LockRead>

/** Where the chain stands for a page: the head it shows, and the chain's target time per block (ms). */
export interface ChainClock {
  readonly head: bigint
  readonly blockMs: number
}

/**
 * A lock's deadline, block `height`, seen from the head `clock` shows: `block 40 (~1m 20s from now)` at
 * the chain's target block time (as the wallet's approval says it, `timeToBlock`), `block 40 (the latest
 * block)`, or `block 40 (passed 3 blocks ago)`; without a clock (the chain not known yet), `block 40`.
 * Pure.
 */
export function untilBlock(height: bigint, clock: ChainClock | null): string {
  if (clock === null) return `block ${height}`
  const time = timeToBlock(height, clock.head, clock.blockMs)
  if (time !== null) return `block ${height} (${time} from now)`
  const past = clock.head - height
  if (past === 0n) return `block ${height} (the latest block)`
  return `block ${height} (passed ${past.toLocaleString()} ${past === 1n ? 'block' : 'blocks'} ago)`
}

/** `amount` of the token at `token`: with its symbol and decimals when known, else in base units. */
function tokenAmount(token: Address, amount: bigint, tokens: TokenDirectory): string {
  const info = tokens.get(token.toLowerCase())
  return info === undefined
    ? formatAmount(amount, 0, `base units of token ${short(getAddress(token))}`)
    : formatAmount(amount, info.decimals, info.symbol)
}

/**
 * A transaction's status from its view at head `head`: pending, confirmed with its depth, failed, or in
 * its block with its outcome unknown (the node holds no receipt of that block).
 */
export function listedStatus(tx: TxView, head: bigint): TxStatus {
  if (tx.blockNumber === null) return { state: 'pending', hash: tx.hash }
  if (tx.status === 'reverted') return { state: 'failed', hash: tx.hash, reason: 'reverted' }
  // Counted from the head read now: a row kept from an earlier head (its block does not change) deepens.
  const confirmations = head >= tx.blockNumber ? head - tx.blockNumber + 1n : tx.confirmations
  if (tx.status === 'success') return { state: 'confirmed', hash: tx.hash, confirmations }
  return {
    state: 'included',
    hash: tx.hash,
    confirmations,
    unverified: 'this node holds no receipt of its block',
  }
}

/** What a transaction did, as `txWhat` reads it: the fields of its row that do not depend on its block. */
export type TxWhat = Pick<AddressTxRow, 'what' | 'whatParts' | 'amount' | 'direction' | 'lockRead'>

/**
 * How the page of `address` lists `tx`, at head `head`, naming addresses as the explorer does (`tokens`:
 * the tokens it knows; an amount of a token in `reading`, whose read has not ended, with no figure):
 * what it did (`txWhat`; a lock's deadline timed from `head` at `blockMs` per block once the chain's
 * target block time is known), its block and its status. Pure.
 */
export function addressTxRow(
  tx: TxView,
  address: Address,
  tokens: TokenDirectory,
  head: bigint,
  locks: SettledLocks = new Map(),
  blockMs: number | null = null,
  reading: ReadonlySet<string> = new Set(),
): AddressTxRow {
  return {
    hash: tx.hash,
    ...txWhat(tx, address, tokens, locks, reading, blockMs === null ? null : { head, blockMs }),
    blockNumber: tx.blockNumber,
    status: listedStatus(tx, head),
  }
}

/**
 * What `tx` did, seen from `address` (null: from no one's side, as the Tx page says it — a send reads
 * `Transfer 1 TAB from X to Y`), naming addresses as the explorer does (`tokens`: the tokens it knows).
 * Decodes native transfers, the ERC20 calls, token creation and the HTLC's lock / redeem / refund (a
 * redeem or refund with the amount its lock read in `locks` holds, paid from the HTLC to the lock's
 * recipient or back to its sender; while that read runs or after it failed, no amount and the read's
 * state in `lockRead`; without a read or a lock, no amount); any other call reads as a call to its
 * contract with its selector. An amount of a token in `reading` (lower-case: its read has not ended) and
 * not in `tokens` reads `an amount of token 0x…`, not in base units a reader could take for whole tokens.
 * A lock's deadline is timed from the head `clock` shows (`untilBlock`: `until block 40 (~1m 20s from
 * now)`). Pure.
 */
export function txWhat(
  tx: TxView,
  address: Address | null,
  tokens: TokenDirectory,
  locks: SettledLocks = new Map(),
  reading: ReadonlySet<string> = new Set(),
  clock: ChainClock | null = null,
): TxWhat {
  const self = address?.toLowerCase()
  const is = (a: Address) => a.toLowerCase() === self
  /** The name of `a` as the explorer gives it, linking to its token's page or its address's (not the zero address's "mint"/"burn"). */
  const name = (a: Address, side: AddressSide): WhatPart => {
    const text = addressName(a, tokens, side) ?? short(getAddress(a))
    if (a.toLowerCase() === ZERO_ADDRESS) return text
    const page = tokens.has(a.toLowerCase()) ? 'token' : 'address'
    return { text, href: `/${page}/${getAddress(a)}` }
  }
  /** The direction of a movement from `from` to `to`, relative to the address. */
  const side = (from: Address, to: Address): Direction =>
    is(from) && is(to) ? 'self' : is(from) ? 'out' : is(to) ? 'in' : null
  /** `verb amount to X` / `Receive amount from Y`, or between two others `Transfer amount from Y to X`. */
  const move = (verb: string, amount: WhatPart, from: Address, to: Address): WhatPart[] => {
    const direction = side(from, to)
    if (direction === 'in') return words`Receive ${amount} from ${name(from, 'from')}`
    if (direction === null) return words`Transfer ${amount} from ${name(from, 'from')} to ${name(to, 'to')}`
    return words`${verb} ${amount} to ${name(to, 'to')}`
  }
  /** `amount` of the token at `token`, linking to its page, or while that token is read, no figure. */
  const ofToken = (token: Address, amount: bigint): WhatPart => ({
    text:
      reading.has(token.toLowerCase()) && !tokens.has(token.toLowerCase())
        ? `an amount of token ${short(getAddress(token))}`
        : tokenAmount(token, amount, tokens),
    href: `/token/${getAddress(token)}`,
  })
  const row = (
    what: WhatPart | readonly WhatPart[],
    amount: WhatPart | null,
    direction: Direction,
    lockRead: LockUnread | null = null,
  ): TxWhat => {
    const whatParts: readonly WhatPart[] = Array.isArray(what) ? what : [what as WhatPart]
    return {
      what: textOf(whatParts),
      whatParts,
      amount: amount === null ? null : textOf([amount]),
      direction,
      lockRead,
    }
  }
  /** `amount` of the coin (the zero address) or of the token at `token`, as the HTLC holds them. */
  const locked = (token: Address, amount: bigint): WhatPart =>
    token.toLowerCase() === ZERO_ADDRESS ? formatCoin(amount) : ofToken(token, amount)
  /** A redeem or refund of lock `id`: the HTLC pays its amount to the lock's `payee`. */
  const settle = (verb: string, id: Hex, payee: 'recipient' | 'sender', to: string) => {
    const read = locks.get(id.toLowerCase() as Hex)
    const what = `${verb} swap lock ${short(id)}`
    if (read === undefined) return row(what, null, null)
    if (read.state !== 'read') return row(what, null, null, read)
    const { lock } = read
    if (lock === null) return row(what, null, null)
    const shown = locked(lock.token, lock.amount)
    return row(
      words`${what}: ${shown} ${to} ${name(lock[payee], 'to')}`,
      shown,
      side(HTLC_ADDRESS, lock[payee]),
    )
  }
  const coin = formatCoin(tx.value)
  const call = decodeCall(tx)
  if (call === null) {
    if (tx.input === '0x' || tx.value > 0n)
      return row(
        words`${move('Send', coin, tx.from, tx.to)}${tx.input === '0x' ? '' : ', with data'}`,
        coin,
        side(tx.from, tx.to),
      )
    return row(words`Call contract ${name(tx.to, 'to')} (${tx.input.slice(0, 10)})`, null, null)
  }
  switch (call.functionName) {
    case 'transfer': {
      const [to, amount] = call.args
      const shown = ofToken(tx.to, amount)
      return row(move('Send', shown, tx.from, to), shown, side(tx.from, to))
    }
    case 'transferFrom': {
      const [from, to, amount] = call.args
      const shown = ofToken(tx.to, amount)
      return row(move('Send', shown, from, to), shown, side(from, to))
    }
    case 'approve': {
      const [spender, amount] = call.args
      // As the wallet words an approve: a ceiling, or any amount when the token never decreases it.
      const symbol: WhatPart = {
        text: tokens.get(tx.to.toLowerCase())?.symbol ?? `token ${short(getAddress(tx.to))}`,
        href: `/token/${getAddress(tx.to)}`,
      }
      const allowance =
        amount === maxUint256
          ? words`any amount of ${symbol} (unlimited)`
          : words`up to ${ofToken(tx.to, amount)}`
      const what = is(tx.from)
        ? words`Allow ${name(spender, 'to')} to spend ${allowance}`
        : words`${name(tx.from, 'from')} allowed ${name(spender, 'to')} to spend ${allowance}`
      return row(what, null, null)
    }
    case 'mint': {
      const [to, amount] = call.args
      const shown = ofToken(tx.to, amount)
      return row(words`Mint ${shown} to ${name(to, 'to')}`, shown, side(ZERO_ADDRESS, to))
    }
    case 'burn': {
      const [amount] = call.args
      const shown = ofToken(tx.to, amount)
      return row(words`Burn ${shown}`, shown, side(tx.from, ZERO_ADDRESS))
    }
    case 'createToken': {
      const [tokenName, symbol, decimals, supply] = call.args
      const shown = formatAmount(supply, decimals, showHidden(symbol))
      // The supply is minted to its creator, the sender.
      return row(
        `Create token ${showHidden(tokenName)} (${showHidden(symbol)}) with ${shown}`,
        shown,
        side(ZERO_ADDRESS, tx.from),
      )
    }
    case 'lock': {
      const [token, amount, recipient, , timelockHeight] = call.args
      const shown = locked(token, amount)
      return row(
        words`Lock ${shown} for ${name(recipient, 'to')} until ${untilBlock(timelockHeight, clock)}`,
        shown,
        side(tx.from, tx.to),
      )
    }
    case 'redeem':
      return settle('Redeem', call.args[0], 'recipient', 'to')
    case 'refund':
      return settle('Refund', call.args[0], 'sender', 'back to')
    default:
      return row(words`Call ${name(tx.to, 'to')} (${call.functionName})`, null, null)
  }
}

/**
 * What a redeem's or refund's amount cell says while its lock is read, or after the read failed: the
 * error's message up to its details (after the first colon), long hashes in it shortened. Pure.
 */
export function lockUnreadText(read: LockUnread): string {
  if (read.state === 'reading') return 'Reading the amount…'
  return `Amount not read: ${firstClause(read.error)}`
}

/** An error's message up to its details (after the first colon), long hashes in it shortened. Pure. */
export function firstClause(error: string): string {
  const head = error.split(': ')[0] ?? error
  return head.replace(/0x[0-9a-fA-F]{40,}/g, short)
}

/** The id of the HTLC lock `tx` redeems or refunds (lower-case), or null for any other transaction. */
export function settledLockId(tx: TxView): Hex | null {
  const call = decodeCall(tx)
  return call?.functionName === 'redeem' || call?.functionName === 'refund'
    ? (call.args[0].toLowerCase() as Hex)
    : null
}

/**
 * The call `tx` makes, decoded with the ABI of the contract it goes to (the native HTLC and TokenFactory
 * by their addresses, any other as an ERC20), or null: a plain transfer, or data that contract does not
 * read.
 */
export function decodeCall(tx: TxView) {
  if (tx.input === '0x') return null
  const to = tx.to.toLowerCase()
  try {
    if (to === HTLC_ADDRESS) return decodeFunctionData({ abi: htlcAbi, data: tx.input })
    if (to === TOKEN_FACTORY_ADDRESS) return decodeFunctionData({ abi: tokenFactoryAbi, data: tx.input })
    return decodeFunctionData({ abi: erc20Abi, data: tx.input })
  } catch {
    return null
  }
}

/**
 * The token whose decimals and symbol say the amount `tx` moves or approves (the ERC20 it calls, the token
 * a lock locks), or null: its amount is in the coin, read from a lock record, or none.
 */
export function amountToken(tx: TxView): Address | null {
  const call = decodeCall(tx)
  if (call === null || tx.to.toLowerCase() === TOKEN_FACTORY_ADDRESS) return null
  if (call.functionName === 'lock') return call.args[0].toLowerCase() === ZERO_ADDRESS ? null : call.args[0]
  return tx.to.toLowerCase() === HTLC_ADDRESS ? null : tx.to
}

/**
 * The token whose decimals and symbol say the amount a row of `tx` shows: `amountToken`, or the token of
 * the lock a redeem or refund settles once `locks` has read it; null: the coin, no amount, or not read.
 */
export function shownAmountToken(tx: TxView, locks: SettledLocks): Address | null {
  const token = amountToken(tx)
  if (token !== null) return token
  const id = settledLockId(tx)
  const read = id === null ? undefined : locks.get(id)
  const locked = read?.state === 'read' ? read.lock?.token : undefined
  return locked === undefined || locked.toLowerCase() === ZERO_ADDRESS ? null : locked
}

/**
 * The tokens the amounts of an address page's rows `txs` are in (`shownAmountToken`; a row not read has
 * none), each once. Pure.
 */
export function rowsAmountTokens(
  txs: readonly (TxView | { readonly error: string })[],
  locks: SettledLocks,
): Address[] {
  const tokens = new Map<string, Address>()
  for (const tx of txs) {
    const token = 'error' in tx ? null : shownAmountToken(tx, locks)
    if (token !== null) tokens.set(token.toLowerCase(), token)
  }
  return [...tokens.values()]
}

/** The tokens `tx` names, whose symbols and decimals say its amounts: the contract it calls, and a lock's token. */
export function tokensNamed(tx: TxView): Address[] {
  const call = decodeCall(tx)
  return call?.functionName === 'lock' ? [tx.to, call.args[0]] : [tx.to]
}

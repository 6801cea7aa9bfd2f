import { type Address, getAddress, type Hex, hexToBigInt, isAddress, isHash } from 'viem'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import { TRANSFER_TOPIC } from '../node/contracts/erc20/erc20'
import { type HtlcLock, REDEEMED_TOPIC, REFUNDED_TOPIC } from '../node/contracts/htlc/htlc'
import { keepAside, keptAsideKey, parseJson, trySave } from '../node/profile/local-record'
import { messageOf } from '../node/rpc/errors'
import type { LogRecord } from '../node/storage/types'
import type { ReceiptView, TokenInfo, TxView } from '../node/worker/queries'
import { formatAmount, formatCoin } from './amount'
import { HTLC_NAME, shortAddress, showHidden, TOKEN_FACTORY_NAME } from './describe'
import type { SentTransaction } from './provider'
import type { Wallet } from './wallet'

/** A sent transaction and what the chain says about it. */
export interface ActivityItem extends SentTransaction {
  readonly status: 'pending' | 'confirmed' | 'failed' | 'dropped'
  /** The block holding it, from its receipt. */
  readonly blockNumber?: string
  /** Why it failed (the decoded revert reason) or was dropped. */
  readonly reason?: string
  /**
   * Why its status could not be read at the current head (on a light node: no peer gave a proof that
   * verifies): the status is the last one verified. Absent when it is verified.
   */
  readonly unverified?: string
  /**
   * Confirmed by its block's header alone (`ReceiptView.provenBelowBase`): a node started from a snapshot
   * proved it against the header it kept for that block, below the snapshot's base, and executed none of it.
   */
  readonly provenBelowBase?: true
}

/** Why an item is `dropped`. */
export const DROPPED_REASON = 'another transaction of this account with the same nonce was mined'

/**
 * An item's status from its canonical receipt and its sender's nonce at the head: no receipt → pending
 * (again, if a reorg took it out), or dropped once the sender's nonce has passed the item's (another
 * transaction with its nonce was mined: it never can be; a reorg may still bring it back); reverted →
 * failed with the decoded reason; success → confirmed in its block, marked `provenBelowBase` when the
 * receipt was proven against its block's header alone. Failed stays failed. A read that verified: no
 * `unverified` mark stays.
 */
export function settleActivity(
  item: ActivityItem,
  receipt: ActivityReceipt | null,
  accountNonce: bigint,
): ActivityItem {
  if (item.status === 'failed') return item
  const {
    blockNumber: _block,
    reason: _reason,
    unverified: _unverified,
    provenBelowBase: _proven,
    ...sent
  } = item
  if (receipt === null)
    return accountNonce > BigInt(item.nonce)
      ? { ...sent, status: 'dropped', reason: DROPPED_REASON }
      : { ...sent, status: 'pending' }
  const blockNumber = String(receipt.blockNumber)
  return receipt.status === 'reverted'
    ? { ...sent, status: 'failed', blockNumber, reason: receipt.revertReason ?? 'reverted' }
    : {
        ...sent,
        status: 'confirmed',
        blockNumber,
        ...(receipt.provenBelowBase === true ? { provenBelowBase: true } : {}),
      }
}

/** A read's value, or why it failed. */
type Read<T> = { readonly value: T } | { readonly unread: string }

/** What `settleActivity` reads of a receipt. */
type ActivityReceipt = Pick<ReceiptView, 'blockNumber' | 'status' | 'revertReason' | 'provenBelowBase'>

/** The node reads an activity refresh makes (the node's API has them). */
export interface ActivityReads {
  account(address: Address): Promise<{ readonly nonce: bigint }>
  receipt(hash: Hex): Promise<ActivityReceipt | null>
  transaction(hash: Hex): Promise<Pick<TxView, 'blockNumber' | 'status' | 'provenBelowBase'> | null>
}

/**
 * The receipt of `hash`, or — that read failed (on a light node: its block's receipts out of reach) —
 * what its transaction read proves: in its block with the status proven with its inclusion, as the
 * transaction page reads it (no revert reason: a block's receipts do not hold it). Else why the receipt
 * could not be read: a transaction not proven mined (a light node's own submission reads as pending) or
 * one with no status known proves nothing of its outcome.
 */
const receiptOrProven = (reads: ActivityReads, hash: Hex): Promise<Read<ActivityReceipt | null>> =>
  reads.receipt(hash).then(
    (value): Read<ActivityReceipt | null> => ({ value }),
    async (err: unknown): Promise<Read<ActivityReceipt | null>> => {
      const tx = await reads.transaction(hash).catch(() => null)
      if (tx === null || tx.blockNumber === null || tx.status === null) return { unread: messageOf(err) }
      const { blockNumber, status, provenBelowBase } = tx
      return {
        value: {
          blockNumber,
          status,
          revertReason: null,
          ...(provenBelowBase === true ? { provenBelowBase } : {}),
        },
      }
    },
  )

/**
 * Reads the nonce of each sender with an item waiting (pending or dropped), then the receipt of every
 * item not failed, and settles each item (`settleActivity`) from the reads that succeeded. The nonces
 * first: a block that comes in between then shows as a receipt, never as a nonce passed without one (a
 * false "dropped"). A read that fails (on a light node: no proof verified) settles nothing: the item
 * keeps its last status, marked `unverified` with why — a receipt read is never "no receipt", a nonce
 * read never "not passed" — unless its transaction read proves its outcome (`receiptOrProven`).
 */
export async function rereadActivity(
  items: readonly ActivityItem[],
  reads: ActivityReads,
): Promise<ActivityItem[]> {
  const waiting = new Set(
    items.filter((i) => i.status === 'pending' || i.status === 'dropped').map((i) => i.from.toLowerCase()),
  )
  const nonces = new Map(
    await Promise.all(
      [...waiting].map((a) =>
        reads.account(a as Address).then(
          (r): [string, Read<bigint>] => [a, { value: r.nonce }],
          (err: unknown): [string, Read<bigint>] => [a, { unread: messageOf(err) }],
        ),
      ),
    ),
  )
  const receipts = await Promise.all(
    items.map((i) => (i.status === 'failed' ? { value: null } : receiptOrProven(reads, i.hash))),
  )
  return items.map((i, k) => {
    const receipt = receipts[k] ?? { value: null }
    if ('unread' in receipt) return { ...i, unverified: receipt.unread }
    // A confirmed item a reorg took out, its sender's nonce not read: pending (never dropped unread).
    const nonce = nonces.get(i.from.toLowerCase()) ?? { value: 0n }
    if (receipt.value === null && 'unread' in nonce) {
      const last = i.status === 'dropped' ? i : settleActivity(i, null, 0n)
      return { ...last, unverified: nonce.unread }
    }
    return settleActivity(i, receipt.value, 'unread' in nonce ? 0n : nonce.value)
  })
}

/**
 * The items of `items` an activity refresh at `head` re-reads (`rereadActivity`): all but those that
 * cannot change — failed (failed stays failed), or confirmed, verified, in a block more than
 * `maxReorgDepth` below `head`, which no reorganisation the node takes reaches. All but the failed when
 * `reorged` (a reorganisation came since the last refresh: a split the user chose to follow may go
 * deeper), or `head` or `maxReorgDepth` is not known. A busy wallet's list holds hundreds of settled
 * sends: re-reading each at every head (a proof from a peer each, on a light node) grew with the list.
 */
export function activityDue(
  items: readonly ActivityItem[],
  head: bigint | undefined,
  maxReorgDepth: number | undefined,
  reorged: boolean,
): ActivityItem[] {
  const settledBelow =
    reorged || head === undefined || maxReorgDepth === undefined ? null : head - BigInt(maxReorgDepth)
  return items.filter(
    (i) =>
      i.status !== 'failed' &&
      !(
        settledBelow !== null &&
        i.status === 'confirmed' &&
        i.unverified === undefined &&
        i.blockNumber !== undefined &&
        BigInt(i.blockNumber) < settledBelow
      ),
  )
}

/**
 * The activity list `current` with each item a re-read (`rereadActivity`) settled put in its place, by
 * hash: an item added since the re-read began (a transaction sent meanwhile) is kept as it is.
 */
export function withReread(
  current: readonly ActivityItem[],
  reread: readonly ActivityItem[],
): ActivityItem[] {
  const settled = new Map(reread.map((i) => [i.hash, i]))
  return current.map((i) => settled.get(i.hash) ?? i)
}

/** Where a profile's activity list is kept (`localStorage` in the app). */
const activityKey = (profileId: string): string => `tabchain.activity.${profileId}`

/** The items without their `unverified` marks: a mark says something of the head it was read at only. */
const unmarked = (items: readonly ActivityItem[]): ActivityItem[] =>
  items.map(({ unverified: _unverified, ...item }) => item)

const STATUSES: ReadonlySet<unknown> = new Set<ActivityItem['status']>([
  'pending',
  'confirmed',
  'failed',
  'dropped',
])

/**
 * A saved item as `saveActivity` wrote it (without its `unverified` mark), or null when it is damaged
 * (edited storage, a bad write): a field missing or of the wrong form, which later reads (its receipt,
 * `BigInt` of its nonce and block) would trip over.
 */
function savedItem(value: unknown): ActivityItem | null {
  if (typeof value !== 'object' || value === null) return null
  const { hash, from, title, nonce, sentAt, status, blockNumber, reason, provenBelowBase } = value as Record<
    string,
    unknown
  >
  const valid =
    typeof hash === 'string' &&
    isHash(hash) &&
    typeof from === 'string' &&
    isAddress(from, { strict: false }) &&
    typeof title === 'string' &&
    typeof nonce === 'number' &&
    Number.isSafeInteger(nonce) &&
    nonce >= 0 &&
    typeof sentAt === 'number' &&
    Number.isFinite(sentAt) &&
    STATUSES.has(status) &&
    (blockNumber === undefined || (typeof blockNumber === 'string' && /^\d+$/.test(blockNumber))) &&
    (reason === undefined || typeof reason === 'string') &&
    (provenBelowBase === undefined || (provenBelowBase === true && status === 'confirmed'))
  return valid ? (value as ActivityItem) : null
}

/** Where a profile's damaged saved activity entries are kept aside (`storedActivity`): `saveActivity` never writes it. */
export const damagedActivityKey = (profileId: string): string => keptAsideKey(activityKey(profileId))

/** The profile's saved activity, and what of it could not be read (`storedActivity`). */
export interface StoredActivity {
  readonly items: ActivityItem[]
  /**
   * How many saved items were damaged (`list`: the whole list was), kept aside under
   * `damagedActivityKey`; 0 when none.
   */
  readonly damaged: number | 'list'
}

/**
 * The profile's saved activity list, newest first, each item with its last verified status and no
 * `unverified` mark (also from a list saved with them): the next head's re-read marks again what it
 * cannot verify. A damaged item (or the whole saved text, when it is no JSON list) is kept aside, raw,
 * under `damagedActivityKey` (appended, bounded: `keepAside`), then the list is saved without
 * it: the wallet starts with what can be kept, and the next `saveActivity` loses nothing. Storage that
 * refuses the write (full) keeps the saved list as it is, with a warning.
 */
export function storedActivity(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  profileId: string,
): StoredActivity {
  const saved = storage.getItem(activityKey(profileId))
  if (saved === null) return { items: [], damaged: 0 }
  const list = parseJson(saved)
  const items = Array.isArray(list) ? unmarked(list.flatMap((value) => savedItem(value) ?? [])) : []
  const damaged = Array.isArray(list)
    ? list.filter((value) => savedItem(value) === null).map((value) => JSON.stringify(value))
    : [saved]
  if (damaged.length === 0) return { items, damaged: 0 }
  try {
    keepAside(storage, activityKey(profileId), damaged)
  } catch (err) {
    console.warn(`damaged saved activity could not be kept aside: ${messageOf(err)}`)
    return { items, damaged: Array.isArray(list) ? damaged.length : 'list' }
  }
  saveActivity(storage, profileId, items)
  return { items, damaged: Array.isArray(list) ? damaged.length : 'list' }
}

/**
 * Saves the profile's activity list without its `unverified` marks (`storedActivity`). Storage that
 * refuses the write (full, or turned off) keeps what was saved before: the list shown holds for this
 * page's life, with a warning (`trySave`), and a send is never reported failed for it.
 */
export function saveActivity(
  storage: Pick<Storage, 'setItem'>,
  profileId: string,
  items: readonly ActivityItem[],
): void {
  trySave(storage, activityKey(profileId), JSON.stringify(unmarked(items)))
}

/**
 * Forgets the profile's activity: the saved list and the damaged entries kept aside
 * (`damagedActivityKey`), both of the wallet that sent them.
 */
function forgetActivity(storage: Pick<Storage, 'removeItem'>, profileId: string): void {
  storage.removeItem(activityKey(profileId))
  storage.removeItem(damagedActivityKey(profileId))
}

/**
 * Keeps the profile's activity the wallet's own: when another phrase's wallet replaces it
 * (`Wallet.onReplaced`), the old wallet's list and its damaged entries are forgotten (`forgetActivity`),
 * then `cleared` is told (the app empties the list it shows). Its own phrase restored keeps them: they
 * are still its sends. Returns the unsubscribe function.
 */
export function forgetActivityOnReplace(
  wallet: Pick<Wallet, 'onReplaced'>,
  storage: Pick<Storage, 'removeItem'>,
  profileId: string,
  cleared: () => void,
): () => void {
  return wallet.onReplaced(() => {
    forgetActivity(storage, profileId)
    cleared()
  })
}

/**
 * A payment an account received (or, `outgoing`, a transaction it sent), from a canonical transaction: coin (the transaction's `to` is the
 * account), tokens (an ERC20 `Transfer` log to it), or what an HTLC redeem or refund paid it (its
 * `Redeemed` or `Refunded` log, with the lock the node holds). Read from the node's index, never saved.
 */
export interface ReceivedItem {
  readonly hash: Hex
  /**
   * Tells apart the payments of one transaction: `coin`, or the index in its block of the `Transfer`
   * log (tokens) or of the HTLC's `Redeemed`/`Refunded` log (coin a lock paid out).
   */
  readonly key: string
  /**
   * `Received 5 TAB from 0x12…34`, `Received 10 TAB from the faucet (0x99…dc)` (a faucet payment this
   * wallet asked for), `Received 10 APL from 0x12…34`, `Received 5 TAB from a swap, collected from lock 0x12…34`.
   */
  readonly title: string
  /**
   * Who paid: the sender of the coin, the `from` of the tokens' `Transfer` (a mint: who minted), the HTLC
   * contract for a lock paid out.
   */
  readonly from: Address
  /** The block holding it. */
  readonly blockNumber: string
  /** The HTLC lock that paid it, and how (its recipient redeemed, or its sender was refunded). */
  readonly htlc?: { readonly lock: Hex; readonly via: 'redeem' | 'refund' }
  /**
   * A coin lock's payout whose lock record is not read in yet: its `Redeemed` or `Refunded` log names only
   * the lock, whose record says whom it paid and how much (`lockPayout`); until then `title` names the lock
   * alone (`From a swap, collected from lock 0x12…34`). Absent once read, and on every other payment.
   */
  readonly lockUnread?: true
  /**
   * Not a payment: a transaction the account itself sent, as the node's index lists it (`sentIn`), and
   * how it ended on chain (`reverted`: it failed, its fee paid all the same). The Activity shows it only
   * when this wallet's own list of sends does not hold it (`mergeActivity`): sent from another browser or
   * profile holding the account (the same recovery phrase imported there), or here not through the
   * wallet's Send form (the Tokens screen, a swap's steps). Absent on a payment.
   */
  readonly outgoing?: 'success' | 'reverted'
}

/**
 * The transaction `hash` that `account` sent itself, as a row of its Activity (`outgoing`), or none
 * when another account sent it: what it moved, in a user's words — its coin (`Sent 1 TAB to 0x12…34`, or
 * `Locked 1 TAB in a swap` to the HTLC), each token `Transfer` from the account (`tokenOf` names the
 * token), the supply it created through the TokenFactory — or else the contract it called; a reverted
 * transaction moved nothing. Where it was sent from is not said: the chain does not tell.
 */
export function sentIn(
  account: Address,
  hash: Hex,
  tx: Pick<TxView, 'from' | 'to' | 'value'>,
  receipt: Pick<ReceiptView, 'status' | 'blockNumber' | 'logs'>,
  tokenOf: (address: Address) => Pick<TokenInfo, 'symbol' | 'decimals'> | null,
): ReceivedItem[] {
  const me = account.toLowerCase()
  if (tx.from.toLowerCase() !== me) return []
  const to = tx.to.toLowerCase()
  const moved: string[] = []
  if (tx.value > 0n)
    moved.push(
      to === HTLC_ADDRESS
        ? `Locked ${formatCoin(tx.value)} in a swap`
        : `Sent ${formatCoin(tx.value)} to ${shortAddress(getAddress(tx.to))}`,
    )
  for (const log of receipt.status === 'success' ? receipt.logs : []) {
    const transfer = transferOf(log)
    const token = transfer === undefined || transfer.value === 0n ? null : tokenOf(log.address)
    if (transfer === undefined || token === null) continue
    const amount = formatAmount(transfer.value, token.decimals, showHidden(token.symbol))
    if (transfer.from === ZERO_ADDRESS && transfer.to === me && to === TOKEN_FACTORY_ADDRESS)
      moved.push(`Created ${amount}`)
    else if (transfer.from === me && transfer.to === HTLC_ADDRESS) moved.push(`Locked ${amount} in a swap`)
    else if (transfer.from === me && transfer.to !== me)
      moved.push(`Sent ${amount} to ${shortAddress(getAddress(transfer.to))}`)
  }
  const what = moved.length > 0 ? moved.join('; ') : `Called ${contractName(tx.to)}`
  return [
    {
      hash,
      key: 'sent',
      title: what,
      from: getAddress(tx.from),
      blockNumber: String(receipt.blockNumber),
      outgoing: receipt.status === 'success' ? 'success' : 'reverted',
    },
  ]
}

/** A called address as a row names it: a native contract by its name, any other by its short address. */
const contractName = (address: Address): string => {
  const a = address.toLowerCase()
  if (a === TOKEN_FACTORY_ADDRESS) return TOKEN_FACTORY_NAME
  if (a === HTLC_ADDRESS) return HTLC_NAME
  return shortAddress(getAddress(address))
}

/** Most transactions of the account the wallet reads for what it received (the newest). */
export const RECEIVED_LIMIT = 50

/** The node reads `readReceived` makes (the node's API has them). */
export interface ReceivedReads {
  addressTransactions(address: Address, limit: number): Promise<Hex[]>
  transaction(hash: Hex): Promise<Pick<TxView, 'from' | 'to' | 'value' | 'blockNumber'> | null>
  receipt(hash: Hex): Promise<Pick<ReceiptView, 'status' | 'blockNumber' | 'logs'> | null>
  token(address: Address): Promise<Pick<TokenInfo, 'symbol' | 'decimals'> | null>
}

/** What `lockPayout` reads of an HTLC lock: who it pays out to, and what. */
export type HtlcPaid = Pick<HtlcLock, 'sender' | 'recipient' | 'token' | 'amount'>

/** The lock an HTLC `Redeemed` or `Refunded` log paid out, and how; undefined for any other log. */
function payoutOf(
  log: Pick<LogRecord, 'address' | 'topics'>,
): { lock: Hex; via: 'redeem' | 'refund' } | undefined {
  const [topic, lock] = log.topics
  if (log.address.toLowerCase() !== HTLC_ADDRESS || log.topics.length !== 2 || lock === undefined)
    return undefined
  if (topic === REDEEMED_TOPIC) return { lock, via: 'redeem' }
  if (topic === REFUNDED_TOPIC) return { lock, via: 'refund' }
  return undefined
}

/** `0x1234…abcd`: a lock id in a title. */
const shortLock = (id: Hex): string => `${id.slice(0, 6)}…${id.slice(-4)}`

/**
 * Where a swap lock's payout came from, in a trader's words (the HTLC's redeem: its recipient collected
 * it; its refund: its sender took it back): `from a swap, collected from lock 0x12…34`.
 */
const swapPayout = (htlc: NonNullable<ReceivedItem['htlc']>): string =>
  htlc.via === 'redeem'
    ? `from a swap, collected from lock ${shortLock(htlc.lock)}`
    : `back from a swap, refunded from lock ${shortLock(htlc.lock)}`

/** `text` as a title: its first letter upper-case. */
const titled = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** The address in a 32-byte log topic (`0x` and 24 zero digits before it), lower-case. */
const topicAddress = (topic: Hex | undefined): string | undefined =>
  topic === undefined ? undefined : `0x${topic.slice(26)}`.toLowerCase()

/** A token `Transfer` log's parties and amount; undefined for any other log. */
function transferOf(
  log: Pick<LogRecord, 'topics' | 'data'>,
): { from: string; to: string; value: bigint } | undefined {
  const [topic, from, to] = log.topics
  if (topic !== TRANSFER_TOPIC || log.topics.length !== 3) return undefined
  const [f, t] = [topicAddress(from), topicAddress(to)]
  return f === undefined || t === undefined ? undefined : { from: f, to: t, value: hexToBigInt(log.data) }
}

/**
 * What `account` received in the mined transaction `hash`: its coin when `to` is the account, each
 * token `Transfer` to the account (`tokenOf` names the token; a log of no token it knows is left out),
 * and each HTLC lock it paid out, whoever sent the transaction: a token lock's payout is its `Transfer`
 * from the HTLC, titled with the lock; a coin lock's (no such `Transfer` in the receipt) is a payment
 * whose lock is not read yet (`lockUnread`: `lockPayout` says, from the lock, whether and what it paid the
 * account). A transaction that reverted moved nothing; what the account sent or minted itself is not
 * received. Coin in a transaction `faucetPaid` knows (a faucet payment this wallet asked for:
 * `faucetPayments`) is from the faucet, its payer's short address kept; by its hash, not its payer: the
 * faucet's accounts are devnet accounts anyone's tab may act with.
 */
export function receivedIn(
  account: Address,
  hash: Hex,
  tx: Pick<TxView, 'from' | 'to' | 'value'>,
  receipt: Pick<ReceiptView, 'status' | 'blockNumber' | 'logs'>,
  tokenOf: (address: Address) => Pick<TokenInfo, 'symbol' | 'decimals'> | null,
  faucetPaid: (hash: Hex) => boolean = () => false,
): ReceivedItem[] {
  if (receipt.status !== 'success') return []
  const me = account.toLowerCase()
  const blockNumber = String(receipt.blockNumber)
  const sender = getAddress(tx.from)
  const out: ReceivedItem[] = []
  if (tx.to.toLowerCase() === me && tx.from.toLowerCase() !== me && tx.value > 0n)
    out.push({
      hash,
      key: 'coin',
      title: `Received ${formatCoin(tx.value)} from ${faucetPaid(hash) ? `the faucet (${shortAddress(sender)})` : shortAddress(sender)}`,
      from: sender,
      blockNumber,
    })
  // A transaction calls the HTLC once: its one payout names the lock a token Transfer from the HTLC paid.
  const payouts = receipt.logs.flatMap((log) => {
    const payout = payoutOf(log)
    return payout === undefined ? [] : [{ log, payout }]
  })
  const [tokenPayout] = payouts.length === 1 ? payouts : []
  // The HTLC pays a token lock out with a Transfer of its tokens (a lock holds more than zero): none, a coin lock.
  const tokenLock = receipt.logs.some((log) => transferOf(log)?.from === HTLC_ADDRESS)
  if (!tokenLock)
    for (const { log, payout } of payouts)
      out.push({
        hash,
        key: String(log.logIndex),
        title: titled(swapPayout(payout)),
        from: HTLC_ADDRESS,
        blockNumber,
        htlc: payout,
        lockUnread: true,
      })
  for (const log of receipt.logs) {
    const transfer = transferOf(log)
    if (transfer === undefined || transfer.to !== me || transfer.from === me || transfer.value === 0n)
      continue
    const token = tokenOf(log.address)
    if (token === null) continue
    // A mint's Transfer comes from the zero address: the payer is who minted (the transaction's sender);
    // a token the account created or minted to itself is not a payment it received.
    const minted = transfer.from === ZERO_ADDRESS
    if (minted && tx.from.toLowerCase() === me) continue
    const from = minted ? sender : getAddress(transfer.from)
    const amount = formatAmount(transfer.value, token.decimals, showHidden(token.symbol))
    const htlc = transfer.from === HTLC_ADDRESS ? tokenPayout?.payout : undefined
    const source =
      htlc === undefined ? `${minted ? 'minted by' : 'from'} ${shortAddress(from)}` : swapPayout(htlc)
    out.push({
      hash,
      key: String(log.logIndex),
      title: `Received ${amount} ${source}`,
      from,
      blockNumber,
      ...(htlc === undefined ? {} : { htlc }),
    })
  }
  return out
}

/**
 * A coin lock's payout `item` (`lockUnread`) with its lock record `lock` read in: what it paid `account`,
 * titled with the amount (`Received 5 TAB from a swap, collected from lock 0x12…34`), or null when it paid
 * the account nothing — the redeem paid the lock's recipient, the refund its sender, and the account is
 * not that one; a token lock (its `Transfer` is the payment); a lock not held (`lock` null).
 */
export function lockPayout(account: Address, item: ReceivedItem, lock: HtlcPaid | null): ReceivedItem | null {
  const { lockUnread: _unread, ...paid } = item
  if (item.htlc === undefined || lock === null || lock.token !== ZERO_ADDRESS || lock.amount === 0n)
    return null
  const payee = item.htlc.via === 'redeem' ? lock.recipient : lock.sender
  if (payee.toLowerCase() !== account.toLowerCase()) return null
  return {
    ...paid,
    title: `Received ${formatCoin(lock.amount)} ${swapPayout(item.htlc)}`,
  }
}

/**
 * What `account` received in its latest transactions as the node's index lists them (newest first, at
 * most `RECEIVED_LIMIT`), newest first, with `read`: what was read of each transaction — `known` is
 * the last refresh's `read`, so each mined transaction is read once. A coin lock's payout is listed with
 * its lock not read (`lockUnread`): the caller reads the locks apart (on a light node each is a proof
 * from a peer, and one slow or failing read held back, or failed, the whole list). A transaction the
 * index lists but no longer reads (a reorg in between) is left out, for the next refresh. A read that
 * fails throws: the caller keeps what it showed. A faucet payment `faucetPaid` knows reads as the
 * faucet's (`receivedIn`). `items` are the payments; `activity` the payments and, in their place, the
 * transactions the account sent itself (`sentIn`), for the Activity to show those this wallet did not.
 * `older`: the list holds `RECEIVED_LIMIT` transactions, so older ones may be left unread (the Activity
 * says from which block it lists payments, `receivedNote`).
 */
export async function readReceived(
  account: Address,
  reads: ReceivedReads,
  known: ReadonlyMap<Hex, readonly ReceivedItem[]>,
  faucetPaid?: (hash: Hex) => boolean,
): Promise<{
  items: ReceivedItem[]
  activity: ReceivedItem[]
  read: Map<Hex, readonly ReceivedItem[]>
  older: boolean
}> {
  const hashes = await reads.addressTransactions(account, RECEIVED_LIMIT)
  const tokens = new Map<Address, Pick<TokenInfo, 'symbol' | 'decimals'> | null>()
  const read = new Map<Hex, readonly ReceivedItem[]>()
  await Promise.all(
    hashes.map(async (hash) => {
      const cached = known.get(hash)
      if (cached !== undefined) return read.set(hash, cached)
      const [tx, receipt] = await Promise.all([reads.transaction(hash), reads.receipt(hash)])
      if (tx === null || receipt === null) return
      for (const log of receipt.logs)
        if (transferOf(log) !== undefined && !tokens.has(log.address))
          tokens.set(log.address, await reads.token(log.address))
      const tokenOf = (a: Address) => tokens.get(a) ?? null
      // A payment first: an HTLC payout in the account's own redeem reads as what it received.
      read.set(hash, [
        ...receivedIn(account, hash, tx, receipt, tokenOf, faucetPaid),
        ...sentIn(account, hash, tx, receipt, tokenOf),
      ])
    }),
  )
  const activity = hashes.flatMap((h) => read.get(h) ?? [])
  return {
    items: activity.filter((i) => i.outgoing === undefined),
    activity,
    read,
    older: hashes.length >= RECEIVED_LIMIT,
  }
}

/** A row of the wallet's Activity: a transaction it sent, or a payment its account received. */
export type ActivityRow<R extends ReceivedItem = ReceivedItem> =
  | { readonly kind: 'sent'; readonly item: ActivityItem }
  | { readonly kind: 'received'; readonly item: R }

/**
 * The Activity list: `sent` (newest sent first) and `received` (newest block first) merged, newest
 * first. A received payment goes above the first sent item in a lower block; a sent item in no block
 * (pending, dropped) keeps its place among the sent. A payment in a transaction this wallet sent (one
 * of its accounts paying another) shows once, as sent — but not an HTLC's payout: the lock paid it, and
 * the redeem or refund sent says nothing of the amount. A transaction the account sent itself
 * (`outgoing`) shows only when this wallet's list does not hold it (sent from elsewhere).
 */
export function mergeActivity<R extends ReceivedItem>(
  sent: readonly ActivityItem[],
  received: readonly R[],
): ActivityRow<R>[] {
  const ours = new Set(sent.map((i) => i.hash))
  const incoming = received.filter((i) => i.htlc !== undefined || !ours.has(i.hash))
  const rows: ActivityRow<R>[] = []
  let r = 0
  for (const item of sent) {
    if (item.blockNumber !== undefined) {
      const block = BigInt(item.blockNumber)
      for (
        let next = incoming[r];
        next !== undefined && BigInt(next.blockNumber) > block;
        next = incoming[++r]
      )
        rows.push({ kind: 'received', item: next })
    }
    rows.push({ kind: 'sent', item })
  }
  for (const item of incoming.slice(r)) rows.push({ kind: 'received', item })
  return rows
}

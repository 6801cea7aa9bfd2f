import { type Address, type Hex, isAddress } from 'viem'
import { SwapError } from './errors'

/**
 * What both parties agreed when the taker took the maker's offer: everything the swap engine needs
 * from then on. The offers protocol (`src/trade/offers`) produces it; every field is checked again
 * against the chain at each step, never trusted as the counterparty sent it.
 *
 * The maker gives `amountA` of `tokenA` and receives `amountB` of `tokenB` (a token is the zero address
 * for the native coin). Timelocks are counted in blocks from when each lock is signed; the locks carry
 * absolute heights (the HTLC's `timelockHeight`).
 */
export interface SwapTerms {
  /** EIP-155 chain id the swap settles on. */
  readonly chainId: number
  /** The offer taken (32 bytes); also the swap's id: an offer is taken once. */
  readonly offerId: Hex
  readonly maker: Address
  readonly taker: Address
  readonly tokenA: Address
  /** Base units of `tokenA`, > 0. */
  readonly amountA: bigint
  readonly tokenB: Address
  /** Base units of `tokenB`, > 0. */
  readonly amountB: bigint
  /** Blocks the maker's lock runs (≥ 2 × `takerTimelockBlocks` + margin, see `checkTimelocks`). */
  readonly makerTimelockBlocks: bigint
  /** Blocks the taker's lock runs. */
  readonly takerTimelockBlocks: bigint
  /** sha256 of the maker's secret (32 bytes), as the HTLC checks it. */
  readonly hashlock: Hex
  /** Head height when the take was agreed: the maker's lock must be mined within `LOCK_WINDOW_BLOCKS`. */
  readonly acceptedHeight: bigint
}

/**
 * Blocks the maker keeps in hand before the taker's timelock: it redeems (revealing the secret) only
 * while at least this many blocks remain, so its redeem is mined in time and the taker sees it.
 */
export const REDEEM_MARGIN_BLOCKS = 3n
/** Slack on top of k confirmations in the timelock rule: delays in mining and in the taker's node. */
export const TIMELOCK_MARGIN_BLOCKS = 4n
/** Blocks after `acceptedHeight` within which the maker's lock must be mined, else the swap expires. */
export const LOCK_WINDOW_BLOCKS = 20n
/**
 * Watchtower: in the last this-many blocks before a lock's timelock, a node that knows the secret and
 * sees the recipient has not redeemed redeems for it (the HTLC pays the recipient whoever calls).
 */
export const WATCHTOWER_BLOCKS = 6n

/** Smallest taker timelock for `confirmations` (k): the maker waits k blocks, then redeems with margin. */
export function minTakerTimelock(confirmations: number): bigint {
  return 2n * BigInt(confirmations) + REDEEM_MARGIN_BLOCKS + 1n
}

/** Smallest maker timelock for a taker timelock: 2 × taker + k + `TIMELOCK_MARGIN_BLOCKS`. */
export function minMakerTimelock(takerTimelockBlocks: bigint, confirmations: number): bigint {
  return 2n * takerTimelockBlocks + BigInt(confirmations) + TIMELOCK_MARGIN_BLOCKS
}

/**
 * The timelock rule (BIP-199 / COMIT RFC-003): timelock(maker) ≥ 2 × timelock(taker) + margin, where
 * the margin covers the k confirmations the taker waits before locking plus `TIMELOCK_MARGIN_BLOCKS`;
 * and the taker's timelock leaves the maker k confirmations plus `REDEEM_MARGIN_BLOCKS` to redeem.
 * So after the taker's lock expires the taker still has about a taker timelock to redeem the maker's.
 * Throws `SwapError` `SWAP_TIMELOCK_TOO_SHORT` or `SWAP_TIMELOCKS_TOO_CLOSE`.
 */
export function checkTimelocks(
  makerTimelockBlocks: bigint,
  takerTimelockBlocks: bigint,
  confirmations: number,
): void {
  const minTaker = minTakerTimelock(confirmations)
  if (takerTimelockBlocks < minTaker) {
    throw new SwapError({ code: 'SWAP_TIMELOCK_TOO_SHORT', takerTimelockBlocks, min: minTaker })
  }
  const minMaker = minMakerTimelock(takerTimelockBlocks, confirmations)
  if (makerTimelockBlocks < minMaker) {
    throw new SwapError({
      code: 'SWAP_TIMELOCKS_TOO_CLOSE',
      makerTimelockBlocks,
      takerTimelockBlocks,
      min: minMaker,
    })
  }
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/

function bad(field: string, reason: string): never {
  throw new SwapError({ code: 'SWAP_BAD_TERMS', field, reason })
}

function address(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false }))
    bad(field, 'must be a 20-byte address')
  return value.toLowerCase() as Address
}

function positive(value: unknown, field: string): bigint {
  if (typeof value !== 'bigint' || value <= 0n) bad(field, 'must be a positive bigint')
  return value
}

function bytes32(value: unknown, field: string): Hex {
  if (typeof value !== 'string' || !HEX32.test(value)) bad(field, 'must be 32 bytes of 0x hex')
  return value.toLowerCase() as Hex
}

/**
 * Checks terms received from the offers protocol (or read back from storage) for `chainId` with k =
 * `confirmations`, and returns them normalised (lower-case hex). Throws `SwapError`: `SWAP_BAD_TERMS`
 * naming the field, or a timelock rule refusal.
 */
export function validateTerms(input: unknown, chainId: number, confirmations: number): SwapTerms {
  if (typeof input !== 'object' || input === null) bad('terms', 'must be an object')
  const t = input as Record<string, unknown>
  if (t.chainId !== chainId) bad('chainId', `must be ${chainId}`)
  const maker = address(t.maker, 'maker')
  const taker = address(t.taker, 'taker')
  if (maker === taker) bad('taker', 'must differ from the maker')
  const tokenA = address(t.tokenA, 'tokenA')
  const tokenB = address(t.tokenB, 'tokenB')
  if (tokenA === tokenB) bad('tokenB', 'must differ from tokenA')
  const acceptedHeight = t.acceptedHeight
  if (typeof acceptedHeight !== 'bigint' || acceptedHeight < 0n) bad('acceptedHeight', 'must be a height')
  const terms: SwapTerms = {
    chainId,
    offerId: bytes32(t.offerId, 'offerId'),
    maker,
    taker,
    tokenA,
    amountA: positive(t.amountA, 'amountA'),
    tokenB,
    amountB: positive(t.amountB, 'amountB'),
    makerTimelockBlocks: positive(t.makerTimelockBlocks, 'makerTimelockBlocks'),
    takerTimelockBlocks: positive(t.takerTimelockBlocks, 'takerTimelockBlocks'),
    hashlock: bytes32(t.hashlock, 'hashlock'),
    acceptedHeight,
  }
  checkTimelocks(terms.makerTimelockBlocks, terms.takerTimelockBlocks, confirmations)
  return terms
}

import type { Address, Hex } from 'viem'
import { formatAmount, NATIVE_DECIMALS, NATIVE_SYMBOL } from '../../wallet/amount'
import {
  type Checked,
  type FieldProblem,
  type FieldProblems,
  parsedForm,
  shownProblems,
} from '../form-problems'
import { formatDuration } from '../format'
import { type Parsed, parseAmount } from '../token-form'
import { tokenOf } from './book-view'
import { unitPrice } from './price'
import {
  type MarketFees,
  type MarketOffer,
  type MarketParams,
  type MarketToken,
  NATIVE_TOKEN,
} from './source'

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error })

const isNative = (token: Address): boolean => token.toLowerCase() === NATIVE_TOKEN

/**
 * Highest price per gas a swap transaction is signed with: twice the next base fee plus the tip (the
 * wallet's rule), so the fee shown is an upper bound.
 */
export const maxFeePerGas = (fees: MarketFees): bigint => 2n * fees.nextBaseFee + fees.suggestedTip

/**
 * Most network fee one party pays over a swap that completes, wei: an ERC20 approval when it locks a
 * token (the native coin needs none), its lock and its redeem.
 */
export function swapFee(lockToken: Address, params: MarketParams, fees: MarketFees): bigint {
  const gas =
    (isNative(lockToken) ? 0n : params.swapGas.approve) + params.swapGas.lock + params.swapGas.redeem
  return gas * maxFeePerGas(fees)
}

/** `1h 00m` for a number of blocks at the target block time. */
export function blocksDuration(blocks: bigint, params: MarketParams): string {
  return formatDuration(Number(blocks) * params.targetBlockTimeMs)
}

/** What a person typed in the post-offer form. */
export interface OfferFields {
  readonly sellToken: string
  readonly sellAmount: string
  readonly buyToken: string
  readonly buyAmount: string
  /** Minutes the offer stays open. */
  readonly expiryMinutes: string
}

/** What the form needs to check the fields against. */
export interface OfferContext {
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly fees: MarketFees
  readonly maker: Address
  readonly makerPeer: string
  /** The maker's balance of the token it sells. */
  readonly sellBalance: bigint
  /** The maker's native balance (pays the fees). */
  readonly nativeBalance: bigint
  readonly nowMs: number
  /** 32 random bytes (the caller draws them: this module is pure). */
  readonly salt: Hex
}

/** A checked offer ready to sign, with the lines the form shows under it. */
export interface OfferDraft {
  readonly offer: MarketOffer
  /** `1 GLD = 0.5 SLV`. */
  readonly price: string
  /** `Posting and cancelling are free: an offer is a signature, not a transaction.` and the fees if taken. */
  readonly fee: string
  /** `If it is taken, your 100 GLD are locked for up to 84 blocks (~2m 48s).` */
  readonly lock: string
}

/**
 * `You have 1,000 GLD.`: what the maker holds of the token it sells, said beside the amount before
 * anything is typed (the form refuses more than that).
 */
export const sellHolding = (balance: bigint, token: MarketToken): string =>
  `You have ${formatAmount(balance, token.decimals, token.symbol)}.`

/** Parses the offer's lifetime in whole minutes, from 1 minute to the node's maximum. */
export function parseExpiryMinutes(text: string, maxLifetimeS: number): Parsed<number> {
  const t = text.trim()
  const max = Math.floor(maxLifetimeS / 60)
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max)
    return fail(`The offer must stay open between 1 and ${max} minutes (${formatDuration(max * 60_000)}).`)
  return ok(Number(t))
}

/** Each problem of the post-offer form, keyed by the field it is shown beside. */
export type OfferProblems = FieldProblems<keyof OfferFields>

type Problem = FieldProblem<keyof OfferFields>

/** The fields read, once none is wrong. */
interface OfferValues {
  readonly sell: MarketToken
  readonly buy: MarketToken
  readonly sellAmount: bigint
  readonly buyAmount: bigint
  readonly minutes: number
  /** Most network fee the maker pays over the swap, wei. */
  readonly fee: bigint
}

/** Every problem of the fields, in the order of the form's fields; their values when there is none. */
function checkOffer(fields: OfferFields, ctx: OfferContext): Checked<keyof OfferFields, OfferValues> {
  const problems: Problem[] = []
  const minutes = parseExpiryMinutes(fields.expiryMinutes, ctx.params.maxOfferLifetimeS)
  const expiry: Problem[] = minutes.ok ? [] : [['expiryMinutes', minutes.error]]
  if (fields.sellToken === '' || fields.buyToken === '')
    return {
      problems: [
        [
          fields.sellToken === '' ? 'sellToken' : 'buyToken',
          'Choose the token you sell and the one you buy.',
        ],
        ...expiry,
      ],
      value: null,
    }
  if (fields.sellToken.toLowerCase() === fields.buyToken.toLowerCase())
    problems.push(['buyToken', 'Choose two different tokens.'])
  const sell = tokenOf(ctx.tokens, fields.sellToken as Address)
  const buy = tokenOf(ctx.tokens, fields.buyToken as Address)
  const sellAmount = parseAmount(fields.sellAmount, sell.decimals)
  const fee = swapFee(sell.address, ctx.params, ctx.fees)
  if (!sellAmount.ok) problems.push(['sellAmount', `You sell: ${sellAmount.error}`])
  else if (sellAmount.value > ctx.sellBalance)
    problems.push([
      'sellAmount',
      `Insufficient balance: you have ${formatAmount(ctx.sellBalance, sell.decimals, sell.symbol)}.`,
    ])
  else if ((isNative(sell.address) ? sellAmount.value : 0n) + fee > ctx.nativeBalance)
    problems.push([
      'sellAmount',
      `Insufficient balance: you have ${formatAmount(ctx.nativeBalance, NATIVE_DECIMALS, NATIVE_SYMBOL)}; ${isNative(sell.address) ? `${formatAmount(sellAmount.value, NATIVE_DECIMALS, NATIVE_SYMBOL)} plus ` : ''}network fees of up to ${formatAmount(fee, NATIVE_DECIMALS, NATIVE_SYMBOL)} are needed.`,
    ])
  const buyAmount = parseAmount(fields.buyAmount, buy.decimals)
  if (!buyAmount.ok) problems.push(['buyAmount', `You receive: ${buyAmount.error}`])
  problems.push(...expiry)
  return {
    problems,
    value:
      problems.length === 0 && sellAmount.ok && buyAmount.ok && minutes.ok
        ? { sell, buy, sellAmount: sellAmount.value, buyAmount: buyAmount.value, minutes: minutes.value, fee }
        : null,
  }
}

/**
 * The post-offer form as it is rendered, its fields checked once: the problems it shows as the person types
 * (those of the fields in `touched`, `shownProblems`) and the offer it would post (`parseOffer`). Pure.
 */
export function readOfferForm(
  fields: OfferFields,
  ctx: OfferContext,
  touched: ReadonlySet<keyof OfferFields>,
): { readonly problems: OfferProblems; readonly preview: Parsed<OfferDraft> } {
  const checked = checkOffer(fields, ctx)
  return { problems: shownProblems(checked.problems, touched), preview: draftOf(checked, ctx) }
}

/**
 * Checks the post-offer form and builds the offer to sign. Errors read as plain sentences
 * (`You sell: At most 2 decimals.`, `Insufficient balance: you have 1,000 GLD.`), every problem of the
 * fields in their order. Pure.
 */
export function parseOffer(fields: OfferFields, ctx: OfferContext): Parsed<OfferDraft> {
  return draftOf(checkOffer(fields, ctx), ctx)
}

/** The offer to sign and the lines shown under it, from the checked fields; every problem when any. */
function draftOf(checked: Checked<keyof OfferFields, OfferValues>, ctx: OfferContext): Parsed<OfferDraft> {
  const parsed = parsedForm(checked)
  if (!parsed.ok) return parsed
  const { sell, buy, sellAmount, buyAmount, minutes, fee } = parsed.value
  const timelocks = ctx.params.defaultTimelocks
  const offer: MarketOffer = {
    maker: ctx.maker,
    makerPeer: ctx.makerPeer,
    sellToken: sell.address,
    sellAmount,
    buyToken: buy.address,
    buyAmount,
    expiresAt: BigInt(Math.floor(ctx.nowMs / 1000)) + BigInt(minutes * 60),
    makerTimelock: timelocks.maker,
    takerTimelock: timelocks.taker,
    salt: ctx.salt,
  }
  const price = unitPrice(sellAmount, sell.decimals, buyAmount, buy.decimals)
  return ok({
    offer,
    price: `1 ${sell.symbol} ${price.exact ? '=' : '≈'} ${price.text} ${buy.symbol}`,
    fee: `Posting and cancelling are free: an offer is a signature, not a transaction. If it is taken, the swap's network fees are at most ${formatAmount(fee, NATIVE_DECIMALS, NATIVE_SYMBOL)}.`,
    lock: `If it is taken, your ${formatAmount(sellAmount, sell.decimals, sell.symbol)} are locked for up to ${timelocks.maker} blocks (~${blocksDuration(BigInt(timelocks.maker), ctx.params)}) until the swap completes or they come back to you.`,
  })
}

/** The offer the form posted last, as the form follows it through the node's book and our trades. */
export interface PostedOffer {
  readonly id: Hex
  /** `1 GLD = 0.5 SLV`. */
  readonly price: string
  /** Unix seconds. */
  readonly expiresAt: bigint
  /** A trade of ours was started for it. */
  readonly taken: boolean
  /** That trade finished (it is in My trades' History, which says how). */
  readonly finished: boolean
  /** Our clock when the form first read it out of the book and not taken, ms; null while it is listed. */
  readonly goneAtMs: number | null
}

/**
 * `posted` after a reading of the node at `atMs`: whether its book lists the offer, whether one of our
 * trades is its and whether that trade finished. The first reading without it is kept: what became of
 * it is judged by when it left. Pure.
 */
export function followPostedOffer(
  posted: PostedOffer,
  reading: {
    readonly open: boolean
    readonly taken: boolean
    readonly finished: boolean
    readonly atMs: number
  },
): PostedOffer {
  if (reading.taken) return { ...posted, taken: true, finished: reading.finished }
  if (reading.open) return { ...posted, goneAtMs: null }
  return { ...posted, goneAtMs: posted.goneAtMs ?? reading.atMs }
}

/**
 * What the form says of the offer it posted: listed, taken (its trade runs in My trades) or expired.
 * Null once its trade finished (History says how), and once it left the book before its expiry
 * untaken: withdrawn (the book says so), or taken a moment before its trade starts. Pure.
 */
export function postedOfferNote(posted: PostedOffer): string | null {
  if (posted.taken)
    return posted.finished
      ? null
      : `Your offer (${posted.price}) was taken: follow the trade in My trades below.`
  if (posted.goneAtMs === null)
    return `Offer posted: ${posted.price}. It stays open until someone takes it, it expires or you withdraw it.`
  return BigInt(posted.goneAtMs) >= posted.expiresAt * 1000n
    ? `Your offer (${posted.price}) expired without being taken.`
    : null
}

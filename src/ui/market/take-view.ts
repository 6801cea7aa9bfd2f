import type { Address } from 'viem'
import { formatAmount, NATIVE_DECIMALS, NATIVE_SYMBOL } from '../../wallet/amount'
import { secondsLeft, tokenOf } from './book-view'
import { blocksDuration, swapFee } from './offer-form'
import { unitPrice } from './price'
import {
  type MarketBookEntry,
  type MarketFees,
  type MarketParams,
  type MarketToken,
  NATIVE_TOKEN,
} from './source'

/** What the take confirmation dialog says, and whether taking can go ahead. */
export interface TakeConfirmation {
  /** `You send 50 SLV`: what leaves the taker's account (locked, then paid to the maker). */
  readonly send: string
  /** `You receive 100 GLD`. */
  readonly receive: string
  /** `1 GLD = 0.5 SLV`. */
  readonly price: string
  /** `At most 0.00042 TAB (approval, lock and collect).`: the value of the dialog's Network fees row. */
  readonly fee: string
  /** What happens if the maker walks away, in blocks and time. */
  readonly safety: string
  /** Why the take cannot go ahead; null when it can. */
  readonly refusal: string | null
}

export interface TakeContext {
  readonly tokens: readonly MarketToken[]
  readonly params: MarketParams
  readonly fees: MarketFees
  readonly taker: Address
  /** The taker's balance of the token the offer asks for. */
  readonly payBalance: bigint
  /** The taker's native balance (pays the fees). */
  readonly nativeBalance: bigint
  /** The offer is still in the book; false once it left it (taken, withdrawn or expired). */
  readonly open: boolean
  /**
   * The page's clock (ms since epoch): an offer is refused from its expiry on, as the book's rows leave,
   * though the book last read (again only on an event) may still list it.
   */
  readonly nowMs: number
}

/**
 * The confirmation for taking `entry`: exactly what goes out and what comes in, the fee bound and the
 * refund guarantee, or the reason it cannot be taken (gone from the book, expired, own offer, unfunded
 * maker, not enough balance).
 * Pure.
 */
export function takeConfirmation(entry: MarketBookEntry, ctx: TakeContext): TakeConfirmation {
  const o = entry.signed.offer
  const get = tokenOf(ctx.tokens, o.sellToken)
  const pay = tokenOf(ctx.tokens, o.buyToken)
  const fee = swapFee(o.buyToken, ctx.params, ctx.fees)
  const paid = formatAmount(o.buyAmount, pay.decimals, pay.symbol)
  const got = formatAmount(o.sellAmount, get.decimals, get.symbol)
  const price = unitPrice(o.sellAmount, get.decimals, o.buyAmount, pay.decimals)
  const native = o.buyToken.toLowerCase() === NATIVE_TOKEN
  const nativeNeed = (native ? o.buyAmount : 0n) + fee
  const have = (amount: bigint, token: MarketToken) => formatAmount(amount, token.decimals, token.symbol)
  let refusal: string | null = null
  if (!ctx.open)
    refusal = 'This offer has left the book (taken, withdrawn or expired): it can no longer be taken.'
  else if (secondsLeft(o.expiresAt, ctx.nowMs) === 0)
    refusal = 'This offer expired: it can no longer be taken.'
  else if (o.maker.toLowerCase() === ctx.taker.toLowerCase()) refusal = 'This is your own offer.'
  else if (entry.makerLacksBalance) refusal = `The maker no longer holds ${got}: the swap could not complete.`
  // What it asks beside what is held (no amount was typed here), and what the taker can do instead.
  else if (ctx.payBalance < o.buyAmount)
    refusal = `Insufficient balance: this offer asks for ${paid} and you have ${have(ctx.payBalance, pay)}. Take a smaller offer, or post your own for what you hold.`
  else if (ctx.nativeBalance < nativeNeed)
    refusal = `Insufficient balance: you have ${formatAmount(ctx.nativeBalance, NATIVE_DECIMALS, NATIVE_SYMBOL)}; ${native ? `${paid} plus ` : ''}network fees of up to ${formatAmount(fee, NATIVE_DECIMALS, NATIVE_SYMBOL)} are needed.`
  const steps = native ? 'lock and collect' : 'approval, lock and collect'
  return {
    send: `You send ${paid}`,
    receive: `You receive ${got}`,
    price: `1 ${get.symbol} ${price.exact ? '=' : '≈'} ${price.text} ${pay.symbol}`,
    fee: `At most ${formatAmount(fee, NATIVE_DECIMALS, NATIVE_SYMBOL)} (${steps}).`,
    safety: `Your ${paid} are locked only after the maker's ${got} are locked and confirmed. If the maker does not complete, they come back to you after ${o.takerTimelock} blocks (~${blocksDuration(BigInt(o.takerTimelock), ctx.params)}).`,
    refusal,
  }
}

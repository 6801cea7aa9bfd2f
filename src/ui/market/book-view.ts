import { type Address, formatUnits, type Hex } from 'viem'
import { formatAmount, groupThousands, NATIVE_DECIMALS, NATIVE_SYMBOL } from '../../wallet/amount'
import { formatDuration } from '../format'
import { type Decimal, unitPrice } from './price'
import { type MarketBookEntry, type MarketPair, type MarketToken, NATIVE_TOKEN } from './source'

/** A token missing from the token list: named by its short address, amounts shown in base units. */
export function unknownToken(address: Address): MarketToken {
  return { address, symbol: `${address.slice(0, 6)}…${address.slice(-4)}`, decimals: 0 }
}

/** The token at `address` from `tokens` (compared in lower case), or a placeholder naming its address. */
export function tokenOf(tokens: readonly MarketToken[], address: Address): MarketToken {
  const a = address.toLowerCase()
  return tokens.find((t) => t.address.toLowerCase() === a) ?? unknownToken(address)
}

/** One line of an order book, ready to show. */
export interface BookRow {
  readonly id: Hex
  /** `ask`: the maker sells base for quote; `bid`: the maker sells quote for base. */
  readonly side: 'ask' | 'bid'
  /** Quote per one base, e.g. `0.5` (SLV per GLD). */
  readonly price: Decimal
  /** Base per one quote, e.g. `2` (GLD per SLV). */
  readonly inverse: Decimal
  /** How much base changes hands, e.g. `100 GLD`. */
  readonly amount: string
  /** How much quote changes hands, e.g. `50 SLV`. */
  readonly total: string
  readonly maker: Address
  /** Id for the maker's identicon (the address in lower case). */
  readonly makerIdenticon: string
  /** Posted by the account looking at the book. */
  readonly mine: boolean
  /** The maker does not hold what it sells: taking it would fail. */
  readonly unfunded: boolean
  /** Seconds until it expires (0: expired). */
  readonly expiresInS: number
  /** `in 4m 05s`, or `expired` (`expiryLabel`). */
  readonly expiry: string
  /** The take button's words: what taking it gets the user, `Buy 100 GLD` (ask) or `Sell 100 GLD` (bid). */
  readonly action: string
  /**
   * `You hold 40 of 50 SLV`: the user holds less of the token the offer asks for than it asks, or less
   * of the native coin than the take's network fees need (with the price, when it asks for the native
   * coin), so taking it would be refused. Null when they hold enough, for their own offer, and when the
   * balance is not known (`bookView`'s `holdings`): nothing is claimed then.
   */
  readonly shortfall: string | null
}

/** What the account looking at the book holds of one token, in base units. */
export interface TokenHolding {
  readonly token: Address
  readonly amount: bigint
}

export interface BookView {
  readonly base: MarketToken
  readonly quote: MarketToken
  /** Cheapest first. */
  readonly asks: readonly BookRow[]
  /** Highest price first. */
  readonly bids: readonly BookRow[]
}

/** Time left until `expiresAt` (unix seconds) at `nowMs`, in whole seconds, never negative. */
export function secondsLeft(expiresAt: bigint, nowMs: number): number {
  const left = expiresAt - BigInt(Math.floor(nowMs / 1000))
  return left > 0n ? Number(left) : 0
}

/**
 * `in 4m 05s`, or `expired`: the Expires column's cell (its header, or its `data-label` on a phone, says
 * what ends; every row repeated "expires in").
 */
export function expiryLabel(seconds: number): string {
  return seconds > 0 ? `in ${formatDuration(seconds * 1000)}` : 'expired'
}

/**
 * Why the user cannot pay for taking an offer asking `asked` of `pay`, from `holdings` (null: not
 * known), or null. The take also costs up to `fee` (wei, null: not known) in the native coin: with the
 * price when the offer asks for the native coin (one balance pays both), on its own otherwise. Only a
 * balance listed in `holdings` is judged: `You hold 40 of 50 SLV`, `You hold 50 TAB; you need 50 TAB
 * plus up to 0.00042 TAB for fees`, `You need up to 0.00042 TAB for fees and hold 0.0001 TAB`.
 */
function shortfall(
  holdings: readonly TokenHolding[] | null,
  pay: MarketToken,
  asked: bigint,
  fee: bigint | null,
): string | null {
  const held = (token: Address) =>
    holdings?.find((h) => h.token.toLowerCase() === token.toLowerCase())?.amount
  const payHeld = held(pay.address)
  if (payHeld !== undefined && payHeld < asked)
    return `You hold ${groupThousands(formatUnits(payHeld, pay.decimals))} of ${formatAmount(asked, pay.decimals, pay.symbol)}`
  const nativeHeld = held(NATIVE_TOKEN)
  if (fee === null || nativeHeld === undefined) return null
  const coin = (wei: bigint) => formatAmount(wei, NATIVE_DECIMALS, NATIVE_SYMBOL)
  if (pay.address.toLowerCase() === NATIVE_TOKEN)
    return nativeHeld < asked + fee
      ? `You hold ${coin(nativeHeld)}; you need ${coin(asked)} plus up to ${coin(fee)} for fees`
      : null
  return nativeHeld < fee ? `You need up to ${coin(fee)} for fees and hold ${coin(nativeHeld)}` : null
}

/**
 * The order book of `pair` from open offers: asks (selling base) cheapest first, bids (selling quote)
 * highest first, ties by larger amount then id; expired offers and other pairs left out. Prices are
 * exact ratios of the signed amounts (cross-multiplied for sorting, rounded only for display).
 * `holdings` are what `me` holds, as far as known (null: not known, as on a light node with no peer to
 * prove a balance against, or with the wallet locked): an offer asking more of a token listed there than
 * it holds gets a `shortfall`; a token not listed is not known, and nothing is said of it. `takeFee` is
 * the most a take of an offer asking for a token costs in network fees (wei; null: not known): with the
 * native coin listed in `holdings`, a take it cannot pay for gets a `shortfall` too. Pure.
 */
export function bookView(
  entries: readonly MarketBookEntry[],
  pair: MarketPair,
  tokens: readonly MarketToken[],
  me: Address | null,
  nowMs: number,
  holdings: readonly TokenHolding[] | null = null,
  takeFee: ((payToken: Address) => bigint) | null = null,
): BookView {
  const base = tokenOf(tokens, pair.base)
  const quote = tokenOf(tokens, pair.quote)
  const b = pair.base.toLowerCase()
  const q = pair.quote.toLowerCase()
  const asks: { row: BookRow; baseAmount: bigint; quoteAmount: bigint }[] = []
  const bids: { row: BookRow; baseAmount: bigint; quoteAmount: bigint }[] = []
  for (const entry of entries) {
    const o = entry.signed.offer
    const expiresInS = secondsLeft(o.expiresAt, nowMs)
    if (expiresInS === 0) continue
    const sell = o.sellToken.toLowerCase()
    const buy = o.buyToken.toLowerCase()
    const side = sell === b && buy === q ? 'ask' : sell === q && buy === b ? 'bid' : null
    if (side === null) continue
    const baseAmount = side === 'ask' ? o.sellAmount : o.buyAmount
    const quoteAmount = side === 'ask' ? o.buyAmount : o.sellAmount
    const mine = me !== null && o.maker.toLowerCase() === me.toLowerCase()
    const amount = formatAmount(baseAmount, base.decimals, base.symbol)
    const row: BookRow = {
      id: entry.id,
      side,
      price: unitPrice(baseAmount, base.decimals, quoteAmount, quote.decimals),
      inverse: unitPrice(quoteAmount, quote.decimals, baseAmount, base.decimals),
      amount,
      total: formatAmount(quoteAmount, quote.decimals, quote.symbol),
      maker: o.maker,
      makerIdenticon: o.maker.toLowerCase(),
      mine,
      unfunded: entry.makerLacksBalance,
      expiresInS,
      expiry: expiryLabel(expiresInS),
      action: `${side === 'ask' ? 'Buy' : 'Sell'} ${amount}`,
      shortfall: mine
        ? null
        : shortfall(holdings, tokenOf(tokens, o.buyToken), o.buyAmount, takeFee?.(o.buyToken) ?? null),
    }
    ;(side === 'ask' ? asks : bids).push({ row, baseAmount, quoteAmount })
  }
  // price(x) < price(y) ⇔ qx·by < qy·bx: exact, no division.
  const byPrice =
    (dir: 1 | -1) =>
    (
      x: { row: BookRow; baseAmount: bigint; quoteAmount: bigint },
      y: { row: BookRow; baseAmount: bigint; quoteAmount: bigint },
    ): number => {
      const l = x.quoteAmount * y.baseAmount
      const r = y.quoteAmount * x.baseAmount
      if (l !== r) return (l < r ? -1 : 1) * dir
      if (x.baseAmount !== y.baseAmount) return x.baseAmount > y.baseAmount ? -1 : 1
      return x.row.id < y.row.id ? -1 : x.row.id > y.row.id ? 1 : 0
    }
  return {
    base,
    quote,
    asks: asks.sort(byPrice(1)).map((a) => a.row),
    bids: bids.sort(byPrice(-1)).map((a) => a.row),
  }
}

/** One of the user's own open offers, as the book of the pair it sells into shows it. */
export interface MyOfferRow {
  readonly entry: MarketBookEntry
  /** The pair whose book lists the offer as an ask: base = the token it sells, quote = the one it asks. */
  readonly pair: MarketPair
  readonly base: MarketToken
  readonly quote: MarketToken
  /** Its line in that book: `amount` is what it sells, `total` what it asks, the price both ways, the expiry. */
  readonly row: BookRow
  /**
   * Posted from another tab (not `hosted` by this one's node): another browser or profile holding the
   * same account (its recovery phrase imported there). That tab answers its takes and runs its swap; a
   * take there is never told here, so the offer stays listed until it expires or is withdrawn.
   */
  readonly elsewhere: boolean
}

/**
 * The user's open offers (`entries`, every pair, any of the wallet's accounts) as their books show them,
 * each in the pair whose base is what it sells; `mine` marks those of `me`, the account the market acts
 * with (the one that can withdraw them), `elsewhere` those this tab's node does not host (another tab
 * posted them). Soonest to expire first, then by id. Expired offers are left out, as the book leaves
 * them. Pure.
 */
export function myOffersView(
  entries: readonly MarketBookEntry[],
  tokens: readonly MarketToken[],
  me: Address | null,
  nowMs: number,
): MyOfferRow[] {
  const rows: MyOfferRow[] = []
  for (const entry of entries) {
    const o = entry.signed.offer
    // In lower case, as the token list (and so the pair selector) names tokens.
    const pair = { base: o.sellToken.toLowerCase() as Address, quote: o.buyToken.toLowerCase() as Address }
    const book = bookView([entry], pair, tokens, me, nowMs)
    const [row] = book.asks
    if (row !== undefined)
      rows.push({ entry, pair, base: book.base, quote: book.quote, row, elsewhere: !entry.hosted })
  }
  return rows.sort((x, y) =>
    x.row.expiresInS !== y.row.expiresInS
      ? x.row.expiresInS - y.row.expiresInS
      : x.row.id < y.row.id
        ? -1
        : x.row.id > y.row.id
          ? 1
          : 0,
  )
}

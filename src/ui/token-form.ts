import { type Address, formatUnits, parseUnits } from 'viem'
import type { TokenHolding } from '../node/worker/queries'
import { parseAddress as readAddress } from '../wallet/address'
import { formatAmount } from '../wallet/amount'
import { showHidden } from '../wallet/describe'
import {
  type Checked,
  type FieldProblem,
  type FieldProblems,
  parsedForm,
  shownProblems,
} from './form-problems'

/** A form field's parsed value, or the message to show next to it. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string }

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error })

const MAX_U256 = (1n << 256n) - 1n
const encoder = new TextEncoder()

/** A whole part grouped in thousands: `1,000`, `12,345,678` (or with `_`), one separator throughout. */
const GROUPED = /^\d{1,3}(?:(,|_)\d{3})(?:\1\d{3})*(?=\.|$)/

/**
 * A decimal amount typed by a person (`12`, `0.5`, `1,000.25`) in base units of a token with
 * `decimals`. Refuses more fraction digits than the token has (viem's `parseUnits` would round them),
 * and a comma anywhere but between groups of three digits of the whole part: a decimal comma (`1,5`)
 * is not read as a thousands separator (which would make it 15).
 */
export function parseAmount(text: string, decimals: number, { allowZero = false } = {}): Parsed<bigint> {
  const typed = text.trim()
  if (typed === '') return fail('Enter an amount.')
  const grouped = GROUPED.exec(typed)?.[0]
  const t = grouped === undefined ? typed : `${grouped.replace(/[,_]/g, '')}${typed.slice(grouped.length)}`
  if (/[,_]/.test(t)) return fail('Write decimals with a point (1.5); a comma only groups thousands (1,000).')
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t)
  if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return fail('Enter a number such as 12 or 0.5.')
  if ((m[2] ?? '').length > decimals)
    return fail(
      decimals === 0 ? 'This token has no decimals: whole amounts only.' : `At most ${decimals} decimals.`,
    )
  const value = parseUnits(t, decimals)
  if (value > MAX_U256) return fail('That amount is too large.')
  if (value === 0n && !allowZero) return fail('The amount must be more than zero.')
  return ok(value)
}

/** What each form says of an address the wallet does not read (`readAddress`): the same words everywhere. */
export const ADDRESS_PROBLEMS = {
  'not an address': 'That is not an address (0x and 40 hex digits).',
  'bad checksum': 'The address checksum (EIP-55) does not match: check it for a typo.',
} as const

/** An address typed or pasted by a person, returned EIP-55 checksummed; read as the wallet reads it. */
export function parseAddress(text: string): Parsed<Address> {
  if (text.trim() === '') return fail('Enter an address (0x…).')
  const address = readAddress(text)
  return address === 'not an address' || address === 'bad checksum'
    ? fail(ADDRESS_PROBLEMS[address])
    : ok(address)
}

/** The fields of a new token, checked as the TokenFactory will (1–64 and 1–16 UTF-8 bytes, decimals 0–255). */
export interface NewToken {
  readonly name: string
  readonly symbol: string
  readonly decimals: number
  readonly supply: bigint
}

/** What a person typed in the create-token form. */
export interface NewTokenFields {
  readonly name: string
  readonly symbol: string
  readonly decimals: string
  readonly supply: string
}

/** The most decimals a token may have. */
const MAX_DECIMALS = 255

/** Typed decimals as a number, or null when they are not a whole number from 0 to `MAX_DECIMALS`. */
function readDecimals(text: string): number | null {
  const d = text.trim()
  return /^\d{1,3}$/.test(d) && Number(d) <= MAX_DECIMALS ? Number(d) : null
}

/** Up to this many decimals, the hint writes the token's smallest amount out (0.000…1). */
const SPELLED_DECIMALS = 18

/**
 * What the create-token form's decimals mean for an amount of the token, in its symbol as typed (hidden
 * characters shown as escapes): how many digits may follow the point and the smallest amount, written
 * out up to `SPELLED_DECIMALS`. Null when the decimals are not valid (their problem is shown instead). Pure.
 */
export function decimalsHint(fields: Pick<NewTokenFields, 'decimals' | 'symbol'>): string | null {
  const decimals = readDecimals(fields.decimals)
  if (decimals === null) return null
  const symbol = showHidden(fields.symbol.trim())
  const unit = symbol === '' ? '' : ` ${symbol}`
  const smallest = (amount: string) => `${amount}${unit} is the smallest amount anyone can hold or send.`
  if (decimals === 0) return `Whole amounts only: ${smallest('1')}`
  const digits = `Up to ${decimals} ${decimals === 1 ? 'digit' : 'digits'} after the point`
  if (decimals > SPELLED_DECIMALS) return `${digits} in an amount${symbol === '' ? '' : ` of ${symbol}`}.`
  return `${digits}: ${smallest(formatUnits(1n, decimals))}`
}

/** Every problem of the create-token form, in the order of its fields; the token when there is none. */
function checkNewToken(fields: NewTokenFields): Checked<keyof NewTokenFields, NewToken> {
  const problems: FieldProblem<keyof NewTokenFields>[] = []
  const name = fields.name.trim()
  const symbol = fields.symbol.trim()
  const nameBytes = encoder.encode(name).length
  if (nameBytes === 0 || nameBytes > 64) problems.push(['name', 'The name must be 1 to 64 characters.'])
  const symbolBytes = encoder.encode(symbol).length
  if (symbolBytes === 0 || symbolBytes > 16)
    problems.push(['symbol', 'The symbol must be 1 to 16 characters.'])
  const decimals = readDecimals(fields.decimals)
  if (decimals === null) {
    problems.push(['decimals', 'Decimals must be a whole number from 0 to 255.'])
    // The supply is read in the token's decimals: it is checked once they are right.
    return { problems, value: null }
  }
  const supply = parseAmount(fields.supply, decimals, { allowZero: true })
  if (!supply.ok) problems.push(['supply', `Initial supply: ${supply.error}`])
  return {
    problems,
    value: problems.length === 0 && supply.ok ? { name, symbol, decimals, supply: supply.value } : null,
  }
}

/** The problems the create-token form shows as the person types (`shownProblems`). Pure. */
export function newTokenProblems(
  fields: NewTokenFields,
  touched: ReadonlySet<keyof NewTokenFields>,
): FieldProblems<keyof NewTokenFields> {
  return shownProblems(checkNewToken(fields).problems, touched)
}

/** Checks the create-token form: the token, or every problem of its fields in their order. Pure. */
export function parseNewToken(fields: NewTokenFields): Parsed<NewToken> {
  return parsedForm(checkNewToken(fields))
}

/** What the Tokens screen does with a token it holds or created. */
export type TokenAction = 'transfer' | 'approve' | 'mint' | 'burn'

/** What a person chose and typed in the send / approve / mint / burn form. */
export interface TokenActionFields {
  /** The token's address; empty until one is chosen (the first one held is shown chosen). */
  readonly token: string
  readonly action: TokenAction
  /** The recipient, or the spender of an approval; not asked for a burn. */
  readonly recipient: string
  readonly amount: string
}

/** What the form checks the fields against: the tokens this account holds or created. */
export interface TokenActionContext {
  readonly holdings: readonly TokenHolding[]
}

/** A checked action ready to encode. */
export interface TokenActionDraft {
  readonly holding: TokenHolding
  readonly action: TokenAction
  /** Null for a burn. */
  readonly to: Address | null
  /** Base units. */
  readonly value: bigint
}

/** The token a form shows chosen: the one picked, else the first one held. */
export const chosenHolding = (holdings: readonly TokenHolding[], token: string): TokenHolding | undefined =>
  holdings.find((h) => h.token.address === token) ?? holdings[0]

/** Every problem of the form, in the order of its fields; the action when there is none. */
function checkTokenAction(
  fields: TokenActionFields,
  ctx: TokenActionContext,
): Checked<keyof TokenActionFields, TokenActionDraft> {
  const holding = chosenHolding(ctx.holdings, fields.token)
  if (holding === undefined) return { problems: [['token', 'You hold no token yet.']], value: null }
  const { token, balance } = holding
  const { action } = fields
  const problems: FieldProblem<keyof TokenActionFields>[] = []
  if (action === 'mint' && !holding.created)
    problems.push(['action', `Only the owner of ${token.symbol} may mint it, and this account is not.`])
  const to = action === 'burn' ? null : parseAddress(fields.recipient)
  if (to !== null && !to.ok) problems.push(['recipient', to.error])
  const amount = parseAmount(fields.amount, token.decimals, { allowZero: action === 'approve' })
  if (!amount.ok) problems.push(['amount', amount.error])
  else if ((action === 'transfer' || action === 'burn') && amount.value > balance)
    problems.push(['amount', `You have only ${formatAmount(balance, token.decimals, token.symbol)}.`])
  return {
    problems,
    value:
      problems.length === 0 && amount.ok && (to === null || to.ok)
        ? { holding, action, to: to?.value ?? null, value: amount.value }
        : null,
  }
}

/** The problems the send / approve / mint / burn form shows as the person types (`shownProblems`). Pure. */
export function tokenActionProblems(
  fields: TokenActionFields,
  ctx: TokenActionContext,
  touched: ReadonlySet<keyof TokenActionFields>,
): FieldProblems<keyof TokenActionFields> {
  return shownProblems(checkTokenAction(fields, ctx).problems, touched)
}

/** Checks the send / approve / mint / burn form: the action, or every problem of its fields. Pure. */
export function parseTokenAction(
  fields: TokenActionFields,
  ctx: TokenActionContext,
): Parsed<TokenActionDraft> {
  return parsedForm(checkTokenAction(fields, ctx))
}

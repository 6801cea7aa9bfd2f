import { type Address, getAddress, isAddress, parseUnits } from 'viem'

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

/** An address typed or pasted by a person, returned EIP-55 checksummed. */
export function parseAddress(text: string): Parsed<Address> {
  const t = text.trim()
  if (t === '') return fail('Enter an address (0x…).')
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) return fail('An address is 0x followed by 40 hex characters.')
  // Mixed case carries an EIP-55 checksum (all lower or all upper case carries none): a wrong one means a typo.
  const body = t.slice(2)
  const unchecked = body === body.toLowerCase() || body === body.toUpperCase()
  if (!unchecked && !isAddress(t))
    return fail('The address checksum (its capital letters) is wrong — check for a typo.')
  return ok(getAddress(t.toLowerCase()))
}

/** The fields of a new token, checked as the TokenFactory will (1–64 and 1–16 UTF-8 bytes, decimals 0–255). */
export interface NewToken {
  readonly name: string
  readonly symbol: string
  readonly decimals: number
  readonly supply: bigint
}

export function parseNewToken(fields: {
  readonly name: string
  readonly symbol: string
  readonly decimals: string
  readonly supply: string
}): Parsed<NewToken> {
  const name = fields.name.trim()
  const symbol = fields.symbol.trim()
  const nameBytes = encoder.encode(name).length
  if (nameBytes === 0 || nameBytes > 64) return fail('The name must be 1 to 64 characters.')
  const symbolBytes = encoder.encode(symbol).length
  if (symbolBytes === 0 || symbolBytes > 16) return fail('The symbol must be 1 to 16 characters.')
  const d = fields.decimals.trim()
  if (!/^\d{1,3}$/.test(d) || Number(d) > 255) return fail('Decimals must be a whole number from 0 to 255.')
  const decimals = Number(d)
  const supply = parseAmount(fields.supply, decimals, { allowZero: true })
  if (!supply.ok) return fail(`Initial supply: ${supply.error}`)
  return ok({ name, symbol, decimals, supply: supply.value })
}

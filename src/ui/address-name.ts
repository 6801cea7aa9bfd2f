import type { Address } from 'viem'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import type { TokenInfo } from '../node/worker/queries'
import { HTLC_NAME, TOKEN_FACTORY_NAME } from '../wallet/describe'
import { shownToken } from './format'

/** The tokens a node knows, by address in lower case, their names and symbols as `shownToken` shows them. */
export type TokenDirectory = ReadonlyMap<string, TokenInfo>

/** `tokens` as a directory to name addresses with (names and symbols escaped by `shownToken`). */
export function tokenDirectory(tokens: readonly TokenInfo[]): TokenDirectory {
  return new Map(tokens.map((t) => [t.address.toLowerCase(), shownToken(t)]))
}

/** The native contracts, by address in lower case: their name and what they do, in a sentence. */
const NATIVE: ReadonlyMap<string, { readonly name: string; readonly about: string }> = new Map([
  [
    TOKEN_FACTORY_ADDRESS.toLowerCase(),
    {
      name: TOKEN_FACTORY_NAME,
      about: 'the native contract that creates tokens, each a contract at an address of its own.',
    },
  ],
  [
    HTLC_ADDRESS.toLowerCase(),
    {
      name: HTLC_NAME,
      about:
        "the native contract that holds the coins and tokens locked in atomic swaps, until the other side collects them with the swap's secret (a redeem) or, once the lock has run out, the side that locked them takes them back (a refund).",
    },
  ],
])

/** The names the explorer gives the native contracts and the zero address, in lower case. */
const RESERVED = new Set(
  [...[...NATIVE.values()].map((n) => n.name), 'mint', 'burn', 'zero address'].map((n) => n.toLowerCase()),
)

/**
 * Whether `label` or a token's own `name` reads as a name the explorer gives a native contract or the zero
 * address (a token anyone creates named "HTLC" with the symbol "atomic swaps" would otherwise pass for the
 * swap contract).
 */
const impersonates = (label: string, name: string): boolean =>
  RESERVED.has(label.trim().toLowerCase()) || RESERVED.has(name.trim().toLowerCase())

/** What an address is, as far as the node knows: a native contract, the zero address, a token or an account. */
export type AddressKind =
  | { readonly kind: 'native'; readonly name: string; readonly about: string }
  | { readonly kind: 'zero' }
  | { readonly kind: 'token'; readonly token: TokenInfo }
  | { readonly kind: 'account' }

/**
 * What `address` is: a native contract or the zero address by their fixed addresses, a token when
 * `token` is the one the node holds there (null: none), else an account. Pure.
 */
export function addressKind(address: Address, token: TokenInfo | null): AddressKind {
  const key = address.toLowerCase()
  const native = NATIVE.get(key)
  if (native !== undefined) return { kind: 'native', ...native }
  if (key === ZERO_ADDRESS) return { kind: 'zero' }
  return token !== null && token.address.toLowerCase() === key
    ? { kind: 'token', token }
    : { kind: 'account' }
}

/**
 * Where an address is shown: as the source of a transfer or transaction (`from`), its destination (`to`),
 * or on its own (the zero address reads as `mint` as a source, `burn` as a destination).
 */
export type AddressSide = 'from' | 'to' | 'other'

/**
 * The name an explorer shows for `address` in place of its hash: a native contract's name, `mint` /
 * `burn` / `zero address` for the zero address by its `side`, a token of `tokens` as `Name (SYMBOL)`;
 * null for any other address (an account, a token the node does not know, or a token whose name would
 * read as one of those the explorer gives: its hash is shown). Pure.
 */
export function addressName(
  address: Address,
  tokens: TokenDirectory,
  side: AddressSide = 'other',
): string | null {
  const kind = addressKind(address, tokens.get(address.toLowerCase()) ?? null)
  switch (kind.kind) {
    case 'native':
      return kind.name
    case 'zero':
      return side === 'from' ? 'mint' : side === 'to' ? 'burn' : 'zero address'
    case 'token': {
      const label = `${kind.token.name} (${kind.token.symbol})`
      return impersonates(label, kind.token.name) ? null : label
    }
    case 'account':
      return null
  }
}

/**
 * How a list marks one of this tab's own addresses: the wallet's name for it with "(you)" ("Account 1
 * (you)"), or "you" for the account the tab acts with (`acting`) that the wallet does not name (a devnet
 * account); null for any other address. Pure.
 */
export function yourName(
  address: Address,
  accounts: readonly { readonly address: Address; readonly name: string }[],
  acting: Address | null,
): string | null {
  const key = address.toLowerCase()
  const named = accounts.find((a) => a.address.toLowerCase() === key)
  if (named !== undefined) return `${named.name} (you)`
  return acting !== null && acting.toLowerCase() === key ? 'you' : null
}

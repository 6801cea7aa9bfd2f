import { isHash } from 'viem'
import type { TokenInfo } from '../node/worker/queries'
import { parseAddress } from '../wallet/address'
import type { TokenDirectory } from './address-name'
import { ADDRESS_PROBLEMS } from './token-form'

/**
 * Where the Explorer's search box leads for `text`, or null for what it cannot open: a block number as
 * the Explorer writes it (`#1,234`, or the digits alone), an address as the wallet reads one (in one
 * case, or mixed-case with its EIP-55 checksum right: a wrong one is a likely typo, not opened), or a
 * hash (the Tx page opens the block whose hash it is, if no transaction has it).
 */
export function searchHref(text: string): string | null {
  const target = text.trim()
  const number = /^(?:#\s*)?(\d{1,3}(?:,\d{3})+|\d+)$/.exec(target)?.[1]
  const address = parseAddress(target)
  return number !== undefined
    ? `/block/${number.replaceAll(',', '')}`
    : address !== 'not an address' && address !== 'bad checksum'
      ? `/address/${target}`
      : isHash(target)
        ? `/tx/${target}`
        : null
}

/** Tokens a search lists at most; the others are counted ("and 3 more"). */
export const SEARCH_TOKENS_LISTED = 8

/** What the Explorer's search box does with what is typed in it (`explorerSearch`). */
export type SearchTarget =
  /** Nothing typed. */
  | { readonly kind: 'empty' }
  /** A block, an address or a hash: Open goes there. */
  | { readonly kind: 'open'; readonly href: string }
  /** The one token whose symbol or name it is: Open goes to its page. */
  | { readonly kind: 'token'; readonly token: TokenInfo; readonly href: string }
  /** Several tokens go by it (`exact`: called so, else their symbol or name holds it): the user picks one. */
  | {
      readonly kind: 'tokens'
      readonly tokens: readonly TokenInfo[]
      readonly more: number
      readonly exact: boolean
      readonly text: string
    }
  /** A token's symbol or name, but the list of tokens is still being read. */
  | { readonly kind: 'reading' }
  /** A token's symbol or name that no token the node knows has. */
  | { readonly kind: 'no-token'; readonly text: string }
  /** An address whose mixed case does not match its EIP-55 checksum: a likely typo, not opened. */
  | { readonly kind: 'bad-checksum' }
  /** Neither a block number, an address, a hash nor a token's symbol or name (`0x12`, `1.5`). */
  | { readonly kind: 'bad' }

/**
 * What the Explorer's search makes of `text`: a block number, an address or a hash (`searchHref`), else,
 * when it has a letter and is not hex (`0x…`), a token's symbol or name, looked up case-insensitively
 * among `tokens` (the tokens the node knows, as the Explorer shows them; null while their list is read).
 * Tokens called exactly so (by symbol or name) come first; with none, those whose symbol or name holds
 * the text. One token opens; several are listed, `SEARCH_TOKENS_LISTED` at most. Pure.
 */
export function explorerSearch(text: string, tokens: TokenDirectory | null): SearchTarget {
  const target = text.trim()
  if (target === '') return { kind: 'empty' }
  const href = searchHref(target)
  if (href !== null) return { kind: 'open', href }
  if (parseAddress(target) === 'bad checksum') return { kind: 'bad-checksum' }
  if (/^0x/i.test(target) || !/\p{L}/u.test(target)) return { kind: 'bad' }
  if (tokens === null) return { kind: 'reading' }
  const wanted = target.toLowerCase()
  const all = [...tokens.values()]
  const exact = all.filter((t) => t.symbol.toLowerCase() === wanted || t.name.toLowerCase() === wanted)
  const found =
    exact.length > 0
      ? exact
      : all.filter((t) => t.symbol.toLowerCase().includes(wanted) || t.name.toLowerCase().includes(wanted))
  const [first] = found
  if (first === undefined) return { kind: 'no-token', text: target }
  if (found.length === 1) return { kind: 'token', token: first, href: `/token/${first.address}` }
  return {
    kind: 'tokens',
    tokens: found.slice(0, SEARCH_TOKENS_LISTED),
    more: Math.max(0, found.length - SEARCH_TOKENS_LISTED),
    exact: exact.length > 0,
    text: target,
  }
}

/** What the search box says of a search it cannot open (`bad`, `bad-checksum`, `no-token`), or null. */
export function searchProblemText(target: SearchTarget): string | null {
  const what =
    'a block number, an address (0x and 40 hex digits), a transaction’s or block’s hash (0x and 64 hex digits), or a token’s symbol or name'
  switch (target.kind) {
    case 'bad':
      return `Enter ${what}.`
    case 'bad-checksum':
      return ADDRESS_PROBLEMS['bad checksum']
    case 'no-token':
      return `No token called “${target.text}” on this chain. Enter ${what}.`
    default:
      return null
  }
}

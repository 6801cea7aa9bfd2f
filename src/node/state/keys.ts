import type { Address, Hex } from 'viem'
import { fromHex, keccak } from '../codec/bytes'

/**
 * Logical state keys and their tree keys.
 *
 * A logical key is the lower-case hex (no `0x`) of `tag ‖ fields`; its tree key (the 32-byte path
 * in the state tree) is `keccak256(tag ‖ fields)`. Hashing spreads keys evenly, which keeps the
 * tree balanced however addresses are chosen. Layout (all addresses 20 bytes, ids 32 bytes):
 *
 * | tag  | fields                      | value                                                   |
 * |------|-----------------------------|---------------------------------------------------------|
 * | 0x01 | account                     | account: nonce (uint64, 8 B) ‖ balance (uint256, 32 B)  |
 * | 0x02 | token                       | ERC20 metadata: RLP [owner, decimals, name, symbol]     |
 * | 0x03 | token                       | ERC20 total supply (uint256, 32 B)                      |
 * | 0x04 | token ‖ holder              | ERC20 balance (uint256, 32 B)                           |
 * | 0x05 | token ‖ owner ‖ spender     | ERC20 allowance (uint256, 32 B)                         |
 * | 0x06 | lock id                     | HTLC record: RLP (see contracts/htlc)                   |
 *
 * Zero accounts (nonce 0, balance 0) and zero words are absent from the tree, so "never touched"
 * and "zeroed" have one representation and one root.
 */

export const TAG_ACCOUNT = '01'
export const TAG_TOKEN_META = '02'
export const TAG_TOKEN_SUPPLY = '03'
export const TAG_TOKEN_BALANCE = '04'
export const TAG_TOKEN_ALLOWANCE = '05'
export const TAG_HTLC = '06'

function raw(addressOrHash: Hex): string {
  return addressOrHash.slice(2).toLowerCase()
}

// Execution builds the same few keys many times per transaction (the sender's account four times, two
// token balances), and a freshly concatenated key must be flattened and hashed at every map lookup. The
// two hottest kinds are memoised by their address strings, which are mostly the same objects from one
// transaction to the next (the sender cache's), so each lookup hits a cached string hash and returns one
// flat key string. Bounded so memory stays flat.
const KEY_MEMO_MAX = 100_000
const accountKeys = new Map<string, string>()
const balanceKeys = new Map<string, Map<string, string>>()
let balanceKeyCount = 0

/** Logical key of an account. */
export function accountKey(address: Address): string {
  let key = accountKeys.get(address)
  if (key === undefined) {
    key = TAG_ACCOUNT + raw(address)
    if (accountKeys.size >= KEY_MEMO_MAX) accountKeys.clear()
    accountKeys.set(address, key)
  }
  return key
}

/** Logical key of an ERC20 token's metadata (its existence marks `token` as a token contract). */
export function tokenMetaKey(token: Address): string {
  return TAG_TOKEN_META + raw(token)
}

/** Logical key of an ERC20 token's total supply. */
export function tokenSupplyKey(token: Address): string {
  return TAG_TOKEN_SUPPLY + raw(token)
}

/** Logical key of an ERC20 balance. */
export function tokenBalanceKey(token: Address, holder: Address): string {
  let holders = balanceKeys.get(token)
  if (holders === undefined) {
    holders = new Map()
    balanceKeys.set(token, holders)
  }
  let key = holders.get(holder)
  if (key === undefined) {
    key = TAG_TOKEN_BALANCE + raw(token) + raw(holder)
    if (balanceKeyCount >= KEY_MEMO_MAX) {
      balanceKeys.clear()
      balanceKeyCount = 0
      balanceKeys.set(token, holders)
      holders.clear()
    }
    holders.set(holder, key)
    balanceKeyCount++
  }
  return key
}

/** Logical key of an ERC20 allowance. */
export function tokenAllowanceKey(token: Address, owner: Address, spender: Address): string {
  return TAG_TOKEN_ALLOWANCE + raw(token) + raw(owner) + raw(spender)
}

/** Logical key of an HTLC record. */
export function htlcKey(id: Hex): string {
  return TAG_HTLC + raw(id)
}

// Blocks touch the same keys again and again (senders, token balances); caching the key hash
// saves one keccak per touched key per block. Bounded so memory stays flat.
const TREE_KEY_CACHE_MAX = 200_000
const treeKeyCache = new Map<string, Uint8Array>()

/** The 32-byte tree key of a logical key: `keccak256(bytes(logicalKey))`. */
export function treeKey(logicalKey: string): Uint8Array {
  let k = treeKeyCache.get(logicalKey)
  if (k === undefined) {
    k = keccak(fromHex(`0x${logicalKey}`))
    if (treeKeyCache.size >= TREE_KEY_CACHE_MAX) treeKeyCache.clear()
    treeKeyCache.set(logicalKey, k)
  }
  return k
}

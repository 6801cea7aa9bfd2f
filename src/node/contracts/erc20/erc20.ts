import type { Address, Hex } from 'viem'
import { bigintToBytes, fromHex, keccak, toHex } from '../../codec/bytes'
import { CodecError } from '../../codec/errors'
import { rlpDecodeBytesList, rlpEncode } from '../../codec/rlp'
import { tokenAllowanceKey, tokenBalanceKey, tokenMetaKey, tokenSupplyKey } from '../../state/keys'
import type { StateBuffer } from '../../state/state'
import {
  addressTopic,
  addressWord,
  argAddress,
  argUint,
  requireArgs,
  selectorOf,
  TRUE_WORD,
  wordHex,
  wordOf,
} from '../abi'
import { GAS } from '../gas'
import { type CallFrame, type Method, require } from '../types'

/**
 * Native ERC20 token: EIP-20 with OpenZeppelin 4.9 semantics (revert reasons included), plus
 * `owner()`, owner-only `mint` and holder `burn`. Balances are uint256; the supply can never
 * exceed 2^256 - 1, so no balance can overflow.
 */

const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000'
const MAX_U256 = (1n << 256n) - 1n
const encoder = new TextEncoder()
// Fatal: invalid UTF-8 is refused, not replaced. ignoreBOM: a leading U+FEFF stays in the text, so it
// encodes back to the same bytes.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function topicOf(signature: string): Hex {
  return toHex(keccak(encoder.encode(signature)))
}

/** keccak256("Transfer(address,address,uint256)") */
export const TRANSFER_TOPIC: Hex = topicOf('Transfer(address,address,uint256)')
/** keccak256("Approval(address,address,uint256)") */
export const APPROVAL_TOPIC: Hex = topicOf('Approval(address,address,uint256)')

/** A token's fixed metadata. */
export interface TokenMeta {
  readonly owner: Address
  readonly decimals: number
  readonly name: string
  readonly symbol: string
}

/** State value of a token's metadata: RLP [owner, decimals, name (UTF-8), symbol (UTF-8)]. */
export function encodeTokenMeta(meta: TokenMeta): Uint8Array {
  return rlpEncode([
    fromHex(meta.owner),
    bigintToBytes(BigInt(meta.decimals)),
    encoder.encode(meta.name),
    encoder.encode(meta.symbol),
  ])
}

function malformed(reason: string): never {
  throw new CodecError(
    { code: 'RLP_MALFORMED', reason: `token metadata: ${reason}` },
    `malformed token metadata: ${reason}`,
  )
}

function text(bytes: Uint8Array, field: string): string {
  try {
    return decoder.decode(bytes)
  } catch {
    return malformed(`${field} is not valid UTF-8`)
  }
}

/**
 * Decodes `encodeTokenMeta` output, strictly: one encoding per value. Throws `CodecError`
 * `RLP_MALFORMED` on malformed RLP, an owner other than 20 bytes, decimals with a leading zero
 * byte or above 255, or a name or symbol that is not valid UTF-8.
 */
export function decodeTokenMeta(value: Uint8Array): TokenMeta {
  const [owner, decimals, name, symbol] = rlpDecodeBytesList(value, 4) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ]
  if (owner.length !== 20) malformed('owner must be 20 bytes')
  if (decimals.length > 0 && decimals[0] === 0) malformed('decimals has a leading zero')
  if (decimals.length > 1) malformed('decimals above 255')
  return {
    owner: toHex(owner) as Address,
    decimals: decimals.length === 0 ? 0 : (decimals[0] as number),
    name: text(name, 'name'),
    symbol: text(symbol, 'symbol'),
  }
}

/** Metadata of the token at `token`, or undefined when no token lives there. */
export function readTokenMeta(state: StateBuffer, token: Address): TokenMeta | undefined {
  const blob = state.getBlob(tokenMetaKey(token))
  return blob === undefined ? undefined : decodeTokenMeta(blob)
}

/** True when `token` is a deployed native ERC20. */
export function isToken(state: StateBuffer, token: Address): boolean {
  return state.getBlob(tokenMetaKey(token)) !== undefined
}

function pushTransfer(
  frame: Pick<CallFrame, 'logs'>,
  token: Address,
  from: Address,
  to: Address,
  amount: bigint,
): void {
  frame.logs.push({
    address: token,
    topics: [TRANSFER_TOPIC, addressTopic(from), addressTopic(to)],
    data: wordHex(amount),
  })
}

/**
 * Sets `owner`'s allowance to `spender` to `amount` and logs `Approval` (OpenZeppelin `_approve`).
 * Reverts when either is the zero address.
 */
function setAllowance(
  frame: Pick<CallFrame, 'state' | 'logs'>,
  token: Address,
  owner: Address,
  spender: Address,
  amount: bigint,
): void {
  require(owner !== ZERO_ADDRESS, 'ERC20: approve from the zero address')
  require(spender !== ZERO_ADDRESS, 'ERC20: approve to the zero address')
  frame.state.setWord(tokenAllowanceKey(token, owner, spender), amount)
  frame.logs.push({
    address: token,
    topics: [APPROVAL_TOPIC, addressTopic(owner), addressTopic(spender)],
    data: wordHex(amount),
  })
}

/**
 * Moves `amount` of `token` from `from` to `to` and logs `Transfer` (OpenZeppelin `_transfer`).
 * Reverts on the zero address or an insufficient balance.
 */
export function tokenTransfer(
  frame: Pick<CallFrame, 'state' | 'logs'>,
  token: Address,
  from: Address,
  to: Address,
  amount: bigint,
): void {
  require(from !== ZERO_ADDRESS, 'ERC20: transfer from the zero address')
  require(to !== ZERO_ADDRESS, 'ERC20: transfer to the zero address')
  const fromKey = tokenBalanceKey(token, from)
  const fromBalance = frame.state.getWord(fromKey)
  require(fromBalance >= amount, 'ERC20: transfer amount exceeds balance')
  frame.state.setWord(fromKey, fromBalance - amount)
  const toKey = tokenBalanceKey(token, to)
  frame.state.setWord(toKey, frame.state.getWord(toKey) + amount)
  pushTransfer(frame, token, from, to, amount)
}

/**
 * Spends `amount` of `owner`'s allowance to `spender` (OpenZeppelin `_spendAllowance`: an
 * allowance of 2^256 - 1 is infinite and never decreases). Reverts when insufficient, or, as
 * `_approve` does, when a finite allowance's owner or spender is the zero address (so pulling 0
 * from the zero address reverts before any transfer).
 */
export function spendAllowance(
  frame: Pick<CallFrame, 'state' | 'logs'>,
  token: Address,
  owner: Address,
  spender: Address,
  amount: bigint,
): void {
  const current = frame.state.getWord(tokenAllowanceKey(token, owner, spender))
  if (current === MAX_U256) return
  require(current >= amount, 'ERC20: insufficient allowance')
  setAllowance(frame, token, owner, spender, current - amount)
}

/** Creates a token's storage: metadata, supply, and the whole supply credited to `holder`. */
export function initToken(
  frame: Pick<CallFrame, 'state' | 'logs'>,
  token: Address,
  meta: TokenMeta,
  initialSupply: bigint,
): void {
  frame.state.setBlob(tokenMetaKey(token), encodeTokenMeta(meta))
  if (initialSupply > 0n) {
    frame.state.setWord(tokenSupplyKey(token), initialSupply)
    frame.state.setWord(tokenBalanceKey(token, meta.owner), initialSupply)
    pushTransfer(frame, token, ZERO_ADDRESS, meta.owner, initialSupply)
  }
}

/** ABI encoding of a single `string` return value. */
function encodeString(s: string): Uint8Array {
  const bytes = encoder.encode(s)
  const out = new Uint8Array(64 + Math.ceil(bytes.length / 32) * 32)
  out.set(wordOf(32n), 0)
  out.set(wordOf(BigInt(bytes.length)), 32)
  out.set(bytes, 64)
  return out
}

function meta(frame: CallFrame): TokenMeta {
  const m = readTokenMeta(frame.state, frame.to)
  // The dispatcher only routes to tokens that exist.
  if (m === undefined) throw new Error('ERC20 method called on a non-token')
  return m
}

const methods = new Map<number, Method>([
  // name()
  [0x06fdde03, { gas: GAS.view, run: (f) => encodeString(meta(f).name) }],
  // symbol()
  [0x95d89b41, { gas: GAS.view, run: (f) => encodeString(meta(f).symbol) }],
  // decimals()
  [0x313ce567, { gas: GAS.view, run: (f) => wordOf(BigInt(meta(f).decimals)) }],
  // totalSupply()
  [0x18160ddd, { gas: GAS.view, run: (f) => wordOf(f.state.getWord(tokenSupplyKey(f.to))) }],
  // owner()
  [0x8da5cb5b, { gas: GAS.view, run: (f) => addressWord(meta(f).owner) }],
  // balanceOf(address)
  [
    0x70a08231,
    {
      gas: GAS.view,
      run: (f) => {
        requireArgs(f.data, 1)
        return wordOf(f.state.getWord(tokenBalanceKey(f.to, argAddress(f.data, 0))))
      },
    },
  ],
  // allowance(address,address)
  [
    0xdd62ed3e,
    {
      gas: GAS.view,
      run: (f) => {
        requireArgs(f.data, 2)
        return wordOf(f.state.getWord(tokenAllowanceKey(f.to, argAddress(f.data, 0), argAddress(f.data, 1))))
      },
    },
  ],
  // transfer(address,uint256)
  [
    0xa9059cbb,
    {
      gas: GAS.erc20Transfer,
      run: (f) => {
        requireArgs(f.data, 2)
        tokenTransfer(f, f.to, f.from, argAddress(f.data, 0), argUint(f.data, 1))
        return TRUE_WORD
      },
    },
  ],
  // approve(address,uint256)
  [
    0x095ea7b3,
    {
      gas: GAS.erc20Approve,
      run: (f) => {
        requireArgs(f.data, 2)
        setAllowance(f, f.to, f.from, argAddress(f.data, 0), argUint(f.data, 1))
        return TRUE_WORD
      },
    },
  ],
  // transferFrom(address,address,uint256)
  [
    0x23b872dd,
    {
      gas: GAS.erc20TransferFrom,
      run: (f) => {
        requireArgs(f.data, 3)
        const from = argAddress(f.data, 0)
        const amount = argUint(f.data, 2)
        spendAllowance(f, f.to, from, f.from, amount)
        tokenTransfer(f, f.to, from, argAddress(f.data, 1), amount)
        return TRUE_WORD
      },
    },
  ],
  // mint(address,uint256)
  [
    0x40c10f19,
    {
      gas: GAS.erc20Mint,
      run: (f) => {
        requireArgs(f.data, 2)
        require(meta(f).owner === f.from, 'Ownable: caller is not the owner')
        const to = argAddress(f.data, 0)
        const amount = argUint(f.data, 1)
        require(to !== ZERO_ADDRESS, 'ERC20: mint to the zero address')
        const supply = f.state.getWord(tokenSupplyKey(f.to))
        require(supply + amount <= MAX_U256, 'ERC20: total supply overflow')
        f.state.setWord(tokenSupplyKey(f.to), supply + amount)
        const key = tokenBalanceKey(f.to, to)
        f.state.setWord(key, f.state.getWord(key) + amount)
        pushTransfer(f, f.to, ZERO_ADDRESS, to, amount)
        return new Uint8Array(0)
      },
    },
  ],
  // burn(uint256)
  [
    0x42966c68,
    {
      gas: GAS.erc20Burn,
      run: (f) => {
        requireArgs(f.data, 1)
        const amount = argUint(f.data, 0)
        require(f.from !== ZERO_ADDRESS, 'ERC20: burn from the zero address')
        const key = tokenBalanceKey(f.to, f.from)
        const balance = f.state.getWord(key)
        require(balance >= amount, 'ERC20: burn amount exceeds balance')
        f.state.setWord(key, balance - amount)
        f.state.setWord(tokenSupplyKey(f.to), f.state.getWord(tokenSupplyKey(f.to)) - amount)
        pushTransfer(f, f.to, f.from, ZERO_ADDRESS, amount)
        return new Uint8Array(0)
      },
    },
  ],
])

/** The ERC20 method selected by `data`, or undefined for an unknown selector. */
export function erc20Method(data: Uint8Array): Method | undefined {
  return methods.get(selectorOf(data))
}

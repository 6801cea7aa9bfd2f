import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Address, Hex } from 'viem'
import { bigintToFixed, bytesToBigint, fromHex, keccak, toHex } from '../codec/bytes'
import { CodecError } from '../codec/errors'
import { rlpListSpans } from '../codec/rlp'
import type { Account } from '../state/state'
import { EcrecoverError, recoverAddresses } from './ecrecover'
import { TxError } from './tx-error'
import type { ChainParams, Tx } from './types'

/**
 * EIP-1559 (type 2) transactions: strict decoding, sender recovery and validity checks.
 *
 * Split by cost, as docs/RELIABILITY.md asks: `decodeTx` does only cheap stateless checks
 * (size before anything, then type, canonical RLP, field shapes, chain id, low-s, static gas/fee
 * rules); `recoverTx` does the elliptic-curve work; `checkTxState` needs the sender's account and
 * the block's base fee.
 */

/** Fixed gas every transaction pays. */
export const TX_BASE_GAS = 21_000n
/** Gas per zero / non-zero calldata byte (as Ethereum, EIP-2028). */
export const TX_DATA_ZERO_GAS = 4n
export const TX_DATA_NONZERO_GAS = 16n

const MAX_U64 = (1n << 64n) - 1n
const MAX_U256 = (1n << 256n) - 1n
const SECP_N = secp256k1.Point.CURVE().n
// The signature bounds as 32-byte big-endian words: r and s are checked on their bytes, and only
// sender recovery (skipped for a cached sender) turns them into numbers.
const SECP_N_BYTES = bigintToFixed(SECP_N, 32)
const HALF_N_BYTES = bigintToFixed(SECP_N >> 1n, 32)

/**
 * A transaction after the stateless checks, before sender recovery: every field of `Tx` but the
 * sender (`to` lower-case), plus the signature.
 */
export interface DecodedTx extends Omit<Tx, 'from'> {
  /** `data` as bytes (a view into the raw transaction), so execution need not parse the hex back. */
  readonly input: Uint8Array
  readonly yParity: 0 | 1
  /** Signature `r` and `s`: minimal big-endian bytes (views into the raw transaction). */
  readonly r: Uint8Array
  readonly s: Uint8Array
  /** The raw transaction as bytes (`0x02 ‖ rlp([…])`). */
  readonly bytes: Uint8Array
  /**
   * Where, in `bytes`, the encodings of the nine signed fields (chainId … accessList) start and end:
   * the signing hash is taken over them as they arrived (canonical RLP has one encoding per value).
   */
  readonly signedStart: number
  readonly signedEnd: number
}

function malformed(reason: string): never {
  throw new TxError({ code: 'TX_MALFORMED', reason }, `malformed transaction: ${reason}`)
}

// Field spans of the transaction being decoded (see `rlpListSpans`), reused: twelve fields, three each.
const spans = new Int32Array(36)

/** Checks that field `i` of `body` is a byte string; returns where its payload starts. */
function bytesAt(body: Uint8Array, i: number, name: string): number {
  if ((body[spans[3 * i] as number] as number) >= 0xc0) malformed(`${name} must be a byte string`)
  return spans[3 * i + 1] as number
}

/** Field `i` of `body` as a byte string (a view). */
function bytesField(body: Uint8Array, i: number, name: string): Uint8Array {
  return body.subarray(bytesAt(body, i, name), spans[3 * i + 2])
}

/** Field `i` as canonical RLP integer bytes: no leading zero byte (zero is the empty string), ≤ 32 bytes. */
function intBytes(body: Uint8Array, i: number, name: string): Uint8Array {
  const b = bytesField(body, i, name)
  if (b.length > 0 && b[0] === 0) malformed(`${name} has leading zeros`)
  if (b.length > 32) malformed(`${name} is too large`)
  return b
}

/** Field `i` as a canonical RLP integer no larger than `max`. */
function intField(body: Uint8Array, i: number, name: string, max: bigint): bigint {
  const start = bytesAt(body, i, name)
  const end = spans[3 * i + 2] as number
  if (end > start && body[start] === 0) malformed(`${name} has leading zeros`)
  if (end - start > 32) malformed(`${name} is too large`)
  const v = bytesToBigint(body, start, end)
  if (v > max) malformed(`${name} is out of range`)
  return v
}

/** Compares minimal big-endian integer bytes (at most 32) with a 32-byte big-endian word. */
function compareWord(minimal: Uint8Array, word: Uint8Array): number {
  const lead = 32 - minimal.length
  for (let i = 0; i < lead; i++) if (word[i] !== 0) return -1
  for (let i = 0; i < minimal.length; i++) {
    const d = (minimal[i] as number) - (word[lead + i] as number)
    if (d !== 0) return d
  }
  return 0
}

/** Gas charged for calldata before execution: base plus 4 per zero byte and 16 per other byte. */
export function intrinsicGas(data: Hex): bigint {
  let zeros = 0
  const bytes = (data.length - 2) >> 1
  for (let i = 2; i < data.length; i += 2) {
    if (data.charCodeAt(i) === 48 && data.charCodeAt(i + 1) === 48) zeros++
  }
  return TX_BASE_GAS + BigInt(zeros) * TX_DATA_ZERO_GAS + BigInt(bytes - zeros) * TX_DATA_NONZERO_GAS
}

/** `intrinsicGas` of calldata held as bytes. */
export function intrinsicGasOfBytes(data: Uint8Array): bigint {
  let zeros = 0
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++
  return TX_BASE_GAS + BigInt(zeros) * TX_DATA_ZERO_GAS + BigInt(data.length - zeros) * TX_DATA_NONZERO_GAS
}

/** The transaction fields the gas and fee rules look at. */
export type TxFeeFields = Pick<Tx, 'gas' | 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'data'>

/**
 * Stateless gas and fee rules: gas within the block gas limit, gas covers the intrinsic cost,
 * tip not above the fee cap. Returns the intrinsic gas (`need`: `intrinsicGas(tx.data)` unless the caller
 * has it). Throws `TxError`.
 */
export function checkTxStatic(
  tx: TxFeeFields,
  params: ChainParams,
  need: bigint = intrinsicGas(tx.data),
): bigint {
  if (tx.gas > params.blockGasLimit) {
    throw new TxError({ code: 'TX_GAS_LIMIT_EXCEEDED', limit: params.blockGasLimit, got: tx.gas })
  }
  if (tx.gas < need) throw new TxError({ code: 'TX_INTRINSIC_GAS_TOO_LOW', need, got: tx.gas })
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    throw new TxError({
      code: 'TX_TIP_ABOVE_FEE_CAP',
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      maxFeePerGas: tx.maxFeePerGas,
    })
  }
  return need
}

/**
 * Decodes a raw signed transaction with every stateless check. Never recovers the sender.
 * Throws `TxError` only (TX_TOO_LARGE, TX_TYPE_UNSUPPORTED, TX_MALFORMED, TX_CONTRACT_CREATION
 * with message "contract deployment is not supported", TX_ACCESS_LIST_UNSUPPORTED,
 * TX_WRONG_CHAIN, TX_HIGH_S, TX_BAD_SIGNATURE, and the `checkTxStatic` codes).
 */
export function decodeTx(raw: Hex, params: ChainParams): DecodedTx {
  if (typeof raw !== 'string') malformed('raw transaction must be a hex string')
  // Size first: nothing is parsed from an oversized message.
  const size = (raw.length - 2) / 2
  if (size > params.maxTxBytes)
    throw new TxError({ code: 'TX_TOO_LARGE', size: Math.ceil(size), max: params.maxTxBytes })
  let bytes: Uint8Array
  try {
    bytes = fromHex(raw)
  } catch {
    return malformed('not a hex string')
  }
  return decodeTxBytes(bytes, raw.toLowerCase() as Hex, params)
}

/**
 * `decodeTx` of a transaction held as bytes (a block's body, as it arrived): the same checks, without
 * parsing the hex back. `raw` must be the lower-case hex of `bytes` (it becomes the transaction's `raw`).
 */
export function decodeTxBytes(bytes: Uint8Array, raw: Hex, params: ChainParams): DecodedTx {
  if (bytes.length > params.maxTxBytes)
    throw new TxError({ code: 'TX_TOO_LARGE', size: bytes.length, max: params.maxTxBytes })
  if (bytes.length === 0) malformed('empty')
  const type = bytes[0] as number
  if (type !== 2)
    throw new TxError(
      { code: 'TX_TYPE_UNSUPPORTED', type },
      'only EIP-1559 (type 2) transactions are supported',
    )
  const body = bytes.subarray(1)
  let count: number
  try {
    count = rlpListSpans(body, spans)
  } catch (err) {
    if (err instanceof CodecError && err.type.code === 'RLP_MALFORMED') return malformed(err.type.reason)
    throw err
  }
  if (count !== 12) malformed('expected a list of 12 fields')
  const chainId = intField(body, 0, 'chainId', MAX_U64)
  if (chainId !== BigInt(params.chainId)) {
    throw new TxError({ code: 'TX_WRONG_CHAIN', expected: params.chainId, got: chainId })
  }
  const nonce = intField(body, 1, 'nonce', MAX_U64 - 1n)
  const maxPriorityFeePerGas = intField(body, 2, 'maxPriorityFeePerGas', MAX_U256)
  const maxFeePerGas = intField(body, 3, 'maxFeePerGas', MAX_U256)
  const gas = intField(body, 4, 'gas', MAX_U64)
  const to = bytesField(body, 5, 'to')
  if (to.length === 0)
    throw new TxError({ code: 'TX_CONTRACT_CREATION' }, 'contract deployment is not supported')
  if (to.length !== 20) malformed('to must be 20 bytes')
  const value = intField(body, 6, 'value', MAX_U256)
  const data = bytesField(body, 7, 'data')
  if ((body[spans[24] as number] as number) < 0xc0) malformed('accessList must be a list')
  if (spans[26] !== spans[25])
    throw new TxError({ code: 'TX_ACCESS_LIST_UNSUPPORTED' }, 'access lists are not supported')
  const yParity = intField(body, 9, 'yParity', 1n)
  const r = intBytes(body, 10, 'r')
  const s = intBytes(body, 11, 's')
  // r and s are canonical integers (no leading zero), so empty means zero.
  if (
    r.length === 0 ||
    compareWord(r, SECP_N_BYTES) >= 0 ||
    s.length === 0 ||
    compareWord(s, SECP_N_BYTES) >= 0
  ) {
    throw new TxError({ code: 'TX_BAD_SIGNATURE', reason: 'r and s must be in [1, n-1]' })
  }
  // EIP-2: only the low-s form is valid, so a signature cannot be flipped into a second hash.
  if (compareWord(s, HALF_N_BYTES) > 0)
    throw new TxError({ code: 'TX_HIGH_S' }, 'signature s value is above n/2 (EIP-2)')
  const tx: DecodedTx = {
    hash: toHex(keccak(bytes)),
    raw,
    chainId: Number(chainId),
    nonce,
    maxPriorityFeePerGas,
    maxFeePerGas,
    gas,
    to: toHex(to) as Address,
    value,
    data: toHex(data),
    input: data,
    yParity: yParity === 0n ? 0 : 1,
    r,
    s,
    bytes,
    signedStart: 1 + (spans[0] as number),
    signedEnd: 1 + (spans[27] as number),
  }
  checkTxStatic(tx, params, intrinsicGasOfBytes(data))
  return tx
}

/**
 * The EIP-1559 signing hash: keccak256(0x02 ‖ rlp([chainId … accessList])), taken over the signed
 * fields' encodings as they arrived (decoding accepted only their one canonical encoding).
 */
export function txSigningHash(tx: Pick<DecodedTx, 'bytes' | 'signedStart' | 'signedEnd'>): Uint8Array {
  const len = tx.signedEnd - tx.signedStart
  let lenBytes = 0
  if (len > 55) for (let l = len; l > 0; l = Math.floor(l / 256)) lenBytes++
  const head = 2 + lenBytes
  const payload = new Uint8Array(head + len)
  payload[0] = 2
  payload[1] = len > 55 ? 0xf7 + lenBytes : 0xc0 + len
  for (let i = lenBytes, l = len; i >= 1; i--, l = Math.floor(l / 256)) payload[1 + i] = l % 256
  payload.set(tx.bytes.subarray(tx.signedStart, tx.signedEnd), head)
  return keccak(payload)
}

/** Lower-case address of an uncompressed secp256k1 public key (65 bytes). */
export function publicKeyToAddress(publicKey: Uint8Array): Address {
  return toHex(keccak(publicKey.subarray(1)).subarray(12)) as Address
}

/**
 * The senders' addresses (the expensive step: secp256k1 recovery over each signing hash), or the
 * `TxError` `TX_BAD_SIGNATURE` of a transaction no public key matches, at the same index. Recovering a
 * block's transactions together shares the field inversions between them (`recoverAddresses`).
 */
export function recoverSenders(decoded: readonly DecodedTx[]): (Address | TxError)[] {
  const results = recoverAddresses(
    decoded.map((d) => ({
      hash: txSigningHash(d),
      r: bytesToBigint(d.r),
      s: bytesToBigint(d.s),
      yParity: d.yParity,
    })),
  )
  return results.map((result) =>
    result instanceof EcrecoverError
      ? new TxError({
          code: 'TX_BAD_SIGNATURE',
          reason: `no public key recovers from this signature: ${result.message}`,
        })
      : result,
  )
}

/** `recoverSenders` of one transaction. Throws `TxError` `TX_BAD_SIGNATURE`. */
export function recoverSender(decoded: DecodedTx): Address {
  const [from] = recoverSenders([decoded])
  if (from instanceof TxError) throw from
  return from as Address
}

/** `recoverSender`, as the whole transaction. Throws `TxError` `TX_BAD_SIGNATURE`. */
export function recoverTx(decoded: DecodedTx): Tx {
  const from = recoverSender(decoded)
  return {
    hash: decoded.hash,
    raw: decoded.raw,
    from,
    chainId: decoded.chainId,
    nonce: decoded.nonce,
    maxPriorityFeePerGas: decoded.maxPriorityFeePerGas,
    maxFeePerGas: decoded.maxFeePerGas,
    gas: decoded.gas,
    to: decoded.to,
    value: decoded.value,
    data: decoded.data,
  }
}

/** `decodeTx` then `recoverTx`. */
export function parseTx(raw: Hex, params: ChainParams): Tx {
  return recoverTx(decodeTx(raw, params))
}

/** What the stateful checks need to know about the block. */
export interface TxCheckContext {
  readonly baseFeePerGas: bigint
  /**
   * Mempool admission may queue a nonce above the account's; block execution may not.
   * Default false.
   */
  readonly allowFutureNonce?: boolean
  /** The transaction's `data` as bytes, when the caller has them (spares parsing the hex again). */
  readonly calldata?: Uint8Array
}

/**
 * Checks a transaction against its sender's account and the block's base fee: chain id, the
 * static gas rules, fee cap ≥ base fee, nonce equal to the account's (or above it when `allowFutureNonce`),
 * balance ≥ gas × maxFeePerGas + value. Pure; returns the intrinsic gas; throws `TxError`.
 */
export function checkTxState(tx: Tx, account: Account, params: ChainParams, ctx: TxCheckContext): bigint {
  // Already checked by decodeTx; repeated because a Tx may come from a cache filled under other params.
  if (tx.chainId !== params.chainId) {
    throw new TxError({ code: 'TX_WRONG_CHAIN', expected: params.chainId, got: BigInt(tx.chainId) })
  }
  const intrinsic = checkTxStatic(
    tx,
    params,
    ctx.calldata === undefined ? intrinsicGas(tx.data) : intrinsicGasOfBytes(ctx.calldata),
  )
  if (tx.maxFeePerGas < ctx.baseFeePerGas) {
    throw new TxError({
      code: 'TX_FEE_CAP_TOO_LOW',
      maxFeePerGas: tx.maxFeePerGas,
      baseFeePerGas: ctx.baseFeePerGas,
    })
  }
  if (tx.nonce < account.nonce) {
    throw new TxError({ code: 'TX_NONCE_TOO_LOW', expected: account.nonce, got: tx.nonce })
  }
  if (tx.nonce > account.nonce && ctx.allowFutureNonce !== true) {
    throw new TxError({ code: 'TX_NONCE_TOO_HIGH', expected: account.nonce, got: tx.nonce })
  }
  const need = tx.gas * tx.maxFeePerGas + tx.value
  if (account.balance < need) {
    throw new TxError({ code: 'TX_INSUFFICIENT_FUNDS', need, have: account.balance })
  }
  return intrinsic
}

/** EIP-1559 price per gas actually paid: min(maxFee, baseFee + tip). */
export function effectiveGasPrice(
  tx: Pick<Tx, 'maxFeePerGas' | 'maxPriorityFeePerGas'>,
  baseFeePerGas: bigint,
): bigint {
  const capped = baseFeePerGas + tx.maxPriorityFeePerGas
  if (capped < tx.maxFeePerGas) return capped
  return tx.maxFeePerGas
}

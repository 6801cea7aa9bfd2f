import type { Hex } from 'viem'
import type { Log, Receipt } from '../chain/types'
import { keccak, toHex } from './bytes'
import { merkleRoot } from './merkle'

/**
 * Consensus encoding of a receipt: `rlp([status, cumulativeGasUsed, [[address, [topics…], data]…]])`.
 * The bloom is left out (it is derived from the logs) and so is the revert data (re-executing the
 * block reproduces it); the receipts root commits to what light clients check: outcome and logs.
 *
 * Written straight from the hex strings into one buffer: a block hashes one receipt per
 * transaction, and going through generic RLP items costs more than the hashing.
 */

type ReceiptFields = Pick<Receipt, 'status' | 'cumulativeGasUsed' | 'logs'>

function headerLen(len: number): number {
  if (len < 56) return 1
  let n = 1
  for (let l = len; l >= 256; l = Math.floor(l / 256)) n++
  return 1 + n
}

function writeHeader(out: Uint8Array, pos: number, len: number, offset: number): number {
  if (len < 56) {
    out[pos] = offset + len
    return pos + 1
  }
  const n = headerLen(len) - 1
  out[pos] = offset + 55 + n
  for (let i = n, l = len; i >= 1; i--, l = Math.floor(l / 256)) out[pos + i] = l % 256
  return pos + 1 + n
}

function nib(c: number): number {
  // Lower- or upper-case hex digit; inputs are validated hex from our own execution.
  return c <= 57 ? c - 48 : (c | 32) - 87
}

function hexByte(hex: string, i: number): number {
  return (nib(hex.charCodeAt(2 + 2 * i)) << 4) | nib(hex.charCodeAt(3 + 2 * i))
}

/** Encoded length of a hex byte string as an RLP string. */
function hexStrLen(hex: string): number {
  const n = (hex.length - 2) >> 1
  if (n === 1 && hexByte(hex, 0) < 0x80) return 1
  return headerLen(n) + n
}

function writeHexStr(out: Uint8Array, pos: number, hex: string): number {
  const n = (hex.length - 2) >> 1
  if (n === 1 && hexByte(hex, 0) < 0x80) {
    out[pos] = hexByte(hex, 0)
    return pos + 1
  }
  let p = writeHeader(out, pos, n, 0x80)
  for (let i = 0; i < n; i++) out[p++] = hexByte(hex, i)
  return p
}

function topicsPayload(log: Log): number {
  let n = 0
  for (const t of log.topics) n += hexStrLen(t)
  return n
}

function logPayload(log: Log): number {
  const topics = topicsPayload(log)
  return hexStrLen(log.address) + headerLen(topics) + topics + hexStrLen(log.data)
}

// Receipts are encoded into one reused buffer and hashed from there: a block encodes one receipt per
// transaction only to hash it, and a fresh buffer each time (past 64 bytes V8 allocates it outside the
// heap, a slow path) was a tenth of the garbage an import made.
let scratch = new Uint8Array(1024)

/** Writes the encoding into `scratch` (grown when short) and returns its length. */
function encodeToScratch(receipt: ReceiptFields): number {
  const gas = receipt.cumulativeGasUsed
  const gasLen = gas === 0n ? 0 : (gas.toString(16).length + 1) >> 1
  if (gas < 0n || gasLen > 32) throw new RangeError('cumulative gas is not a uint256')
  // A single byte below 0x80 is its own encoding; any other integer takes a one-byte header.
  const selfByte = gasLen === 1 && gas < 0x80n
  const gasEnc = selfByte ? 1 : gasLen + 1
  const logs = receipt.logs
  let logsPayload = 0
  for (const log of logs) {
    const p = logPayload(log)
    logsPayload += headerLen(p) + p
  }
  const payload = 1 + gasEnc + headerLen(logsPayload) + logsPayload
  const total = headerLen(payload) + payload
  if (total > scratch.length) scratch = new Uint8Array(Math.max(total, 2 * scratch.length))
  const out = scratch
  let pos = writeHeader(out, 0, payload, 0xc0)
  // status: 1 is the byte 0x01, 0 the empty string 0x80
  out[pos++] = receipt.status === 1 ? 1 : 0x80
  if (!selfByte) out[pos++] = 0x80 + gasLen
  for (let i = gasLen - 1, g = gas; i >= 0; i--, g >>= 8n) out[pos + i] = Number(g & 0xffn)
  pos += gasLen
  pos = writeHeader(out, pos, logsPayload, 0xc0)
  for (const log of logs) {
    pos = writeHeader(out, pos, logPayload(log), 0xc0)
    pos = writeHexStr(out, pos, log.address)
    pos = writeHeader(out, pos, topicsPayload(log), 0xc0)
    for (const t of log.topics) pos = writeHexStr(out, pos, t)
    pos = writeHexStr(out, pos, log.data)
  }
  return pos
}

/** Canonical RLP of the receipt's consensus fields (see above). */
export function encodeReceipt(receipt: ReceiptFields): Uint8Array {
  // The length first: encoding may replace `scratch` with a larger buffer.
  const length = encodeToScratch(receipt)
  return scratch.slice(0, length)
}

function receiptHashBytes(receipt: ReceiptFields): Uint8Array {
  const length = encodeToScratch(receipt)
  return keccak(scratch.subarray(0, length))
}

/** keccak256 of `encodeReceipt`: the receipt's leaf in the receipts root. */
export function receiptHash(receipt: ReceiptFields): Hex {
  return toHex(receiptHashBytes(receipt))
}

/** Receipts root: the Merkle list root (./merkle) of the receipt hashes in block order. */
export function receiptsRoot(receipts: readonly ReceiptFields[]): Hex {
  return merkleRoot(receipts.map(receiptHashBytes))
}

/** Transactions root: the Merkle list root (./merkle) of the transaction hashes in block order. */
export function transactionsRoot(txHashes: readonly Hex[]): Hex {
  return merkleRoot(txHashes)
}

import type { Hex } from 'viem'
import type { Log, Receipt } from '../chain/types'
import { bigintToBytes, keccak, toHex } from './bytes'
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

function bytesStrLen(b: Uint8Array): number {
  if (b.length === 1 && b[0] !== undefined && b[0] < 0x80) return 1
  return headerLen(b.length) + b.length
}

function writeBytesStr(out: Uint8Array, pos: number, b: Uint8Array): number {
  const first = b[0]
  if (b.length === 1 && first !== undefined && first < 0x80) {
    out[pos] = first
    return pos + 1
  }
  const p = writeHeader(out, pos, b.length, 0x80)
  out.set(b, p)
  return p + b.length
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

/** Canonical RLP of the receipt's consensus fields (see above). */
export function encodeReceipt(receipt: ReceiptFields): Uint8Array {
  const status = receipt.status === 1 ? Uint8Array.of(1) : new Uint8Array(0)
  const gas = bigintToBytes(receipt.cumulativeGasUsed)
  const payloads = receipt.logs.map(logPayload)
  let logsPayload = 0
  for (const p of payloads) logsPayload += headerLen(p) + p
  const payload = bytesStrLen(status) + bytesStrLen(gas) + headerLen(logsPayload) + logsPayload
  const out = new Uint8Array(headerLen(payload) + payload)
  let pos = writeHeader(out, 0, payload, 0xc0)
  pos = writeBytesStr(out, pos, status)
  pos = writeBytesStr(out, pos, gas)
  pos = writeHeader(out, pos, logsPayload, 0xc0)
  receipt.logs.forEach((log, i) => {
    pos = writeHeader(out, pos, payloads[i] as number, 0xc0)
    pos = writeHexStr(out, pos, log.address)
    pos = writeHeader(out, pos, topicsPayload(log), 0xc0)
    for (const t of log.topics) pos = writeHexStr(out, pos, t)
    pos = writeHexStr(out, pos, log.data)
  })
  return out
}

/** keccak256 of `encodeReceipt`: the receipt's leaf in the receipts root. */
export function receiptHash(receipt: ReceiptFields): Hex {
  return toHex(keccak(encodeReceipt(receipt)))
}

/** Receipts root: the Merkle list root (./merkle) of the receipt hashes in block order. */
export function receiptsRoot(receipts: readonly ReceiptFields[]): Hex {
  return merkleRoot(receipts.map((r) => keccak(encodeReceipt(r))))
}

/** Transactions root: the Merkle list root (./merkle) of the transaction hashes in block order. */
export function transactionsRoot(txHashes: readonly Hex[]): Hex {
  return merkleRoot(txHashes)
}

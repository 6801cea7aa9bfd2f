import { bytesToHex, type Hex, hexToBytes, toRlp } from 'viem'
import { BlockError } from './block-error'
import { asBytes, asList, decodeRlpStrict } from './block-rlp'
import { encodeHeader, hashHeader, headerFromRlp } from './header'
import type { Block } from './types'

/**
 * Largest encoded block accepted from anyone (gossip, sync, our own miner): checked before decoding, so
 * an oversized message costs nothing but its length.
 */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** Canonical RLP of a block: `[header, [tx₀, tx₁, …]]`, each raw typed transaction as a byte string. */
export function encodeBlock(block: Block): Uint8Array {
  const header = encodeHeader(block.header)
  const txs = block.transactions.map((t) => hexToBytes(t))
  // Header and body are encoded apart and spliced into the outer list, so the header bytes inside a block
  // are exactly `encodeHeader(header)` and the hash can be checked on the sub-slice.
  return concatList([header, toRlp(txs, 'bytes')])
}

/** Block hash = hash of its header. */
export function hashBlock(block: Block): Hex {
  return hashHeader(block.header)
}

/**
 * Strict decoding of a block; throws `BlockError` with `BLOCK_TOO_LARGE` (checked before any parsing) or
 * `BLOCK_MALFORMED` (bad RLP, wrong shape, non-canonical integers, empty transactions, trailing bytes).
 */
export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > MAX_BLOCK_BYTES) {
    throw new BlockError({ code: 'BLOCK_TOO_LARGE', size: bytes.length, max: MAX_BLOCK_BYTES })
  }
  const [h, body] = asList(decodeRlpStrict(bytes), 'block', 2)
  const header = headerFromRlp(h)
  const transactions = asList(body, 'transactions').map((item, i) => {
    const raw = asBytes(item, `transaction ${i}`)
    if (raw.length === 0)
      throw new BlockError({ code: 'BLOCK_MALFORMED', reason: `transaction ${i} is empty` })
    return bytesToHex(raw)
  })
  return { header, transactions }
}

/** RLP list header + concatenation of already-encoded items. */
function concatList(items: readonly Uint8Array[]): Uint8Array {
  const len = items.reduce((n, b) => n + b.length, 0)
  const prefix = listPrefix(len)
  const out = new Uint8Array(prefix.length + len)
  out.set(prefix, 0)
  let at = prefix.length
  for (const b of items) {
    out.set(b, at)
    at += b.length
  }
  return out
}

function listPrefix(len: number): Uint8Array {
  if (len <= 55) return Uint8Array.of(0xc0 + len)
  const lenBytes: number[] = []
  for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n % 256)
  return Uint8Array.of(0xf7 + lenBytes.length, ...lenBytes)
}

import { type Address, type Hex, hexToBytes, toRlp } from 'viem'
import { fromHex, keccak, toHex } from '../codec/bytes'
import { receiptsRoot, transactionsRoot } from '../codec/receipt'
import { BlockError } from './block-error'
import { asBytes, asList, decodeRlpStrict } from './block-rlp'
import { genesisState } from './genesis'
import { encodeHeader, hashHeader, headerFromRlp } from './header'
import type { Block, Genesis } from './types'

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`
export const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`
/** A logs bloom with no bit set (2048 bits). */
export const EMPTY_BLOOM: Hex = `0x${'00'.repeat(256)}`

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

/**
 * Length of `encodeBlock(block)` computed without building it: the header is encoded (it is small), each
 * transaction only adds its length and its RLP prefix.
 */
export function encodedBlockSize(block: Block): number {
  let body = 0
  for (const t of block.transactions) {
    const len = (t.length - 2) / 2
    body += len + (len === 1 && Number.parseInt(t.slice(2, 4), 16) < 0x80 ? 0 : prefixLength(len))
  }
  const inner = encodeHeader(block.header).length + prefixLength(body) + body
  return prefixLength(inner) + inner
}

/** Bytes of an RLP length prefix for a payload of `len` bytes (strings and lists alike). */
function prefixLength(len: number): number {
  if (len <= 55) return 1
  let n = 1
  for (let l = len; l > 255; l = Math.floor(l / 256)) n++
  return 1 + n
}

/** Block hash = hash of its header. */
export function hashBlock(block: Block): Hex {
  return hashHeader(block.header)
}

// The raw transaction bytes of each block `decodeBlock` made, so that import decodes every transaction from
// the bytes it arrived as instead of parsing back the hex strings the `Block` type carries (that parse was a
// tenth of an import). Weak: the bytes live as long as the block object.
const bodyBytes = new WeakMap<Block, readonly Uint8Array[]>()

/**
 * The raw bytes of `block`'s transactions when `block` came from `decodeBlock` (views into the bytes it
 * was decoded from, lower-case hex of which are `block.transactions`), else undefined.
 */
export function decodedTransactionBytes(block: Block): readonly Uint8Array[] | undefined {
  return bodyBytes.get(block)
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
  const items = asList(body, 'transactions')
  const raws: Uint8Array[] = []
  const transactions = items.map((item, i) => {
    const raw = asBytes(item, `transaction ${i}`)
    if (raw.length === 0)
      throw new BlockError({ code: 'BLOCK_MALFORMED', reason: `transaction ${i} is empty` })
    raws.push(raw)
    return toHex(raw)
  })
  const block: Block = { header, transactions }
  bodyBytes.set(block, raws)
  return block
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

/**
 * Hashes of a block's raw transactions (`keccak256(raw)`, the hash wallets show) and the transactions root
 * over them (codec/receipt.ts `transactionsRoot`, a binary Merkle list root), so a light client can prove
 * inclusion of the hash it holds.
 */
export function txRootOf(transactions: readonly Hex[]): { root: Hex; hashes: Hex[] } {
  const hashes = transactions.map((t) => toHex(keccak(fromHex(t))))
  return { root: transactionsRoot(hashes), hashes }
}

/**
 * Block 0 of a genesis file: no parent (zero hash), no transactions, the genesis state root (allocations
 * applied, chain/genesis.ts), the genesis difficulty, base fee and timestamp, gas limit from the params.
 */
export function genesisBlock(genesis: Genesis): Block {
  return {
    header: {
      parentHash: ZERO_HASH,
      number: 0n,
      timestamp: genesis.timestamp,
      miner: ZERO_ADDRESS,
      stateRoot: genesisState(genesis).state.root,
      transactionsRoot: transactionsRoot([]),
      receiptsRoot: receiptsRoot([]),
      logsBloom: EMPTY_BLOOM,
      gasLimit: genesis.params.blockGasLimit,
      gasUsed: 0n,
      baseFeePerGas: genesis.baseFeePerGas,
      difficulty: genesis.difficulty,
      nonce: 0n,
    },
    transactions: [],
  }
}

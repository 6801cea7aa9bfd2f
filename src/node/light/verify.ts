import type { Address, Hex } from 'viem'
import type { Header, Log } from '../chain/types'
import { bytesEqual, bytesToBigint, fromHex, keccak, toHex } from '../codec/bytes'
import { CodecError } from '../codec/errors'
import { merkleRoot, verifyMerkleProof } from '../codec/merkle'
import { encodeReceipt } from '../codec/receipt'
import { type RlpItem, rlpDecode } from '../codec/rlp'
import { StateError } from '../state/errors'
import { verifyStateProof } from '../state/state'
import type { BlockReceiptsEntry, InclusionEntry } from '../sync/proof-messages'
import { LightError } from './errors'

const bad = (what: string, reason: string): LightError =>
  new LightError({ code: 'LIGHT_BAD_PROOF', what, reason })

/**
 * The raw state value of `logicalKey` proven against `stateRoot` (null when proven absent). Throws
 * `LightError` `LIGHT_BAD_PROOF` for a tampered, truncated or malformed proof, or one of another key.
 */
export function verifyStateValue(
  stateRoot: Hex,
  logicalKey: string,
  nodes: readonly Hex[],
): Uint8Array | null {
  try {
    return verifyStateProof(stateRoot, logicalKey, nodes)
  } catch (err) {
    if (err instanceof StateError || err instanceof CodecError)
      throw bad(`state key ${logicalKey}`, err.message)
    throw err
  }
}

/** A transaction and its receipt proven against a header's transactions and receipts roots. */
export interface ProvenInclusion {
  readonly blockHash: Hex
  readonly blockNumber: bigint
  readonly index: number
  readonly rawTx: Hex
  readonly status: 0 | 1
  readonly cumulativeGasUsed: bigint
  readonly logs: readonly Log[]
}

/**
 * Checks an inclusion entry for `txHash` against `header` (the header of `entry.blockHash`): the
 * transaction's bytes hash to `txHash` and sit at `index` of the transactions root; the receipt's
 * consensus encoding sits at the same index of the receipts root and decodes canonically. Throws
 * `LightError` `LIGHT_BAD_PROOF`.
 */
export function verifyInclusion(header: Header, txHash: Hex, entry: InclusionEntry): ProvenInclusion {
  const what = `inclusion of ${txHash}`
  if (toHex(keccak(fromHex(entry.rawTx))) !== txHash) throw bad(what, 'transaction bytes of another hash')
  const txProof = { index: entry.index, count: entry.count, siblings: entry.txSiblings }
  if (!verifyMerkleProof(header.transactionsRoot, txHash, txProof))
    throw bad(what, 'transaction path does not lead to the transactions root')
  const receiptBytes = fromHex(entry.receipt)
  const receiptProof = { index: entry.index, count: entry.count, siblings: entry.receiptSiblings }
  if (!verifyMerkleProof(header.receiptsRoot, toHex(keccak(receiptBytes)), receiptProof))
    throw bad(what, 'receipt path does not lead to the receipts root')
  const receipt = decodeReceipt(receiptBytes, what)
  return {
    blockHash: entry.blockHash,
    blockNumber: header.number,
    index: entry.index,
    rawTx: entry.rawTx,
    ...receipt,
  }
}

/** One block's receipts proven against its header, with the transaction hash of each. */
export interface ProvenReceipt {
  readonly transactionHash: Hex
  readonly status: 0 | 1
  readonly cumulativeGasUsed: bigint
  readonly logs: readonly Log[]
}

/**
 * Checks a block's transaction hashes and receipts (`sync-receipts`) against its header: the hashes
 * make its transactions root and the receipts (each canonically encoded) its receipts root, so none is
 * left out, added or changed. Throws `LightError` `LIGHT_BAD_PROOF`.
 */
export function verifyBlockReceipts(
  header: Header,
  blockHash: Hex,
  entry: BlockReceiptsEntry,
): ProvenReceipt[] {
  const what = `receipts of block ${blockHash}`
  if (entry.txHashes.length !== entry.receipts.length)
    throw bad(what, 'a receipt count unlike the transaction count')
  if (merkleRoot(entry.txHashes) !== header.transactionsRoot)
    throw bad(what, 'transaction hashes that do not make the transactions root')
  const encoded = entry.receipts.map((r) => fromHex(r))
  if (merkleRoot(encoded.map((r) => keccak(r))) !== header.receiptsRoot)
    throw bad(what, 'receipts that do not make the receipts root')
  return encoded.map((bytes, i) => ({
    transactionHash: entry.txHashes[i] as Hex,
    ...decodeReceipt(bytes, what),
  }))
}

/** Decodes a receipt's consensus encoding; it must re-encode to the same bytes. */
function decodeReceipt(
  bytes: Uint8Array,
  what: string,
): Pick<ProvenInclusion, 'status' | 'cumulativeGasUsed' | 'logs'> {
  let item: RlpItem
  try {
    item = rlpDecode(bytes)
  } catch (err) {
    if (err instanceof CodecError) throw bad(what, `receipt: ${err.message}`)
    throw err
  }
  const str = (x: RlpItem | undefined): Uint8Array => {
    if (!(x instanceof Uint8Array)) throw bad(what, 'receipt field is not a byte string')
    return x
  }
  const arr = (x: RlpItem | undefined): RlpItem[] => {
    if (!Array.isArray(x)) throw bad(what, 'receipt field is not a list')
    return x
  }
  /** A byte string of `min`–`max` bytes. */
  const sized = (x: RlpItem | undefined, min: number, max: number, name: string): Uint8Array => {
    const b = str(x)
    if (b.length < min || b.length > max) throw bad(what, `receipt ${name} has ${b.length} bytes`)
    return b
  }
  const [status, gas, logs] = arr(item)
  const receipt = {
    status: (str(status).length === 0 ? 0 : 1) as 0 | 1,
    cumulativeGasUsed: bytesToBigint(sized(gas, 0, 32, 'gas')),
    logs: arr(logs).map((l) => {
      const [address, topics, data] = arr(l)
      return {
        address: toHex(sized(address, 20, 20, 'log address')) as Address,
        topics: arr(topics).map((t) => toHex(sized(t, 32, 32, 'log topic'))),
        data: toHex(str(data)),
      }
    }),
  }
  if (!bytesEqual(encodeReceipt(receipt), bytes)) throw bad(what, 'receipt is not canonically encoded')
  return receipt
}

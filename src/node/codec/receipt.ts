import type { Hex } from 'viem'
import type { Receipt } from '../chain/types'
import { bigintToBytes, fromHex, keccak, toHex } from './bytes'
import { merkleRoot } from './merkle'
import { rlpEncode } from './rlp'

/**
 * Consensus encoding of a receipt: `rlp([status, cumulativeGasUsed, [[address, [topics…], data]…]])`.
 * The bloom is left out (it is derived from the logs) and so is the revert data (re-executing the
 * block reproduces it); the receipts root commits to what light clients check: outcome and logs.
 */
export function encodeReceipt(receipt: Pick<Receipt, 'status' | 'cumulativeGasUsed' | 'logs'>): Uint8Array {
  return rlpEncode([
    bigintToBytes(BigInt(receipt.status)),
    bigintToBytes(receipt.cumulativeGasUsed),
    receipt.logs.map((l) => [fromHex(l.address), l.topics.map((t) => fromHex(t)), fromHex(l.data)]),
  ])
}

/** keccak256 of `encodeReceipt`: the receipt's leaf in the receipts root. */
export function receiptHash(receipt: Pick<Receipt, 'status' | 'cumulativeGasUsed' | 'logs'>): Hex {
  return toHex(keccak(encodeReceipt(receipt)))
}

/** Receipts root: the Merkle list root (./merkle) of the receipt hashes in block order. */
export function receiptsRoot(
  receipts: readonly Pick<Receipt, 'status' | 'cumulativeGasUsed' | 'logs'>[],
): Hex {
  return merkleRoot(receipts.map((r) => keccak(encodeReceipt(r))))
}

/** Transactions root: the Merkle list root (./merkle) of the transaction hashes in block order. */
export function transactionsRoot(txHashes: readonly Hex[]): Hex {
  return merkleRoot(txHashes)
}

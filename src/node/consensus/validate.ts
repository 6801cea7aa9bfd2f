import type { Hex } from 'viem'
import { encodedBlockSize, MAX_BLOCK_BYTES, txRootOf } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { hashHeader } from '../chain/header'
import type { Block, ChainParams, Header } from '../chain/types'
import { transactionsRoot } from '../codec/receipt'
import { nextBaseFee } from './base-fee'
import { nextDifficulty } from './difficulty'
import { checkPow } from './pow'

/**
 * Header rules against its parent (docs/RELIABILITY.md §1.7–1.8). Throws `BlockError`.
 *
 * Every rule that makes the header invalid is checked before the future-timestamp rule, so that
 * `BLOCK_FUTURE` ("not yet: keep it, no penalty") is only ever raised for a header that is otherwise
 * valid and will be accepted once `now` catches up.
 *
 * @param now the caller's clock, ms since the Unix epoch
 * @param parentHash the parent's hash when the caller knows it (saves hashing it again)
 * @param seal `sealHash(header)` when the caller computed it (see `checkPow`)
 */
export function validateHeader(
  params: ChainParams,
  header: Header,
  parent: Header,
  now: bigint,
  parentHash: Hex = hashHeader(parent),
  seal?: Uint8Array,
): void {
  if (header.parentHash !== parentHash) {
    throw new BlockError({ code: 'BLOCK_UNKNOWN_PARENT', parentHash: header.parentHash })
  }
  if (header.number !== parent.number + 1n) {
    throw new BlockError({ code: 'BLOCK_BAD_NUMBER', expected: parent.number + 1n, got: header.number })
  }
  // Strictly after the parent (and a test genesis may demand a minimum gap): timestamps then order a
  // chain, and the difficulty retarget can never see a zero or negative interval.
  const minGap = BigInt(Math.max(1, params.minBlockIntervalMs ?? 1))
  if (header.timestamp < parent.timestamp + minGap) {
    throw new BlockError({
      code: 'BLOCK_BAD_TIMESTAMP',
      parent: parent.timestamp,
      got: header.timestamp,
      minGap,
    })
  }
  const difficulty = nextDifficulty(params, parent, header.timestamp)
  if (header.difficulty !== difficulty) {
    throw new BlockError({ code: 'BLOCK_BAD_DIFFICULTY', expected: difficulty, got: header.difficulty })
  }
  if (!checkPow(header, seal))
    throw new BlockError({ code: 'BLOCK_INSUFFICIENT_WORK', hash: hashHeader(header) })
  if (header.gasLimit !== params.blockGasLimit) {
    throw new BlockError({
      code: 'BLOCK_BAD_GAS_LIMIT',
      expected: params.blockGasLimit,
      got: header.gasLimit,
    })
  }
  if (header.gasUsed > header.gasLimit) {
    throw new BlockError(
      { code: 'BLOCK_BAD_GAS_USED', expected: header.gasLimit, got: header.gasUsed },
      `its gas used, ${header.gasUsed}, is over its gas limit, ${header.gasLimit}`,
    )
  }
  const baseFee = nextBaseFee(params, parent)
  if (header.baseFeePerGas !== baseFee) {
    throw new BlockError({ code: 'BLOCK_BAD_BASE_FEE', expected: baseFee, got: header.baseFeePerGas })
  }
  const tolerance = BigInt(params.futureTimestampToleranceMs)
  if (header.timestamp > now + tolerance) {
    throw new BlockError({ code: 'BLOCK_FUTURE', timestamp: header.timestamp, now, tolerance })
  }
}

/** Size rule, checked before any transaction is decoded. Throws `BlockError` `BLOCK_TOO_LARGE`. */
export function validateSize(block: Block): void {
  const size = encodedBlockSize(block)
  if (size > MAX_BLOCK_BYTES) throw new BlockError({ code: 'BLOCK_TOO_LARGE', size, max: MAX_BLOCK_BYTES })
}

/**
 * Body rules that need no state: the transactions root commits to `hashes` (the block's transaction
 * hashes in order, as decoding computed them, or `txRootOf` when not decoded) and no transaction appears
 * twice (a replay within one block). Throws `BlockError`.
 */
export function validateBody(
  block: Block,
  hashes: readonly Hex[] = txRootOf(block.transactions).hashes,
): void {
  const root = transactionsRoot(hashes)
  if (root !== block.header.transactionsRoot) {
    throw new BlockError({ code: 'BLOCK_BAD_TX_ROOT', expected: root, got: block.header.transactionsRoot })
  }
  const seen = new Set<Hex>()
  hashes.forEach((hash, index) => {
    if (seen.has(hash)) throw new BlockError({ code: 'BLOCK_DUPLICATE_TX', index, hash })
    seen.add(hash)
  })
}

/** What executing a block produced, to compare with what its header claims. */
export interface ExecutionOutcome {
  readonly stateRoot: Hex
  readonly receiptsRoot: Hex
  readonly logsBloom: Hex
  readonly gasUsed: bigint
}

/** Post-execution rules: the header commits to exactly what execution produced. Throws `BlockError`. */
export function validateOutcome(header: Header, outcome: ExecutionOutcome): void {
  if (header.gasUsed !== outcome.gasUsed) {
    throw new BlockError({ code: 'BLOCK_BAD_GAS_USED', expected: outcome.gasUsed, got: header.gasUsed })
  }
  if (header.receiptsRoot !== outcome.receiptsRoot) {
    throw new BlockError({
      code: 'BLOCK_BAD_RECEIPTS_ROOT',
      expected: outcome.receiptsRoot,
      got: header.receiptsRoot,
    })
  }
  if (header.logsBloom !== outcome.logsBloom) throw new BlockError({ code: 'BLOCK_BAD_LOGS_BLOOM' })
  if (header.stateRoot !== outcome.stateRoot) {
    throw new BlockError({ code: 'BLOCK_BAD_STATE_ROOT', expected: outcome.stateRoot, got: header.stateRoot })
  }
}

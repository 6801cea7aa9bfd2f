import type { Address, Hex } from 'viem'
import { MAX_BLOCK_BYTES } from '../chain/block'
import { type BlockExecution, executeBlock } from '../chain/execute'
import { ExecutionError } from '../chain/execute-error'
import { hashHeader, MAX_NONCE, sealHash } from '../chain/header'
import type { Block, ChainParams, Header, Tx } from '../chain/types'
import type { State } from '../state/state'
import { nextBaseFee } from './base-fee'
import { nextDifficulty } from './difficulty'
import { powTarget, powValue, sealBuffer, writeNonce } from './pow'

/** Outcome of one mining slice: a sealing nonce, or where the next slice should resume. */
export type MineSliceResult = { readonly found: bigint } | { readonly next: bigint }

/**
 * Tries nonces `startNonce, startNonce + 1, …` (at most `maxAttempts`, wrapping at 2^64) on a header
 * template. A worker calls it repeatedly with small `maxAttempts` and sleeps in between, so mining
 * never pins a core (duty cycle) and a new head can abandon the template between slices.
 */
export function mineSlice(template: Header, startNonce: bigint, maxAttempts: number): MineSliceResult {
  const buf = sealBuffer(sealHash(template))
  const target = powTarget(template.difficulty)
  let nonce = startNonce & MAX_NONCE
  for (let i = 0; i < maxAttempts; i++) {
    writeNonce(buf, nonce)
    if (powValue(buf) <= target) return { found: nonce }
    nonce = nonce === MAX_NONCE ? 0n : nonce + 1n
  }
  return { next: nonce }
}

/** The template with its sealing nonce. */
export function sealBlock(template: Block, nonce: bigint): Block {
  return { header: { ...template.header, nonce }, transactions: template.transactions }
}

/** Inputs of `buildBlockTemplate`. */
export interface TemplateInput {
  readonly params: ChainParams
  readonly parent: Header
  /** State after `parent`. */
  readonly parentState: State
  /** Candidates in mempool order (`Mempool.pending`): by tip, nonce-contiguous per sender. */
  readonly txs: readonly Tx[]
  /** The miner's clock in ms; raised to the earliest timestamp the rules allow after `parent`. */
  readonly now: bigint
  readonly miner: Address
}

/** A block ready to seal (nonce 0), its execution, and the candidates left out because they failed. */
export interface BlockTemplate {
  readonly block: Block
  readonly execution: BlockExecution
  readonly skipped: readonly Hex[]
}

/** Room kept for the header and list prefixes when filling a block up to `MAX_BLOCK_BYTES`. */
const BLOCK_BYTES_RESERVE = 4096

/**
 * Builds the next block on `parent`: difficulty, base fee and timestamp by the consensus rules, then as
 * many candidate transactions as fit the gas limit and block size. A candidate that fails its stateful
 * checks (nonce taken, funds gone, fee cap under the base fee) is dropped with every later candidate of
 * its sender (their nonces would no longer line up) and the rest re-executed; each retry drops at least
 * one candidate, so this ends. Pure.
 */
export function buildBlockTemplate(input: TemplateInput): BlockTemplate {
  const { params, parent, miner } = input
  const minGap = BigInt(Math.max(1, params.minBlockIntervalMs ?? 1))
  const timestamp = input.now > parent.timestamp + minGap ? input.now : parent.timestamp + minGap
  const baseFeePerGas = nextBaseFee(params, parent)
  const skipped: Hex[] = []
  const dropped = new Set<Address>()
  let candidates: Tx[] = []
  let gas = 0n
  let bytes = 0
  for (const tx of input.txs) {
    const size = (tx.raw.length - 2) / 2
    if (dropped.has(tx.from) || tx.maxFeePerGas < baseFeePerGas) {
      dropped.add(tx.from)
      skipped.push(tx.hash)
    } else if (gas + tx.gas > params.blockGasLimit || bytes + size > MAX_BLOCK_BYTES - BLOCK_BYTES_RESERVE) {
      // Does not fit; its sender's later nonces cannot follow it into this block.
      dropped.add(tx.from)
    } else {
      candidates.push(tx)
      gas += tx.gas
      bytes += size
    }
  }
  const env = { number: parent.number + 1n, timestamp, miner, baseFeePerGas, gasLimit: params.blockGasLimit }
  for (;;) {
    try {
      const execution = executeBlock(input.parentState, env, candidates, params)
      const block: Block = {
        header: {
          parentHash: hashHeader(parent),
          number: env.number,
          timestamp,
          miner,
          stateRoot: execution.state.root,
          transactionsRoot: execution.transactionsRoot,
          receiptsRoot: execution.receiptsRoot,
          logsBloom: execution.logsBloom,
          gasLimit: params.blockGasLimit,
          gasUsed: execution.gasUsed,
          baseFeePerGas,
          difficulty: nextDifficulty(params, parent, timestamp),
          nonce: 0n,
        },
        transactions: candidates.map((t) => t.raw),
      }
      return { block, execution, skipped }
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err
      const bad = candidates[err.type.index]
      if (bad === undefined) throw err
      candidates = candidates.filter((t, i) => {
        const drop = i >= err.type.index && t.from === bad.from
        if (drop) skipped.push(t.hash)
        return !drop
      })
    }
  }
}

import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { type Abi, type Address, encodeFunctionData, type Hex, toFunctionSelector } from 'viem'
import { describe, expect, test } from 'vitest'
import { executeBlock } from '../../../src/node/chain/execute'
import { intrinsicGas } from '../../../src/node/chain/tx'
import type { Tx } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { addressWord, ERROR_SELECTOR, wordOf } from '../../../src/node/contracts/abi'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { lockId } from '../../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { FUZZ_RUNS, mutationOf } from '../../fuzz-decoder'
import { ALICE, BOB, CAROL, ETHER, Harness, MINER } from './harness'

const MAX = (1n << 256n) - 1n
const PREIMAGE = new Uint8Array(32).fill(0x42)
const HASHLOCK = toHex(sha256(PREIMAGE))

/** A chain with a token, an allowance to the HTLC, a redeemable native lock and a refundable token lock. */
function setUp() {
  const h = new Harness()
  const send = (to: Address, data: Hex, value = 0n) =>
    expect(h.send({ from: ALICE, to, data, value }).status).toBe(1)
  const token = tokenAddress(ALICE, 0n)
  send(
    TOKEN_FACTORY_ADDRESS,
    encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Apple', 'APL', 18, 10n ** 21n],
    }),
  )
  send(token, encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, MAX] }))
  const lock = (asset: Address, amount: bigint, timelock: bigint): Hex => {
    const nonce = h.state.getAccount(ALICE).nonce
    const args = [asset, amount, BOB, HASHLOCK, timelock] as const
    send(
      HTLC_ADDRESS,
      encodeFunctionData({ abi: htlcAbi, functionName: 'lock', args }),
      asset === ZERO_ADDRESS ? amount : 0n,
    )
    return lockId(ALICE, nonce, asset, amount, BOB, HASHLOCK, timelock)
  }
  const locks = [lock(ZERO_ADDRESS, ETHER, 1000n), lock(token, 7n, 5n)]
  h.advanceTo(10n)
  return { h, token, locks }
}

const { h, token, locks } = setUp()
const parties: Address[] = [ALICE, BOB, CAROL, ZERO_ADDRESS, HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, token]
/** ABI words a contract reads: parties, edge amounts, lock ids and preimage, offsets and lengths, or anything. */
const word = fc.oneof(
  fc.constantFrom(
    ...parties.map(addressWord),
    ...[0n, 1n, 7n, 32n, 64n, 96n, 255n, 256n, ETHER, 1n << 255n, MAX].map(wordOf),
    ...locks.map(fromHex),
    PREIMAGE,
    fromHex(HASHLOCK),
  ),
  fc.bigInt({ min: 0n, max: MAX }).map(wordOf),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
)

/** Each contract, its selectors and known calls to mutate. */
const contracts: { readonly to: Address; readonly abi: Abi; readonly valid: Uint8Array[] }[] = [
  {
    to: token,
    abi: erc20Abi,
    valid: [
      encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 5n] }),
      encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [ALICE, CAROL, 1n] }),
      encodeFunctionData({ abi: erc20Abi, functionName: 'mint', args: [BOB, 1n] }),
      encodeFunctionData({ abi: erc20Abi, functionName: 'name' }),
    ].map(fromHex),
  },
  {
    to: TOKEN_FACTORY_ADDRESS,
    abi: tokenFactoryAbi,
    valid: [
      encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Pear', 'PR', 6, 100n],
      }),
      encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Ünïcødé 🍐'.repeat(4), '€', 0, 0n],
      }),
    ].map(fromHex),
  },
  {
    to: HTLC_ADDRESS,
    abi: htlcAbi,
    valid: [
      encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [ZERO_ADDRESS, 1n, BOB, HASHLOCK, 500n],
      }),
      encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [locks[0] as Hex, toHex(PREIMAGE)] }),
      encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [locks[1] as Hex] }),
    ].map(fromHex),
  },
]

/** Random bytes, one of the contract's selectors followed by words and stray bytes, or a mutated known call. */
function calldataFor(abi: Abi, valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const selectors = abi.filter((i) => i.type === 'function').map((i) => fromHex(toFunctionSelector(i)))
  return fc.oneof(
    fc.uint8Array({ maxLength: 300, size: 'max' }),
    fc
      .tuple(
        fc.constantFrom(...selectors),
        fc.array(word, { maxLength: 7 }),
        fc.uint8Array({ maxLength: 40 }),
      )
      .map(([selector, words, tail]) =>
        Uint8Array.from([...selector, ...words.flatMap((w) => [...w]), ...tail]),
      ),
    mutationOf(valid),
  )
}

const from = fc.constantFrom(ALICE, BOB, CAROL)
const value = fc.constantFrom(0n, 0n, 0n, 1n, ETHER)
const anyCall = fc.oneof(
  ...contracts.map((c) =>
    fc.record({ to: fc.constant(c.to), from, value, data: calldataFor(c.abi, c.valid) }),
  ),
  // An account without code ignores calldata.
  fc.record({ to: fc.constant(CAROL), from, value, data: fc.uint8Array({ maxLength: 100 }) }),
)

describe('native contract calldata fuzz', () => {
  test('a call with random calldata succeeds or reverts with Error(string); nothing else escapes', () => {
    fc.assert(
      fc.property(anyCall, ({ to, from, value, data }) => {
        const r = h.call(to, toHex(data), from, value)
        if (r.status === 0 && !r.revertData?.startsWith(ERROR_SELECTOR))
          throw new Error(`revert data ${r.revertData} is not Error(string)`)
      }),
      { numRuns: FUZZ_RUNS },
    )
  })

  test('a block of such transactions executes and commits; a revert only fails its own transaction, within its gas limit', () => {
    const env = h.env()
    fc.assert(
      fc.property(fc.array(anyCall, { minLength: 1, maxLength: 4 }), (calls) => {
        const pending = new Map<Address, bigint>()
        const txs: Tx[] = calls.map((c) => h.tx({ ...c, data: toHex(c.data), gas: 1_000_000n }, pending))
        const { receipts, state } = executeBlock(h.state, env, txs, h.genesis.params)
        if (receipts.length !== txs.length) throw new Error('a transaction has no receipt')
        receipts.forEach((r, i) => {
          const tx = txs[i] as Tx
          // Gas used is at least the intrinsic gas and never above the transaction's limit.
          if (r.gasUsed < intrinsicGas(tx.data) || r.gasUsed > tx.gas)
            throw new Error(`gas used ${r.gasUsed} outside [intrinsic, ${tx.gas}]`)
          if (r.status === 0 && (r.logs.length > 0 || BigInt(r.logsBloom) !== 0n))
            throw new Error('a reverted transaction kept logs')
        })
        const only = receipts[0]
        if (txs.length === 1 && only?.status === 0) {
          // A lone revert changes nothing but the sender's nonce and fee (and the miner's pay).
          const tx = txs[0] as Tx
          const expected = h.state.buffer()
          const sender = h.state.getAccount(tx.from)
          const fee = only.gasUsed * only.effectiveGasPrice
          expected.setAccount(tx.from, { nonce: sender.nonce + 1n, balance: sender.balance - fee })
          expected.credit(
            MINER,
            h.genesis.params.minerReward + only.gasUsed * (only.effectiveGasPrice - env.baseFeePerGas),
          )
          if (state.root !== expected.commit().state.root) throw new Error('a revert changed state')
        }
      }),
      { numRuns: FUZZ_RUNS },
    )
  })
})

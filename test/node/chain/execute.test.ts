import fc from 'fast-check'
import { type Address, decodeErrorResult, encodeFunctionData, getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { call, executeBlock } from '../../../src/node/chain/execute'
import { ExecutionError } from '../../../src/node/chain/execute-error'
import { genesisState } from '../../../src/node/chain/genesis'
import { parseTx } from '../../../src/node/chain/tx'
import { bloomMayContain } from '../../../src/node/codec/bloom'
import { merkleProof, verifyMerkleProof } from '../../../src/node/codec/merkle'
import { receiptHash } from '../../../src/node/codec/receipt'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { State } from '../../../src/node/state/state'
import { ALICE, BOB, CAROL, defined, ETHER, GWEI, Harness, MINER } from '../contracts/harness'
import { ADDR0, ADDR1, GENESIS, KEY0, signTx } from './tx-fixtures'

const transfer = (to: Address, amount: bigint): Hex =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })

function withToken(): { h: Harness; t: Address } {
  const h = new Harness()
  return { h, t: h.createToken() }
}

describe('executeBlock', () => {
  it('executes viem-signed transactions: value transfer at 21000 gas, fees split between burn and miner', async () => {
    const g = GENESIS
    const parent = genesisState(g).state
    const raw = await signTx(
      { to: ADDR1, value: ETHER, maxFeePerGas: 5n * GWEI, maxPriorityFeePerGas: 2n * GWEI },
      KEY0,
    )
    const tx = parseTx(raw, g.params)
    const baseFee = 2n * GWEI
    const env = {
      number: 1n,
      timestamp: 1n,
      miner: MINER,
      baseFeePerGas: baseFee,
      gasLimit: g.params.blockGasLimit,
    }
    const r = executeBlock(parent, env, [tx], g.params)
    const receipt = defined(r.receipts[0])
    expect(receipt).toMatchObject({
      status: 1,
      gasUsed: 21_000n,
      cumulativeGasUsed: 21_000n,
      effectiveGasPrice: 4n * GWEI,
    })
    expect(r.gasUsed).toBe(21_000n)
    const a0 = parent.getAccount(ADDR0)
    expect(r.state.getAccount(ADDR0)).toEqual({
      nonce: 1n,
      balance: a0.balance - ETHER - 21_000n * 4n * GWEI,
    })
    expect(r.state.getAccount(ADDR1).balance).toBe(parent.getAccount(ADDR1).balance + ETHER)
    expect(r.state.getAccount(MINER).balance).toBe(g.params.minerReward + 21_000n * 2n * GWEI)
    // The parent snapshot is untouched.
    expect(parent.getAccount(ADDR0)).toEqual(a0)
    // Transactions root proves inclusion of the tx hash; receipts root of the receipt hash.
    expect(verifyMerkleProof(r.transactionsRoot, tx.hash, merkleProof([tx.hash], 0))).toBe(true)
    expect(
      verifyMerkleProof(r.receiptsRoot, receiptHash(receipt), merkleProof([receiptHash(receipt)], 0)),
    ).toBe(true)
  })

  it('treats calldata to a plain account as a value transfer that ignores the data', () => {
    const h = new Harness()
    const r = h.send({ from: ALICE, to: BOB, data: '0xa9059cbb', value: 5n })
    expect(r.status).toBe(1)
    expect(r.gasUsed).toBe(21_000n + 4n * 16n)
    expect(r.logs).toEqual([])
  })

  it('allows zero-value and self transfers, as Ethereum does: only the fee moves', () => {
    const { h, t } = withToken()
    const before = h.state.getAccount(ALICE)
    const r = h.block([
      { from: ALICE, to: ALICE, value: 5n },
      { from: ALICE, to: BOB, value: 0n },
      { from: ALICE, to: t, data: transfer(ALICE, 10n) },
      { from: ALICE, to: t, data: transfer(BOB, 0n) },
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([1, 1, 1, 1])
    const fees = r.receipts.reduce((sum, x) => sum + x.gasUsed * x.effectiveGasPrice, 0n)
    expect(h.state.getAccount(ALICE)).toEqual({ nonce: before.nonce + 4n, balance: before.balance - fees })
    expect(h.balanceOf(t, ALICE)).toBe(1000n)
    expect(h.balanceOf(t, BOB)).toBe(0n)
  })

  it('fills receipts, cumulative gas, logs bloom', () => {
    const { h, t } = withToken()
    const r = h.block([
      { from: ALICE, to: t, data: transfer(BOB, 1n) },
      { from: ALICE, to: t, data: transfer(CAROL, 2000n) },
      { from: BOB, to: CAROL, value: 1n },
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([1, 0, 1])
    expect(defined(r.receipts[2]).cumulativeGasUsed).toBe(r.gasUsed)
    expect(
      defined(r.receipts[0]).gasUsed + defined(r.receipts[1]).gasUsed + defined(r.receipts[2]).gasUsed,
    ).toBe(r.gasUsed)
    expect(defined(r.receipts[1]).logs).toEqual([])
    expect(bloomMayContain(r.logsBloom, t)).toBe(true)
    expect(
      bloomMayContain(defined(r.receipts[0]).logsBloom, `0x000000000000000000000000${BOB.slice(2)}`),
    ).toBe(true)
    expect(bloomMayContain(defined(r.receipts[2]).logsBloom, t)).toBe(false)
  })

  it('a transaction failing the stateful checks invalidates the whole block and changes nothing', () => {
    const { h, t } = withToken()
    const root = h.state.root
    const nonce = h.state.getAccount(ALICE).nonce
    const cases = [
      [{ from: ALICE, to: t, data: transfer(BOB, 1n), nonce: nonce + 1n }, 'TX_NONCE_TOO_HIGH'],
      [{ from: ALICE, to: t, data: transfer(BOB, 1n), nonce: nonce - 1n }, 'TX_NONCE_TOO_LOW'],
      [{ from: ALICE, to: BOB, value: 10_000n * ETHER }, 'TX_INSUFFICIENT_FUNDS'],
      [{ from: ALICE, to: BOB, maxFeePerGas: GWEI - 1n, maxPriorityFeePerGas: 0n }, 'TX_FEE_CAP_TOO_LOW'],
      [{ from: ALICE, to: BOB, gas: 20_000n }, 'TX_INTRINSIC_GAS_TOO_LOW'],
      [{ from: '0x00000000000000000000000000000000000000ee' as Address, to: BOB }, 'TX_INSUFFICIENT_FUNDS'],
    ] as const
    for (const [bad, code] of cases) {
      const good = h.tx({ from: BOB, to: CAROL, value: 1n })
      try {
        executeBlock(h.state, h.env(), [good, h.tx(bad)], h.genesis.params)
        throw new Error('accepted')
      } catch (err) {
        expect(err).toBeInstanceOf(ExecutionError)
        const type = (err as ExecutionError).type
        expect(type.code).toBe('BLOCK_INVALID_TX')
        if (type.code === 'BLOCK_INVALID_TX') {
          expect(type.index).toBe(1)
          expect(type.reason.code).toBe(code)
        }
      }
      expect(h.state.root).toBe(root)
    }
  })

  it('refuses replays: the same transaction twice in a block, or again in the next block', () => {
    const h = new Harness()
    const tx = h.tx({ from: ALICE, to: BOB, value: 1n })
    expect(() => executeBlock(h.state, h.env(), [tx, tx], h.genesis.params)).toThrow(ExecutionError)
    h.state = executeBlock(h.state, h.env(), [tx], h.genesis.params).state
    h.number++
    expect(() => executeBlock(h.state, h.env(), [tx], h.genesis.params)).toThrow(ExecutionError)
  })

  it('refuses two conflicting transactions with the same nonce in one block (double spend)', () => {
    const h = new Harness()
    const a = h.tx({ from: ALICE, to: BOB, value: ETHER, nonce: 0n })
    const b = h.tx({ from: ALICE, to: CAROL, value: ETHER, nonce: 0n })
    try {
      executeBlock(h.state, h.env(), [a, b], h.genesis.params)
      throw new Error('accepted')
    } catch (err) {
      expect((err as ExecutionError).type).toMatchObject({
        code: 'BLOCK_INVALID_TX',
        index: 1,
        reason: { code: 'TX_NONCE_TOO_LOW' },
      })
    }
  })

  it('refuses transactions whose gas limits overflow the block', () => {
    const h = new Harness()
    const env = { ...h.env(), gasLimit: 50_000n }
    const txs = [h.tx({ from: ALICE, to: BOB, gas: 30_000n }), h.tx({ from: BOB, to: ALICE, gas: 30_000n })]
    try {
      executeBlock(h.state, env, txs, h.genesis.params)
      throw new Error('accepted')
    } catch (err) {
      expect((err as ExecutionError).type).toEqual({
        code: 'BLOCK_GAS_LIMIT_EXCEEDED',
        index: 1,
        gasLimit: 50_000n,
        need: 51_000n,
      })
    }
  })

  it('admits transactions whose gas limits fill the block exactly, counting what earlier ones used', () => {
    const h = new Harness()
    // The first uses 21,000 of its 30,000: 21,000 + 30,000 fits in 51,000.
    const env = { ...h.env(), gasLimit: 51_000n }
    const txs = [h.tx({ from: ALICE, to: BOB, gas: 30_000n }), h.tx({ from: BOB, to: ALICE, gas: 30_000n })]
    const r = executeBlock(h.state, env, txs, h.genesis.params)
    expect(r.receipts.map((x) => x.status)).toEqual([1, 1])
    expect(r.gasUsed).toBe(42_000n)
    expect(() => executeBlock(h.state, { ...env, gasLimit: 50_999n }, txs, h.genesis.params)).toThrowError(
      ExecutionError,
    )
  })

  it('a call out of gas uses its whole limit, pays for it, and undoes the value it sent', () => {
    const h = new Harness()
    const data = encodeFunctionData({
      abi: htlcAbi,
      functionName: 'lock',
      args: [ZERO_ADDRESS, ETHER, BOB, `0x${'11'.repeat(32)}`, 100n],
    })
    const gas = 60_000n
    const { receipt, feeOnlyRoot } = h.sendFeeOnly({ from: ALICE, to: HTLC_ADDRESS, data, value: ETHER, gas })
    expect(receipt).toMatchObject({ status: 0, gasUsed: gas, logs: [] })
    expect(h.state.root).toBe(feeOnlyRoot)
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(0n)
  })

  it('a reverted call changes only the sender nonce and fee (property)', () => {
    const { h, t } = withToken()
    fc.assert(
      fc.property(
        fc.constantFrom(BOB, CAROL),
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 0n, max: 3n * GWEI }),
        fc.constantFrom<'transfer' | 'mint' | 'junk'>('transfer', 'mint', 'junk'),
        (from, amount, tip, kind) => {
          const data =
            kind === 'transfer'
              ? transfer(ALICE, amount)
              : kind === 'mint'
                ? encodeFunctionData({ abi: erc20Abi, functionName: 'mint', args: [from, amount] })
                : '0xdeadbeef'
          const tx = h.tx({ from, to: t, data, maxPriorityFeePerGas: tip, maxFeePerGas: 4n * GWEI })
          const env = h.env()
          const r = executeBlock(h.state, env, [tx], h.genesis.params)
          const receipt = defined(r.receipts[0])
          expect(receipt.status).toBe(0)
          const price = receipt.effectiveGasPrice
          const expected = h.state.buffer()
          const acct = h.state.getAccount(from)
          expected.setAccount(from, {
            nonce: acct.nonce + 1n,
            balance: acct.balance - receipt.gasUsed * price,
          })
          expected.credit(MINER, h.genesis.params.minerReward + receipt.gasUsed * (price - env.baseFeePerGas))
          expect(r.state.root).toBe(expected.commit().state.root)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('rolling back = returning to the parent root; rebuilding from a node store gives the same results (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(ALICE, BOB, CAROL),
            fc.constantFrom(ALICE, BOB, CAROL),
            fc.bigInt({ min: 0n, max: 2000n }),
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (moves) => {
          const { h, t } = withToken()
          const parent = h.state
          const parentRoot = parent.root
          const balances = [ALICE, BOB, CAROL].map((a) => h.balanceOf(t, a))
          const txs = moves.map(([from, to, amount], i) =>
            h.tx({
              from,
              to: t,
              data: transfer(to, amount),
              nonce:
                h.state.getAccount(from).nonce +
                BigInt(moves.slice(0, i).filter((m) => m[0] === from).length),
            }),
          )
          const env = h.env()
          const first = executeBlock(parent, env, txs, h.genesis.params)
          h.store.putAll(first.created)
          // The parent is still there, unchanged (the reorg path: switch back to it).
          expect(parent.root).toBe(parentRoot)
          expect([ALICE, BOB, CAROL].map((a) => h.balanceOf(t, a))).toEqual(balances)
          // Re-executing on the parent (e.g. after a reorg back) gives the same root.
          expect(executeBlock(parent, env, txs, h.genesis.params).state.root).toBe(first.state.root)
          // A node restarted from storage reads the same state.
          const reloaded = State.fromRoot(first.state.root, h.store)
          for (const a of [ALICE, BOB, CAROL, MINER])
            expect(reloaded.getAccount(a)).toEqual(first.state.getAccount(a))
          expect(
            executeBlock(State.fromRoot(parentRoot, h.store), env, txs, h.genesis.params).state.root,
          ).toBe(first.state.root)
        },
      ),
      { numRuns: 25 },
    )
  })
})

describe('golden block', () => {
  it('has stable roots for a block exercising every contract', () => {
    const h = new Harness()
    const token = tokenAddress(ALICE, 0n)
    const hashlock = `0x${'ab'.repeat(32)}` as Hex
    const r = h.block([
      {
        from: ALICE,
        to: TOKEN_FACTORY_ADDRESS,
        data: encodeFunctionData({
          abi: tokenFactoryAbi,
          functionName: 'createToken',
          args: ['Gold', 'GLD', 2, 10_000n],
        }),
      },
      { from: ALICE, to: token, data: transfer(BOB, 2_500n) },
      {
        from: BOB,
        to: token,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 500n] }),
      },
      {
        from: BOB,
        to: HTLC_ADDRESS,
        data: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [token, 500n, CAROL, hashlock, 100n],
        }),
      },
      {
        from: CAROL,
        to: HTLC_ADDRESS,
        value: ETHER,
        data: encodeFunctionData({
          abi: htlcAbi,
          functionName: 'lock',
          args: [ZERO_ADDRESS, ETHER, ALICE, hashlock, 50n],
        }),
      },
      { from: CAROL, to: token, data: transfer(ALICE, 1n) },
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([1, 1, 1, 1, 1, 0])
    expect({
      state: r.state.root,
      receipts: r.receiptsRoot,
      txs: r.transactionsRoot,
      gas: r.gasUsed,
    }).toEqual({
      state: '0x3a663067de42a54e5ebaeac3c4f7459c51e463e2ad4e79a88395a59ffbac59a8',
      receipts: '0xe93ac755c979a9338ebbe842b634c699e610f06c4cf7ed856aaae9ad29b713b9',
      txs: '0x6e6ffea9cb7d790c4739244387b3ffd12289f5a0693296ed1942a8f1e1708f5e',
      gas: 505_796n,
    })
  })
})

describe('call', () => {
  it('reads without committing and estimates the gas a transaction uses', () => {
    const { h, t } = withToken()
    const root = h.state.root
    const sim = call(h.state, { from: ALICE, to: t, data: transfer(BOB, 10n) }, h.env(), h.genesis.params)
    expect(sim.status).toBe(1)
    expect(sim.logs).toHaveLength(1)
    expect(h.state.root).toBe(root)
    expect(h.send({ from: ALICE, to: t, data: transfer(BOB, 10n) }).gasUsed).toBe(sim.gasUsed)
    const poor = call(
      h.state,
      { from: '0x00000000000000000000000000000000000000ee', to: BOB, value: 1n },
      h.env(),
      h.genesis.params,
    )
    expect(poor.status).toBe(0)
    const short = call(h.state, { to: BOB, data: '0x01', gas: 21_000n }, h.env(), h.genesis.params)
    expect(short.status).toBe(0)
    const upper = call(
      h.state,
      {
        from: ALICE.toUpperCase().replace('0X', '0x') as Address,
        to: t.toUpperCase().replace('0X', '0x') as Address,
        data: transfer(BOB, 1n),
      },
      h.env(),
      h.genesis.params,
    )
    expect(upper.status).toBe(1)
  })

  it('addresses in checksummed letter case execute as their lower-case form: same logs, receipts and state', () => {
    const { h, t } = withToken()
    // The miner's address has letters (Alice's has none); the first block paid it its reward.
    expect(h.send({ from: ALICE, to: t, data: transfer(MINER, 10n) }).status).toBe(1)
    const tx = h.tx({ from: MINER, to: t, data: transfer(BOB, 4n) })
    const checksummed = { ...tx, from: getAddress(tx.from), to: getAddress(tx.to) }
    expect(checksummed.from).not.toBe(tx.from)
    expect(checksummed.to).not.toBe(tx.to)
    const lower = executeBlock(h.state, h.env(), [tx], h.genesis.params)
    const mixed = executeBlock(h.state, h.env(), [checksummed], h.genesis.params)
    expect(defined(lower.receipts[0]).logs).toHaveLength(1)
    expect(mixed.receipts).toEqual(lower.receipts)
    expect(mixed.state.root).toBe(lower.state.root)
    const sim = (from: Address, to: Address) =>
      call(h.state, { from, to, data: transfer(BOB, 4n) }, h.env(), h.genesis.params)
    expect(sim(getAddress(MINER), getAddress(t))).toEqual(sim(MINER, t))
  })

  it('a gas limit of exactly the intrinsic gas suffices, and a value of exactly the balance can be sent', () => {
    const h = new Harness()
    const sim = (value: bigint, gas: bigint) =>
      call(h.state, { from: BOB, to: CAROL, value, gas }, h.env(), h.genesis.params)
    const balance = h.state.getAccount(BOB).balance
    expect(sim(balance, 21_000n)).toMatchObject({ status: 1, gasUsed: 21_000n })
    const short = sim(1n, 20_999n)
    expect(short.status).toBe(0)
    expect(decodeErrorResult({ abi: [], data: short.revertData as Hex }).args).toEqual(['out of gas'])
    const over = sim(balance + 1n, 21_000n)
    expect(over.status).toBe(0)
    expect(decodeErrorResult({ abi: [], data: over.revertData as Hex }).args).toEqual([
      'insufficient balance for value',
    ])
  })
})

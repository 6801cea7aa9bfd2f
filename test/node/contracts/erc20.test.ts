import fc from 'fast-check'
import {
  type Address,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
} from 'viem'
import { describe, expect, it } from 'vitest'
import type { Receipt } from '../../../src/node/chain/types'
import { TOKEN_FACTORY_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { GAS } from '../../../src/node/contracts/gas'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { ALICE, BOB, CAROL, defined, Harness } from './harness'

const MAX = (1n << 256n) - 1n

function reason(r: Pick<Receipt, 'status' | 'revertData'>): string {
  expect(r.status).toBe(0)
  const e = decodeErrorResult({ abi: [], data: r.revertData as Hex })
  expect(e.errorName).toBe('Error')
  return e.args[0] as string
}

function createToken(h: Harness, supply = 1_000n, from: Address = ALICE): Address {
  const nonce = h.state.getAccount(from).nonce
  const r = h.send({
    from,
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Apple', 'APL', 18, supply],
    }),
  })
  expect(r.status).toBe(1)
  return tokenAddress(from, nonce)
}

const erc20 = (fn: string, args: readonly unknown[] = []): Hex =>
  encodeFunctionData({ abi: erc20Abi, functionName: fn as 'transfer', args: args as [Address, bigint] })

describe('TokenFactory', () => {
  it('creates a token at the documented address, owned by the creator, and logs TokenCreated', () => {
    const h = new Harness()
    h.send({ from: ALICE, to: BOB, value: 1n })
    const expected = tokenAddress(ALICE, 1n)
    const data = encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Apple', 'APL', 6, 500n],
    })
    const sim = h.call(TOKEN_FACTORY_ADDRESS, data)
    expect(
      decodeFunctionResult({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        data: sim.returnData,
      }).toLowerCase(),
    ).toBe(expected)
    const r = h.send({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data })
    expect(r.status).toBe(1)
    expect(r.gasUsed).toBe(sim.gasUsed)
    const created = defined(r.logs.find((l) => l.address === TOKEN_FACTORY_ADDRESS))
    const ev = decodeEventLog({
      abi: tokenFactoryAbi,
      data: created.data,
      topics: created.topics as [Hex, ...Hex[]],
    })
    expect(ev.eventName).toBe('TokenCreated')
    expect(ev.args).toEqual({
      token: expect.any(String),
      owner: expect.any(String),
      name: 'Apple',
      symbol: 'APL',
      decimals: 6,
    })
    expect(ev.args.token.toLowerCase()).toBe(expected)
    expect(ev.args.owner.toLowerCase()).toBe(ALICE)
    const view = (fn: 'name' | 'symbol' | 'decimals' | 'owner' | 'totalSupply') =>
      decodeFunctionResult({ abi: erc20Abi, functionName: fn, data: h.call(expected, erc20(fn)).returnData })
    expect(view('name')).toBe('Apple')
    expect(view('symbol')).toBe('APL')
    expect(view('decimals')).toBe(6)
    expect((view('owner') as string).toLowerCase()).toBe(ALICE)
    expect(view('totalSupply')).toBe(500n)
    expect(h.balanceOf(expected, ALICE)).toBe(500n)
  })

  it('refuses empty or oversized names and bad calldata', () => {
    const h = new Harness()
    const make = (name: string, symbol: string) =>
      h.send({
        from: ALICE,
        to: TOKEN_FACTORY_ADDRESS,
        data: encodeFunctionData({
          abi: tokenFactoryAbi,
          functionName: 'createToken',
          args: [name, symbol, 18, 1n],
        }),
      })
    expect(reason(make('', 'X'))).toMatch(/name/)
    expect(reason(make('x'.repeat(65), 'X'))).toMatch(/name/)
    expect(reason(make('X', 'S'.repeat(17)))).toMatch(/symbol/)
    expect(reason(h.send({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: '0x2cd2ea5f00' }))).toMatch(
      /selector|calldata/,
    )
  })
})

describe('ERC20', () => {
  it('transfers, approves and transfers from, with standard logs and return values', () => {
    const h = new Harness()
    const t = createToken(h)
    const r1 = h.send({ from: ALICE, to: t, data: erc20('transfer', [BOB, 100n]) })
    expect(r1.status).toBe(1)
    expect(r1.gasUsed).toBeGreaterThan(21_000n + GAS.erc20Transfer)
    const ev = decodeEventLog({
      abi: erc20Abi,
      data: defined(r1.logs[0]).data,
      topics: defined(r1.logs[0]).topics as [Hex, ...Hex[]],
    })
    expect(ev.eventName).toBe('Transfer')
    expect(ev.args).toMatchObject({ value: 100n })
    expect(h.balanceOf(t, BOB)).toBe(100n)
    expect(h.balanceOf(t, ALICE)).toBe(900n)
    const ret = h.call(t, erc20('transfer', [BOB, 1n]))
    expect(decodeFunctionResult({ abi: erc20Abi, functionName: 'transfer', data: ret.returnData })).toBe(true)

    expect(h.send({ from: BOB, to: t, data: erc20('approve', [CAROL, 60n]) }).status).toBe(1)
    expect(BigInt(h.call(t, erc20('allowance', [BOB, CAROL])).returnData)).toBe(60n)
    expect(reason(h.send({ from: CAROL, to: t, data: erc20('transferFrom', [BOB, CAROL, 61n]) }))).toBe(
      'ERC20: insufficient allowance',
    )
    expect(h.send({ from: CAROL, to: t, data: erc20('transferFrom', [BOB, ALICE, 50n]) }).status).toBe(1)
    expect(BigInt(h.call(t, erc20('allowance', [BOB, CAROL])).returnData)).toBe(10n)
    expect(h.balanceOf(t, ALICE)).toBe(950n)
    // An infinite allowance never decreases.
    h.send({ from: ALICE, to: t, data: erc20('approve', [BOB, MAX]) })
    h.send({ from: BOB, to: t, data: erc20('transferFrom', [ALICE, BOB, 5n]) })
    expect(BigInt(h.call(t, erc20('allowance', [ALICE, BOB])).returnData)).toBe(MAX)
  })

  it('reverts with decodable reasons', () => {
    const h = new Harness()
    const t = createToken(h)
    expect(reason(h.send({ from: BOB, to: t, data: erc20('transfer', [ALICE, 1n]) }))).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(
      reason(
        h.send({
          from: ALICE,
          to: t,
          data: erc20('transfer', ['0x0000000000000000000000000000000000000000', 1n]),
        }),
      ),
    ).toBe('ERC20: transfer to the zero address')
    expect(reason(h.send({ from: BOB, to: t, data: erc20('mint', [BOB, 1n]) }))).toBe(
      'Ownable: caller is not the owner',
    )
    expect(reason(h.send({ from: BOB, to: t, data: erc20('burn', [1n]) }))).toBe(
      'ERC20: burn amount exceeds balance',
    )
    expect(reason(h.send({ from: ALICE, to: t, data: '0x12345678' }))).toBe(
      'unknown function selector 0x12345678',
    )
    expect(reason(h.send({ from: ALICE, to: t, value: 1n, data: erc20('transfer', [BOB, 1n]) }))).toBe(
      'function is not payable',
    )
    expect(
      reason(h.send({ from: ALICE, to: t, data: erc20('transfer', [BOB, 1n]).slice(0, 40) as Hex })),
    ).toBe('calldata too short')
    // Dirty upper bits in an address argument revert, as Solidity's ABI decoder does.
    const dirty = `0xa9059cbb${'ff'.repeat(12)}${BOB.slice(2)}${'00'.repeat(31)}01` as Hex
    expect(reason(h.send({ from: ALICE, to: t, data: dirty }))).toBe('invalid address argument')
    expect(h.send({ from: ALICE, to: t, data: erc20('mint', [BOB, MAX - 1000n]) }).status).toBe(1)
    expect(reason(h.send({ from: ALICE, to: t, data: erc20('mint', [BOB, 1n]) }))).toBe(
      'ERC20: total supply overflow',
    )
  })

  it('runs out of gas when the gas limit does not cover the method', () => {
    const h = new Harness()
    const t = createToken(h)
    const before = h.state.getAccount(ALICE).balance
    const r = h.send({ from: ALICE, to: t, data: erc20('transfer', [BOB, 1n]), gas: 30_000n })
    expect(reason(r)).toBe('out of gas')
    expect(r.gasUsed).toBe(30_000n)
    expect(h.state.getAccount(ALICE).balance).toBe(before - 30_000n * 2n * 10n ** 9n)
    expect(h.balanceOf(t, BOB)).toBe(0n)
  })

  it('conserves supply under transfer/transferFrom; only mint and burn change it (property)', () => {
    const who = fc.constantFrom(ALICE, BOB, CAROL)
    const amount = fc.oneof(fc.bigInt({ min: 0n, max: 400n }), fc.constant(MAX))
    const op = fc.oneof(
      fc.record({ k: fc.constant('transfer' as const), from: who, to: who, amount }),
      fc.record({ k: fc.constant('approve' as const), from: who, to: who, amount }),
      fc.record({ k: fc.constant('transferFrom' as const), from: who, owner: who, to: who, amount }),
      fc.record({
        k: fc.constant('mint' as const),
        from: who,
        to: who,
        amount: fc.bigInt({ min: 0n, max: 400n }),
      }),
      fc.record({ k: fc.constant('burn' as const), from: who, amount }),
    )
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        const h = new Harness()
        const t = createToken(h)
        const sum = () => [ALICE, BOB, CAROL].reduce((s, a) => s + h.balanceOf(t, a), 0n)
        let supply = h.totalSupply(t)
        const sends = ops.map((o) => {
          const data =
            o.k === 'transferFrom'
              ? erc20('transferFrom', [o.owner, o.to, o.amount])
              : o.k === 'burn'
                ? erc20('burn', [o.amount])
                : erc20(o.k, [o.to, o.amount])
          return { from: o.from, to: t, data }
        })
        const result = h.block(sends)
        result.receipts.forEach((r, i) => {
          const o = defined(ops[i])
          if (r.status === 1 && o.k === 'mint') supply += o.amount
          if (r.status === 1 && o.k === 'burn') supply -= o.amount
        })
        expect(h.totalSupply(t)).toBe(supply)
        expect(sum()).toBe(supply)
      }),
      { numRuns: 60 },
    )
  })
})

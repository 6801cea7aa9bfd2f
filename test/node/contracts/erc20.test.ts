import fc from 'fast-check'
import {
  type Address,
  concat,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
  toBytes,
  toFunctionSelector,
} from 'viem'
import { describe, expect, it } from 'vitest'
import type { Receipt } from '../../../src/node/chain/types'
import { TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS as ZERO } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { GAS } from '../../../src/node/contracts/gas'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { ALICE, BOB, CAROL, defined, Harness, type Send } from './harness'

const MAX = (1n << 256n) - 1n

function reason(r: Pick<Receipt, 'status' | 'revertData'>): string {
  expect(r.status).toBe(0)
  const e = decodeErrorResult({ abi: [], data: r.revertData as Hex })
  expect(e.errorName).toBe('Error')
  return e.args[0] as string
}

const createToken = (h: Harness, supply = 1_000n, from: Address = ALICE): Address =>
  h.createToken({ from, supply, name: 'Apple', symbol: 'APL' })

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

const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`
const topic = (a: Address): Hex => `0x${a.slice(2).padStart(64, '0')}`
const TRANSFER = keccak256(toBytes('Transfer(address,address,uint256)'))
const APPROVAL = keccak256(toBytes('Approval(address,address,uint256)'))
const transferLog = (t: Address, from: Address, to: Address, value: bigint) => ({
  address: t,
  topics: [TRANSFER, topic(from), topic(to)],
  data: word(value),
})
const approvalLog = (t: Address, owner: Address, spender: Address, value: bigint) => ({
  address: t,
  topics: [APPROVAL, topic(owner), topic(spender)],
  data: word(value),
})

/** Sends `s`, which must revert changing nothing but the sender's nonce and fee; returns the reason. */
function refused(h: Harness, s: Send): string {
  const { receipt, feeOnlyRoot } = h.sendFeeOnly(s)
  expect(receipt.logs).toEqual([])
  expect(h.state.root).toBe(feeOnlyRoot)
  return reason(receipt)
}

describe('ERC20 edge cases, against OpenZeppelin 4.9', () => {
  it('logs Transfer and Approval with the exact topics and data OpenZeppelin emits', () => {
    const h = new Harness()
    const t = createToken(h)
    expect(h.send({ from: ALICE, to: t, data: erc20('transfer', [BOB, 100n]) }).logs).toEqual([
      transferLog(t, ALICE, BOB, 100n),
    ])
    expect(h.send({ from: BOB, to: t, data: erc20('approve', [CAROL, 60n]) }).logs).toEqual([
      approvalLog(t, BOB, CAROL, 60n),
    ])
    // transferFrom: _spendAllowance's Approval (the allowance left), then _transfer's Transfer.
    expect(h.send({ from: CAROL, to: t, data: erc20('transferFrom', [BOB, ALICE, 25n]) }).logs).toEqual([
      approvalLog(t, BOB, CAROL, 35n),
      transferLog(t, BOB, ALICE, 25n),
    ])
    // An infinite allowance is not spent, so no Approval.
    h.send({ from: BOB, to: t, data: erc20('approve', [CAROL, MAX]) })
    expect(h.send({ from: CAROL, to: t, data: erc20('transferFrom', [BOB, CAROL, 5n]) }).logs).toEqual([
      transferLog(t, BOB, CAROL, 5n),
    ])
    expect(BigInt(h.call(t, erc20('allowance', [BOB, CAROL])).returnData)).toBe(MAX)
    expect(h.send({ from: ALICE, to: t, data: erc20('mint', [CAROL, 7n]) }).logs).toEqual([
      transferLog(t, ZERO, CAROL, 7n),
    ])
    expect(h.send({ from: CAROL, to: t, data: erc20('burn', [3n]) }).logs).toEqual([
      transferLog(t, CAROL, ZERO, 3n),
    ])
  })

  it('transfers to self and of 0 succeed with their Transfer log; more than the balance changes nothing', () => {
    const h = new Harness()
    const t = createToken(h)
    expect(h.send({ from: ALICE, to: t, data: erc20('transfer', [ALICE, 1000n]) }).logs).toEqual([
      transferLog(t, ALICE, ALICE, 1000n),
    ])
    expect(h.balanceOf(t, ALICE)).toBe(1000n)
    expect(h.send({ from: BOB, to: t, data: erc20('transfer', [CAROL, 0n]) }).logs).toEqual([
      transferLog(t, BOB, CAROL, 0n),
    ])
    expect(refused(h, { from: ALICE, to: t, data: erc20('transfer', [BOB, 1001n]) })).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(refused(h, { from: ALICE, to: t, data: erc20('transfer', [ALICE, 1001n]) })).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(refused(h, { from: ALICE, to: t, data: erc20('transfer', [ZERO, 0n]) })).toBe(
      'ERC20: transfer to the zero address',
    )
    expect(h.totalSupply(t)).toBe(1000n)
  })

  it('a failed transferFrom spends no allowance; the owner needs an allowance too; approve overwrites', () => {
    const h = new Harness()
    const t = createToken(h)
    h.send({ from: ALICE, to: t, data: erc20('approve', [BOB, 2000n]) })
    // The allowance covers it and is spent first, then _transfer fails: all of it undone.
    expect(refused(h, { from: BOB, to: t, data: erc20('transferFrom', [ALICE, ZERO, 10n]) })).toBe(
      'ERC20: transfer to the zero address',
    )
    expect(refused(h, { from: BOB, to: t, data: erc20('transferFrom', [ALICE, CAROL, 1001n]) })).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(BigInt(h.call(t, erc20('allowance', [ALICE, BOB])).returnData)).toBe(2000n)
    expect(refused(h, { from: ALICE, to: t, data: erc20('transferFrom', [ALICE, BOB, 1n]) })).toBe(
      'ERC20: insufficient allowance',
    )
    // approve sets, it does not add; 0 clears.
    h.send({ from: ALICE, to: t, data: erc20('approve', [BOB, 5n]) })
    expect(BigInt(h.call(t, erc20('allowance', [ALICE, BOB])).returnData)).toBe(5n)
    expect(h.send({ from: ALICE, to: t, data: erc20('approve', [BOB, 0n]) }).logs).toEqual([
      approvalLog(t, ALICE, BOB, 0n),
    ])
    expect(BigInt(h.call(t, erc20('allowance', [ALICE, BOB])).returnData)).toBe(0n)
    expect(refused(h, { from: ALICE, to: t, data: erc20('approve', [ZERO, 5n]) })).toBe(
      'ERC20: approve to the zero address',
    )
  })

  it('reads name, symbol and decimals; ignores extra calldata like Solidity; refuses dirty address words everywhere', () => {
    const h = new Harness()
    const t = createToken(h)
    const extra = (data: Hex): Hex => `${data}${'ff'.repeat(33)}`
    expect(
      decodeFunctionResult({
        abi: erc20Abi,
        functionName: 'name',
        data: h.call(t, extra(erc20('name'))).returnData,
      }),
    ).toBe('Apple')
    expect(
      decodeFunctionResult({
        abi: erc20Abi,
        functionName: 'symbol',
        data: h.call(t, erc20('symbol')).returnData,
      }),
    ).toBe('APL')
    expect(h.call(t, erc20('decimals')).returnData).toBe(word(18n))
    expect(h.call(t, extra(erc20('balanceOf', [ALICE]))).returnData).toBe(word(1000n))
    // One high bit set in the first (ignored) 12 bytes of an address word.
    const dirty = (data: Hex, argument: number): Hex => {
      const at = 10 + 64 * argument
      return `${data.slice(0, at)}01${data.slice(at + 2)}` as Hex
    }
    const cases: Hex[] = [
      dirty(erc20('balanceOf', [ALICE]), 0),
      dirty(erc20('allowance', [ALICE, BOB]), 0),
      dirty(erc20('allowance', [ALICE, BOB]), 1),
      dirty(erc20('approve', [BOB, 1n]), 0),
      dirty(erc20('transferFrom', [ALICE, BOB, 0n]), 0),
      dirty(erc20('transferFrom', [ALICE, BOB, 0n]), 1),
      dirty(erc20('mint', [BOB, 1n]), 0),
    ]
    for (const data of cases) {
      expect([data, h.call(t, data).status]).toEqual([data, 0])
      expect(refused(h, { from: ALICE, to: t, data })).toBe('invalid address argument')
    }
  })

  it('never logs a Transfer from or to the zero address outside mint and burn (a wallet shows those as mint and burn)', () => {
    const h = new Harness()
    const t = createToken(h)
    // The owner minting to nobody: refused, the supply unchanged.
    expect(refused(h, { from: ALICE, to: t, data: erc20('mint', [ZERO, 5n]) })).toBe(
      'ERC20: mint to the zero address',
    )
    expect(h.totalSupply(t)).toBe(1000n)
    // Pulling 0 from the zero address needs no allowance and no balance, yet is refused: it would log a
    // Transfer from the zero address, a mint that never happened.
    for (const to of [BOB, CAROL]) {
      const { receipt, feeOnlyRoot } = h.sendFeeOnly({
        from: BOB,
        to: t,
        data: erc20('transferFrom', [ZERO, to, 0n]),
      })
      expect(receipt.status).toBe(0)
      expect(receipt.logs).toEqual([])
      expect(h.state.root).toBe(feeOnlyRoot)
    }
  })

  it('refuses the zero address as an owner with the reasons OpenZeppelin gives', () => {
    const h = new Harness()
    const t = createToken(h)
    // OpenZeppelin's _spendAllowance ends in _approve(0x0, spender, 0 - 0), which refuses the zero owner
    // before _transfer runs.
    expect(refused(h, { from: BOB, to: t, data: erc20('transferFrom', [ZERO, CAROL, 0n]) })).toBe(
      'ERC20: approve from the zero address',
    )
    // No transaction comes from the zero address, but an eth_call does by default (a locked wallet's).
    expect(reason(h.call(t, erc20('approve', [BOB, 1n]), ZERO))).toBe('ERC20: approve from the zero address')
    expect(reason(h.call(t, erc20('transfer', [BOB, 0n]), ZERO))).toBe(
      'ERC20: transfer from the zero address',
    )
    expect(reason(h.call(t, erc20('burn', [0n]), ZERO))).toBe('ERC20: burn from the zero address')
  })

  it('a holder burns its whole balance, to the last unit', () => {
    const h = new Harness()
    const t = createToken(h)
    h.send({ from: ALICE, to: t, data: erc20('transfer', [BOB, 100n]) })
    expect(refused(h, { from: BOB, to: t, data: erc20('burn', [101n]) })).toBe(
      'ERC20: burn amount exceeds balance',
    )
    expect(h.send({ from: BOB, to: t, data: erc20('burn', [100n]) }).logs).toEqual([
      transferLog(t, BOB, ZERO, 100n),
    ])
    expect(h.balanceOf(t, BOB)).toBe(0n)
    expect(h.totalSupply(t)).toBe(900n)
  })

  it('refuses an address word with any one of its 12 upper bytes set', () => {
    const h = new Harness()
    const t = createToken(h)
    const data = erc20('transfer', [BOB, 1n])
    for (let i = 0; i < 12; i++) {
      // Byte i of the first argument word (hex chars after "0x" and the 4-byte selector).
      const at = 10 + 2 * i
      const dirty = `${data.slice(0, at)}01${data.slice(at + 2)}` as Hex
      expect([i, refused(h, { from: ALICE, to: t, data: dirty })]).toEqual([i, 'invalid address argument'])
    }
    expect(h.balanceOf(t, BOB)).toBe(0n)
  })

  it('reverts an empty call and a plain value transfer to a token, charging the intrinsic gas only', () => {
    const h = new Harness()
    const t = createToken(h)
    for (const value of [0n, 5n]) {
      const { receipt, feeOnlyRoot } = h.sendFeeOnly({ from: ALICE, to: t, value })
      expect(reason(receipt)).toBe('unknown function selector (none)')
      expect(receipt.gasUsed).toBe(21_000n)
      expect(h.state.root).toBe(feeOnlyRoot)
    }
    expect(h.state.getAccount(t).balance).toBe(0n)
  })
})

describe('TokenFactory edge cases', () => {
  const create = (name: string, symbol: string, decimals: number, supply: bigint): Hex =>
    encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: [name, symbol, decimals, supply],
    })

  it('takes names and symbols of 1-64 and 1-16 UTF-8 bytes, counted in bytes', () => {
    const h = new Harness()
    const accepted = [
      create('x'.repeat(64), 'S'.repeat(16), 18, 1n),
      create('é'.repeat(32), '€'.repeat(5), 18, 1n),
      create('N', 'S', 0, 1n),
    ]
    for (const data of accepted)
      expect(h.send({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data }).status).toBe(1)
    expect(
      refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: create('é'.repeat(33), 'S', 18, 1n) }),
    ).toBe('TokenFactory: name must be 1-64 bytes')
    expect(
      refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: create('N', '€'.repeat(6), 18, 1n) }),
    ).toBe('TokenFactory: symbol must be 1-16 bytes')
    expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: create('N', '', 18, 1n) })).toBe(
      'TokenFactory: symbol must be 1-16 bytes',
    )
  })

  it('keeps the name and symbol bytes sent, a leading byte order mark included; refuses invalid UTF-8', () => {
    const h = new Harness()
    const nonce = h.state.getAccount(ALICE).nonce
    const r = h.send({
      from: ALICE,
      to: TOKEN_FACTORY_ADDRESS,
      data: create('\uFEFFApple', '\uFEFFA', 1, 1n),
    })
    expect(r.status).toBe(1)
    const t = tokenAddress(ALICE, nonce)
    // Compared as ABI bytes: viem's own string decoder would drop the mark again.
    const asAbi = (...texts: string[]): Hex =>
      encodeAbiParameters(
        texts.map(() => ({ type: 'string' })),
        texts,
      )
    expect(h.call(t, erc20('name')).returnData).toBe(asAbi('\uFEFFApple'))
    expect(h.call(t, erc20('symbol')).returnData).toBe(asAbi('\uFEFFA'))
    const created = defined(r.logs.find((l) => l.address === TOKEN_FACTORY_ADDRESS))
    expect(created.data).toBe(
      encodeAbiParameters(
        [{ type: 'string' }, { type: 'string' }, { type: 'uint8' }],
        ['\uFEFFApple', '\uFEFFA', 1],
      ),
    )
    // Strings are bytes on the wire: these are not UTF-8 (a lone 0xff, a stray continuation byte,
    // an overlong '/', a surrogate).
    const raw = (name: Hex, symbol: Hex): Hex =>
      concat([
        toFunctionSelector('createToken(string,string,uint8,uint256)'),
        encodeAbiParameters(
          [{ type: 'bytes' }, { type: 'bytes' }, { type: 'uint8' }, { type: 'uint256' }],
          [name, symbol, 18, 1n],
        ),
      ])
    for (const bad of ['0xff', '0x4180', '0xc0af', '0xeda080'] as const) {
      expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: raw(bad, '0x53') })).toBe(
        'TokenFactory: name is not valid UTF-8',
      )
      expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: raw('0x4e', bad) })).toBe(
        'TokenFactory: symbol is not valid UTF-8',
      )
    }
    // The bounds are on the bytes sent: 64 bytes is a valid name, 65 is not.
    expect(
      h.send({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: raw(`0x${'41'.repeat(64)}`, '0x53') }).status,
    ).toBe(1)
    expect(
      refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: raw(`0x${'41'.repeat(65)}`, '0x53') }),
    ).toBe('TokenFactory: name must be 1-64 bytes')
  })

  it('refuses decimals above 255, an empty call and native value', () => {
    const h = new Harness()
    const ok = create('N', 'S', 255, 1n)
    expect(h.call(TOKEN_FACTORY_ADDRESS, ok).status).toBe(1)
    // decimals is the third head word.
    const at = 10 + 64 * 2
    const wide = `${ok.slice(0, at)}${word(256n).slice(2)}${ok.slice(at + 64)}` as Hex
    expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: wide })).toMatch(/uint8|calldata/)
    expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS })).toBe('unknown function selector (none)')
    expect(refused(h, { from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: ok, value: 1n })).toBe(
      'function is not payable',
    )
  })

  it('supply 0 makes no Transfer and no holder; supply 2^256 - 1 can never be minted past', () => {
    const h = new Harness()
    const empty = tokenAddress(ALICE, 0n)
    const r = h.send({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: create('Zero', 'Z', 18, 0n) })
    expect(r.logs.map((l) => l.address)).toEqual([TOKEN_FACTORY_ADDRESS])
    expect(h.totalSupply(empty)).toBe(0n)
    expect(h.balanceOf(empty, ALICE)).toBe(0n)
    expect(h.send({ from: ALICE, to: empty, data: erc20('mint', [BOB, 3n]) }).status).toBe(1)
    expect(h.totalSupply(empty)).toBe(3n)
    const full = createToken(h, MAX)
    expect(h.totalSupply(full)).toBe(MAX)
    expect(refused(h, { from: ALICE, to: full, data: erc20('mint', [BOB, 1n]) })).toBe(
      'ERC20: total supply overflow',
    )
    expect(h.send({ from: ALICE, to: full, data: erc20('transfer', [BOB, MAX]) }).status).toBe(1)
    expect(h.balanceOf(full, BOB)).toBe(MAX)
  })

  it('gives each createToken its own address, for the same creator and parameters or other creators', () => {
    const h = new Harness()
    const made = [createToken(h), createToken(h), createToken(h, 1_000n, BOB), createToken(h, 1_000n, BOB)]
    expect(new Set(made).size).toBe(4)
    for (const t of made) expect(h.totalSupply(t)).toBe(1_000n)
  })
})

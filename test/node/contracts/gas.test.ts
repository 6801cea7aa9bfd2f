import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, encodeFunctionData, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { intrinsicGas } from '../../../src/node/chain/tx'
import { toHex } from '../../../src/node/codec/bytes'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { lockId } from '../../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { ALICE, BOB, CAROL, ETHER, Harness, type Send } from './harness'

/**
 * The method costs of docs/GAS.md, written out: they are consensus rules, so a changed figure must
 * fail here (and be changed in the docs) rather than pass because a test reads the same constant.
 */
const DOCUMENTED = {
  view: 2_000n,
  transfer: 30_000n,
  approve: 24_000n,
  transferFrom: 36_000n,
  mint: 30_000n,
  burn: 25_000n,
  createToken: 150_000n,
  lock: 70_000n,
  redeem: 45_000n,
  refund: 40_000n,
  unknown: 0n,
} as const

const PREIMAGE = new Uint8Array(32).fill(7)
const HASHLOCK = toHex(sha256(PREIMAGE))

describe('gas schedule', () => {
  it('charges each method its documented cost on top of the intrinsic gas, whether it succeeds or reverts', () => {
    const h = new Harness()
    /** Sends `s` and returns [status, gas used beyond the intrinsic gas]. */
    const cost = (s: Send): [number, bigint] => {
      const r = h.send(s)
      return [r.status, r.gasUsed - intrinsicGas(s.data ?? '0x')]
    }
    const erc20 = (functionName: string, args: readonly unknown[]): Hex =>
      encodeFunctionData({
        abi: erc20Abi,
        functionName: functionName as 'transfer',
        args: args as [Address, bigint],
      })
    const t = tokenAddress(ALICE, h.state.getAccount(ALICE).nonce)
    const create = encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Gold', 'GLD', 2, 1_000n],
    })
    expect(cost({ from: ALICE, to: TOKEN_FACTORY_ADDRESS, data: create })).toEqual([
      1,
      DOCUMENTED.createToken,
    ])
    expect(cost({ from: ALICE, to: t, data: erc20('transfer', [BOB, 100n]) })).toEqual([
      1,
      DOCUMENTED.transfer,
    ])
    expect(cost({ from: BOB, to: t, data: erc20('transfer', [ALICE, 101n]) })).toEqual([
      0,
      DOCUMENTED.transfer,
    ])
    expect(cost({ from: BOB, to: t, data: erc20('approve', [CAROL, 50n]) })).toEqual([1, DOCUMENTED.approve])
    const pull = erc20('transferFrom', [BOB, CAROL, 50n])
    expect(cost({ from: CAROL, to: t, data: pull })).toEqual([1, DOCUMENTED.transferFrom])
    expect(cost({ from: CAROL, to: t, data: pull })).toEqual([0, DOCUMENTED.transferFrom])
    expect(cost({ from: ALICE, to: t, data: erc20('mint', [BOB, 5n]) })).toEqual([1, DOCUMENTED.mint])
    expect(cost({ from: BOB, to: t, data: erc20('mint', [BOB, 5n]) })).toEqual([0, DOCUMENTED.mint])
    expect(cost({ from: BOB, to: t, data: erc20('burn', [5n]) })).toEqual([1, DOCUMENTED.burn])
    expect(cost({ from: CAROL, to: t, data: erc20('burn', [51n]) })).toEqual([0, DOCUMENTED.burn])
    expect(cost({ from: ALICE, to: t, data: '0x12345678' })).toEqual([0, DOCUMENTED.unknown])
    const views = [
      erc20('name', []),
      erc20('symbol', []),
      erc20('decimals', []),
      erc20('totalSupply', []),
      erc20('owner', []),
      erc20('balanceOf', [ALICE]),
      erc20('allowance', [ALICE, BOB]),
    ]
    for (const data of views)
      expect([data, cost({ from: BOB, to: t, data })]).toEqual([data, [1, DOCUMENTED.view]])

    const htlc = (functionName: 'lock' | 'redeem' | 'refund' | 'getLock', args: readonly unknown[]): Hex =>
      encodeFunctionData({ abi: htlcAbi, functionName, args } as Parameters<typeof encodeFunctionData>[0])
    const lockFor = (timelock: bigint): { send: Send; id: Hex } => {
      const nonce = h.state.getAccount(ALICE).nonce
      return {
        send: {
          from: ALICE,
          to: HTLC_ADDRESS,
          value: ETHER,
          data: htlc('lock', [ZERO_ADDRESS, ETHER, BOB, HASHLOCK, timelock]),
        },
        id: lockId(ALICE, nonce, ZERO_ADDRESS, ETHER, BOB, HASHLOCK, timelock),
      }
    }
    const a = lockFor(h.number + 10n)
    expect(cost(a.send)).toEqual([1, DOCUMENTED.lock])
    const b = lockFor(h.number + 10n)
    expect(cost(b.send)).toEqual([1, DOCUMENTED.lock])
    expect(cost({ ...a.send, value: 0n })).toEqual([0, DOCUMENTED.lock])
    expect(cost({ from: BOB, to: HTLC_ADDRESS, data: htlc('getLock', [a.id]) })).toEqual([1, DOCUMENTED.view])
    expect(cost({ from: BOB, to: HTLC_ADDRESS, data: htlc('redeem', [a.id, toHex(PREIMAGE)]) })).toEqual([
      1,
      DOCUMENTED.redeem,
    ])
    expect(cost({ from: BOB, to: HTLC_ADDRESS, data: htlc('redeem', [a.id, toHex(PREIMAGE)]) })).toEqual([
      0,
      DOCUMENTED.redeem,
    ])
    expect(cost({ from: ALICE, to: HTLC_ADDRESS, data: htlc('refund', [b.id]) })).toEqual([
      0,
      DOCUMENTED.refund,
    ])
    h.advanceTo(h.number + 10n)
    expect(cost({ from: ALICE, to: HTLC_ADDRESS, data: htlc('refund', [b.id]) })).toEqual([
      1,
      DOCUMENTED.refund,
    ])
    // A plain transfer to an account costs the intrinsic gas alone.
    expect(cost({ from: ALICE, to: CAROL, value: 1n, data: '0xabcdef' })).toEqual([1, 0n])
  })

  it('runs a method whose gas limit is exactly the intrinsic gas plus its cost; one gas less runs out, using it all', () => {
    const h = new Harness()
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 1n] })
    const t = h.createToken({ supply: 5n })
    const exact = intrinsicGas(data) + DOCUMENTED.transfer
    const short = h.send({ from: ALICE, to: t, data, gas: exact - 1n })
    expect([short.status, short.gasUsed]).toEqual([0, exact - 1n])
    expect(h.balanceOf(t, BOB)).toBe(0n)
    const enough = h.send({ from: ALICE, to: t, data, gas: exact })
    expect([enough.status, enough.gasUsed]).toEqual([1, exact])
    expect(h.balanceOf(t, BOB)).toBe(1n)
  })
})

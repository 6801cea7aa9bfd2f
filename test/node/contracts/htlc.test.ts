import { sha256 } from '@noble/hashes/sha2.js'
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
import { toHex } from '../../../src/node/codec/bytes'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { htlcAbi, LockState } from '../../../src/node/contracts/htlc/abi'
import { lockId } from '../../../src/node/contracts/htlc/htlc'
import { ALICE, BOB, CAROL, defined, ETHER, GWEI, Harness, type Send } from './harness'

const PREIMAGE: Hex = `0x${'42'.repeat(32)}`
const HASHLOCK: Hex = toHex(sha256(new Uint8Array(32).fill(0x42)))
const WRONG: Hex = `0x${'43'.repeat(32)}`

function reason(r: Receipt): string {
  expect(r.status).toBe(0)
  return decodeErrorResult({ abi: [], data: r.revertData as Hex }).args[0] as string
}

const lockData = (token: Address, amount: bigint, timelock: bigint, recipient: Address = BOB): Hex =>
  encodeFunctionData({
    abi: htlcAbi,
    functionName: 'lock',
    args: [token, amount, recipient, HASHLOCK, timelock],
  })
const redeem = (id: Hex, preimage = PREIMAGE): Hex =>
  encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [id, preimage] })
const refund = (id: Hex): Hex => encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [id] })

function getLock(h: Harness, id: Hex) {
  const r = h.call(HTLC_ADDRESS, encodeFunctionData({ abi: htlcAbi, functionName: 'getLock', args: [id] }))
  return decodeFunctionResult({ abi: htlcAbi, functionName: 'getLock', data: r.returnData })
}

/** Alice locks `amount` of the native coin (or `token`) for Bob until `timelock`; returns the id. */
function lock(h: Harness, timelock: bigint, token: Address = ZERO_ADDRESS, amount = ETHER): Hex {
  const nonce = h.state.getAccount(ALICE).nonce
  const r = h.send({
    from: ALICE,
    to: HTLC_ADDRESS,
    data: lockData(token, amount, timelock),
    value: token === ZERO_ADDRESS ? amount : 0n,
  })
  expect(r.status).toBe(1)
  const id = lockId(ALICE, nonce, token, amount, BOB, HASHLOCK, timelock)
  const locked = defined(r.logs.find((l) => l.address === HTLC_ADDRESS))
  expect(locked.topics[1]).toBe(id)
  const ev = decodeEventLog({ abi: htlcAbi, data: locked.data, topics: locked.topics as [Hex, ...Hex[]] })
  expect(ev.eventName).toBe('Locked')
  expect(ev.args).toMatchObject({ id, amount, hashlock: HASHLOCK, timelockHeight: timelock })
  return id
}

const newToken = (h: Harness): Address => h.createToken({ name: 'Banana', symbol: 'BAN' })

describe('HTLC native coin', () => {
  it('redeems with the right preimage before the timelock; anyone may submit it; funds go to the recipient', () => {
    const h = new Harness()
    const id = lock(h, 10n)
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(ETHER)
    const l = getLock(h, id)
    expect(l[0].toLowerCase()).toBe(ALICE)
    expect(l[1].toLowerCase()).toBe(BOB)
    expect(l[2]).toBe(ZERO_ADDRESS)
    expect(l.slice(3)).toEqual([ETHER, HASHLOCK, 10n, LockState.Locked])
    const bobBefore = h.state.getAccount(BOB).balance
    // Carol (a watchtower) submits Bob's redeem: the coin still goes to Bob.
    const r = h.send({ from: CAROL, to: HTLC_ADDRESS, data: redeem(id) })
    expect(r.status).toBe(1)
    const ev = decodeEventLog({
      abi: htlcAbi,
      data: defined(r.logs[0]).data,
      topics: defined(r.logs[0]).topics as [Hex, ...Hex[]],
    })
    expect(ev).toEqual({ eventName: 'Redeemed', args: { id, preimage: PREIMAGE } })
    expect(h.state.getAccount(BOB).balance).toBe(bobBefore + ETHER)
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(0n)
    expect(getLock(h, id)[6]).toBe(LockState.Redeemed)
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id) }))).toBe('HTLC: already redeemed')
    h.advanceTo(10n)
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: refund(id) }))).toBe('HTLC: already redeemed')
  })

  it('refuses a wrong preimage, an early refund and a late redeem; refunds the sender once', () => {
    const h = new Harness()
    const id = lock(h, 5n)
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id, WRONG) }))).toBe(
      'HTLC: wrong preimage',
    )
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: refund(id) }))).toBe(
      'HTLC: timelock not reached',
    )
    h.advanceTo(5n)
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id) }))).toBe('HTLC: timelock expired')
    const aliceBefore = h.state.getAccount(ALICE).balance
    const r = h.send({ from: CAROL, to: HTLC_ADDRESS, data: refund(id) })
    expect(r.status).toBe(1)
    expect(
      decodeEventLog({
        abi: htlcAbi,
        data: defined(r.logs[0]).data,
        topics: defined(r.logs[0]).topics as [Hex, ...Hex[]],
      }),
    ).toEqual({
      eventName: 'Refunded',
      args: { id },
    })
    expect(h.state.getAccount(ALICE).balance).toBe(aliceBefore + ETHER)
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: refund(id) }))).toBe('HTLC: already refunded')
    expect(getLock(h, id)[6]).toBe(LockState.Refunded)
  })

  it('checks lock parameters', () => {
    const h = new Harness()
    const send = (data: Hex, value: bigint) => h.send({ from: ALICE, to: HTLC_ADDRESS, data, value })
    expect(reason(send(lockData(ZERO_ADDRESS, ETHER, 10n), ETHER - 1n))).toBe('HTLC: value must equal amount')
    expect(reason(send(lockData(ZERO_ADDRESS, 0n, 10n), 0n))).toBe('HTLC: amount is zero')
    expect(reason(send(lockData(ZERO_ADDRESS, 1n, 1n), 1n))).toBe(
      'HTLC: timelock height must be in the future',
    )
    expect(reason(send(lockData(ZERO_ADDRESS, 1n, 10n, ZERO_ADDRESS), 1n))).toBe(
      'HTLC: recipient is the zero address',
    )
    expect(reason(send(lockData(CAROL, 1n, 10n), 0n))).toBe('HTLC: unknown token')
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(`0x${'00'.repeat(32)}`) }))).toBe(
      'HTLC: unknown lock',
    )
    expect(
      reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: refund(`0x${'00'.repeat(32)}`), value: 1n })),
    ).toBe('function is not payable')
    expect(getLock(h, `0x${'00'.repeat(32)}`)[6]).toBe(LockState.None)
    // Nothing was escrowed by the failed locks.
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(0n)
  })

  it('reverts with a decodable Error(string) on an unknown selector and on calldata shorter than 4 bytes, escrowing nothing', () => {
    const h = new Harness()
    const id = lock(h, 1_000n)
    const escrow = h.state.getAccount(HTLC_ADDRESS).balance
    const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 1n] })
    const nearRedeem: Hex = `0x${((Number.parseInt(redeem(id).slice(2, 10), 16) ^ 1) >>> 0).toString(16).padStart(8, '0')}`
    const cases: [Hex, string][] = [
      ['0x12345678', 'unknown function selector 0x12345678'],
      // An ERC20 method is not an HTLC method, arguments or not.
      [transfer, `unknown function selector ${transfer.slice(0, 10)}`],
      // One bit off a real selector (redeem's), with redeem's arguments.
      [`${nearRedeem}${redeem(id).slice(10)}`, `unknown function selector ${nearRedeem}`],
      ['0x', 'unknown function selector (none)'],
      ['0x00', 'unknown function selector (none)'],
      // The first three bytes of redeem's selector.
      [redeem(id).slice(0, 8) as Hex, 'unknown function selector (none)'],
    ]
    for (const [data, expected] of cases) {
      for (const value of [0n, ETHER]) {
        const before = h.state.getAccount(ALICE).balance
        const r = h.send({ from: ALICE, to: HTLC_ADDRESS, data, value })
        expect([data, value, r.status]).toEqual([data, value, 0])
        const e = decodeErrorResult({ abi: [], data: r.revertData as Hex })
        expect([data, e.errorName, e.args[0]]).toEqual([data, 'Error', expected])
        // Only the gas was paid: the value stayed with the sender and nothing more is escrowed.
        expect(h.state.getAccount(ALICE).balance).toBe(before - r.gasUsed * (h.baseFee + GWEI))
        expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(escrow)
      }
      const call = h.call(HTLC_ADDRESS, data)
      expect(call.status).toBe(0)
      expect(decodeErrorResult({ abi: [], data: call.revertData as Hex }).args).toEqual([expected])
    }
    // The lock is untouched and still redeems.
    expect(getLock(h, id)[6]).toBe(LockState.Locked)
    expect(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id) }).status).toBe(1)
  })

  it('gives each lock a unique id, even for identical parameters', () => {
    const h = new Harness()
    expect(lock(h, 10n)).not.toBe(lock(h, 10n))
  })
})

describe('HTLC ERC20', () => {
  it('locks via allowance and redeems to the recipient', () => {
    const h = new Harness()
    const t = newToken(h)
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 100n, 10n) }))).toBe(
      'ERC20: insufficient allowance',
    )
    h.send({
      from: ALICE,
      to: t,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 100n] }),
    })
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 100n, 10n), value: 1n }))).toBe(
      'HTLC: native value sent with a token lock',
    )
    const id = lock(h, 10n, t, 100n)
    expect(h.balanceOf(t, HTLC_ADDRESS)).toBe(100n)
    expect(h.balanceOf(t, ALICE)).toBe(900n)
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id, WRONG) }))).toBe(
      'HTLC: wrong preimage',
    )
    expect(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id) }).status).toBe(1)
    expect(h.balanceOf(t, BOB)).toBe(100n)
    expect(h.balanceOf(t, HTLC_ADDRESS)).toBe(0n)
    expect(reason(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(id) }))).toBe('HTLC: already redeemed')
  })

  it('a wrong preimage, an early refund, a late redeem and a second settle move no token and leave the lock as it was', () => {
    const h = new Harness()
    const t = newToken(h)
    h.send({
      from: ALICE,
      to: t,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 100n] }),
    })
    const id = lock(h, 20n, t, 100n)
    const holdings = () => [ALICE, BOB, CAROL, HTLC_ADDRESS].map((a) => h.balanceOf(t, a))
    const escrowed = [900n, 0n, 0n, 100n]
    const refused = (from: Address, data: Hex, why: string) => {
      expect(reason(h.send({ from, to: HTLC_ADDRESS, data }))).toBe(why)
      expect(holdings()).toEqual(escrowed)
      expect(getLock(h, id)[6]).toBe(LockState.Locked)
    }
    refused(BOB, redeem(id, WRONG), 'HTLC: wrong preimage')
    refused(CAROL, redeem(id, WRONG), 'HTLC: wrong preimage')
    refused(ALICE, refund(id), 'HTLC: timelock not reached')
    h.advanceTo(20n)
    refused(BOB, redeem(id), 'HTLC: timelock expired')
    expect(h.send({ from: CAROL, to: HTLC_ADDRESS, data: refund(id) }).status).toBe(1)
    const refundedHoldings = [1000n, 0n, 0n, 0n]
    expect(holdings()).toEqual(refundedHoldings)
    // Settled once: neither a refund nor a redeem moves a token again.
    for (const [from, data] of [
      [ALICE, refund(id)],
      [BOB, redeem(id)],
    ] as const) {
      expect(reason(h.send({ from, to: HTLC_ADDRESS, data }))).toBe('HTLC: already refunded')
      expect(holdings()).toEqual(refundedHoldings)
    }
    expect(getLock(h, id)[6]).toBe(LockState.Refunded)
  })

  it('refunds tokens to the sender after the timelock', () => {
    const h = new Harness()
    const t = newToken(h)
    h.send({
      from: ALICE,
      to: t,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, 100n] }),
    })
    const id = lock(h, 8n, t, 100n)
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: refund(id) }))).toBe(
      'HTLC: timelock not reached',
    )
    h.advanceTo(8n)
    expect(h.send({ from: BOB, to: HTLC_ADDRESS, data: refund(id) }).status).toBe(1)
    expect(h.balanceOf(t, ALICE)).toBe(1000n)
    expect(reason(h.send({ from: ALICE, to: HTLC_ADDRESS, data: refund(id) }))).toBe('HTLC: already refunded')
  })
})

describe('HTLC edge cases', () => {
  /** Sends `s`, which must revert changing nothing but the sender's nonce and fee; returns the reason. */
  const refused = (h: Harness, s: Send): string => {
    const { receipt, feeOnlyRoot } = h.sendFeeOnly(s)
    expect(receipt.logs).toEqual([])
    expect(h.state.root).toBe(feeOnlyRoot)
    return reason(receipt)
  }
  const approve = (h: Harness, t: Address, amount: bigint) =>
    h.send({
      from: ALICE,
      to: t,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, amount] }),
    })

  it('refuses a lock of the wrong native value, of a non-token, or with a timelock not after the block', () => {
    const h = new Harness()
    h.advanceTo(4n)
    const cases: [Hex, bigint, string][] = [
      [lockData(ZERO_ADDRESS, ETHER, 10n), ETHER + 1n, 'HTLC: value must equal amount'],
      [lockData(ZERO_ADDRESS, ETHER, 10n), 0n, 'HTLC: value must equal amount'],
      [lockData(HTLC_ADDRESS, 1n, 10n), 0n, 'HTLC: unknown token'],
      [lockData(TOKEN_FACTORY_ADDRESS, 1n, 10n), 0n, 'HTLC: unknown token'],
      [lockData(ZERO_ADDRESS, 1n, 0n), 1n, 'HTLC: timelock height must be in the future'],
    ]
    for (const [data, value, why] of cases)
      expect([data, value, refused(h, { from: ALICE, to: HTLC_ADDRESS, data, value })]).toEqual([
        data,
        value,
        why,
      ])
    // A timelock at the lock's own block could never be redeemed; one block after it can, in that block.
    const next = h.number + 1n
    expect(
      refused(h, { from: ALICE, to: HTLC_ADDRESS, data: lockData(ZERO_ADDRESS, 1n, next), value: 1n }),
    ).toBe('HTLC: timelock height must be in the future')
    const n = h.number + 1n
    const id = lockId(ALICE, h.state.getAccount(ALICE).nonce, ZERO_ADDRESS, 1n, BOB, HASHLOCK, n + 1n)
    const both = h.block([
      { from: ALICE, to: HTLC_ADDRESS, data: lockData(ZERO_ADDRESS, 1n, n + 1n), value: 1n },
      { from: BOB, to: HTLC_ADDRESS, data: redeem(id) },
    ])
    expect(both.receipts.map((r) => r.status)).toEqual([1, 1])
  })

  it('refuses dirty address words and short calldata in lock, redeem and refund', () => {
    const h = new Harness()
    const id = lock(h, 100n)
    const dirty = (data: Hex, argument: number): Hex => {
      const at = 10 + 64 * argument
      return `${data.slice(0, at)}80${data.slice(at + 2)}` as Hex
    }
    const cases: [Hex, bigint, string][] = [
      [dirty(lockData(ZERO_ADDRESS, 1n, 10n), 0), 1n, 'invalid address argument'],
      [dirty(lockData(ZERO_ADDRESS, 1n, 10n), 2), 1n, 'invalid address argument'],
      [lockData(ZERO_ADDRESS, 1n, 10n).slice(0, -2) as Hex, 1n, 'calldata too short'],
      [redeem(id).slice(0, -2) as Hex, 0n, 'calldata too short'],
      [refund(id).slice(0, -2) as Hex, 0n, 'calldata too short'],
    ]
    for (const [data, value, why] of cases)
      expect([data, refused(h, { from: BOB, to: HTLC_ADDRESS, data, value })]).toEqual([data, why])
    expect(getLock(h, id)[6]).toBe(LockState.Locked)
  })

  it('a token lock whose transfer fails after the allowance was spent leaves no allowance spent, lock or log', () => {
    const h = new Harness()
    const t = newToken(h)
    approve(h, t, 5_000n)
    // The allowance covers 2,000 but Alice holds 1,000: _spendAllowance runs, then the transfer reverts.
    expect(refused(h, { from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 2_000n, 10n) })).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(
      BigInt(
        h.call(
          t,
          encodeFunctionData({ abi: erc20Abi, functionName: 'allowance', args: [ALICE, HTLC_ADDRESS] }),
        ).returnData,
      ),
    ).toBe(5_000n)
    expect(refused(h, { from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 5_001n, 10n) })).toBe(
      'ERC20: insufficient allowance',
    )
    // The same with an infinite allowance.
    approve(h, t, (1n << 256n) - 1n)
    expect(refused(h, { from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 1_001n, 10n) })).toBe(
      'ERC20: transfer amount exceeds balance',
    )
    expect(h.balanceOf(t, HTLC_ADDRESS)).toBe(0n)
  })

  it('logs a token lock as Approval, Transfer to the HTLC, then Locked', () => {
    const h = new Harness()
    const t = newToken(h)
    approve(h, t, 300n)
    const r = h.send({ from: ALICE, to: HTLC_ADDRESS, data: lockData(t, 100n, 10n) })
    expect(r.status).toBe(1)
    const events = r.logs.map((l) => [
      l.address,
      decodeEventLog({
        abi: [...erc20Abi, ...htlcAbi],
        data: l.data,
        topics: l.topics as [Hex, ...Hex[]],
      }).eventName,
    ])
    expect(events).toEqual([
      [t, 'Approval'],
      [t, 'Transfer'],
      [HTLC_ADDRESS, 'Locked'],
    ])
    expect(h.totalSupply(t)).toBe(1000n)
  })

  it('a wrong preimage, a second redeem, an early refund and a second refund change nothing but the fee', () => {
    const h = new Harness()
    const a = lock(h, 6n)
    const b = lock(h, 6n)
    expect(refused(h, { from: BOB, to: HTLC_ADDRESS, data: redeem(a, WRONG) })).toBe('HTLC: wrong preimage')
    expect(refused(h, { from: ALICE, to: HTLC_ADDRESS, data: refund(a) })).toBe('HTLC: timelock not reached')
    expect(h.send({ from: BOB, to: HTLC_ADDRESS, data: redeem(a) }).status).toBe(1)
    expect(refused(h, { from: BOB, to: HTLC_ADDRESS, data: redeem(a) })).toBe('HTLC: already redeemed')
    h.advanceTo(6n)
    expect(refused(h, { from: BOB, to: HTLC_ADDRESS, data: redeem(b) })).toBe('HTLC: timelock expired')
    expect(h.send({ from: CAROL, to: HTLC_ADDRESS, data: refund(b) }).status).toBe(1)
    expect(refused(h, { from: ALICE, to: HTLC_ADDRESS, data: refund(b) })).toBe('HTLC: already refunded')
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(0n)
  })

  it('the block before the timelock height still redeems and refuses a refund; the timelock height refunds', () => {
    const h = new Harness()
    const a = lock(h, 6n)
    const b = lock(h, 6n)
    h.advanceTo(5n)
    const bobBefore = h.state.getAccount(BOB).balance
    const [early, redeemed] = h.block([
      { from: ALICE, to: HTLC_ADDRESS, data: refund(a) },
      { from: CAROL, to: HTLC_ADDRESS, data: redeem(b) },
    ]).receipts
    expect([h.number, reason(defined(early)), defined(redeemed).status]).toEqual([
      5n,
      'HTLC: timelock not reached',
      1,
    ])
    expect(h.state.getAccount(BOB).balance).toBe(bobBefore + ETHER)
    expect(getLock(h, a)[6]).toBe(LockState.Locked)
    const aliceBefore = h.state.getAccount(ALICE).balance
    expect(h.send({ from: CAROL, to: HTLC_ADDRESS, data: refund(a) }).status).toBe(1)
    expect(h.number).toBe(6n)
    expect(h.state.getAccount(ALICE).balance).toBe(aliceBefore + ETHER)
    expect(h.state.getAccount(HTLC_ADDRESS).balance).toBe(0n)
  })
})

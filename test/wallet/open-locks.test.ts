import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, decodeFunctionData, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { LogQuery } from '../../src/node/chain/log-selection'
import { fromHex, toHex } from '../../src/node/codec/bytes'
import { addressTopic } from '../../src/node/contracts/abi'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { htlcAbi, LockState } from '../../src/node/contracts/htlc/abi'
import { type HtlcLock, LOCKED_TOPIC, REDEEMED_TOPIC } from '../../src/node/contracts/htlc/htlc'
import type { LogRecord } from '../../src/node/storage/types'
import type { SwapState } from '../../src/trade/swap/state'
import {
  type FoundLock,
  type OpenLockReads,
  openLockRows,
  preimageOf,
  readOpenLocks,
  runningHashlocks,
  settleProblem,
  settleRequest,
} from '../../src/wallet/open-locks'

const ME = '0x1111111111111111111111111111111111111111' as Address
const THEM = '0x2222222222222222222222222222222222222222' as Address
const TOKEN = '0x3333333333333333333333333333333333333333' as Address
const SECRET = `0x${'ab'.repeat(32)}` as Hex
const HASHLOCK = toHex(sha256(fromHex(SECRET)))
const OTHER_HASHLOCK = `0x${'cd'.repeat(32)}` as Hex
const id = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

const lock = (over: Partial<HtlcLock> = {}): HtlcLock => ({
  sender: ME,
  recipient: THEM,
  token: ZERO_ADDRESS,
  amount: 10n ** 18n,
  hashlock: HASHLOCK,
  timelockHeight: 40n,
  state: LockState.Locked,
  ...over,
})
const found = (n: number, l: HtlcLock, preimage: Hex | null = null): FoundLock => ({
  id: id(n),
  lock: l,
  token: l.token === ZERO_ADDRESS ? null : { symbol: 'APL', decimals: 2 },
  preimage,
})
const none = new Set<Hex>()

describe('openLockRows', () => {
  test('a lock I sent: Refund from its timelock on, before it the block it becomes refundable at', () => {
    const sent = [found(1, lock())]
    expect(openLockRows(ME, sent, 39n, none)[0]?.action).toEqual({ kind: 'refundable', at: 40n })
    expect(openLockRows(ME, sent, 40n, none)[0]?.action).toEqual({ kind: 'refund' })
    expect(openLockRows(ME, sent, 41n, none)[0]).toMatchObject({
      direction: 'sent',
      other: THEM,
      amount: '1 TAB',
      action: { kind: 'refund' },
    })
  })

  test('a lock to me: Collect with the secret found before its timelock, else waiting for its sender refund', () => {
    const toMe = lock({ sender: THEM, recipient: ME, token: TOKEN, amount: 1000n })
    expect(openLockRows(ME, [found(1, toMe, SECRET)], 39n, none)[0]).toMatchObject({
      direction: 'received',
      other: THEM,
      amount: '10 APL',
      action: { kind: 'collect', preimage: SECRET, until: 40n },
    })
    // From the timelock on a redeem reverts: the secret does not make it collectable.
    expect(openLockRows(ME, [found(1, toMe, SECRET)], 40n, none)[0]?.action).toEqual({
      kind: 'waiting',
      refundAt: 40n,
    })
    expect(openLockRows(ME, [found(1, toMe)], 10n, none)[0]?.action).toEqual({
      kind: 'waiting',
      refundAt: 40n,
    })
  })

  test('settled locks, others’ locks and those of a swap this tab runs are not listed; soonest timelock first', () => {
    const rows = openLockRows(
      ME,
      [
        found(1, lock({ timelockHeight: 50n })),
        found(2, lock({ state: LockState.Refunded })),
        found(3, lock({ state: LockState.Redeemed })),
        found(4, lock({ sender: THEM, recipient: TOKEN })),
        found(5, lock({ hashlock: OTHER_HASHLOCK })),
        found(6, lock({ timelockHeight: 30n })),
      ],
      10n,
      new Set([OTHER_HASHLOCK]),
    )
    expect(rows.map((r) => r.id)).toEqual([id(6), id(1)])
  })

  test('a token whose name was not read shows its amount in base units of its address', () => {
    const rows = openLockRows(
      ME,
      [{ ...found(1, lock({ token: TOKEN, amount: 7n })), token: null }],
      0n,
      none,
    )
    expect(rows[0]?.amount).toBe('7 base units of token 0x3333333333333333333333333333333333333333')
  })
})

describe('runningHashlocks', () => {
  test('the hashlocks of the swaps not ended: a swap ended leaves its locks to the list', () => {
    const swap = (state: SwapState, hashlock: Hex) => ({ status: { state }, terms: { hashlock } })
    const upper = `0x${'EF'.repeat(32)}` as Hex
    expect(
      runningHashlocks([
        swap('MakerLocked', HASHLOCK),
        swap('SecretRevealed', upper),
        swap('Refunded', OTHER_HASHLOCK),
        swap('Expired', id(1)),
        swap('Completed', id(2)),
      ]),
    ).toEqual(new Set([HASHLOCK, upper.toLowerCase()]))
  })
})

describe('settleRequest', () => {
  test('a refund and a redeem with the secret, to the HTLC from the account; nothing for a lock that waits', () => {
    const [refund] = openLockRows(ME, [found(1, lock())], 40n, none)
    const [collect] = openLockRows(ME, [found(2, lock({ sender: THEM, recipient: ME }), SECRET)], 1n, none)
    const [waiting] = openLockRows(ME, [found(3, lock())], 1n, none)
    if (refund === undefined || collect === undefined || waiting === undefined) throw new Error('rows')
    const r = settleRequest(ME, refund)
    expect(r).toMatchObject({ from: ME, to: HTLC_ADDRESS })
    expect(decodeFunctionData({ abi: htlcAbi, data: r?.data ?? '0x' })).toEqual({
      functionName: 'refund',
      args: [id(1)],
    })
    const c = settleRequest(ME, collect)
    expect(decodeFunctionData({ abi: htlcAbi, data: c?.data ?? '0x' })).toEqual({
      functionName: 'redeem',
      args: [id(2), SECRET],
    })
    expect(settleRequest(ME, waiting)).toBeNull()
  })
})

describe('settleProblem', () => {
  test('a lock settled meanwhile, a timelock crossed, or the message as it is', () => {
    expect(settleProblem('execution reverted: HTLC: already refunded').code).toBe('LOCK_SETTLED')
    expect(settleProblem('execution reverted: HTLC: already redeemed').code).toBe('LOCK_SETTLED')
    expect(settleProblem('execution reverted: HTLC: timelock expired').code).toBe('TIMELOCK_PASSED')
    expect(settleProblem('execution reverted: HTLC: timelock not reached').code).toBe('TIMELOCK_AHEAD')
    expect(settleProblem('the user rejected the request')).toEqual({
      code: 'OTHER',
      message: 'the user rejected the request',
    })
  })
})

describe('preimageOf', () => {
  test('the Redeemed log whose data hashes to the hashlock', () => {
    expect(preimageOf(HASHLOCK, [{ data: `0x${'00'.repeat(32)}` }, { data: SECRET }])).toBe(SECRET)
    expect(preimageOf(OTHER_HASHLOCK, [{ data: SECRET }])).toBeNull()
    expect(preimageOf(HASHLOCK, [{ data: '0x' }])).toBeNull()
  })
})

/** Reads over `logs` and `locks` as a node answers them: logs filtered by range, address and topics. */
function fakeReads(
  logs: LogRecord[],
  locks: Map<Hex, HtlcLock>,
  asked: LogQuery[] = [],
  base = 0n,
): OpenLockReads {
  return {
    async blocksFrom() {
      return base
    },
    async logs(q) {
      asked.push(q)
      return logs.filter(
        (l) =>
          l.blockNumber >= (q.fromBlock ?? 0n) &&
          l.blockNumber <= (q.toBlock ?? 0n) &&
          (q.topics ?? []).every((t, i) => t === null || t === l.topics[i]),
      )
    },
    async verifiedHtlc(lockId) {
      return { value: locks.get(lockId) ?? null }
    },
    async verifiedToken(token) {
      return { value: token === TOKEN ? { symbol: 'APL', decimals: 2 } : null }
    },
  }
}
const log = (topics: Hex[], blockNumber: bigint, data: Hex = '0x'): LogRecord => ({
  address: HTLC_ADDRESS,
  topics,
  data,
  blockNumber,
  blockHash: id(99),
  transactionHash: id(98),
  transactionIndex: 0,
  logIndex: 0,
})
const locked = (n: number, from: Address, to: Address, block: bigint) =>
  log(
    [
      LOCKED_TOPIC,
      id(n),
      addressTopic(from.toLowerCase() as Address),
      addressTopic(to.toLowerCase() as Address),
    ],
    block,
  )

describe('readOpenLocks', () => {
  test('the locks I sent or receive, read fresh: a settled one left out, the secret of one to me found', async () => {
    const asked: LogQuery[] = []
    const reads = fakeReads(
      [
        locked(1, ME, THEM, 5n),
        locked(2, THEM, ME, 6n),
        locked(3, ME, THEM, 7n),
        locked(4, THEM, TOKEN, 8n),
        log([REDEEMED_TOPIC, id(5)], 9n, SECRET),
        locked(7, THEM, ME, 12n),
      ],
      new Map([
        [id(1), lock()],
        [id(2), lock({ sender: THEM, recipient: ME, token: TOKEN })],
        [id(3), lock({ state: LockState.Refunded })],
        [id(4), lock({ sender: THEM, recipient: TOKEN })],
        [id(7), lock({ sender: THEM, recipient: ME, hashlock: OTHER_HASHLOCK })],
      ]),
      asked,
    )
    const out = await readOpenLocks(ME, 20n, reads)
    expect(out).toEqual([
      { id: id(1), lock: lock(), token: null, preimage: null },
      {
        id: id(2),
        lock: lock({ sender: THEM, recipient: ME, token: TOKEN }),
        token: { symbol: 'APL', decimals: 2 },
        preimage: SECRET,
      },
      {
        id: id(7),
        lock: lock({ sender: THEM, recipient: ME, hashlock: OTHER_HASHLOCK }),
        token: null,
        preimage: null,
      },
    ])
    // The secrets are looked for from the block the first lock to me was made in.
    expect(asked.at(-1)).toMatchObject({ fromBlock: 6n, toBlock: 20n, topics: [REDEEMED_TOPIC] })
  })

  test('a range of the last 10,000 blocks at most, after the snapshot block of a node started from one', async () => {
    const asked: LogQuery[] = []
    await readOpenLocks(ME, 20_000n, fakeReads([], new Map(), asked))
    expect(asked[0]).toMatchObject({ fromBlock: 10_001n, toBlock: 20_000n })
    await readOpenLocks(ME, 20_000n, fakeReads([], new Map(), asked, 15_000n))
    expect(asked.at(-1)).toMatchObject({ fromBlock: 15_001n, toBlock: 20_000n })
    await readOpenLocks(ME, 20_000n, fakeReads([], new Map(), asked, 5_000n))
    expect(asked.at(-1)).toMatchObject({ fromBlock: 10_001n, toBlock: 20_000n })
    await readOpenLocks(ME, 30n, fakeReads([], new Map(), asked))
    expect(asked.at(-1)).toMatchObject({ fromBlock: 0n, toBlock: 30n })
  })
})

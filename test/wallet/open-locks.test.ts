import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, decodeFunctionData, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import type { LogQuery } from '../../src/node/chain/log-selection'
import { fromHex, toHex } from '../../src/node/codec/bytes'
import { addressTopic } from '../../src/node/contracts/abi'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { htlcAbi, LockState } from '../../src/node/contracts/htlc/abi'
import { type HtlcLock, LOCKED_TOPIC, REDEEMED_TOPIC } from '../../src/node/contracts/htlc/htlc'
import { LightError } from '../../src/node/light/errors'
import type { LogRecord } from '../../src/node/storage/types'
import type { SwapState } from '../../src/trade/swap/state'
import {
  type FoundLock,
  failedView,
  MAX_LOCK_WINDOWS,
  type OpenLockReads,
  openLockRows,
  openLocksReader,
  runningHashlocks,
  secretsOf,
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

describe('secretsOf', () => {
  test('the Redeemed log whose data hashes to the hashlock', () => {
    expect(secretsOf([{ data: `0x${'00'.repeat(32)}` }, { data: SECRET }]).get(HASHLOCK)).toBe(SECRET)
    expect(secretsOf([{ data: SECRET }]).get(OTHER_HASHLOCK)).toBeUndefined()
    expect(secretsOf([{ data: '0x' }]).get(HASHLOCK)).toBeUndefined()
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

describe('openLocksReader', () => {
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
    const out = (await openLocksReader(reads)(ME, 20n, true)).found
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

  test('the first read pages back through the blocks held, 10,000 at a time, after the snapshot block of a node started from one', async () => {
    const asked: LogQuery[] = []
    const ranges = () => asked.splice(0).map((q) => [q.fromBlock, q.toBlock])
    const old = lock({ timelockHeight: 100n })
    const reads = fakeReads([locked(1, ME, THEM, 3n)], new Map([[id(1), old]]), asked)
    // A lock made 19,997 blocks before the head is listed.
    const first = await openLocksReader(reads)(ME, 20_000n, true)
    expect(first).toEqual({
      at: 20_000n,
      older: null,
      found: [{ id: id(1), lock: old, token: null, preimage: null }],
    })
    // Two queries (the account as sender, as recipient) per window, newest first.
    expect(ranges()).toEqual([
      [10_001n, 20_000n],
      [10_001n, 20_000n],
      [1n, 10_000n],
      [1n, 10_000n],
      [0n, 0n],
      [0n, 0n],
    ])
    await openLocksReader(fakeReads([], new Map(), asked, 15_000n))(ME, 20_000n, true)
    expect(ranges()).toEqual([
      [15_001n, 20_000n],
      [15_001n, 20_000n],
    ])
    await openLocksReader(fakeReads([], new Map(), asked, 5_000n))(ME, 20_000n, true)
    expect(ranges()).toEqual([
      [10_001n, 20_000n],
      [10_001n, 20_000n],
      [5_001n, 10_000n],
      [5_001n, 10_000n],
    ])
    await openLocksReader(fakeReads([], new Map(), asked))(ME, 30n, true)
    expect(ranges()).toEqual([
      [0n, 30n],
      [0n, 30n],
    ])
  })

  test(`at most ${MAX_LOCK_WINDOWS} windows back, and a window a light node refuses as too wide, are limits said, not failures`, async () => {
    const asked: LogQuery[] = []
    const far = await openLocksReader(fakeReads([], new Map(), asked))(ME, 1_000_000n, true)
    expect(asked).toHaveLength(2 * MAX_LOCK_WINDOWS)
    expect(far.older).toMatchObject({ code: 'LOCKS_SCAN_BOUND', before: 900_001n })
    const base = fakeReads([locked(1, ME, THEM, 15_000n)], new Map([[id(1), lock()]]))
    const light: OpenLockReads = {
      ...base,
      async logs(q) {
        // Blocks 1–10,000 and 20,001–30,000 each may hold a match (by their blooms): too many at once.
        const busy = (from: bigint, to: bigint) => (q.fromBlock ?? 0n) <= to && (q.toBlock ?? 0n) >= from
        if (busy(1n, 10_000n) || busy(20_001n, 30_000n))
          throw new LightError({ code: 'LIGHT_LOGS_TOO_WIDE', blocks: 600, max: 512 })
        return base.logs(q)
      },
    }
    const reader = openLocksReader(light)
    const read = await reader(ME, 20_000n, true)
    expect(read.found.map((f) => f.id)).toEqual([id(1)])
    expect(read.older).toMatchObject({ code: 'LIGHT_LOGS_TOO_WIDE', before: 10_001n })
    // New blocks too many to read at once (a tab asleep for long) are read back from the head anew, as far
    // as it goes; the locks found before are kept.
    const woken = await reader(ME, 35_000n, false)
    expect(woken.found.map((f) => f.id)).toEqual([id(1)])
    expect(woken.older).toMatchObject({ code: 'LIGHT_LOGS_TOO_WIDE', before: 35_001n })
    // Another failure is the read's.
    const unverified: OpenLockReads = {
      ...base,
      logs: () =>
        Promise.reject(new LightError({ code: 'LIGHT_UNVERIFIED', what: 'logs', attempts: 0, failures: [] })),
    }
    await expect(openLocksReader(unverified)(ME, 20_000n, true)).rejects.toMatchObject({
      type: { code: 'LIGHT_UNVERIFIED' },
    })
  })

  test('each later head asks only the new blocks, and reads again only the locks not seen settled', async () => {
    const logs = [locked(1, ME, THEM, 10n), locked(2, THEM, ME, 11n), locked(3, ME, THEM, 12n)]
    const locks = new Map([
      [id(1), lock()],
      [id(2), lock({ sender: THEM, recipient: ME })],
      [id(3), lock({ state: LockState.Refunded })],
    ])
    const asked: LogQuery[] = []
    const counted = fakeReads(logs, locks, asked)
    const htlcReads: Hex[] = []
    const reads: OpenLockReads = {
      ...counted,
      verifiedHtlc(lockId) {
        htlcReads.push(lockId)
        return counted.verifiedHtlc(lockId)
      },
    }
    const blocks = () =>
      asked.splice(0).reduce((n, q) => n + ((q.toBlock ?? 0n) - (q.fromBlock ?? 0n) + 1n), 0n)
    const read = openLocksReader(reads)
    await read(ME, 20_000n, true)
    expect([asked.length, blocks(), htlcReads.splice(0).length]).toEqual([8, 2n * 20_001n + 19_990n, 3])
    // The next heads: two Locked queries and one Redeemed query (a lock to me waits for its secret) of
    // the new block each, and the records of the two locks still locked.
    for (const head of [20_001n, 20_002n]) {
      const { found } = await read(ME, head, false)
      expect(found.map((f) => f.id)).toEqual([id(1), id(2)])
      expect(asked.map((q) => [q.fromBlock, q.toBlock])).toEqual([
        [head, head],
        [head, head],
        [head, head],
      ])
      expect([blocks(), htlcReads.splice(0).sort()]).toEqual([3n, [id(1), id(2)]])
    }
    // A lock made and the secret of the one to me made public in new blocks are found there.
    logs.push(locked(4, ME, THEM, 20_003n), log([REDEEMED_TOPIC, id(9)], 20_003n, SECRET))
    locks.set(id(4), lock({ timelockHeight: 30_000n }))
    const later = await read(ME, 20_003n, false)
    expect(later.found.map((f) => [f.id, f.preimage])).toEqual([
      [id(1), null],
      [id(2), SECRET],
      [id(4), null],
    ])
  })

  test('a reorganisation, a mode change (fresh) or a head gone back reads everything again; a failed read keeps nothing', async () => {
    const logs = [locked(1, ME, THEM, 10n)]
    const locks = new Map([[id(1), lock({ state: LockState.Refunded })]])
    const asked: LogQuery[] = []
    const reads = fakeReads(logs, locks, asked)
    const read = openLocksReader(reads)
    expect((await read(ME, 100n, true)).found).toEqual([])
    // The refund was reorganised away: the lock is locked again, and a fresh read lists it.
    locks.set(id(1), lock())
    asked.length = 0
    expect((await read(ME, 101n, false)).found).toEqual([])
    expect(asked.map((q) => [q.fromBlock, q.toBlock])).toEqual([
      [101n, 101n],
      [101n, 101n],
    ])
    asked.length = 0
    expect((await read(ME, 101n, true)).found.map((f) => f.id)).toEqual([id(1)])
    expect(asked[0]).toMatchObject({ fromBlock: 0n, toBlock: 101n })
    // A head below the last read (a reorg not yet heard of) reads all again too.
    asked.length = 0
    await read(ME, 99n, false)
    expect(asked[0]).toMatchObject({ fromBlock: 0n, toBlock: 99n })
    // A read that fails: the next one asks the same blocks again.
    let fail = false
    const flaky = openLocksReader({
      ...reads,
      verifiedHtlc(lockId) {
        return fail ? Promise.reject(new Error('no peer')) : reads.verifiedHtlc(lockId)
      },
    })
    await flaky(ME, 100n, true)
    fail = true
    logs.push(locked(2, ME, THEM, 101n))
    locks.set(id(2), lock())
    await expect(flaky(ME, 101n, false)).rejects.toThrow('no peer')
    fail = false
    asked.length = 0
    expect((await flaky(ME, 102n, false)).found.map((f) => f.id)).toEqual([id(1), id(2)])
    expect(asked[0]).toMatchObject({ fromBlock: 101n, toBlock: 102n })
  })

  test('a lock a light node does not prove yet (null) is read again at the next head', async () => {
    const locks = new Map<Hex, HtlcLock>()
    const read = openLocksReader(fakeReads([locked(1, ME, THEM, 10n)], locks))
    expect((await read(ME, 20n, true)).found).toEqual([])
    locks.set(id(1), lock())
    expect((await read(ME, 21n, false)).found.map((f) => f.id)).toEqual([id(1)])
  })
})

describe('failedView', () => {
  test('a failed read keeps the rows last read of the account, marked; an error alone when none was read', () => {
    const rows = openLockRows(ME, [found(1, lock())], 40n, none)
    const shown = { account: ME, rows, at: 40n, older: null, unread: null }
    expect(failedView(shown, ME, 'no peer proved it')).toEqual({ ...shown, unread: 'no peer proved it' })
    expect(failedView(null, ME, 'no peer proved it')).toEqual({ account: ME, error: 'no peer proved it' })
    expect(failedView(shown, THEM, 'no peer')).toEqual({ account: THEM, error: 'no peer' })
    const error = { account: ME, error: 'first' }
    expect(failedView(error, ME, 'again')).toEqual({ account: ME, error: 'again' })
  })
})

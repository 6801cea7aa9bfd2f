import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, encodeFunctionData, type Hex, pad } from 'viem'
import { describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { type LogQuery, selectLogs } from '../../../src/node/chain/log-selection'
import type { Header, Log } from '../../../src/node/chain/types'
import { bytesToBigint, fromHex, keccak, toHex } from '../../../src/node/codec/bytes'
import { merkleRoot } from '../../../src/node/codec/merkle'
import { encodeReceipt } from '../../../src/node/codec/receipt'
import { rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { APPROVAL_TOPIC, TRANSFER_TOPIC } from '../../../src/node/contracts/erc20/erc20'
import { htlcAbi } from '../../../src/node/contracts/htlc/abi'
import { LOCKED_TOPIC, lockId, REDEEMED_TOPIC } from '../../../src/node/contracts/htlc/htlc'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { TOKEN_CREATED_TOPIC, tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { LightError } from '../../../src/node/light/errors'
import { HeaderChain } from '../../../src/node/light/header-chain'
import { LightClient, type LightClientInit, MAX_LIGHT_LOG_BLOCKS } from '../../../src/node/light/light-client'
import { verifyBlockReceipts } from '../../../src/node/light/verify'
import { NodeError } from '../../../src/node/rpc/errors'
import { SyncError } from '../../../src/node/sync/errors'
import { MAX_SYNC_RESPONSE_BYTES } from '../../../src/node/sync/messages'
import type { Offence } from '../../../src/node/sync/peer-scores'
import {
  type BlockReceiptsEntry,
  decodeBlockReceiptsRequest,
  decodeBlockReceiptsResponse,
  encodeBlockReceiptsRequest,
  encodeBlockReceiptsResponse,
  MAX_RECEIPT_BLOCKS,
} from '../../../src/node/sync/proof-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { asyncCodeOf, codeOf } from '../../code-of'
import { addressOf, snapshotStore } from '../chain/chain-fixtures'
import {
  ALICE,
  BOB,
  bloomHeaders,
  extend,
  fullQueries,
  GENESIS,
  mineTxs,
  must,
  RecordingBoard,
  signCall,
  TOKEN,
  tokenChain,
} from './fixtures'

/**
 * Whole-block receipts for light nodes (`sync-receipts`): what a full node serves, what
 * `verifyBlockReceipts` accepts, and `LightClient.logs` against real servers, honest, short or forging.
 */

const P = syncProtocols(GENESIS.params.chainId)
const NOW = 10 ** 15
const CAROL = addressOf(2)
/** ALICE's second token: created with her nonce 3 in block 3. */
const SILVER: Address = tokenAddress(ALICE, 3n)
const PREIMAGE: Hex = `0x${'42'.repeat(32)}`
const HASHLOCK: Hex = toHex(sha256(new Uint8Array(32).fill(0x42)))
const TIMELOCK = 100n
/** ALICE's GLD lock for BOB (her nonce 6, in block 5). */
const GOLD_LOCK = lockId(ALICE, 6n, TOKEN, 100n, BOB, HASHLOCK, TIMELOCK)
const NOBODY: Address = `0x${'de'.repeat(20)}`
const topicOf = (a: Address): Hex => pad(a)

const lightCode = (fn: () => unknown): string => codeOf(LightError, fn)
const syncCode = (fn: () => unknown): string => codeOf(SyncError, fn)

const transferData = (to: Address, amount: bigint): Hex =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
const approveData = (spender: Address, amount: bigint): Hex =>
  encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] })
const lockData = (token: Address, amount: bigint, recipient: Address): Hex =>
  encodeFunctionData({
    abi: htlcAbi,
    functionName: 'lock',
    args: [token, amount, recipient, HASHLOCK, TIMELOCK],
  })

/**
 * Eight blocks of token and HTLC traffic:
 * 1. GLD created (mint Transfer + TokenCreated), 250 GLD to BOB, BOB approved for 40 (tokenChain);
 * 2. empty; 3. SLV created, BOB sends 10 GLD to CAROL; 4. empty;
 * 5. 7 SLV to CAROL, the HTLC approved for and locking 100 GLD for BOB, a reverted transfer of BOB's;
 * 6. CAROL locks native coin for ALICE, BOB redeems the GLD lock;
 * 7. a native transfer only (no logs); 8. empty.
 */
async function logChain(): Promise<Chain> {
  const { chain } = await tokenChain(0)
  extend(chain, 1)
  mineTxs(chain, [
    await signCall(
      0,
      3,
      TOKEN_FACTORY_ADDRESS,
      encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Silver', 'SLV', 0, 500n],
      }),
    ),
    await signCall(1, 0, TOKEN, transferData(CAROL, 10n)),
  ])
  extend(chain, 1)
  mineTxs(chain, [
    await signCall(0, 4, SILVER, transferData(CAROL, 7n)),
    await signCall(0, 5, TOKEN, approveData(HTLC_ADDRESS, 100n)),
    await signCall(0, 6, HTLC_ADDRESS, lockData(TOKEN, 100n, BOB)),
    await signCall(1, 1, TOKEN, transferData(CAROL, 1_000_000n)),
  ])
  mineTxs(chain, [
    await signCall(2, 0, HTLC_ADDRESS, lockData(ZERO_ADDRESS, 5n, ALICE), 5n),
    await signCall(
      1,
      2,
      HTLC_ADDRESS,
      encodeFunctionData({ abi: htlcAbi, functionName: 'redeem', args: [GOLD_LOCK, PREIMAGE] }),
    ),
  ])
  mineTxs(chain, [await signCall(3, 0, NOBODY, '0x', 1_000n)])
  extend(chain, 1)
  // The fixture is what the tests say it is.
  const logsOf = (n: bigint) => must(chain.getBlockByNumber(n)).receipts.flatMap((r) => r.logs)
  expect([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((n) => logsOf(n).length)).toEqual([4, 0, 3, 0, 5, 3, 0, 0])
  expect(must(chain.getBlockByNumber(5n)).receipts.map((r) => r.status)).toEqual([1, 1, 1, 0])
  expect(must(chain.getBlockByNumber(7n)).receipts).toHaveLength(1)
  return chain
}

let cached: Promise<Chain> | undefined
/** The shared log chain (tests only read it). */
const sharedChain = (): Promise<Chain> => {
  cached ??= logChain()
  return cached
}

function serverOf(chain: Chain) {
  const server = createSyncServer({ chain, now: () => 0, rateBurst: 1_000_000 })
  const ask = (protocol: string, body: Uint8Array, from = 'light'): Uint8Array => {
    const res = server.answer(protocol, body, from)
    if (res === null) throw new Error('not a sync protocol')
    return res
  }
  return { server, ask }
}

/** The receipts entries a full node serves for `hashes`. */
function served(chain: Chain, hashes: readonly Hex[]): (BlockReceiptsEntry | null)[] {
  return decodeBlockReceiptsResponse(serverOf(chain).ask(P.receipts, encodeBlockReceiptsRequest(hashes)))
}

const block = (chain: Chain, n: bigint) => must(chain.getBlockByNumber(n))

// ---------------------------------------------------------------------------------------------------
// The server and verifyBlockReceipts

describe('block receipts served by a full node', () => {
  test('canonical blocks’ receipts verify against their headers and carry the stored logs; unknown hashes get null', async () => {
    const chain = await sharedChain()
    const numbers = [1n, 2n, 3n, 5n, 6n, 7n]
    const unknown = `0x${'12'.repeat(32)}` as Hex
    const hashes = [...numbers.map((n) => block(chain, n).hash), unknown]
    const entries = served(chain, hashes)
    expect(entries).toHaveLength(hashes.length)
    expect(entries.at(-1)).toBeNull()
    for (const [i, n] of numbers.entries()) {
      const stored = block(chain, n)
      const entry = must(entries[i])
      expect(entry.txHashes).toEqual(stored.txHashes)
      const proven = verifyBlockReceipts(stored.block.header, stored.hash, entry)
      expect(proven.map((r) => r.transactionHash)).toEqual(stored.txHashes)
      expect(proven.map((r) => r.logs)).toEqual(stored.receipts.map((r) => r.logs))
      expect(proven.map((r) => r.status)).toEqual(stored.receipts.map((r) => r.status))
      expect(proven.map((r) => r.cumulativeGasUsed)).toEqual(stored.receipts.map((r) => r.cumulativeGasUsed))
    }
    // The empty block and the one without logs are answered too (nothing and one log-less receipt).
    expect(must(entries[1]).receipts).toEqual([])
    expect(must(entries[5]).receipts).toHaveLength(1)
    // The reverted transfer of block 5 is there, with status 0.
    expect(
      verifyBlockReceipts(block(chain, 5n).block.header, block(chain, 5n).hash, must(entries[3]))[3],
    ).toMatchObject({ status: 0, logs: [] })
  })

  test('blocks whose receipts together pass the response cap are answered in part, in request order and within the cap', async () => {
    const { chain, store } = await tokenChain(0)
    for (let i = 0; i < MAX_RECEIPT_BLOCKS; i++)
      mineTxs(chain, [await signCall(0, 3 + i, TOKEN, transferData(BOB, 1n))])
    // Each block's receipts ~120 KB (a log carrying that much data): the 32 together ~3.8 MB.
    const numbers = Array.from({ length: MAX_RECEIPT_BLOCKS }, (_, i) => BigInt(i + 2))
    for (const n of numbers) {
      const stored = block(chain, n)
      const [receipt] = stored.receipts
      const log = { ...must(receipt?.logs[0]), data: `0x${'ab'.repeat(120_000)}` as Hex }
      store.write({ blocks: [{ ...stored, receipts: [{ ...must(receipt), logs: [log] }] }] })
    }
    const hashes = numbers.map((n) => block(chain, n).hash)
    const answer = serverOf(chain).ask(P.receipts, encodeBlockReceiptsRequest(hashes))
    expect(answer.length).toBeLessThanOrEqual(MAX_SYNC_RESPONSE_BYTES)
    const entries = decodeBlockReceiptsResponse(answer)
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.length).toBeLessThan(MAX_RECEIPT_BLOCKS)
    expect(entries.map((e) => e?.txHashes)).toEqual(
      numbers.slice(0, entries.length).map((n) => block(chain, n).txHashes),
    )
  })

  test('a block off the canonical chain gets a null entry', async () => {
    const { chain } = await tokenChain(2)
    // A branch from block 1 as heavy as the canonical one: the first seen stays canonical.
    const side = hashBlock(must(extend(chain, 1, { parentHash: block(chain, 1n).hash, miner: BOB })[0]))
    expect(chain.getBlock(side)).toBeDefined()
    expect(chain.isCanonical(side)).toBe(false)
    const entries = served(chain, [side, block(chain, 2n).hash])
    expect(entries[0]).toBeNull()
    expect(entries[1]).not.toBeNull()
  })

  test('a node started from a snapshot holds no receipts of its base block: it answers null, not an empty block', async () => {
    const source = await sharedChain()
    const chain = new Chain({ genesis: GENESIS, store: snapshotStore(GENESIS, source, 5n) })
    const base = block(chain, 5n)
    // The base block has four transactions, but the node holds neither their hashes nor their receipts.
    expect(base.block.transactions).toHaveLength(4)
    expect(base.receipts).toEqual([])
    const entries = served(chain, [base.hash])
    expect(entries).toEqual([null])
  })

  test('requests past MAX_RECEIPT_BLOCKS are SYNC_REQUEST_TOO_LARGE; garbage is SYNC_MALFORMED', async () => {
    const chain = await sharedChain()
    const { ask } = serverOf(chain)
    const h = block(chain, 1n).hash
    expect(MAX_RECEIPT_BLOCKS).toBe(32)
    // Exactly the most is answered.
    expect(
      decodeBlockReceiptsResponse(
        ask(P.receipts, encodeBlockReceiptsRequest(Array(MAX_RECEIPT_BLOCKS).fill(h))),
      ),
    ).toHaveLength(MAX_RECEIPT_BLOCKS)
    const over = encodeBlockReceiptsRequest(Array(MAX_RECEIPT_BLOCKS + 1).fill(h))
    expect(syncCode(() => ask(P.receipts, over))).toBe('SYNC_REQUEST_TOO_LARGE')
    expect(syncCode(() => decodeBlockReceiptsRequest(over))).toBe('SYNC_REQUEST_TOO_LARGE')
    for (const garbage of [
      Uint8Array.of(0xc5),
      Uint8Array.of(0x01, 0x02, 0x03),
      rlpEncode([]),
      rlpEncode(fromHex(h)),
      rlpEncode([new Uint8Array(31)]),
      rlpEncode([[fromHex(h)]]),
    ])
      expect(syncCode(() => ask(P.receipts, garbage))).toBe('SYNC_MALFORMED')
    // Responses: counts that disagree, too many entries, a short hash, a bad shape.
    const receipt = encodeReceipt({ status: 1, cumulativeGasUsed: 1n, logs: [] })
    for (const bad of [
      rlpEncode([[[fromHex(h)], []]]),
      rlpEncode([[[], [receipt]]]),
      rlpEncode([[[new Uint8Array(31)], [receipt]]]),
      rlpEncode([[[fromHex(h)], [receipt], []]]),
      rlpEncode([[fromHex(h), [receipt]]]),
      rlpEncode(Array.from({ length: MAX_RECEIPT_BLOCKS + 1 }, () => [])),
      Uint8Array.of(0x05),
    ])
      expect(syncCode(() => decodeBlockReceiptsResponse(bad))).toBe('SYNC_MALFORMED')
    expect(syncCode(() => decodeBlockReceiptsResponse(new Uint8Array(4 * 1024 * 1024)))).toBe(
      'SYNC_RESPONSE_TOO_LARGE',
    )
  })
})

/** Flips one bit of byte `at` of a hex string (counted from the end when negative). */
function flip(hex: Hex, at: number): Hex {
  const b = fromHex(hex)
  const i = at < 0 ? b.length + at : at
  b[i] = (b[i] as number) ^ 1
  return toHex(b)
}

/** `header` with its receipts root made of `receipts` (so only the decoding checks of the receipts apply). */
const rootedAt = (header: Header, receipts: readonly Hex[]): Header => ({
  ...header,
  receiptsRoot: merkleRoot(receipts.map((r) => keccak(fromHex(r)))),
})

/** A receipt of `r`'s RLP items with `edit` applied, encoded as given (perhaps not canonically). */
function reencoded(r: Hex, edit: (items: (Uint8Array | unknown[])[]) => unknown[]): Hex {
  const items = rlpDecode(fromHex(r)) as (Uint8Array | unknown[])[]
  return toHex(rlpEncode(edit(items) as Parameters<typeof rlpEncode>[0]))
}

describe('verifyBlockReceipts refuses anything but the block’s own receipts', () => {
  test('changed, dropped, added, swapped or foreign receipts and hashes are LIGHT_BAD_PROOF', async () => {
    const chain = await sharedChain()
    const b5 = block(chain, 5n)
    const [e, e1, e2] = served(chain, [b5.hash, block(chain, 1n).hash, block(chain, 2n).hash]).map(must) as [
      BlockReceiptsEntry,
      BlockReceiptsEntry,
      BlockReceiptsEntry,
    ]
    const header = b5.block.header
    const check = (x: BlockReceiptsEntry, h: Header = header) =>
      lightCode(() => verifyBlockReceipts(h, b5.hash, x))
    expect(check(e)).toBe('accepted')
    const proven = verifyBlockReceipts(header, b5.hash, e)
    const receipts = [...e.receipts]
    const txHashes = [...e.txHashes]
    const withReceipt = (i: number, r: Hex): Hex[] => receipts.map((x, j) => (j === i ? r : x))

    // A log's data changed by one byte, the receipt re-encoded canonically: only the root can tell.
    const first = must(proven[0])
    const log = must(first.logs[0])
    const changedLog = toHex(
      encodeReceipt({ ...first, logs: [{ ...log, data: flip(log.data, -1) }, ...first.logs.slice(1)] }),
    )
    expect(changedLog).not.toBe(receipts[0])
    const forged = { txHashes, receipts: withReceipt(0, changedLog) }
    expect(check(forged)).toBe('LIGHT_BAD_PROOF')
    // (It is canonical: under a root made of it, it is accepted, with the changed log.)
    expect(verifyBlockReceipts(rootedAt(header, forged.receipts), b5.hash, forged)[0]?.logs[0]?.data).toBe(
      flip(log.data, -1),
    )
    // A log's address, a topic, a log dropped; the reverted transfer turned into a success; other gas.
    const reverted = must(proven[3])
    for (const r of [
      encodeReceipt({ ...first, logs: [{ ...log, address: NOBODY }] }),
      encodeReceipt({ ...first, logs: [{ ...log, topics: [APPROVAL_TOPIC, ...log.topics.slice(1)] }] }),
      encodeReceipt({ ...first, logs: [] }),
      encodeReceipt({ ...first, cumulativeGasUsed: first.cumulativeGasUsed + 1n }),
    ])
      expect(check({ txHashes, receipts: withReceipt(0, toHex(r)) })).toBe('LIGHT_BAD_PROOF')
    expect(
      check({ txHashes, receipts: withReceipt(3, toHex(encodeReceipt({ ...reverted, status: 1 }))) }),
    ).toBe('LIGHT_BAD_PROOF')

    // A receipt dropped with its transaction hash (the last one, the first one), or alone.
    expect(check({ txHashes: txHashes.slice(0, -1), receipts: receipts.slice(0, -1) })).toBe(
      'LIGHT_BAD_PROOF',
    )
    expect(check({ txHashes: txHashes.slice(1), receipts: receipts.slice(1) })).toBe('LIGHT_BAD_PROOF')
    expect(check({ txHashes, receipts: receipts.slice(0, -1) })).toBe('LIGHT_BAD_PROOF')
    // One added (the last repeated), with and without a hash.
    expect(
      check({ txHashes: [...txHashes, must(txHashes[3])], receipts: [...receipts, must(receipts[3])] }),
    ).toBe('LIGHT_BAD_PROOF')
    expect(check({ txHashes, receipts: [...receipts, must(receipts[3])] })).toBe('LIGHT_BAD_PROOF')
    // Two receipts swapped (their hashes left in place), two hashes swapped, both swapped.
    const swap = <T>(xs: readonly T[]): T[] => [xs[1] as T, xs[0] as T, ...xs.slice(2)]
    expect(check({ txHashes, receipts: swap(receipts) })).toBe('LIGHT_BAD_PROOF')
    expect(check({ txHashes: swap(txHashes), receipts })).toBe('LIGHT_BAD_PROOF')
    expect(check({ txHashes: swap(txHashes), receipts: swap(receipts) })).toBe('LIGHT_BAD_PROOF')
    // A transaction hash changed.
    expect(check({ txHashes: [flip(must(txHashes[0]), 31), ...txHashes.slice(1)], receipts })).toBe(
      'LIGHT_BAD_PROOF',
    )
    // Another block's receipts (block 1's, the empty block 2's), and block 5's under another header.
    expect(check(e1)).toBe('LIGHT_BAD_PROOF')
    expect(check(e2)).toBe('LIGHT_BAD_PROOF')
    expect(check(e, block(chain, 1n).block.header)).toBe('LIGHT_BAD_PROOF')
    expect(check(e, block(chain, 2n).block.header)).toBe('LIGHT_BAD_PROOF')
    // Right hashes, another block's receipts of the same count (block 1 has 3: pad block 5 down to it).
    expect(check({ txHashes: txHashes.slice(0, 3), receipts: e1.receipts })).toBe('LIGHT_BAD_PROOF')
    // A header whose receipts root commits to one receipt fewer than its transactions (a block no full
    // node would take, but its proof of work may hold): the receipts make that root, still refused.
    const short = receipts.slice(0, -1)
    expect(check({ txHashes, receipts: short }, rootedAt(header, short))).toBe('LIGHT_BAD_PROOF')
  })

  test('a receipt not canonically encoded is LIGHT_BAD_PROOF, even under a root made of it', async () => {
    const chain = await sharedChain()
    const b5 = block(chain, 5n)
    const e = must(served(chain, [b5.hash])[0])
    const ok = must(e.receipts[0])
    const reverted = must(e.receipts[3])
    const fields = rlpDecode(fromHex(ok)) as [Uint8Array, Uint8Array, Uint8Array[][]]
    const firstLog = must(fields[2][0]) as unknown as [Uint8Array, Uint8Array[], Uint8Array]
    const noncanonical: Record<string, Hex> = {
      'status 2': reencoded(ok, ([, gas, logs]) => [Uint8Array.of(2), gas, logs]),
      'status 0 as a zero byte': reencoded(reverted, ([, gas, logs]) => [Uint8Array.of(0), gas, logs]),
      'gas with a leading zero': reencoded(ok, ([status, gas, logs]) => [
        status,
        Uint8Array.of(0, ...(gas as Uint8Array)),
        logs,
      ]),
      'a fourth field': reencoded(ok, (items) => [...items, Uint8Array.of(1)]),
      'two fields': reencoded(ok, (items) => items.slice(0, 2)),
      'a log of two fields': reencoded(ok, ([status, gas]) => [status, gas, [[firstLog[0], firstLog[1]]]]),
      'a log with a fourth field': reencoded(ok, ([status, gas]) => [
        status,
        gas,
        [[...firstLog, Uint8Array.of(1)]],
      ]),
      'a 19-byte address': reencoded(ok, ([status, gas]) => [
        status,
        gas,
        [[firstLog[0].subarray(1), firstLog[1], firstLog[2]]],
      ]),
      'a 31-byte topic': reencoded(ok, ([status, gas]) => [
        status,
        gas,
        [[firstLog[0], [must(firstLog[1][0]).subarray(1)], firstLog[2]]],
      ]),
      'logs as a byte string': reencoded(ok, ([status, gas]) => [status, gas, Uint8Array.of(1)]),
      'status as a list': reencoded(ok, ([, gas, logs]) => [[], gas, logs]),
      'not a list': toHex(rlpEncode(Uint8Array.of(1, 2, 3))),
      // The list's length in the long form though it is short: not minimal RLP.
      'a long-form list prefix': (() => {
        const b = fromHex(reverted)
        const payload = b.subarray(1)
        return toHex(Uint8Array.of(0xf8, payload.length, ...payload))
      })(),
      'trailing bytes': `${reverted}00` as Hex,
      'no bytes': '0x',
    }
    for (const [name, r] of Object.entries(noncanonical)) {
      const receipts = [r, ...e.receipts.slice(1)]
      const entry = { txHashes: e.txHashes, receipts }
      // Under the block's own root, and under a root made of the forged bytes.
      expect([name, lightCode(() => verifyBlockReceipts(b5.block.header, b5.hash, entry))]).toEqual([
        name,
        'LIGHT_BAD_PROOF',
      ])
      expect([
        name,
        lightCode(() => verifyBlockReceipts(rootedAt(b5.block.header, receipts), b5.hash, entry)),
      ]).toEqual([name, 'LIGHT_BAD_PROOF'])
    }
    // The canonical bytes under such a root are accepted: the root swap alone refuses nothing.
    expect(lightCode(() => verifyBlockReceipts(rootedAt(b5.block.header, e.receipts), b5.hash, e))).toBe(
      'accepted',
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// LightClient.logs against real servers

/** How a peer answers a receipts request (the body asked, its answer). */
type Answer = (body: Uint8Array) => Uint8Array

/** An honest full node's answers (its own rate-limit bucket per peer name). */
function honest(chain: Chain, name = 'full'): Answer {
  const { ask } = serverOf(chain)
  return (body) => ask(P.receipts, body, name)
}

/** A peer answering what `inner` answers, with its entries edited. */
function editing(
  inner: Answer,
  edit: (entries: (BlockReceiptsEntry | null)[], hashes: Hex[]) => (BlockReceiptsEntry | null)[],
): Answer {
  return (body) =>
    encodeBlockReceiptsResponse(
      edit(decodeBlockReceiptsResponse(inner(body)), decodeBlockReceiptsRequest(body)),
    )
}

/** Whether a receipt's encoding holds a log. */
const hasLogs = (r: Hex): boolean => ((rlpDecode(fromHex(r)) as unknown[][])[2]?.length ?? 0) > 0

/** Edits the first entry holding a log. */
const firstWithLogs =
  (edit: (e: BlockReceiptsEntry) => BlockReceiptsEntry) =>
  (entries: (BlockReceiptsEntry | null)[]): (BlockReceiptsEntry | null)[] => {
    const i = entries.findIndex((e) => e?.receipts.some(hasLogs))
    return entries.map((e, j) => (j === i && e !== null ? edit(e) : e))
  }

/** Forgeries of a block's receipts a lying peer may try. */
const FORGERIES: Record<string, (e: BlockReceiptsEntry) => BlockReceiptsEntry> = {
  'a log byte changed (canonical re-encoding)': (e) => {
    const i = e.receipts.findIndex(hasLogs)
    const r = must(e.receipts[i])
    const items = rlpDecode(fromHex(r)) as [Uint8Array, Uint8Array, Uint8Array[][]]
    const status = (items[0].length === 0 ? 0 : 1) as 0 | 1
    const logs: Log[] = items[2].map((l) => {
      const [address, topics, data] = l as unknown as [Uint8Array, Uint8Array[], Uint8Array]
      return { address: toHex(address) as Address, topics: topics.map(toHex), data: toHex(data) }
    })
    const log = must(logs[0])
    const changed = { ...log, data: log.data === '0x' ? ('0x01' as Hex) : flip(log.data, -1) }
    const forged = toHex(
      encodeReceipt({
        status,
        cumulativeGasUsed: bytesToBigint(items[1]),
        logs: [changed, ...logs.slice(1)],
      }),
    )
    return { ...e, receipts: e.receipts.map((x, j) => (j === i ? forged : x)) }
  },
  'the last receipt dropped with its hash': (e) => ({
    txHashes: e.txHashes.slice(0, -1),
    receipts: e.receipts.slice(0, -1),
  }),
  'two receipts swapped': (e) => ({
    ...e,
    receipts: [must(e.receipts[1]), must(e.receipts[0]), ...e.receipts.slice(2)],
  }),
  'a transaction hash changed': (e) => ({
    ...e,
    txHashes: [flip(must(e.txHashes[0]), 0), ...e.txHashes.slice(1)],
  }),
}

interface Harness {
  readonly light: LightClient
  /** Every receipts request, in order: the peer asked and the block hashes. */
  readonly requests: { peerId: string; hashes: Hex[] }[]
  readonly offences: [string, Offence][]
  readonly disconnected: string[]
}

/**
 * A light client whose header chain holds `chain`'s canonical headers up to `upTo` (default: its head),
 * restored from a checkpoint from `checkpointFrom` when given, with `peers` (in this order, each claiming
 * the light head: no header sync starts).
 */
function lightOf(
  chain: Chain,
  peers: Record<string, Answer>,
  opts: { upTo?: bigint; checkpointFrom?: bigint; config?: LightClientInit['config'] } = {},
): Harness {
  const upTo = opts.upTo ?? chain.headHeader.number
  const headers: Header[] = []
  for (let n = 1n; n <= upTo; n++) headers.push(block(chain, n).block.header)
  let checkpoint: LightClientInit['checkpoint']
  if (opts.checkpointFrom !== undefined) {
    const hc = new HeaderChain(GENESIS)
    for (const h of headers) hc.add(h, BigInt(NOW))
    checkpoint = hc.checkpoint(opts.checkpointFrom)
  }
  const requests: Harness['requests'] = []
  const disconnected: string[] = []
  const board = new RecordingBoard({
    now: () => NOW,
    banMs: 60_000,
    disconnect: async (id) => {
      disconnected.push(id)
    },
  })
  const light = new LightClient({
    genesis: GENESIS,
    async request(peerId, protocol, data) {
      if (protocol !== P.receipts) throw new Error(`unexpected ${protocol}`)
      requests.push({ peerId, hashes: decodeBlockReceiptsRequest(data) })
      return must(peers[peerId])(data)
    },
    disconnect: async () => {},
    now: () => NOW,
    board,
    ...(checkpoint === undefined ? {} : { checkpoint }),
    ...(opts.config === undefined ? {} : { config: opts.config }),
  })
  if (checkpoint === undefined) for (const h of headers) light.headers.add(h, BigInt(NOW))
  expect(light.headers.head.hash).toBe(block(chain, upTo).hash)
  for (const id of Object.keys(peers)) light.notePeerHead(id, upTo)
  return { light, requests, offences: board.offences, disconnected }
}

const lightLogs = (light: LightClient, query: LogQuery) =>
  light.logs(selectLogs(query, light.headers.head.header.number))

/** Numbers of the blocks asked for, in order of asking. */
const askedNumbers = (chain: Chain, h: Harness): bigint[] =>
  h.requests.flatMap((r) => r.hashes.map((hash) => must(chain.getBlock(hash)).block.header.number))

/**
 * The blocks of [from, to] that hold a log and, for each filter group (the addresses; each topic
 * position's topics), one of its values among their logs' addresses and topics: the blocks a logs bloom
 * may match, false positives aside (worked out from the logs, not the bloom).
 */
function mayMatch(chain: Chain, query: LogQuery, from: bigint, to: bigint): bigint[] {
  const groups: string[][] = []
  if (query.address !== undefined)
    groups.push((Array.isArray(query.address) ? query.address : [query.address]).map((a) => a.toLowerCase()))
  for (const t of query.topics ?? [])
    if (t !== null) groups.push((Array.isArray(t) ? t : [t]).map((x: Hex) => x.toLowerCase()))
  const out: bigint[] = []
  for (let n = from; n <= to; n++) {
    const logs = block(chain, n).receipts.flatMap((r) => r.logs)
    if (logs.length === 0) continue
    const values = new Set(logs.flatMap((l) => [l.address.toLowerCase(), ...l.topics]))
    if (groups.every((g) => g.some((v) => values.has(v)))) out.push(n)
  }
  return out
}

const FILTERS: Record<string, LogQuery> = {
  'no filter': { fromBlock: 0n, toBlock: 8n },
  'one address': { fromBlock: 0n, toBlock: 8n, address: SILVER },
  'two addresses': { fromBlock: 0n, toBlock: 8n, address: [TOKEN, HTLC_ADDRESS] },
  'topic0 only': { fromBlock: 0n, toBlock: 8n, topics: [TRANSFER_TOPIC] },
  'alternatives and nulls': {
    fromBlock: 0n,
    toBlock: 8n,
    topics: [[TRANSFER_TOPIC, APPROVAL_TOPIC], null, [topicOf(BOB), topicOf(HTLC_ADDRESS)]],
  },
  'a null, then the sender': { fromBlock: 1n, toBlock: 8n, topics: [null, topicOf(ALICE)] },
  'address and topics (only block 5 holds it, block 6 may)': {
    fromBlock: 0n,
    toBlock: 8n,
    address: HTLC_ADDRESS,
    topics: [LOCKED_TOPIC, null, null, topicOf(BOB)],
  },
  'more positions than Transfer has, null': {
    fromBlock: 0n,
    toBlock: 8n,
    topics: [TRANSFER_TOPIC, null, null, null],
  },
  'the fourth position only': { fromBlock: 0n, toBlock: 8n, topics: [null, null, null, topicOf(ALICE)] },
  'token creations': {
    fromBlock: 0n,
    toBlock: 8n,
    address: TOKEN_FACTORY_ADDRESS,
    topics: [TOKEN_CREATED_TOPIC],
  },
  'part of the range': { fromBlock: 3n, toBlock: 5n, topics: [TRANSFER_TOPIC] },
  'one block': { fromBlock: 6n, toBlock: 6n },
  'nothing matches: an address no log has': { fromBlock: 0n, toBlock: 8n, address: NOBODY },
  'nothing matches: a topic no log has': {
    fromBlock: 0n,
    toBlock: 8n,
    topics: [toHex(keccak(fromHex('0x01')))],
  },
  'nothing matches, though the bloom may (Redeemed with ALICE elsewhere in block 6)': {
    fromBlock: 0n,
    toBlock: 8n,
    topics: [REDEEMED_TOPIC, topicOf(ALICE)],
  },
  'the default range: the head alone': {},
}

/** The filter of FILTERS called `name`. */
const filter = (name: string): LogQuery => must(FILTERS[name])

describe('LightClient.logs', () => {
  test.each(Object.entries(FILTERS))(
    '%s: as the full node answers, asking only blocks that may match',
    async (_, query) => {
      const chain = await sharedChain()
      const full = await fullQueries(chain).logs(query)
      const h = lightOf(chain, { a: honest(chain) })
      const logs = await lightLogs(h.light, query)
      expect(logs).toEqual(full)
      const head = chain.headHeader.number
      const from = query.fromBlock ?? head
      const to = query.toBlock ?? head
      expect(askedNumbers(chain, h)).toEqual(mayMatch(chain, query, from, to))
      expect(h.offences).toEqual([])
    },
  )

  test('the filters between them read logs from every kind of event, and some find none', async () => {
    const chain = await sharedChain()
    const q = fullQueries(chain)
    const counts = await Promise.all(Object.values(FILTERS).map(async (f) => (await q.logs(f)).length))
    expect(counts).toEqual([15, 2, 11, 7, 6, 6, 1, 7, 1, 2, 4, 3, 0, 0, 0, 0])
  })

  test('blocks read once are not asked again; a wider query asks only the blocks it did not read', async () => {
    const chain = await sharedChain()
    const full = fullQueries(chain)
    const h = lightOf(chain, { a: honest(chain) })
    const part = filter('part of the range')
    const first = await lightLogs(h.light, part)
    expect(first).toEqual(await full.logs(part))
    expect(askedNumbers(chain, h)).toEqual([3n, 5n])
    // The same query again: nothing asked.
    expect(await lightLogs(h.light, part)).toEqual(first)
    expect(h.requests).toHaveLength(1)
    // Another filter over those blocks: nothing asked either.
    const silver = { fromBlock: 3n, toBlock: 5n, address: SILVER }
    expect(await lightLogs(h.light, silver)).toEqual(await full.logs(silver))
    expect(h.requests).toHaveLength(1)
    // The whole range: only blocks 1 and 6 are new.
    const all = filter('no filter')
    expect(await lightLogs(h.light, all)).toEqual(await full.logs(all))
    expect(h.requests).toHaveLength(2)
    expect(askedNumbers(chain, h)).toEqual([3n, 5n, 1n, 6n])
    // The same blocks through `receipts`: from the cache.
    const kept = await h.light.receipts([must(h.light.headers.byNumber(5n))])
    expect(kept.get(block(chain, 5n).hash)?.map((r) => r.transactionHash)).toEqual(block(chain, 5n).txHashes)
    expect(h.requests).toHaveLength(2)
    expect(h.light.counters.proofsVerified).toBe(2)
  })

  test('more blocks than one request holds are asked MAX_RECEIPT_BLOCKS at a time', async () => {
    const { chain } = await tokenChain(0)
    const raws: Hex[] = []
    for (let i = 0; i < 40; i++) raws.push(await signCall(0, 3 + i, TOKEN, transferData(BOB, 1n)))
    for (const raw of raws) mineTxs(chain, [raw])
    const h = lightOf(chain, { a: honest(chain) })
    const query = { fromBlock: 0n, toBlock: 41n, topics: [TRANSFER_TOPIC] }
    const logs = await lightLogs(h.light, query)
    expect(logs).toHaveLength(42)
    expect(logs).toEqual(await fullQueries(chain).logs(query))
    expect(h.requests.map((r) => r.hashes.length)).toEqual([MAX_RECEIPT_BLOCKS, 41 - MAX_RECEIPT_BLOCKS])
    expect(askedNumbers(chain, h)).toEqual(Array.from({ length: 41 }, (_, i) => BigInt(i + 1)))
  })

  test('a short answer (the server’s byte budget) is no fault: the rest is asked again', async () => {
    const chain = await sharedChain()
    const short = editing(honest(chain), (entries) => entries.slice(0, 1))
    const h = lightOf(chain, { short })
    const query = filter('no filter')
    expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
    expect(h.requests.map((r) => r.hashes.length)).toEqual([4, 3, 2, 1])
    expect(h.offences).toEqual([])
  })

  test('an honest node started from a snapshot is not penalised for its base block', async () => {
    const chain = await sharedChain()
    const snap = new Chain({ genesis: GENESIS, store: snapshotStore(GENESIS, chain, 5n) })
    const h = lightOf(chain, { snap: honest(snap), a: honest(chain) })
    const query = { fromBlock: 5n, toBlock: 6n }
    expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
    expect(h.offences).toEqual([])
    expect(h.light.isBanned('snap')).toBe(false)
  })

  test('a peer that holds none of the blocks is passed over without penalty', async () => {
    const chain = await sharedChain()
    const pruned = editing(honest(chain), (entries) => entries.map(() => null))
    const h = lightOf(chain, { pruned, a: honest(chain) })
    const query = filter('no filter')
    expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
    expect(h.requests.map((r) => r.peerId)).toEqual(['pruned', 'a'])
    expect(h.offences).toEqual([])
    expect(h.light.isBanned('pruned')).toBe(false)
  })

  test.each(Object.keys(FORGERIES))(
    'a peer forging receipts (%s) is dropped; an honest peer answers',
    async (name) => {
      const chain = await sharedChain()
      const evil = editing(honest(chain, 'evil'), firstWithLogs(must(FORGERIES[name])))
      const h = lightOf(chain, { evil, a: honest(chain) })
      const query = filter('no filter')
      expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
      expect(h.requests.map((r) => r.peerId)).toEqual(['evil', 'a'])
      expect(h.offences).toEqual([['evil', 'invalid-proof']])
      expect(h.light.isBanned('evil')).toBe(true)
      expect(h.disconnected).toEqual(['evil'])
      expect(h.light.counters.proofsRejected).toBe(1)
      // Not asked again.
      expect(await lightLogs(h.light, query)).toHaveLength(15)
      expect(h.requests).toHaveLength(2)
    },
  )

  test('a peer answering more entries than asked, or none, is penalised', async () => {
    const chain = await sharedChain()
    const query = filter('no filter')
    const full = await fullQueries(chain).logs(query)
    const padded = editing(honest(chain, 'padded'), (entries) => [...entries, null])
    const h = lightOf(chain, { padded, a: honest(chain) })
    expect(await lightLogs(h.light, query)).toEqual(full)
    expect(h.offences).toEqual([['padded', 'wrong-response']])
    const silent = editing(honest(chain, 'silent'), () => [])
    const s = lightOf(chain, { silent, a: honest(chain) })
    expect(await lightLogs(s.light, query)).toEqual(full)
    expect(s.offences).toEqual([['silent', 'wrong-response']])
  })

  test('when every peer forges, the query is LIGHT_UNVERIFIED and nothing forged is kept', async () => {
    const chain = await sharedChain()
    const forge = must(FORGERIES['a log byte changed (canonical re-encoding)'])
    const peers: Record<string, Answer> = {
      x: editing(honest(chain, 'x'), firstWithLogs(forge)),
      y: editing(honest(chain, 'y'), firstWithLogs(forge)),
    }
    const h = lightOf(chain, peers)
    const query = filter('topic0 only')
    let error: unknown
    await lightLogs(h.light, query).catch((err: unknown) => {
      error = err
    })
    expect(error).toBeInstanceOf(LightError)
    expect((error as LightError).type).toMatchObject({ code: 'LIGHT_UNVERIFIED', attempts: 2 })
    expect(h.offences).toEqual([
      ['x', 'invalid-proof'],
      ['y', 'invalid-proof'],
    ])
    // With no peer left to ask it stays unverified; an honest peer then answers in full.
    expect(await asyncCodeOf(lightLogs(h.light, query))).toBe('LIGHT_UNVERIFIED')
    expect(h.requests).toHaveLength(2)
    h.light.notePeerHead('z', h.light.headers.head.header.number)
    peers.z = honest(chain)
    expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
    expect(askedNumbers(chain, h).slice(-4)).toEqual([1n, 3n, 5n, 6n])
  })

  test('a query with no peer at all is LIGHT_UNVERIFIED; one that needs no block asks none', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, {})
    expect(await asyncCodeOf(lightLogs(h.light, filter('no filter')))).toBe('LIGHT_UNVERIFIED')
    expect(await lightLogs(h.light, { fromBlock: 7n, toBlock: 8n })).toEqual([])
    expect(await lightLogs(h.light, filter('nothing matches: an address no log has'))).toEqual([])
  })

  test('below a checkpoint-restored header chain’s base the history is missing; from the base on it answers', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, { a: honest(chain) }, { checkpointFrom: 4n })
    expect(h.light.headers.base.header.number).toBe(4n)
    for (const fromBlock of [0n, 3n]) {
      let error: unknown
      await lightLogs(h.light, { fromBlock, toBlock: 8n }).catch((err: unknown) => {
        error = err
      })
      expect(error).toBeInstanceOf(NodeError)
      expect((error as NodeError).type).toEqual({ code: 'NODE_HISTORY_MISSING', number: fromBlock, base: 4n })
      expect((error as NodeError).message).toBe(
        `block #${fromBlock} is older than the headers this light node holds (from #4): a full node holds it`,
      )
    }
    expect(h.requests).toEqual([])
    const query = { fromBlock: 4n, toBlock: 8n }
    expect(await lightLogs(h.light, query)).toEqual(await fullQueries(chain).logs(query))
    expect(askedNumbers(chain, h)).toEqual([5n, 6n])
  })

  test('a range past the header head is capped at it', async () => {
    const chain = await sharedChain()
    const h = lightOf(chain, { a: honest(chain) }, { upTo: 5n })
    expect(await lightLogs(h.light, { fromBlock: 0n, toBlock: 8n })).toEqual(
      await fullQueries(chain).logs({ fromBlock: 0n, toBlock: 5n }),
    )
    expect(askedNumbers(chain, h)).toEqual([1n, 3n, 5n])
    expect(await lightLogs(h.light, { fromBlock: 6n, toBlock: 8n })).toEqual([])
    expect(h.requests).toHaveLength(1)
  })
})

describe('LightClient.logs: width', () => {
  test(`past ${MAX_LIGHT_LOG_BLOCKS} blocks that may match it is LIGHT_LOGS_TOO_WIDE, before asking anything`, () => {
    // Every other header claims logs (a full bloom): 1,026 headers hold 513 such blocks.
    const headers = bloomHeaders(2 * MAX_LIGHT_LOG_BLOCKS + 2, (n) => n % 2n === 0n)
    let asked = 0
    const light = new LightClient({
      genesis: GENESIS,
      request: async () => {
        asked++
        throw new Error('no peer serves these')
      },
      disconnect: async () => {},
      now: () => NOW,
    })
    for (const h of headers) light.headers.add(h, BigInt(NOW))
    const head = light.headers.head.header.number
    expect(head).toBe(BigInt(2 * MAX_LIGHT_LOG_BLOCKS + 2))
    light.notePeerHead('a', head)
    const code = (from: bigint, to: bigint, address?: Address) =>
      asyncCodeOf(
        light.logs(
          selectLogs({ fromBlock: from, toBlock: to, ...(address === undefined ? {} : { address }) }, head),
        ),
      )
    return (async () => {
      // 513 blocks (2, 4, …, 1026): too wide, whatever the filter (a full bloom may match anything).
      let error: unknown
      await light.logs(selectLogs({ fromBlock: 1n, toBlock: head }, head)).catch((err: unknown) => {
        error = err
      })
      expect(error).toBeInstanceOf(LightError)
      expect((error as LightError).type).toEqual({
        code: 'LIGHT_LOGS_TOO_WIDE',
        blocks: MAX_LIGHT_LOG_BLOCKS + 1,
        max: MAX_LIGHT_LOG_BLOCKS,
      })
      expect(await code(1n, head, NOBODY)).toBe('LIGHT_LOGS_TOO_WIDE')
      expect(asked).toBe(0)
      // Exactly 512 (2…1024, or 3…1026: the empty blooms between do not count) are read: here no peer
      // serves them, so that is as far as it goes.
      expect(await code(1n, head - 2n)).toBe('LIGHT_UNVERIFIED')
      expect(await code(3n, head)).toBe('LIGHT_UNVERIFIED')
      expect(asked).toBe(2)
    })()
  })
})

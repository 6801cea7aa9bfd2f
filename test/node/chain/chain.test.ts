import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Hex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  decodeBlock,
  EMPTY_BLOOM,
  encodeBlock,
  encodedBlockSize,
  genesisBlock,
  hashBlock,
  MAX_BLOCK_BYTES,
  txRootOf,
  ZERO_ADDRESS,
} from '../../../src/node/chain/block'
import { BlockError, blockVerdict } from '../../../src/node/chain/block-error'
import { Chain, MAX_ORPHAN_BYTES } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { devnetGenesis, testGenesis, validateGenesis } from '../../../src/node/chain/genesis'
import type { Block, Header } from '../../../src/node/chain/types'
import { bigintToBytes, fromHex, toHex } from '../../../src/node/codec/bytes'
import { type RlpItem, rlpDecode, rlpEncode } from '../../../src/node/codec/rlp'
import { checkPow } from '../../../src/node/consensus/pow'
import { validateHeader } from '../../../src/node/consensus/validate'
import { NodeError } from '../../../src/node/rpc/errors'
import { decodeBlocksResponse, encodeBlocksResponse } from '../../../src/node/sync/messages'
import { codeOf } from '../../code-of'
import { addressOf, blockOfSize, mineOn, padded, seal, transfer, txsOf } from './chain-fixtures'

const genesis = testGenesis()
const T0 = genesis.timestamp
const LOSER = '0x00000000000000000000000000000000000000a5'
const now = (b: Block): bigint => b.header.timestamp

const code = (fn: () => unknown): string => codeOf(BlockError, fn)

/** `raw` with its signature's r replaced by an x no curve point has: it decodes, but no key recovers. */
function withoutSigner(raw: Hex): Hex {
  const p = secp256k1.Point.Fp.ORDER
  let x = 2n
  while (secp256k1.Point.Fp.pow((x * x * x + 7n) % p, (p - 1n) / 2n) === 1n) x++
  const items = rlpDecode(fromHex(raw).subarray(1)) as RlpItem[]
  items[10] = bigintToBytes(x)
  return toHex(new Uint8Array([2, ...rlpEncode(items)]))
}

/** Re-seals a block after changing header fields (so the proof of work stays valid). */
function tamper(block: Block, change: Partial<Header>, transactions = block.transactions): Block {
  return seal({ header: { ...block.header, ...change, nonce: 0n }, transactions })
}

let raw0: Hex[] // account 0, nonces 0..2
let raw1: Hex[] // account 1, nonces 0..1
let doubleSpend: Hex // account 0 nonce 0 again, other recipient
let foreign: Hex // signed for chain id 1

beforeAll(async () => {
  raw0 = await Promise.all([0, 1, 2].map((nonce) => transfer(0, { nonce })))
  raw1 = await Promise.all([0, 1].map((nonce) => transfer(1, { nonce, value: 5n })))
  doubleSpend = await transfer(0, { nonce: 0, to: addressOf(7) })
  foreign = await transfer(0, { nonce: 0 }, 1)
})

describe('chain: golden vectors', () => {
  it('has a stable genesis and a stable first block', () => {
    const chain = new Chain({ genesis })
    expect(chain.genesisHash).toBe(hashBlock(genesisBlock(genesis)))
    expect(chain.genesisHash).toBe('0x5c5fdb30aff19fa3ad0914e24bbded334b4dff1a82fac5e055c1523b70cc5e3b')
    expect(chain.headHeader.stateRoot).toBe(
      '0xf371dc25aba98c5039a628a7a66a703945d8dc1e3c8a5222082cef3f91307edc',
    )
    const block = mineOn(chain, txsOf(chain, [raw0[0] as Hex]), { now: T0 + 2_000n })
    expect(chain.importBlock(block, now(block)).kind).toBe('extended')
    expect(hashBlock(block)).toBe('0x6c95065555f98a3913f4883c761603731322dfaec7987af9eb622812c91d6cbd')
    expect(block.header.stateRoot).toBe('0x9eb35c6f003d4de1db01ddad826e7b70091bc6c7cb5abc6f6138dc524107d5c3')
  })
})

describe('chain: import and lookups', () => {
  it('extends the head, indexes transactions and receipts, counts confirmations', () => {
    const chain = new Chain({ genesis })
    const b1 = mineOn(chain, txsOf(chain, [raw0[0] as Hex, raw1[0] as Hex]))
    const r1 = chain.importBlock(b1, now(b1))
    expect(r1.kind).toBe('extended')
    const b2 = mineOn(chain, txsOf(chain, [raw0[1] as Hex]))
    chain.importBlock(b2, now(b2))
    expect(chain.head.hash).toBe(hashBlock(b2))
    expect(chain.headHeader.number).toBe(2n)
    expect(chain.totalDifficulty(hashBlock(b2))).toBe(
      genesis.difficulty + 2n * (genesis.params.fixedDifficulty ?? 0n),
    )
    const h = txRootOf(b1.transactions).hashes[1] as Hex
    expect(chain.getTransaction(h)).toMatchObject({ blockHash: hashBlock(b1), blockNumber: 1n, index: 1 })
    expect(chain.getTransaction(h)?.tx.from).toBe(addressOf(1))
    expect(chain.getReceipt(h)?.receipt.status).toBe(1)
    expect(chain.confirmations(hashBlock(b1))).toBe(2n)
    expect(chain.confirmations(hashBlock(b2))).toBe(1n)
    expect(chain.getBlockByNumber(1n)?.hash).toBe(hashBlock(b1))
    expect(chain.getHeader(2n)).toEqual(b2.header)
    expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(2n)
    expect(chain.importBlock(b1, now(b2)).kind).toBe('known')
  })

  it('reopens from its store with the same head, state and indexes', () => {
    const store = new MemoryChainStore()
    const chain = new Chain({ genesis, store })
    const b1 = mineOn(chain, txsOf(chain, [raw0[0] as Hex]))
    chain.importBlock(b1, now(b1))
    const reopened = new Chain({ genesis, store })
    expect(reopened.head.hash).toBe(hashBlock(b1))
    expect(reopened.headState.root).toBe(b1.header.stateRoot)
    expect(reopened.headState.getAccount(addressOf(0)).nonce).toBe(1n)
    expect(reopened.getReceipt(txRootOf(b1.transactions).hashes[0] as Hex)?.blockNumber).toBe(1n)
    const b2 = mineOn(reopened, [])
    expect(reopened.importBlock(b2, now(b2)).kind).toBe('extended')
  })

  it('keeps blocks with an unknown parent and connects them when it arrives', () => {
    const source = new Chain({ genesis })
    const blocks: Block[] = []
    for (let i = 0; i < 3; i++) {
      const b = mineOn(source, [])
      source.importBlock(b, now(b))
      blocks.push(b)
    }
    const chain = new Chain({ genesis })
    const [b1, b2, b3] = blocks as [Block, Block, Block]
    expect(chain.importBlock(b3, now(b3))).toEqual({
      kind: 'orphan',
      hash: hashBlock(b3),
      missing: hashBlock(b2),
    })
    expect(chain.importBlock(b2, now(b3)).kind).toBe('orphan')
    expect(chain.orphanCount).toBe(2)
    const r = chain.importBlock(b1, now(b3))
    expect(r.kind).toBe('extended')
    if (r.kind === 'extended') expect(r.head.added).toEqual(blocks.map(hashBlock))
    expect(chain.head.hash).toBe(hashBlock(b3))
    expect(chain.orphanCount).toBe(0)
  })
})

describe('chain: orphans', () => {
  it('keeps a bounded number of orphans and hands back those that connect too early', () => {
    const source = new Chain({ genesis })
    const b1 = mineOn(source, [])
    source.importBlock(b1, now(b1))
    const far = mineOn(source, [], { now: now(b1) + 60_000n })
    source.importBlock(far, now(far))
    const chain = new Chain({ genesis, maxOrphans: 1 })
    expect(chain.importBlock(far, now(b1)).kind).toBe('orphan')
    // b1 connects; far is now 60 s ahead of our clock, so it is deferred, not dropped.
    expect(chain.importBlock(b1, now(b1)).kind).toBe('extended')
    expect(chain.takeDeferred()).toEqual([far])
    expect(chain.takeDeferred()).toEqual([])
    expect(chain.importBlock(far, now(far)).kind).toBe('extended')
    const other = new Chain({ genesis })
    const c1 = mineOn(other, [], { now: now(b1) + 5n })
    other.importBlock(c1, now(c1))
    const c2 = mineOn(other, [])
    other.importBlock(c2, now(c2))
    const c3 = mineOn(other, [])
    // A forged body under c2's honest header is refused, so it cannot take c2's place.
    const forged = { header: c2.header, transactions: [raw0[0] as Hex] }
    expect(code(() => chain.importBlock(forged, now(c3)))).toBe('BLOCK_BAD_TX_ROOT')
    expect(chain.importBlock(c2, now(c3)).kind).toBe('orphan')
    expect(chain.importBlock(c3, now(c3)).kind).toBe('orphan')
    expect(chain.orphanCount).toBe(1)
  })

  it('refuses, as without work, an orphan whose difficulty no valid block has, and its sender is penalised', () => {
    // The devnet's retarget never goes below 1,000; the test genesis fixes 2.
    const devnet = new Chain({ genesis: devnetGenesis })
    const refused = (chain: Chain, difficulty: bigint) => {
      try {
        chain.importBlock(sealedOrphan(chain, 0, difficulty), T0)
      } catch (err) {
        if (err instanceof BlockError) return [err.type.code, blockVerdict(err)]
        throw err
      }
      return 'accepted'
    }
    for (const difficulty of [1n, 999n])
      expect(refused(devnet, difficulty)).toEqual(['BLOCK_INSUFFICIENT_WORK', 'reject'])
    expect(devnet.importBlock(sealedOrphan(devnet, 0, 1_000n), T0).kind).toBe('orphan')
    const fixed = new Chain({ genesis })
    for (const difficulty of [1n, 3n])
      expect(refused(fixed, difficulty)).toEqual(['BLOCK_INSUFFICIENT_WORK', 'reject'])
    expect(fixed.importBlock(sealedOrphan(fixed, 0, 2n), T0).kind).toBe('orphan')
  })

  it('refuses, as without work, an orphan at a possible difficulty whose nonce does not seal it', () => {
    const chain = new Chain({ genesis })
    const sealed = sealedOrphan(chain, 0, 2n)
    let nonce = 0n
    while (checkPow({ ...sealed.header, nonce })) nonce++
    const unsealed = { ...sealed, header: { ...sealed.header, nonce } }
    expect(code(() => chain.importBlock(unsealed, T0))).toBe('BLOCK_INSUFFICIENT_WORK')
    expect(chain.orphanCount).toBe(0)
    expect(chain.importBlock(sealed, T0).kind).toBe('orphan')
  })

  it('drops, and does not hand back as too early, an orphan that turns out invalid when its parent arrives', () => {
    const source = new Chain({ genesis })
    const b1 = mineOn(source, [])
    source.importBlock(b1, now(b1))
    const b2 = tamper(mineOn(source, []), { stateRoot: `0x${'77'.repeat(32)}` })
    const chain = new Chain({ genesis })
    expect(chain.importBlock(b2, now(b2)).kind).toBe('orphan')
    expect(chain.importBlock(b1, now(b2)).kind).toBe('extended')
    expect(chain.orphanCount).toBe(0)
    expect(chain.takeDeferred()).toEqual([])
    expect(chain.head.hash).toBe(hashBlock(b1))
  })

  it('an honest orphan is not pushed out by orphans that cost no work', () => {
    const source = new Chain({ genesis })
    const b1 = mineOn(source, [])
    source.importBlock(b1, now(b1))
    const b2 = mineOn(source, [])
    const chain = new Chain({ genesis })
    expect(chain.importBlock(b2, now(b2)).kind).toBe('orphan')
    for (let i = 0; i < 256; i++)
      expect(code(() => chain.importBlock(sealedOrphan(chain, i, 1n), now(b2)))).toBe(
        'BLOCK_INSUFFICIENT_WORK',
      )
    expect(chain.importBlock(b1, now(b2)).kind).toBe('extended')
    expect(chain.head.hash).toBe(hashBlock(b2))
  })

  it('keeps orphans up to MAX_ORPHAN_BYTES of encoded blocks, not only up to a count', () => {
    const chain = new Chain({ genesis })
    // Just under 1 MiB each (the gossip limit): eight byte strings of ~128 KiB that only the root binds.
    const body = (i: number) =>
      Array.from(
        { length: 8 },
        (_, k) => `0x${(i * 8 + k).toString(16).padStart(6, '0').repeat(43_600)}` as Hex,
      )
    const orphans = Array.from({ length: 17 }, (_, i) => sealedOrphan(chain, i, 2n, body(i)))
    const size = encodeBlock(orphans[0] as Block).length
    expect(size).toBeLessThanOrEqual(1024 * 1024)
    for (const b of orphans) expect(chain.importBlock(b, T0).kind).toBe('orphan')
    // 16 MiB: 16 of them, far below the count limit of 256.
    expect(chain.orphanCount).toBe(Math.floor(MAX_ORPHAN_BYTES / size))
    expect(chain.orphanCount).toBe(16)
  })
})

/** A block sealed at `difficulty` on made-up parent `i`, its `transactions` bound by the root alone. */
function sealedOrphan(chain: Chain, i: number, difficulty: bigint, transactions: readonly Hex[] = []): Block {
  return seal({
    header: {
      parentHash: `0x${i.toString(16).padStart(64, 'f')}`,
      number: 1_000n + BigInt(i),
      timestamp: T0,
      miner: ZERO_ADDRESS,
      stateRoot: `0x${'11'.repeat(32)}`,
      transactionsRoot: txRootOf(transactions).root,
      receiptsRoot: `0x${'22'.repeat(32)}`,
      logsBloom: EMPTY_BLOOM,
      gasLimit: chain.params.blockGasLimit,
      gasUsed: 0n,
      baseFeePerGas: chain.params.minBaseFee,
      difficulty,
      nonce: 0n,
    },
    transactions,
  })
}

describe('chain: invalid blocks are refused with a typed error and change nothing', () => {
  it('refuses every invalid class', () => {
    const chain = new Chain({ genesis })
    const txs = txsOf(chain, [raw0[0] as Hex])
    const good = mineOn(chain, txs)
    const t = now(good)
    const head = chain.head.hash
    const root = chain.headHeader.stateRoot
    const cases: [string, Block, bigint?][] = [
      ['BLOCK_BAD_NUMBER', tamper(good, { number: 2n })],
      ['BLOCK_BAD_TIMESTAMP', tamper(good, { timestamp: T0 })],
      ['BLOCK_BAD_DIFFICULTY', tamper(good, { difficulty: 3n })],
      ['BLOCK_INSUFFICIENT_WORK', { ...good, header: { ...good.header, nonce: firstFailingNonce(good) } }],
      ['BLOCK_BAD_GAS_LIMIT', tamper(good, { gasLimit: good.header.gasLimit - 1n })],
      ['BLOCK_BAD_GAS_USED', tamper(good, { gasUsed: good.header.gasUsed + 1n })],
      ['BLOCK_BAD_BASE_FEE', tamper(good, { baseFeePerGas: good.header.baseFeePerGas + 1n })],
      ['BLOCK_BAD_TX_ROOT', tamper(good, {}, [raw1[0] as Hex])],
      ['BLOCK_BAD_STATE_ROOT', tamper(good, { stateRoot: `0x${'77'.repeat(32)}` })],
      ['BLOCK_BAD_RECEIPTS_ROOT', tamper(good, { receiptsRoot: `0x${'77'.repeat(32)}` })],
      ['BLOCK_BAD_LOGS_BLOOM', tamper(good, { logsBloom: `0x${'ff'.repeat(256)}` })],
      [
        'BLOCK_DUPLICATE_TX',
        tamper(good, { transactionsRoot: txRootOf([raw0[0] as Hex, raw0[0] as Hex]).root }, [
          raw0[0] as Hex,
          raw0[0] as Hex,
        ]),
      ],
      // Double spend: two transactions with the same nonce in one block.
      [
        'BLOCK_INVALID_TX',
        tamper(good, { transactionsRoot: txRootOf([raw0[0] as Hex, doubleSpend]).root }, [
          raw0[0] as Hex,
          doubleSpend,
        ]),
      ],
      // Replay on another chain: a transaction signed for chain id 1.
      ['BLOCK_INVALID_TX', tamper(good, { transactionsRoot: txRootOf([foreign]).root }, [foreign])],
      ['BLOCK_FUTURE', tamper(good, { timestamp: t + 60_000n })],
    ]
    for (const [expected, block, at] of cases) {
      expect([expected, code(() => chain.importBlock(block, at ?? t))]).toEqual([expected, expected])
      expect(chain.head.hash).toBe(head)
      expect(chain.headHeader.stateRoot).toBe(root)
      expect(chain.getBlock(hashBlock(block))).toBeUndefined()
    }
    expect(chain.importBlock(good, t).kind).toBe('extended')
  })

  it('a refused block says why in words, the code in its type: a double spend names its transaction and the nonce it reuses', () => {
    const chain = new Chain({ genesis })
    const good = mineOn(chain, txsOf(chain, [raw0[0] as Hex]))
    const head = chain.head.hash
    const message = (block: Block): string => {
      try {
        chain.importBlock(block, now(good))
      } catch (err) {
        if (err instanceof BlockError) return err.message
        throw err
      }
      return 'accepted'
    }
    const double = tamper(good, { transactionsRoot: txRootOf([raw0[0] as Hex, doubleSpend]).root }, [
      raw0[0] as Hex,
      doubleSpend,
    ])
    expect(message(double)).toBe(
      'its transaction 1 is invalid: nonce too low: nonce 0 is already used, the account is at nonce 1',
    )
    const over = tamper(good, { gasUsed: good.header.gasLimit + 1n })
    expect(message(over)).toBe(
      `its gas used, ${good.header.gasLimit + 1n}, is over its gas limit, ${good.header.gasLimit}`,
    )
    expect(message(tamper(good, { number: 2n }))).toBe('the block is numbered 2, not 1')
    expect(chain.head.hash).toBe(head)
  })

  it('refuses a number equal to or below the parent’s, not only a skip ahead: BLOCK_BAD_NUMBER from validateHeader and from import', () => {
    const chain = new Chain({ genesis })
    const b1 = mineOn(chain, [])
    chain.importBlock(b1, now(b1))
    const b2 = mineOn(chain, [])
    const t = now(b2)
    const head = chain.head.hash
    // On parent 1: the parent's own number, and the genesis's; on the genesis: its own number.
    const onB1 = [1n, 0n].map((number) => tamper(b2, { number }))
    const onGenesis = tamper(mineOn(chain, [], { parentHash: chain.genesisHash }), { number: 0n })
    for (const block of onB1) {
      let caught: unknown
      try {
        validateHeader(chain.params, block.header, b1.header, t)
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(BlockError)
      expect((caught as BlockError).type).toEqual({
        code: 'BLOCK_BAD_NUMBER',
        expected: 2n,
        got: block.header.number,
      })
    }
    expect(code(() => validateHeader(chain.params, onGenesis.header, genesisBlock(genesis).header, t))).toBe(
      'BLOCK_BAD_NUMBER',
    )
    for (const block of [...onB1, onGenesis]) {
      expect(code(() => chain.importBlock(block, t))).toBe('BLOCK_BAD_NUMBER')
      expect(chain.head.hash).toBe(head)
      expect(chain.getBlock(hashBlock(block))).toBeUndefined()
    }
    expect(chain.getBlockByNumber(1n)?.hash).toBe(hashBlock(b1))
    expect(chain.importBlock(b2, t).kind).toBe('extended')
  })

  it('recovers the senders of a block together and refuses the first transaction, in block order, that recovers no key', () => {
    const producer = new Chain({ genesis })
    const raws = [raw0[0], withoutSigner(raw1[0] as Hex), raw0[1], withoutSigner(raw0[2] as Hex)] as Hex[]
    const good = mineOn(producer, txsOf(producer, [raw0[0] as Hex, raw0[1] as Hex]))
    const bad = tamper(good, { transactionsRoot: txRootOf(raws).root }, raws)
    const chain = new Chain({ genesis })
    const head = chain.head.hash
    try {
      chain.importBlock(bad, now(bad))
      expect.unreachable('a block with a signature that recovers no key was accepted')
    } catch (err) {
      expect(err).toBeInstanceOf(BlockError)
      expect((err as BlockError).type).toMatchObject({
        code: 'BLOCK_INVALID_TX',
        index: 1,
        txCode: 'TX_BAD_SIGNATURE',
      })
    }
    expect(chain.head.hash).toBe(head)
    expect(chain.getBlock(hashBlock(bad))).toBeUndefined()
    expect(() => chain.blockTransactions(bad)).toThrow(BlockError)
    // The same chain then imports the honest block, senders recovered in one batch.
    expect(chain.importBlock(good, now(good)).kind).toBe('extended')
    expect(chain.getTransaction(txRootOf(good.transactions).hashes[1] as Hex)?.tx.from).toBe(addressOf(0))
  })

  it('checks the transactions root and duplicates before paying for sender recovery', () => {
    const producer = new Chain({ genesis })
    const good = mineOn(producer, txsOf(producer, [raw0[0] as Hex, raw1[0] as Hex]))
    const chain = new Chain({ genesis })
    const badRoot = tamper(good, { transactionsRoot: txRootOf([raw1[0] as Hex]).root })
    expect(code(() => chain.importBlock(badRoot, now(good)))).toBe('BLOCK_BAD_TX_ROOT')
    expect(chain.recoveries).toBe(0)
    expect(chain.importBlock(good, now(good)).kind).toBe('extended')
    expect(chain.recoveries).toBe(2)
  })

  it('accepts a future block once the clock reaches it', () => {
    const chain = new Chain({ genesis })
    const b = mineOn(chain, [], { now: T0 + 100_000n })
    const tolerance = BigInt(genesis.params.futureTimestampToleranceMs)
    expect(code(() => chain.importBlock(b, T0 + 100_000n - tolerance - 1n))).toBe('BLOCK_FUTURE')
    expect(chain.importBlock(b, T0 + 100_000n - tolerance).kind).toBe('extended')
  })

  it('refuses an oversized block, a wrong genesis and a header on the wrong parent', () => {
    const chain = new Chain({ genesis })
    const big = mineOn(chain, [])
    const fat = {
      ...big,
      transactions: Array.from({ length: 40 }, () => `0x02${'00'.repeat(60_000)}` as Hex),
    }
    const sealed = tamper(fat, { transactionsRoot: txRootOf(fat.transactions).root }, fat.transactions)
    expect(encodeBlock(sealed).length).toBeGreaterThan(2 * 1024 * 1024)
    expect(code(() => chain.importBlock(sealed, now(big)))).toBe('BLOCK_TOO_LARGE')
    const otherGenesis = genesisBlock(testGenesis({ timestamp: T0 + 1n }))
    expect(code(() => chain.importBlock(otherGenesis, T0))).toBe('BLOCK_BAD_GENESIS')
    const store = new MemoryChainStore()
    new Chain({ genesis: testGenesis({ timestamp: T0 + 1n }), store })
    expect(code(() => new Chain({ genesis, store }))).toBe('BLOCK_BAD_GENESIS')
    const b1 = mineOn(chain, [])
    chain.importBlock(b1, now(b1))
    const b2 = mineOn(chain, [])
    expect(code(() => validateHeader(chain.params, b2.header, genesisBlock(genesis).header, now(b2)))).toBe(
      'BLOCK_UNKNOWN_PARENT',
    )
  })
})

describe('chain: the block size bound is exact', () => {
  it('imports a valid block of exactly MAX_BLOCK_BYTES and refuses the same block one byte larger, changing nothing', async () => {
    const full = await Promise.all(Array.from({ length: 16 }, (_, nonce) => padded(nonce, 130_000)))
    const store = new MemoryChainStore()
    const chain = new Chain({ genesis, store })
    const atBound = await blockOfSize(chain, MAX_BLOCK_BYTES, full)
    const over = await blockOfSize(chain, MAX_BLOCK_BYTES + 1, full)
    expect([encodedBlockSize(atBound), encodedBlockSize(over)]).toEqual([
      MAX_BLOCK_BYTES,
      MAX_BLOCK_BYTES + 1,
    ])
    // The decoder's own check, before any parsing, draws the line at the same byte.
    expect(decodeBlock(encodeBlock(atBound))).toEqual(atBound)
    expect(code(() => decodeBlock(encodeBlock(over)))).toBe('BLOCK_TOO_LARGE')
    // Past the 1 MiB gossip cap a block travels by sync: a blocks response carries a maximal one whole.
    expect(decodeBlocksResponse(encodeBlocksResponse([encodeBlock(atBound)]))).toEqual([atBound])
    expect(() => decodeBlocksResponse(encodeBlocksResponse([encodeBlock(over)]))).toThrow(
      expect.objectContaining({ type: expect.objectContaining({ code: 'SYNC_MALFORMED' }) }),
    )
    const [head, root] = [chain.head.hash, chain.headHeader.stateRoot]
    expect(() => chain.importBlock(over, now(over))).toThrow(
      expect.objectContaining({
        type: { code: 'BLOCK_TOO_LARGE', size: MAX_BLOCK_BYTES + 1, max: MAX_BLOCK_BYTES },
      }),
    )
    // Nothing changed: head, state root, the store (no block, no canonical entry, no transaction indexed).
    expect([chain.head.hash, chain.headHeader.stateRoot]).toEqual([head, root])
    expect(store.getBlock(hashBlock(over))).toBeUndefined()
    expect(store.getCanonicalHash(1n)).toBeUndefined()
    expect(store.getTxLocation(txRootOf(over.transactions).hashes[0] as Hex)).toBeUndefined()
    expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(0n)
    // As an orphan (its parent unknown) the same rule holds before it is kept.
    const orphanOver = { ...over, header: { ...over.header, parentHash: `0x${'ab'.repeat(32)}` as Hex } }
    const sealedOrphanOver = seal({
      header: { ...orphanOver.header, nonce: 0n },
      transactions: over.transactions,
    })
    expect(encodedBlockSize(sealedOrphanOver)).toBe(MAX_BLOCK_BYTES + 1)
    expect(code(() => chain.importBlock(sealedOrphanOver, now(over)))).toBe('BLOCK_TOO_LARGE')
    expect(chain.orphanCount).toBe(0)
    // The block at the bound is valid in every other respect too: it extends the chain.
    expect(chain.importBlock(atBound, now(atBound)).kind).toBe('extended')
    expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(17n)
  }, 60_000)
})

describe('chain: replays and reorgs', () => {
  it('refuses a transaction replayed in the next block', () => {
    const chain = new Chain({ genesis })
    const b1 = mineOn(chain, txsOf(chain, [raw0[0] as Hex]))
    chain.importBlock(b1, now(b1))
    const replay = mineOn(chain, [])
    const withReplay = tamper(replay, { transactionsRoot: txRootOf([raw0[0] as Hex]).root }, [raw0[0] as Hex])
    const [head, root] = [chain.head.hash, chain.headHeader.stateRoot]
    expect(code(() => chain.importBlock(withReplay, now(replay)))).toBe('BLOCK_INVALID_TX')
    // Nothing changed: the head, its state and the store are as before, the sender's nonce used once.
    expect([chain.head.hash, chain.headHeader.stateRoot]).toEqual([head, root])
    expect(chain.getBlock(hashBlock(withReplay))).toBeUndefined()
    expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(1n)
  })

  it('reorganises to a heavier branch, returns orphaned transactions and matches a node that only saw it', () => {
    const chain = new Chain({ genesis })
    const g = chain.head.hash
    // Branch A: one block with txs from accounts 0 and 1.
    const a1 = mineOn(chain, txsOf(chain, [raw0[0] as Hex, raw1[0] as Hex]), { miner: LOSER })
    expect(chain.importBlock(a1, now(a1)).kind).toBe('extended')
    // Branch B from genesis: account 0's tx is mined again, account 1's is not.
    const winner = new Chain({ genesis })
    const b1 = mineOn(winner, txsOf(winner, [raw0[0] as Hex]), { miner: addressOf(6), now: now(a1) + 1n })
    winner.importBlock(b1, now(b1))
    const b2 = mineOn(winner, txsOf(winner, [raw0[1] as Hex]), { miner: addressOf(6) })
    winner.importBlock(b2, now(b2))
    expect(chain.importBlock(b1, now(b2)).kind).toBe('side')
    expect(chain.head.hash).toBe(hashBlock(a1))
    const r = chain.importBlock(b2, now(b2))
    expect(r.kind).toBe('reorg')
    if (r.kind !== 'reorg') return
    expect(r.head.removed).toEqual([hashBlock(a1)])
    expect(r.head.added).toEqual([hashBlock(b1), hashBlock(b2)])
    expect(r.head.orphaned).toEqual([raw1[0]])
    expect(chain.headHeader.stateRoot).toBe(winner.headHeader.stateRoot)
    // The losing miner's reward went with its block.
    expect(chain.headState.getAccount(LOSER).balance).toBe(0n)
    // Rolled back, not replayed: the ancestor's state is intact and a1's transaction index is gone.
    expect(chain.stateAt(g).root).toBe(genesisBlock(genesis).header.stateRoot)
    const a1tx = txRootOf(a1.transactions).hashes[1] as Hex
    expect(chain.getTransaction(a1tx)).toBeUndefined()
    const b1tx = txRootOf(b1.transactions).hashes[0] as Hex
    expect(chain.getTransaction(b1tx)?.blockHash).toBe(hashBlock(b1))
    expect(chain.confirmations(hashBlock(a1))).toBe(0n)
    // Replay after the reorg: account 0's first transaction is on the new branch already.
    const next = mineOn(chain, [])
    const replay = tamper(next, { transactionsRoot: txRootOf([raw0[0] as Hex]).root }, [raw0[0] as Hex])
    expect(code(() => chain.importBlock(replay, now(next)))).toBe('BLOCK_INVALID_TX')
    // The orphaned transaction can be mined again on the winning branch.
    const again = mineOn(chain, txsOf(chain, r.head.orphaned))
    expect(chain.importBlock(again, now(again)).kind).toBe('extended')
    expect(chain.getReceipt(txRootOf(again.transactions).hashes[0] as Hex)?.receipt.status).toBe(1)
  })

  it('refuses a reorganisation deeper than maxReorgDepth', () => {
    const shallow = testGenesis({ params: { maxReorgDepth: 2 } })
    const chain = new Chain({ genesis: shallow })
    const other = new Chain({ genesis: shallow })
    for (let i = 0; i < 3; i++) {
      const b = mineOn(chain, [], { miner: addressOf(1) })
      chain.importBlock(b, now(b))
    }
    const first = mineOn(other, [], { miner: addressOf(2) })
    const head = chain.head.hash
    // Forking at genesis, 3 blocks below the head: refused before execution, never stored.
    expect(code(() => chain.importBlock(first, now(first)))).toBe('BLOCK_REORG_TOO_DEEP')
    expect(chain.getBlock(hashBlock(first))).toBeUndefined()
    // A fork 2 blocks deep is followed, and becomes canonical once heavier.
    const near = new Chain({ genesis: shallow })
    importAll(near, [chain.getBlockByNumber(1n)?.block as Block])
    const fork: Block[] = []
    for (let i = 0; i < 3; i++) {
      const b = mineOn(near, [], { miner: addressOf(3) })
      near.importBlock(b, now(b))
      fork.push(b)
    }
    expect(fork.map((b) => chain.importBlock(b, now(b)).kind)).toEqual(['side', 'side', 'reorg'])
    expect(chain.head.hash).not.toBe(head)
  })

  it('reorganises to a heavier, shorter branch and leaves no canonical block above its head', () => {
    // Difficulty that moves (the test genesis fixes it): a block found at once doubles it, a minute
    // later keeps it at the minimum, so two quick blocks (32 + 64) outweigh three slow ones (3 × 16).
    const { fixedDifficulty: _, ...moving } = genesis.params
    const params = { ...moving, minDifficulty: 16n, difficultyHalfLife: 1 }
    const g = validateGenesis({ ...genesis, params, difficulty: 16n })
    const chain = new Chain({ genesis: g })
    const slow: Block[] = []
    for (let i = 1n; i <= 3n; i++) {
      const b = mineOn(chain, [], { now: g.timestamp + i * 60_000n })
      chain.importBlock(b, now(b))
      slow.push(b)
    }
    const other = new Chain({ genesis: g })
    const fast: Block[] = []
    for (let i = 1n; i <= 2n; i++) {
      const b = mineOn(other, [], { now: g.timestamp + i, miner: LOSER })
      other.importBlock(b, now(b))
      fast.push(b)
    }
    expect(other.head.totalDifficulty).toBeGreaterThan(chain.head.totalDifficulty)
    expect(fast.map((b) => chain.importBlock(b, now(slow[2] as Block)).kind)).toEqual(['side', 'reorg'])
    expect(chain.head.hash).toBe(hashBlock(fast[1] as Block))
    expect(chain.getBlockByNumber(3n)).toBeUndefined()
    expect(chain.isCanonical(hashBlock(slow[2] as Block))).toBe(false)
    expect(chain.confirmations(hashBlock(slow[2] as Block))).toBe(0n)
  })

  it('refuses a block on a side branch left far behind after reading that branch, not every canonical block above it', () => {
    const shallow = testGenesis({ params: { maxReorgDepth: 2 } })
    let reads = 0
    const store = new (class extends MemoryChainStore {
      override getBlock(hash: Hex) {
        reads++
        return super.getBlock(hash)
      }
    })()
    const chain = new Chain({ genesis: shallow, store })
    const first = mineOn(chain, [])
    chain.importBlock(first, now(first))
    // A stale sibling of block 2 (equal work: it stays a side block), then the canonical chain grows on.
    const canonical2 = mineOn(chain, [])
    const stale = mineOn(chain, [], { miner: LOSER })
    chain.importBlock(canonical2, now(canonical2))
    expect(chain.importBlock(stale, now(stale)).kind).toBe('side')
    for (let i = 0; i < 200; i++) {
      const b = mineOn(chain, [])
      chain.importBlock(b, now(b))
    }
    // A child of the stale block (on the devnet nearly free to seal: difficulty falls over the long gap).
    const child = mineOn(chain, [], { parentHash: hashBlock(stale), miner: LOSER })
    const head = chain.head.hash
    reads = 0
    expect(code(() => chain.importBlock(child, now(child)))).toBe('BLOCK_REORG_TOO_DEEP')
    expect(reads).toBeLessThan(20)
    expect(chain.forkPoint(hashBlock(stale))).toEqual({
      ancestor: chain.getBlock(hashBlock(first)),
      depth: 201,
    })
    expect(chain.head.hash).toBe(head)
    expect(chain.getBlock(hashBlock(child))).toBeUndefined()
  })

  it('keeps a leave to reorganise back to the head while blocks only extend it', () => {
    const chain = new Chain({ genesis })
    const b1 = mineOn(chain, [])
    chain.importBlock(b1, now(b1))
    chain.allowDeepReorg(hashBlock(b1))
    const b2 = mineOn(chain, [])
    expect(chain.importBlock(b2, now(b2)).kind).toBe('extended')
    expect(chain.deepReorgTarget).toBe(hashBlock(b1))
  })

  it('follows a deeper heavier branch once allowed back to where it forks, and only there, once', () => {
    const shallow = testGenesis({ params: { maxReorgDepth: 2 } })
    const chain = new Chain({ genesis: shallow })
    const branchOf = (miner: number, n: number): Block[] => {
      const other = new Chain({ genesis: shallow })
      const out: Block[] = []
      for (let i = 0; i < n; i++) {
        const b = mineOn(other, [], { miner: addressOf(miner) })
        other.importBlock(b, now(b))
        out.push(b)
      }
      return out
    }
    importAll(chain, branchOf(1, 3))
    const ours = chain.head.hash
    const theirs = branchOf(2, 4)
    const first = theirs[0] as Block
    const genesisHash = chain.genesisHash
    // Only a canonical block can be allowed: a typed error, and nothing allowed.
    expect(codeOf(NodeError, () => chain.allowDeepReorg(hashBlock(first)))).toBe('NODE_BAD_PARAMS')
    expect(() => chain.allowDeepReorg(hashBlock(first))).toThrowError(
      expect.objectContaining({
        type: {
          code: 'NODE_BAD_PARAMS',
          reason: `${hashBlock(first)} is not a block of the canonical chain`,
        },
        message: `invalid params: ${hashBlock(first)} is not a block of the canonical chain`,
      }),
    )
    expect(chain.deepReorgTarget).toBeUndefined()
    // Allowed back to block 1, the branch (forking at genesis) is still refused.
    chain.allowDeepReorg(chain.getBlockByNumber(1n)?.hash as Hex)
    expect(code(() => chain.importBlock(first, now(first)))).toBe('BLOCK_REORG_TOO_DEEP')
    expect(chain.head.hash).toBe(ours)
    // Allowed and taken back: refused.
    chain.allowDeepReorg(genesisHash)
    chain.allowDeepReorg(null)
    expect(chain.deepReorgTarget).toBeUndefined()
    expect(code(() => chain.importBlock(first, now(first)))).toBe('BLOCK_REORG_TOO_DEEP')
    chain.allowDeepReorg(genesisHash)
    expect(theirs.map((b) => chain.importBlock(b, now(b)).kind)).toEqual(['side', 'side', 'side', 'reorg'])
    expect(chain.head.hash).toBe(hashBlock(theirs[3] as Block))
    expect(chain.forkPoint(ours)).toEqual({ ancestor: chain.getBlock(genesisHash), depth: 4 })
    // The leave was used up: another branch as deep is refused again.
    expect(chain.deepReorgTarget).toBeUndefined()
    const again = branchOf(3, 6)[0] as Block
    expect(code(() => chain.importBlock(again, now(again)))).toBe('BLOCK_REORG_TOO_DEEP')
  })
})

function importAll(chain: Chain, blocks: readonly Block[]): void {
  for (const b of blocks) chain.importBlock(b, b.header.timestamp)
}

function firstFailingNonce(block: Block): bigint {
  // With difficulty 2 about half of all nonces fail; find one deterministically.
  for (let n = 0n; ; n++) {
    const h = { ...block.header, nonce: n }
    if (
      code(() => validateHeader(genesis.params, h, genesisBlock(genesis).header, h.timestamp)) !== 'accepted'
    ) {
      return n
    }
  }
}

describe('gossip verdicts', () => {
  it('ignores blocks that may become valid and rejects invalid ones', () => {
    const e = (type: ConstructorParameters<typeof BlockError>[0]) => blockVerdict(new BlockError(type))
    expect(e({ code: 'BLOCK_FUTURE', timestamp: 2n, now: 1n, tolerance: 0n })).toBe('ignore')
    expect(e({ code: 'BLOCK_REORG_TOO_DEEP', depth: 9, max: 8 })).toBe('ignore')
    expect(e({ code: 'BLOCK_UNKNOWN_PARENT', parentHash: '0x' })).toBe('ignore')
    expect(e({ code: 'BLOCK_INSUFFICIENT_WORK', hash: '0x' })).toBe('reject')
    expect(e({ code: 'BLOCK_BAD_STATE_ROOT', expected: '0x', got: '0x' })).toBe('reject')
  })
})

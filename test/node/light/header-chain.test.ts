import { describe, expect, test } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { BlockError } from '../../../src/node/chain/block-error'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import { hashHeader } from '../../../src/node/chain/header'
import type { Header } from '../../../src/node/chain/types'
import { checkPow } from '../../../src/node/consensus/pow'
import { checkpointWeight, HeaderChain, heavierCheckpoint } from '../../../src/node/light/header-chain'
import { NodeError } from '../../../src/node/rpc/errors'
import { codeOf } from '../../code-of'
import { addressOf, seal } from '../chain/chain-fixtures'
import { extend, GENESIS, must } from './fixtures'

/** Far past every test header's timestamp: the future rule never fires unless a test wants it. */
const NOW = 10n ** 15n

const code = (fn: () => unknown): string => codeOf(BlockError, fn)

/** `header` with fields changed and sealed again, so only the changed rule can fail. */
function reseal(header: Header, change: Partial<Header>): Header {
  return seal({ header: { ...header, ...change, nonce: 0n }, transactions: [] }).header
}

function fullChain(n: number, genesis = GENESIS) {
  const chain = new Chain({ genesis })
  const blocks = extend(chain, n)
  return { chain, headers: blocks.map((b) => b.header) }
}

describe('header chain', () => {
  test('follows a valid chain; the anchor is k deep', () => {
    const { chain, headers } = fullChain(10)
    const hc = new HeaderChain(GENESIS)
    expect(hc.genesisHash).toBe(chain.genesisHash)
    for (const h of headers) expect(hc.add(h, NOW).kind).toBe('extended')
    expect(hc.head.hash).toBe(chain.head.hash)
    expect(hc.head.totalDifficulty).toBe(chain.head.totalDifficulty)
    expect(hc.anchor(3).header.number).toBe(8n)
    expect(hc.anchor(1).hash).toBe(chain.head.hash)
    expect(new HeaderChain(GENESIS).anchor(3).header.number).toBe(0n)
    expect(hc.add(headers[4] as Header, NOW).kind).toBe('known')
  })

  test('bad headers are refused with typed errors and change nothing', () => {
    const { headers } = fullChain(3)
    const hc = new HeaderChain(GENESIS)
    hc.add(headers[0] as Header, NOW)
    const next = headers[1] as Header
    const parent = headers[0] as Header
    let failing = next.nonce + 1n
    while (checkPow({ ...next, nonce: failing })) failing++
    const cases: [string, Header][] = [
      ['BLOCK_INSUFFICIENT_WORK', { ...next, nonce: failing }],
      ['BLOCK_UNKNOWN_PARENT', reseal(next, { parentHash: `0x${'ab'.repeat(32)}` })],
      ['BLOCK_BAD_TIMESTAMP', reseal(next, { timestamp: parent.timestamp })],
      ['BLOCK_BAD_DIFFICULTY', reseal(next, { difficulty: next.difficulty + 1n })],
      ['BLOCK_BAD_NUMBER', reseal(next, { number: next.number + 1n })],
      ['BLOCK_BAD_BASE_FEE', reseal(next, { baseFeePerGas: next.baseFeePerGas + 1n })],
      ['BLOCK_BAD_GAS_LIMIT', reseal(next, { gasLimit: next.gasLimit - 1n })],
    ]
    for (const [expected, header] of cases) {
      expect(
        code(() => hc.add(header, NOW)),
        expected,
      ).toBe(expected)
      expect(hc.get(hashHeader(header))).toBeUndefined()
      expect(hc.head.header.number).toBe(1n)
    }
    // Dated beyond the future tolerance of our clock: "not yet", and nothing stored.
    expect(code(() => hc.add(next, next.timestamp - 60_000n))).toBe('BLOCK_FUTURE')
    expect(hc.add(next, NOW).kind).toBe('extended')
  })

  test('a header numbered like its parent or below it is refused with BLOCK_BAD_NUMBER, not only a skip ahead', () => {
    const { headers } = fullChain(3)
    const hc = new HeaderChain(GENESIS)
    hc.add(headers[0] as Header, NOW)
    hc.add(headers[1] as Header, NOW)
    const next = headers[2] as Header
    expect(next.number).toBe(3n)
    for (const number of [2n, 1n, 0n]) {
      const header = reseal(next, { number })
      expect(
        code(() => hc.add(header, NOW)),
        `number ${number}`,
      ).toBe('BLOCK_BAD_NUMBER')
      expect(hc.get(hashHeader(header))).toBeUndefined()
      expect(hc.head.header.number).toBe(2n)
      expect(hc.byNumber(number)?.hash).toBe(
        number === 0n ? hc.genesisHash : hashHeader(headers[Number(number) - 1] as Header),
      )
    }
    expect(hc.add(next, NOW).kind).toBe('extended')
  })

  test('the minimum block interval of the genesis is enforced', () => {
    const genesis = testGenesis({ params: { minBlockIntervalMs: 1_000 } })
    const { headers } = fullChain(1, genesis)
    const first = headers[0] as Header
    const hc = new HeaderChain(genesis)
    expect(code(() => hc.add(reseal(first, { timestamp: genesis.timestamp + 999n }), NOW))).toBe(
      'BLOCK_BAD_TIMESTAMP',
    )
    expect(hc.add(first, NOW).kind).toBe('extended')
    // A genesis asking no gap still gets one: a header dated like its parent is refused.
    const noGap = testGenesis({ params: { minBlockIntervalMs: 0 } })
    const sameTime = reseal(must(fullChain(1, noGap).headers[0]), { timestamp: noGap.timestamp })
    expect(code(() => new HeaderChain(noGap).add(sameTime, NOW))).toBe('BLOCK_BAD_TIMESTAMP')
  })

  test('switches to a heavier branch and reports what left; a reorg past the limit is refused', () => {
    const genesis = testGenesis({ params: { maxReorgDepth: 4 } })
    const chain = new Chain({ genesis })
    const main = extend(chain, 6)
    const fork = extend(chain, 4, { parentHash: hashBlock(must(main[2])), miner: addressOf(7) })
    const hc = new HeaderChain(genesis)
    for (const b of main) hc.add(b.header, NOW)
    const mainHead = hc.head.hash
    const results = fork.map((b) => hc.add(b.header, NOW).kind)
    // Blocks 4' and 5' are lighter or equal (ties keep the first seen); 6' is not heavier than 6; 7' is.
    expect(results).toEqual(['side', 'side', 'side', 'reorg'])
    expect(hc.head.hash).toBe(hashBlock(must(fork[3])))
    expect(hc.isCanonical(mainHead)).toBe(false)
    // What left since the old head, newest first; nothing since the new one.
    expect(hc.removedSince(mainHead)).toEqual([5, 4, 3].map((i) => hashBlock(must(main[i]))))
    expect(hc.removedSince(hc.head.hash)).toEqual([])
    expect(hc.removedSince(hashBlock(must(main[2])))).toEqual([])
    expect(hc.byNumber(3n)?.hash).toBe(hashBlock(must(main[2])))
    expect(hc.byNumber(4n)?.hash).toBe(hashBlock(must(fork[0])))

    // A branch forking 6 below the head (limit 4) is refused before it is stored.
    const deep = new Chain({ genesis })
    const base = extend(deep, 2)
    const far = extend(deep, 1, { parentHash: hashBlock(must(base[0])), miner: addressOf(6) })
    const hc2 = new HeaderChain(genesis)
    for (const b of [...base, ...extend(deep, 5, { parentHash: hashBlock(must(base[1])) })])
      hc2.add(b.header, NOW)
    expect(hc2.head.header.number).toBe(7n)
    expect(code(() => hc2.add(must(far[0]).header, NOW))).toBe('BLOCK_REORG_TOO_DEEP')
    expect(hc2.get(hashBlock(must(far[0])))).toBeUndefined()

    // Allowed back to block 1 (the user follows a split), the branch — once heavier — becomes canonical;
    // the leave is used up. Only a canonical header can be named; `null` takes a leave back.
    const other = new Chain({ genesis })
    for (const b of [must(base[0]), must(far[0])]) other.importBlock(b, b.header.timestamp)
    const farther = [...far, ...extend(other, 8)]
    const notCanonical = hashBlock(must(far[0]))
    expect(codeOf(NodeError, () => hc2.allowDeepReorg(notCanonical))).toBe('NODE_BAD_PARAMS')
    expect(() => hc2.allowDeepReorg(notCanonical)).toThrowError(
      expect.objectContaining({
        type: { code: 'NODE_BAD_PARAMS', reason: `${notCanonical} is not a header of the canonical chain` },
        message: `invalid params: ${notCanonical} is not a header of the canonical chain`,
      }),
    )
    hc2.allowDeepReorg(hashBlock(must(base[0])))
    hc2.allowDeepReorg(null)
    expect(code(() => hc2.add(must(far[0]).header, NOW))).toBe('BLOCK_REORG_TOO_DEEP')
    hc2.allowDeepReorg(hashBlock(must(base[0])))
    expect(hc2.forkPoint(hc2.head.hash)?.depth).toBe(0)
    const kinds = farther.map((b) => hc2.add(b.header, NOW).kind)
    expect(kinds.at(-1)).toBe('extended')
    expect(kinds).toContain('reorg')
    expect(hc2.head.hash).toBe(hashBlock(must(farther.at(-1))))
    expect(hc2.deepReorgTarget).toBeUndefined()
  })

  test('a branch forking exactly maxReorgDepth below the head is kept; one block deeper is refused', () => {
    const genesis = testGenesis({ params: { maxReorgDepth: 4 } })
    const chain = new Chain({ genesis })
    const main = extend(chain, 3)
    // Forks mined while they were shallow, off blocks 2 and 3; the main chain then grows to #7.
    const offTwo = extend(chain, 1, { parentHash: hashBlock(must(main[1])), miner: addressOf(6) })
    const offThree = extend(chain, 1, { parentHash: hashBlock(must(main[2])), miner: addressOf(7) })
    main.push(...extend(chain, 4, { parentHash: hashBlock(must(main[2])) }))
    const hc = new HeaderChain(genesis)
    for (const b of main) hc.add(b.header, NOW)
    expect(hc.head.header.number).toBe(7n)
    expect(hc.add(must(offThree[0]).header, NOW).kind).toBe('side')
    expect(() => hc.add(must(offTwo[0]).header, NOW)).toThrowError(
      expect.objectContaining({ type: { code: 'BLOCK_REORG_TOO_DEEP', depth: 5, max: 4 } }),
    )
    expect(hc.get(hashBlock(must(offTwo[0])))).toBeUndefined()
  })

  test('a side branch whose parent is within the limit is refused once its fork point is past it', () => {
    const genesis = testGenesis({ params: { maxReorgDepth: 4 } })
    const chain = new Chain({ genesis })
    const main = extend(chain, 3)
    // A branch off block 3, both its blocks mined while it was shallow; the main chain then grows to #8.
    const side = extend(chain, 2, { parentHash: hashBlock(must(main[2])), miner: addressOf(6) })
    main.push(...extend(chain, 5, { parentHash: hashBlock(must(main[2])) }))
    const hc = new HeaderChain(genesis)
    for (const b of main.slice(0, 7)) hc.add(b.header, NOW)
    expect(hc.add(must(side[0]).header, NOW).kind).toBe('side')
    expect(hc.add(must(main[7]).header, NOW).kind).toBe('extended')
    // Its parent, 4', is 4 below the head, but the branch leaves the chain at block 3: 5 deep.
    expect(() => hc.add(must(side[1]).header, NOW)).toThrowError(
      expect.objectContaining({ type: { code: 'BLOCK_REORG_TOO_DEEP', depth: 5, max: 4 } }),
    )
    expect(hc.get(hashBlock(must(side[1])))).toBeUndefined()
  })

  test('of two checkpoints the heavier is kept, the first of two as heavy', () => {
    const { headers } = fullChain(4)
    const hc = new HeaderChain(GENESIS)
    for (const h of headers.slice(0, 3)) hc.add(h, NOW)
    const lighter = hc.checkpoint(1n)
    const asHeavy = hc.checkpoint(2n)
    hc.add(headers[3] as Header, NOW)
    const heavier = hc.checkpoint(2n)
    expect(checkpointWeight(asHeavy)).toBe(checkpointWeight(lighter))
    expect(heavierCheckpoint(lighter, asHeavy)).toBe(lighter)
    expect(heavierCheckpoint(asHeavy, lighter)).toBe(asHeavy)
    expect(heavierCheckpoint(lighter, heavier)).toBe(heavier)
    expect(heavierCheckpoint(heavier, lighter)).toBe(heavier)
    expect(heavierCheckpoint(undefined, lighter)).toBe(lighter)
    expect(heavierCheckpoint(lighter, undefined)).toBe(lighter)
  })

  test('a checkpoint restores the chain from its base: heads, anchor and total difficulty as before', () => {
    const genesis = testGenesis({ params: { maxReorgDepth: 4 } })
    const chain = new Chain({ genesis })
    const blocks = extend(chain, 12)
    const hc = new HeaderChain(genesis)
    for (const b of blocks.slice(0, 10)) hc.add(b.header, NOW)
    const kept = hc.checkpoint(6n)
    expect(kept.headers.map((h) => h.number)).toEqual([6n, 7n, 8n, 9n, 10n])
    expect(kept.totalDifficulty).toBe(must(hc.byNumber(6n)).totalDifficulty)

    const restored = new HeaderChain(genesis, structuredClone(kept), NOW)
    expect(restored.base.header.number).toBe(6n)
    expect(restored.head.hash).toBe(hc.head.hash)
    expect(restored.head.totalDifficulty).toBe(hc.head.totalDifficulty)
    expect(restored.anchor(3).hash).toBe(hc.anchor(3).hash)
    expect(restored.byNumber(5n)).toBeUndefined()
    expect(restored.isCanonical(hashBlock(must(blocks[7])))).toBe(true)
    // It goes on from there as the original would.
    for (const b of blocks.slice(10)) expect(restored.add(b.header, NOW).kind).toBe('extended')
    expect(restored.head.totalDifficulty).toBe(chain.head.totalDifficulty)
    // Nothing below the base is held: a branch from there has no known parent, one from the genesis is
    // too deep; neither is stored.
    const side = new Chain({ genesis })
    for (const b of blocks.slice(0, 4)) side.importBlock(b, NOW)
    const below = must(extend(side, 1, { miner: addressOf(5) })[0]).header
    expect(code(() => restored.add(below, NOW))).toBe('BLOCK_UNKNOWN_PARENT')
    const fromGenesis = must(extend(new Chain({ genesis }), 1, { miner: addressOf(5) })[0]).header
    expect(code(() => restored.add(fromGenesis, NOW))).toBe('BLOCK_REORG_TOO_DEEP')
    expect(restored.get(hashHeader(fromGenesis))).toBeUndefined()
    // A checkpoint from the genesis is the plain chain; one whose headers do not link is refused.
    expect(new HeaderChain(genesis, hc.checkpoint(0n), NOW).head.hash).toBe(hc.head.hash)
    const broken = { ...kept, headers: [kept.headers[0] as Header, ...kept.headers.slice(2)] }
    expect(code(() => new HeaderChain(genesis, broken, NOW))).toBe('BLOCK_UNKNOWN_PARENT')
    const forged = {
      ...kept,
      headers: [...kept.headers.slice(0, 2), reseal(kept.headers[2] as Header, { gasLimit: 1n })],
    }
    expect(code(() => new HeaderChain(genesis, forged, NOW))).not.toBe('accepted')
    // Nor one that branches: each header must extend the one before it, not sit beside it.
    const sibling = must(
      extend(chain, 1, { parentHash: hashHeader(kept.headers[3] as Header), miner: addressOf(6) })[0],
    ).header
    const branching = { ...kept, headers: [...kept.headers, sibling] }
    expect(code(() => new HeaderChain(genesis, branching, NOW))).toBe('BLOCK_UNKNOWN_PARENT')
  })
})

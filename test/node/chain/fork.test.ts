import fc from 'fast-check'
import type { Hex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { testGenesis } from '../../../src/node/chain/genesis'
import type { Block } from '../../../src/node/chain/types'
import { addressOf, mineOn, transfer } from './chain-fixtures'

const genesis = testGenesis()

/** Pre-signed transfers: SIGNED[account][nonce]. */
const SIGNED: Hex[][] = []
beforeAll(async () => {
  for (let a = 0; a < 5; a++) {
    SIGNED.push(
      await Promise.all(
        [0, 1, 2].map((nonce) => transfer(a, { nonce, to: addressOf((a + 1) % 10), value: 10n ** 15n })),
      ),
    )
  }
})

function importAll(chain: Chain, blocks: readonly Block[]): void {
  for (const b of blocks) chain.importBlock(b, b.header.timestamp)
}

/** Mines `count` empty blocks on `chain`'s head and returns them. */
function emptyBranch(chain: Chain, count: number, miner: number): Block[] {
  const out: Block[] = []
  for (let i = 0; i < count; i++) {
    const b = mineOn(chain, [], { miner: addressOf(miner) })
    chain.importBlock(b, b.header.timestamp)
    out.push(b)
  }
  return out
}

describe('rolling back and forward', () => {
  it('applying a block and then reorganising away restores the exact state root, and back again', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(3), { minLength: 5, maxLength: 5 }), (counts) => {
        const chain = new Chain({ genesis })
        const g = chain.head
        const raws = counts.flatMap((k, a) => (SIGNED[a] as Hex[]).slice(0, k))
        const x = mineOn(chain, chain.blockTransactions({ header: g.block.header, transactions: raws }))
        expect(chain.importBlock(x, x.header.timestamp).kind).toBe('extended')
        if (raws.length > 0) expect(chain.headHeader.stateRoot).not.toBe(g.block.header.stateRoot)

        // A heavier empty branch from genesis: the head state becomes exactly what a node that only saw
        // that branch computes, and genesis' state is untouched.
        const other = new Chain({ genesis })
        const empty = emptyBranch(other, 2, 7)
        importAll(chain, empty)
        expect(chain.head.hash).toBe(hashBlock(empty[1] as Block))
        expect(chain.headHeader.stateRoot).toBe(other.headHeader.stateRoot)
        expect(chain.stateAt(g.hash).root).toBe(g.block.header.stateRoot)
        expect(chain.headState.getAccount(addressOf(0)).nonce).toBe(0n)

        // Rolling forward again: x's branch grows heavier and its state comes back, byte for byte.
        const xs = new Chain({ genesis })
        importAll(xs, [x])
        const more = emptyBranch(xs, 2, 6)
        const r = (() => {
          chain.importBlock(more[0] as Block, (more[0] as Block).header.timestamp)
          return chain.importBlock(more[1] as Block, (more[1] as Block).header.timestamp)
        })()
        expect(r.kind).toBe('reorg')
        expect(chain.headHeader.stateRoot).toBe(xs.headHeader.stateRoot)
        if (r.kind === 'reorg') expect(r.head.orphaned).toEqual([])
      }),
      { numRuns: 12 },
    )
  })
})

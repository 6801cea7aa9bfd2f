import type { Hex } from 'viem'
import { testGenesis } from '../../src/node/chain/genesis'
import { useApp } from '../../src/ui/store'

/** A 32-byte hash that reads as the number `n`. */
export const numberHash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

const genesis = testGenesis({ params: { maxReorgDepth: 64 } })

/** The app store at head `n` of a chain whose reorganisations reach 64 blocks deep at most. */
export const appHeadAt = (n: number): void =>
  useApp.setState({
    chain: { name: genesis.name, params: genesis.params },
    head: {
      number: BigInt(n),
      hash: numberHash(1_000_000 + n),
      timestamp: BigInt(n),
      difficulty: 1n,
      totalDifficulty: BigInt(n),
      txCount: null,
    },
  })

import type { Hex } from 'viem'
import { testGenesis } from '../../src/node/chain/genesis'
import { useApp } from '../../src/ui/store'
import { until } from '../until'

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

/**
 * A receipt read whose first call answers only once the test lets it, counting the reads and the most
 * under way at once; `answer(at)` is a read's answer for the head it began at. `askDuringSlowRead` asks
 * `refresh` at head 11, then at heads 12 and 13 while that first read waits, lets it answer, and resolves
 * when every ask has ended.
 */
export function slowFirstReceipt<T>(answer: (at: bigint) => T) {
  let release: () => void = () => {}
  let reading = 0
  const count = { reads: 0, together: 0 }
  const receipt = async (): Promise<T> => {
    const at = useApp.getState().head?.number ?? 0n
    count.reads += 1
    reading += 1
    count.together = Math.max(count.together, reading)
    if (count.reads === 1) await new Promise<void>((resolve) => (release = resolve))
    reading -= 1
    return answer(at)
  }
  const askDuringSlowRead = async (refresh: () => Promise<void>): Promise<void> => {
    appHeadAt(11)
    const first = refresh()
    await until(() => count.reads === 1)
    appHeadAt(12)
    const second = refresh()
    appHeadAt(13)
    const third = refresh()
    // A turn of the event loop: every read these asks would start on their own has started and answered.
    await new Promise((resolve) => setTimeout(resolve, 0))
    release()
    await Promise.all([first, second, third])
  }
  return { receipt, count, askDuringSlowRead }
}

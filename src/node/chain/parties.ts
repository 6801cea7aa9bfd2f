import type { Address, Hex } from 'viem'
import { ZERO_ADDRESS } from '../contracts/addresses'
import { TRANSFER_TOPIC } from '../contracts/erc20/erc20'
import type { Log } from './types'

/** The address in a 32-byte topic word, or undefined when the topic is not one. */
export const topicAddress = (topic: Hex | undefined): Address | undefined =>
  topic === undefined || topic.length !== 66 ? undefined : (`0x${topic.slice(26)}` as Address)

/**
 * The addresses a transaction touches, as an address's transaction list counts them: its sender, its
 * recipient, and both sides of each token `Transfer` it logged (the zero address of a mint or burn left
 * out), lowercase.
 */
export function transactionParties(from: Address, to: Address, logs: readonly Log[]): Set<Address> {
  const parties = new Set<Address>([from.toLowerCase() as Address, to.toLowerCase() as Address])
  for (const log of logs) {
    if (log.topics[0] !== TRANSFER_TOPIC || log.topics.length !== 3) continue
    for (const t of [log.topics[1], log.topics[2]]) {
      const a = topicAddress(t)?.toLowerCase() as Address | undefined
      if (a !== undefined && a !== ZERO_ADDRESS) parties.add(a)
    }
  }
  return parties
}

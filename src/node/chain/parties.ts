import type { Address, Hex } from 'viem'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../contracts/addresses'
import { TRANSFER_TOPIC } from '../contracts/erc20/erc20'
import { type HtlcLock, REDEEMED_TOPIC, REFUNDED_TOPIC } from '../contracts/htlc/htlc'
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

/** Who an HTLC lock pays out to: its recipient on a redeem, its sender on a refund. */
export type LockParties = Pick<HtlcLock, 'sender' | 'recipient'>

/** An HTLC payout a transaction logged: the lock it settled, and how (to its recipient, or back to its sender). */
export interface LockPayout {
  readonly id: Hex
  readonly via: 'redeem' | 'refund'
}

/** The HTLC `Redeemed` and `Refunded` logs among `logs`, in order: each names only its lock. */
export function lockPayouts(logs: readonly Log[]): LockPayout[] {
  const out: LockPayout[] = []
  for (const log of logs) {
    const [topic, id] = log.topics
    if (log.address.toLowerCase() !== HTLC_ADDRESS || log.topics.length !== 2 || id === undefined) continue
    if (topic === REDEEMED_TOPIC) out.push({ id, via: 'redeem' })
    else if (topic === REFUNDED_TOPIC) out.push({ id, via: 'refund' })
  }
  return out
}

/** Who `lock` pays on `via`, lowercase: its recipient on a redeem, its sender on a refund. */
export const payeeOf = (lock: LockParties, via: LockPayout['via']): Address =>
  (via === 'redeem' ? lock.recipient : lock.sender).toLowerCase() as Address

/**
 * The addresses the HTLC paid in a transaction, as its `Redeemed` and `Refunded` logs say (each names
 * only its lock): the lock's recipient for a redeem, its sender for a refund, read with `lockOf` (a lock
 * it does not know pays no one here), lowercase. A coin lock's payout names its payee in no log, whoever
 * sent the redeem or refund (anyone may: the counterparty, a watchtower).
 */
export function lockPayees(logs: readonly Log[], lockOf: (id: Hex) => LockParties | undefined): Set<Address> {
  const payees = new Set<Address>()
  for (const { id, via } of lockPayouts(logs)) {
    const lock = lockOf(id)
    if (lock !== undefined) payees.add(payeeOf(lock, via))
  }
  return payees
}

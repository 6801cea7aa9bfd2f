import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  bytesToHex,
  hexToBigInt,
  hexToBytes,
  keccak256,
  numberToHex,
  parseTransaction,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem'
import { describe, expect, test } from 'vitest'
import { buildFlood, floodedNode, minedNext } from '../../../bench/chain/flood'
import { MAX_GAPPED, MAX_PER_SENDER, MIN_SUGGESTED_TIP } from '../../../src/node/mempool/mempool'
import { chainTopic } from '../../../src/node/network/protocol'

describe('a peer flooding the txs topic', () => {
  test('valid transfers fill the pool only to the per-sender cap, earn no penalty, and an honest transfer is mined next', async () => {
    const w = buildFlood({ senders: 30, perSender: 20 })
    const node = await floodedNode(w.genesis)
    try {
      const topic = chainTopic(w.genesis.params.chainId, 'txs')
      const verdicts = { accept: 0, ignore: 0, reject: 0 }
      for (const raw of w.flood) verdicts[await node.sink.gossip(topic, raw, 'FLOODER')]++
      // The same flood again: every message is known (or over the cap), refused without a penalty.
      for (const raw of w.flood) verdicts[await node.sink.gossip(topic, raw, 'FLOODER')]++
      expect(verdicts).toEqual({
        accept: 30 * MAX_PER_SENDER,
        ignore: 2 * 30 * 20 - 30 * MAX_PER_SENDER,
        reject: 0,
      })
      expect(await node.api.stats()).toMatchObject({ pendingTxs: 30 * MAX_PER_SENDER, penalties: 0 })
      const hash = await node.api.sendRawTransaction(w.honest)
      expect(hash).toBe(keccak256(w.honest))
      expect(await minedNext(node, hash)).toBe(true)
    } finally {
      node.stop()
    }
  })

  test('transfers behind a nonce gap fill only the gapped room, earn no penalty, leave the suggested tip alone, and an honest transfer is mined next', async () => {
    const senders = 140
    const w = buildFlood({ senders, perSender: 10 })
    const node = await floodedNode(w.genesis)
    try {
      const topic = chainTopic(w.genesis.params.chainId, 'txs')
      const verdicts = { accept: 0, ignore: 0, reject: 0 }
      // Every sender's nonces 1–9 without its nonce 0 (the flood's first `senders` messages): never mineable.
      for (const raw of w.flood.slice(senders)) verdicts[await node.sink.gossip(topic, raw, 'FLOODER')]++
      expect(verdicts.reject).toBe(0)
      expect(await node.api.stats()).toMatchObject({ pendingTxs: MAX_GAPPED, penalties: 0 })
      expect((await node.api.fees()).suggestedTip).toBe(MIN_SUGGESTED_TIP)
      const hash = await node.api.sendRawTransaction(w.honest)
      expect(await minedNext(node, hash)).toBe(true)
    } finally {
      node.stop()
    }
  }, 60_000)

  test('forged signatures are rejected: ten drop the flooder, whose later messages are refused unread', async () => {
    const w = buildFlood({ senders: 12, perSender: 1 })
    // A stopped clock: penalty points decay with time, and ten must add up to the drop score exactly.
    const now = Date.now()
    const node = await floodedNode(w.genesis, () => now)
    try {
      const topic = chainTopic(w.genesis.params.chainId, 'txs')
      // Each signature made high-s (s → n − s, EIP-2 forbids it): what a forger's cheapest junk looks like.
      const forged = w.flood.map((raw) => {
        const { r, s, yParity, ...tx } = parseTransaction(bytesToHex(raw))
        const high = secp256k1.Point.CURVE().n - hexToBigInt(s ?? '0x0')
        return hexToBytes(
          serializeTransaction(tx as TransactionSerializableEIP1559, {
            r: r ?? '0x0',
            s: numberToHex(high, { size: 32 }),
            yParity: yParity === 1 ? 0 : 1,
          }),
        )
      })
      const verdicts: string[] = []
      for (const raw of forged) verdicts.push(await node.sink.gossip(topic, raw, 'FORGER'))
      expect(verdicts).toEqual(Array(12).fill('reject'))
      expect(await node.api.stats()).toMatchObject({ penalties: 10, peersDropped: 1, pendingTxs: 0 })
      // Dropped: even its valid transactions are refused now; another peer's are taken.
      expect(await node.sink.gossip(topic, w.flood[0] ?? new Uint8Array(), 'FORGER')).toBe('reject')
      expect(await node.sink.gossip(topic, w.flood[0] ?? new Uint8Array(), 'HONEST')).toBe('accept')
      expect(node.syncer.isBanned('FORGER')).toBe(true)
    } finally {
      node.stop()
    }
  })
})

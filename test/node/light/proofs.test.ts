import type { Hex } from 'viem'
import { describe, expect, test, vi } from 'vitest'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { rlpEncode } from '../../../src/node/codec/rlp'
import { LightError } from '../../../src/node/light/errors'
import { verifyInclusion, verifyStateValue } from '../../../src/node/light/verify'
import { accountKey, tokenAllowanceKey, tokenBalanceKey, tokenMetaKey } from '../../../src/node/state/keys'
import { decodeAccount, decodeWord } from '../../../src/node/state/state'
import { SyncError } from '../../../src/node/sync/errors'
import {
  decodeInclusionRequest,
  decodeInclusionResponse,
  decodeStateProofRequest,
  decodeStateProofResponse,
  encodeInclusionRequest,
  encodeStateProofRequest,
  type InclusionEntry,
  MAX_PROOF_KEYS,
} from '../../../src/node/sync/proof-messages'
import { createSyncServer, syncProtocols } from '../../../src/node/sync/sync-server'
import { codeOf } from '../../code-of'
import { ALICE, BOB, GENESIS, must, TOKEN, tokenChain } from './fixtures'

const P = syncProtocols(GENESIS.params.chainId)

const lightCode = (fn: () => unknown): string => codeOf(LightError, fn)

const syncCode = (fn: () => unknown): string => codeOf(SyncError, fn)

/** Flips one bit of byte `at` of a hex string (counted from the end when negative). */
function flip(hex: Hex, at: number): Hex {
  const b = fromHex(hex)
  const i = at < 0 ? b.length + at : at
  b[i] = (b[i] as number) ^ 1
  return toHex(b)
}

async function served() {
  const { chain } = await tokenChain(3)
  const server = createSyncServer({ chain, now: () => 0 })
  const ask = (protocol: string, body: Uint8Array) => {
    const res = server.answer(protocol, body, 'light')
    if (res === null) throw new Error('not a sync protocol')
    return res
  }
  return { chain, ask }
}

describe('state proofs served by a full node', () => {
  test('verify against the header state root: account, token balance, allowance, metadata, absent key', async () => {
    const { chain, ask } = await served()
    const at = must(chain.getBlockByNumber(2n))
    const keys = [
      accountKey(ALICE),
      tokenBalanceKey(TOKEN, BOB),
      tokenAllowanceKey(TOKEN, ALICE, BOB),
      tokenMetaKey(TOKEN),
      tokenBalanceKey(TOKEN, must(GENESIS.alloc[5]).address),
    ]
    const proofs = decodeStateProofResponse(
      ask(P.proof, encodeStateProofRequest({ blockHash: at.hash, keys })),
    )
    expect(proofs).not.toBeNull()
    const values = keys.map((k, i) => verifyStateValue(at.block.header.stateRoot, k, must(must(proofs)[i])))
    const state = chain.stateAt(at.hash)
    expect(decodeAccount(values[0])).toEqual(state.getAccount(ALICE))
    expect(decodeAccount(values[0]).nonce).toBe(3n)
    expect(decodeWord(values[1])).toBe(250n)
    expect(decodeWord(values[2])).toBe(40n)
    expect(values[3]).not.toBeNull()
    expect(values[4]).toBeNull()
  })

  test('tampered proofs are refused with LIGHT_BAD_PROOF', async () => {
    const { chain, ask } = await served()
    const at = must(chain.getBlockByNumber(2n))
    const root = at.block.header.stateRoot
    const key = tokenBalanceKey(TOKEN, BOB)
    const [proof] = must(
      decodeStateProofResponse(ask(P.proof, encodeStateProofRequest({ blockHash: at.hash, keys: [key] }))),
    )
    const nodes = [...must(proof)]
    const leaf = nodes.length - 1
    // Changed balance: the leaf's last value byte.
    const changed = nodes.map((n, i) => (i === leaf ? flip(n, -1) : n))
    expect(lightCode(() => verifyStateValue(root, key, changed))).toBe('LIGHT_BAD_PROOF')
    // Wrong root: the proof is honest, but for another block's state.
    expect(
      lightCode(() => verifyStateValue(must(chain.getBlockByNumber(0n)).block.header.stateRoot, key, nodes)),
    ).toBe('LIGHT_BAD_PROOF')
    // Truncated path.
    expect(lightCode(() => verifyStateValue(root, key, nodes.slice(0, -1)))).toBe('LIGHT_BAD_PROOF')
    expect(lightCode(() => verifyStateValue(root, key, []))).toBe('LIGHT_BAD_PROOF')
    // A proof of another key (ALICE's balance passed off as BOB's).
    const [other] = must(
      decodeStateProofResponse(
        ask(P.proof, encodeStateProofRequest({ blockHash: at.hash, keys: [tokenBalanceKey(TOKEN, ALICE)] })),
      ),
    )
    expect(lightCode(() => verifyStateValue(root, key, must(other)))).toBe('LIGHT_BAD_PROOF')
    // Garbage bytes in a node.
    expect(lightCode(() => verifyStateValue(root, key, ['0x01', ...nodes.slice(1)]))).toBe('LIGHT_BAD_PROOF')
    expect(decodeWord(verifyStateValue(root, key, nodes))).toBe(250n)
  })

  test('an unknown block is answered "unavailable"; bad requests get typed errors', async () => {
    const { ask } = await served()
    const unknown = `0x${'12'.repeat(32)}` as Hex
    expect(
      decodeStateProofResponse(
        ask(P.proof, encodeStateProofRequest({ blockHash: unknown, keys: [accountKey(ALICE)] })),
      ),
    ).toBeNull()
    const many = Array.from({ length: MAX_PROOF_KEYS + 1 }, () => accountKey(ALICE))
    expect(syncCode(() => ask(P.proof, encodeStateProofRequest({ blockHash: unknown, keys: many })))).toBe(
      'SYNC_REQUEST_TOO_LARGE',
    )
    expect(syncCode(() => decodeStateProofRequest(rlpEncode([new Uint8Array(31), []])))).toBe(
      'SYNC_MALFORMED',
    )
    expect(syncCode(() => decodeStateProofRequest(rlpEncode([new Uint8Array(32), []])))).toBe(
      'SYNC_MALFORMED',
    )
    expect(syncCode(() => decodeStateProofRequest(Uint8Array.of(0xc5)))).toBe('SYNC_MALFORMED')
    expect(syncCode(() => decodeStateProofResponse(rlpEncode([Uint8Array.of(2), []])))).toBe('SYNC_MALFORMED')
    expect(syncCode(() => decodeStateProofResponse(rlpEncode([new Uint8Array(0), []])))).toBe(
      'SYNC_MALFORMED',
    )
    expect(syncCode(() => decodeStateProofResponse(new Uint8Array(4 * 1024 * 1024)))).toBe(
      'SYNC_RESPONSE_TOO_LARGE',
    )
    expect(syncCode(() => decodeInclusionRequest(rlpEncode([])))).toBe('SYNC_MALFORMED')
    expect(syncCode(() => decodeInclusionResponse(rlpEncode([[new Uint8Array(32)]])))).toBe('SYNC_MALFORMED')
  })

  test('proofs that would pass the response cap are answered "unavailable", never cut short', async () => {
    const { chain, ask } = await served()
    const blockHash = chain.head.hash
    const state = chain.stateAt(blockHash)
    const prove = state.prove.bind(state)
    // Each proof made 64 KiB longer: 64 of them pass the 3 MiB cap, a few do not.
    const padding = `0x${'00'.repeat(64 * 1024)}` as Hex
    vi.spyOn(state, 'prove').mockImplementation((key) => {
      const proof = prove(key)
      return { ...proof, nodes: [...proof.nodes, padding] }
    })
    const request = (n: number) =>
      encodeStateProofRequest({ blockHash, keys: Array.from({ length: n }, () => accountKey(ALICE)) })
    expect(decodeStateProofResponse(ask(P.proof, request(4)))).toHaveLength(4)
    expect(decodeStateProofResponse(ask(P.proof, request(MAX_PROOF_KEYS)))).toBeNull()
  })
})

describe('inclusion proofs', () => {
  test('a transaction and its receipt verify against the header roots; tampering is refused', async () => {
    const { chain, ask } = await served()
    const b1 = must(chain.getBlockByNumber(1n))
    const txHash = must(b1.txHashes[1])
    const [entry] = decodeInclusionResponse(
      ask(P.inclusion, encodeInclusionRequest([txHash, `0x${'00'.repeat(32)}`])),
    )
    expect(entry).not.toBeNull()
    const e = entry as InclusionEntry
    expect(e.blockHash).toBe(b1.hash)
    const proven = verifyInclusion(b1.block.header, txHash, e)
    expect(proven).toMatchObject({ index: 1, status: 1, blockNumber: 1n })
    expect(proven.logs[0]?.address).toBe(TOKEN)
    expect(proven.cumulativeGasUsed).toBe(must(b1.receipts[1]).cumulativeGasUsed)

    const header = b1.block.header
    const bad = (x: InclusionEntry, hash: Hex = txHash) => lightCode(() => verifyInclusion(header, hash, x))
    expect(bad(e, must(b1.txHashes[0]))).toBe('LIGHT_BAD_PROOF')
    expect(bad({ ...e, index: 0 })).toBe('LIGHT_BAD_PROOF')
    expect(bad({ ...e, txSiblings: e.txSiblings.slice(1) })).toBe('LIGHT_BAD_PROOF')
    expect(bad({ ...e, receipt: flip(e.receipt, 2) })).toBe('LIGHT_BAD_PROOF')
    expect(
      bad({ ...e, receiptSiblings: [flip(must(e.receiptSiblings[0]), 0), ...e.receiptSiblings.slice(1)] }),
    ).toBe('LIGHT_BAD_PROOF')
    // A different block's roots.
    expect(lightCode(() => verifyInclusion(must(chain.getBlockByNumber(2n)).block.header, txHash, e))).toBe(
      'LIGHT_BAD_PROOF',
    )
  })
})

describe('proof protocols: bad input', () => {
  test('proof requests share the sync rate limit (32 at once, then refused)', async () => {
    const { chain } = await tokenChain(0)
    const server = createSyncServer({ chain, now: () => 0 })
    const body = encodeStateProofRequest({ blockHash: chain.head.hash, keys: [accountKey(ALICE)] })
    for (let i = 0; i < 32; i++) server.answer(P.proof, body, 'greedy')
    expect(
      syncCode(() => server.answer(P.inclusion, encodeInclusionRequest([chain.head.hash]), 'greedy')),
    ).toBe('SYNC_RATE_LIMITED')
    expect(server.answer(P.proof, body, 'polite')).not.toBeNull()
  })
})

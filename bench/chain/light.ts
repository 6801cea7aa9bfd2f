import type { Address, Hex } from 'viem'
import { genesisBlock, hashBlock } from '../../src/node/chain/block'
import { DEVNET_ACCOUNTS, genesisState, testGenesis } from '../../src/node/chain/genesis'
import { hashHeader } from '../../src/node/chain/header'
import type { Header } from '../../src/node/chain/types'
import { keccakBackend } from '../../src/node/codec/bytes'
import { nextBaseFee } from '../../src/node/consensus/base-fee'
import { nextDifficulty } from '../../src/node/consensus/difficulty'
import { mineSlice } from '../../src/node/consensus/miner'
import { HeaderChain } from '../../src/node/light/header-chain'
import { verifyStateValue } from '../../src/node/light/verify'
import { accountKey } from '../../src/node/state/keys'
import { decodeAccount } from '../../src/node/state/state'
import {
  decodeHeadersResponse,
  encodeHeadersResponse,
  MAX_HEADERS_PER_REQUEST,
} from '../../src/node/sync/messages'
import { decodeStateProofResponse, encodeStateProofResponse } from '../../src/node/sync/proof-messages'
import { count, perSecond, timeMs } from '../timing'
import type { Bench, BenchResult } from '../types'

/**
 * Issue 7, light mode: what a light node spends to trust a chain of n headers and a balance on it.
 *
 * Untimed: a chain of n sealed headers on the test genesis (2 s apart; every header rule applies:
 * link, number, timestamp, difficulty, proof of work, gas limit, base fee), encoded as the
 * `sync-headers` responses of 512 headers a peer sends, and the account proof a full peer sends.
 * Timed (best of 3 rounds, each on a fresh header chain):
 * - `decodeHeadersResponse` + `HeaderChain.add` of every header → headers verified per second;
 * - the same plus decoding and verifying the balance proof at the header k deep → the compute part
 *   of "page load to a verified balance" on n blocks (network round trips and worker start excluded).
 * Baseline in the same worker: `hashHeader` alone over the same headers (one keccak of the RLP), the
 * floor of any header check.
 */

const FAR_FUTURE = 10n ** 15n

/** `n` sealed headers on the test genesis, 2 s apart, every header rule holding (the light-client tests use it too). */
export function buildHeaders(n: number): { headers: Header[]; genesis: ReturnType<typeof testGenesis> } {
  const genesis = testGenesis()
  const params = genesis.params
  const root = genesisState(genesis).state.root
  let parent = genesisBlock(genesis).header
  let parentHash = hashBlock(genesisBlock(genesis))
  const headers: Header[] = []
  for (let i = 1; i <= n; i++) {
    const timestamp = parent.timestamp + 2_000n
    const template: Header = {
      ...parent,
      parentHash,
      number: parent.number + 1n,
      timestamp,
      miner: DEVNET_ACCOUNTS[i % 10] as Address,
      stateRoot: root,
      gasUsed: 0n,
      baseFeePerGas: nextBaseFee(params, parent),
      difficulty: nextDifficulty(params, parent, timestamp),
      nonce: 0n,
    }
    let nonce = 0n
    for (;;) {
      const r = mineSlice(template, nonce, 1_000)
      if ('found' in r) {
        nonce = r.found
        break
      }
      nonce = r.next
    }
    const header = { ...template, nonce }
    headers.push(header)
    parent = header
    parentHash = hashHeader(header)
  }
  return { headers, genesis }
}

export const lightSyncBench: Bench = {
  name: 'light-sync',
  title: 'Light mode: headers verified per second, and a verified balance on a 10,000-block chain',
  where: 'worker',
  async run(options): Promise<BenchResult> {
    const keccakImpl = await keccakBackend
    const n = options.quick ? 1_000 : 10_000
    const rounds = options.quick ? 1 : 3
    const { headers, genesis } = buildHeaders(n)
    const responses: Uint8Array[] = []
    for (let i = 0; i < n; i += MAX_HEADERS_PER_REQUEST) {
      responses.push(
        encodeHeadersResponse({
          headNumber: BigInt(n),
          headTotalDifficulty: 0n,
          headers: headers.slice(i, i + MAX_HEADERS_PER_REQUEST),
        }),
      )
    }
    const who = DEVNET_ACCOUNTS[0] as Address
    const key = accountKey(who)
    const proofBytes = encodeStateProofResponse([genesisState(genesis).state.prove(key).nodes])

    let bestHeadersMs = Number.POSITIVE_INFINITY
    let bestBalanceMs = Number.POSITIVE_INFINITY
    let bestHashMs = Number.POSITIVE_INFINITY
    let balance = 0n
    for (let r = 0; r < rounds; r++) {
      bestHashMs = Math.min(
        bestHashMs,
        timeMs(() => {
          for (const h of headers) hashHeader(h)
        }),
      )
      const chain = new HeaderChain(genesis)
      const syncMs = timeMs(() => {
        for (const bytes of responses) {
          const res = decodeHeadersResponse(bytes)
          // As the light client does: the hashes computed while decoding are not computed again.
          for (const [i, h] of res.headers.entries()) chain.add(h, FAR_FUTURE, res.hashes[i])
        }
      })
      const proofMs = timeMs(() => {
        const anchor = chain.anchor()
        const proof = decodeStateProofResponse(proofBytes)?.[0] as readonly Hex[]
        balance = decodeAccount(verifyStateValue(anchor.header.stateRoot, key, proof)).balance
      })
      if (chain.head.header.number !== BigInt(n)) throw new Error('header chain did not reach the head')
      bestHeadersMs = Math.min(bestHeadersMs, syncMs)
      bestBalanceMs = Math.min(bestBalanceMs, syncMs + proofMs)
    }
    const headersPerSecond = perSecond(n, bestHeadersMs)
    const hashPerSecond = perSecond(n, bestHashMs)
    return {
      figures: [
        { label: 'headers decoded + verified', value: headersPerSecond, unit: 'headers/s' },
        {
          label: `${count(n)} headers + balance proof verified`,
          value: bestBalanceMs,
          unit: 'ms',
          // Issue 7's goal is page load → verified balance ≤ 1 s on 10,000 blocks (Helios: 2.45 s); this is
          // the light node's compute share of it.
          goal: { max: 1000 },
          note: 'compute only: no worker start, no network round trips',
        },
        { label: 'hashHeader alone', value: hashPerSecond, unit: 'headers/s' },
      ],
      ratios: [
        {
          label: 'verify ÷ hashHeader',
          value: headersPerSecond / hashPerSecond,
          note: 'share of the bare header hash in the full check (decode, rules, seal hash, PoW)',
        },
      ],
      notes: [
        `${count(n)} headers on the test genesis, ${count(responses.length)} sync-headers responses; keccak: ${keccakImpl}; proven balance ${balance} wei`,
      ],
    }
  },
}

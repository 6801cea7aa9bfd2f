import { type Address, encodeFunctionData, type Hex } from 'viem'
import { afterEach, expect } from 'vitest'
import { buildHeaders } from '../../../bench/chain/light'
import { hashBlock } from '../../../src/node/chain/block'
import { Chain } from '../../../src/node/chain/chain'
import { MemoryChainStore } from '../../../src/node/chain/chain-store'
import { DEVNET_ACCOUNTS, testGenesis } from '../../../src/node/chain/genesis'
import { hashHeader } from '../../../src/node/chain/header'
import type { Block, Genesis, Header } from '../../../src/node/chain/types'
import { fromHex, toHex } from '../../../src/node/codec/bytes'
import { mineSlice } from '../../../src/node/consensus/miner'
import { TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../../../src/node/contracts/addresses'
import { erc20Abi } from '../../../src/node/contracts/erc20/abi'
import { tokenFactoryAbi } from '../../../src/node/contracts/token-factory/abi'
import { tokenAddress } from '../../../src/node/contracts/token-factory/token-factory'
import { HeaderChain, type HeaderCheckpoint } from '../../../src/node/light/header-chain'
import { Mempool } from '../../../src/node/mempool/mempool'
import type { NetworkSink } from '../../../src/node/network/bridge'
import type { memoryHub } from '../../../src/node/network/memory'
import type { NodeRepository } from '../../../src/node/storage/types'
import { type Offence, PeerBoard } from '../../../src/node/sync/peer-scores'
import { decodeStateProofResponse, encodeStateProofResponse } from '../../../src/node/sync/proof-messages'
import { createNode, type Node, type NodeEvents } from '../../../src/node/worker/node'
import { createQueries } from '../../../src/node/worker/queries'
import { account, addressOf, mineOn } from '../chain/chain-fixtures'

/** Fixtures of the light-mode tests: a chain with a token, a transfer and an approval in block 1. */

export const GENESIS = testGenesis()
export const ALICE = addressOf(0)
export const BOB = addressOf(1)
/** The token ALICE creates in block 1 (her first contract creation). */
export const TOKEN: Address = tokenAddress(ALICE, 0n)

/** A call to `to` with `data` (and `value`) signed by test account `from` with `nonce`. */
export function signCall(from: number, nonce: number, to: Address, data: Hex, value = 0n): Promise<Hex> {
  return account(from).signTransaction({
    chainId: GENESIS.params.chainId,
    type: 'eip1559',
    nonce,
    to,
    data,
    value,
    gas: 300_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 10n ** 9n,
  })
}

/** A transfer of `amount` GLD to `to` signed by test account `from` with `nonce`. */
export function sendToken(from: number, nonce: number, to: Address, amount: bigint): Promise<Hex> {
  return signCall(
    from,
    nonce,
    TOKEN,
    encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }),
  )
}

/** The three transactions of block 1: create GLD (1,000), send 250 to BOB, approve BOB for 40. */
export async function block1Txs(): Promise<Hex[]> {
  return [
    await signCall(
      0,
      0,
      TOKEN_FACTORY_ADDRESS,
      encodeFunctionData({
        abi: tokenFactoryAbi,
        functionName: 'createToken',
        args: ['Gold', 'GLD', 2, 1000n],
      }),
    ),
    await sendToken(0, 1, BOB, 250n),
    await signCall(
      0,
      2,
      TOKEN,
      encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [BOB, 40n] }),
    ),
  ]
}

/** Mines `n` blocks on `chain`'s head (from `parentHash` when given), spaced 2 s, with `miner`. */
export function extend(chain: Chain, n: number, opts: { parentHash?: Hex; miner?: Address } = {}): Block[] {
  const out: Block[] = []
  let parent = opts.parentHash ?? chain.head.hash
  for (let i = 0; i < n; i++) {
    const block = mineOn(chain, [], {
      parentHash: parent,
      ...(opts.miner === undefined ? {} : { miner: opts.miner }),
    })
    chain.importBlock(block, block.header.timestamp)
    out.push(block)
    parent = hashBlock(block)
  }
  return out
}

/** A chain (in a memory store) of block 1 with the token transactions, then `more` empty blocks. */
export async function tokenChain(
  more: number,
  genesis: Genesis = GENESIS,
): Promise<{ chain: Chain; store: MemoryChainStore }> {
  const store = new MemoryChainStore()
  const chain = new Chain({ genesis, store })
  const raws = await block1Txs()
  const b1 = mineOn(chain, chain.blockTransactions({ header: chain.headHeader, transactions: raws }))
  chain.importBlock(b1, b1.header.timestamp)
  extend(chain, more)
  return { chain, store }
}

/** `x`, asserting that it is there (tests read fixtures they just built). */
export function must<T>(x: T | null | undefined): T {
  if (x === null || x === undefined) throw new Error('fixture missing')
  return x
}

/** Read-only calls the light tests run on both modes: a balance, a transfer, one reverting, a token creation. */
export const CALLS = [
  { to: TOKEN, data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [BOB] }) },
  {
    from: ALICE,
    to: TOKEN,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 7n] }),
  },
  // Reverts: more than Alice holds.
  {
    from: ALICE,
    to: TOKEN,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, 10n ** 30n] }),
  },
  {
    from: BOB,
    to: TOKEN_FACTORY_ADDRESS,
    data: encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: ['Silver', 'SLV', 2, 500n],
    }),
  },
] as const

/**
 * A node on `hub` (full, or pinned light with 2 s request timeouts), started and linked; its events are
 * recorded. Stop it when done (`running` collects it for an `afterEach`).
 */
export async function startNode(
  hub: ReturnType<typeof memoryHub>,
  peerId: string,
  running: Node[],
  opts: {
    store?: MemoryChainStore
    light?: boolean
    repo?: NodeRepository
    checkpoint?: HeaderCheckpoint
    wrap?: (s: NetworkSink) => NetworkSink
  } = {},
) {
  const link = hub.join(peerId)
  const events: { event: keyof NodeEvents; data: unknown }[] = []
  const node = createNode({
    profileId: peerId,
    genesis: GENESIS,
    ...(opts.store === undefined ? {} : { store: opts.store }),
    ...(opts.repo === undefined ? {} : { repo: opts.repo }),
    ...(opts.checkpoint === undefined ? {} : { lightCheckpoint: opts.checkpoint }),
    coinbase: DEVNET_ACCOUNTS[2] ?? '0x',
    mine: false,
    network: link.api,
    emit: (event, data) => events.push({ event, data }),
    now: () => Date.now(),
    agent: 'test',
    ...(opts.light === true ? { modePin: 'light' as const, light: { requestTimeoutMs: 2_000 } } : {}),
  })
  running.push(node)
  await node.start()
  await link.attach(opts.wrap === undefined ? node.sink : opts.wrap(node.sink))
  return { node, api: node.api, events, link }
}

/** `startNode` for a test file's nodes: each one started is stopped after its test. */
export function nodeStarter() {
  const running: Node[] = []
  afterEach(() => {
    for (const n of running.splice(0)) n.stop()
  })
  return (hub: ReturnType<typeof memoryHub>, peerId: string, opts: Parameters<typeof startNode>[3] = {}) =>
    startNode(hub, peerId, running, opts)
}

/** A state-proof response with the last node of every proof altered (a forged leaf), or as it was when unavailable. */
export function forgeProofs(res: Uint8Array): Uint8Array {
  const proofs = decodeStateProofResponse(res)
  if (proofs === null) return res
  return encodeStateProofResponse(
    proofs.map((nodes) =>
      nodes.map((n, i) => {
        if (i !== nodes.length - 1) return n
        const b = fromHex(n)
        b[b.length - 1] = (b[b.length - 1] as number) ^ 1
        return toHex(b)
      }),
    ),
  )
}

/** Headers 1…`n` on the test genesis, sealed, with a full logs bloom where `full(number)` says, else none. */
export function bloomHeaders(n: number, full: (number: bigint) => boolean): Header[] {
  const source = buildHeaders(n).headers
  // The bloom is in the sealed hash: re-link and re-seal each header with its bloom.
  const out: Header[] = []
  let parentHash = new HeaderChain(GENESIS).genesisHash
  for (const h of source) {
    const template: Header = {
      ...h,
      parentHash,
      logsBloom: full(h.number) ? `0x${'ff'.repeat(256)}` : h.logsBloom,
      nonce: 0n,
    }
    const sealed = sealHeader(template)
    out.push(sealed)
    parentHash = hashHeader(sealed)
  }
  return out
}

function sealHeader(template: Header): Header {
  for (let nonce = 0n; ; ) {
    const r = mineSlice(template, nonce, 1_000)
    if ('found' in r) return { ...template, nonce: r.found }
    nonce = r.next
  }
}

/** Mines `raws` (in this order) into the next block of `chain` and imports it. */
export function mineTxs(chain: Chain, raws: readonly Hex[]): void {
  const block = mineOn(chain, chain.blockTransactions({ header: chain.headHeader, transactions: [...raws] }))
  const r = chain.importBlock(block, block.header.timestamp)
  if (r.kind !== 'extended') throw new Error(`block not imported: ${r.kind}`)
  expect(block.transactions).toHaveLength(raws.length)
}

/** A full node's queries over `chain`: what a light node's reads must equal. */
export function fullQueries(chain: Chain, now = 10 ** 15) {
  return createQueries({
    chain,
    mempool: new Mempool({ params: GENESIS.params, senders: chain.senders }, chain.mempoolView()),
    coinbase: ZERO_ADDRESS,
    now: () => now,
  })
}

/** The node's board of penalties, recording each offence as it is given, with its peer. */
export class RecordingBoard extends PeerBoard {
  readonly offences: [string, Offence][] = []
  override penalize(peerId: string, offence: Offence): boolean {
    this.offences.push([peerId, offence])
    return super.penalize(peerId, offence)
  }
}

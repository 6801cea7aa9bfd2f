import { type Address, type Hex, keccak256 } from 'viem'
import { decodeBlock, encodeBlock } from '../chain/block'
import { BlockError } from '../chain/block-error'
import { Chain, type HeadChange, type ImportResult } from '../chain/chain'
import type { Block, Genesis } from '../chain/types'
import { buildBlockTemplate, mineSlice, sealBlock } from '../consensus/miner'
import { MempoolError } from '../mempool/errors'
import { Mempool } from '../mempool/mempool'
import { createRng, type Rng } from './rng'
import { type LinkConfig, SimTransport } from './transport'

/** Messages between simulated nodes: gossip of blocks and transactions, and a parent-block request. */
type Message =
  | { readonly kind: 'block'; readonly bytes: Uint8Array }
  | { readonly kind: 'tx'; readonly raw: Hex }
  | { readonly kind: 'getBlock'; readonly hash: Hex }

export interface SimConfig {
  readonly seed: number
  readonly genesis: Genesis
  readonly nodes: number
  readonly link: LinkConfig
  /** Mining and housekeeping step of every node, in simulated ms. */
  readonly tickMs?: number
  /** Proof-of-work attempts per node per tick (the node's "hash rate"); one entry per node or one for all. */
  readonly hashesPerTick?: number | readonly number[]
}

interface Template {
  readonly block: Block
  readonly parent: Hex
  readonly builtAt: number
  next: bigint
}

/** Counters a test can assert on. */
export interface SimStats {
  blocksMined: number
  reorgs: number
  maxReorgDepth: number
  rejected: number
}

/**
 * One simulated node: a chain, a mempool sharing its sender cache, and a miner working in slices. It
 * floods new blocks and transactions to its peers and asks the sender for the parent of an orphan.
 */
export class SimNode {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly miner: Address
  mining = true
  hashesPerTick: number
  private template: Template | undefined
  private mempoolDirty = false
  private readonly held: Block[] = []

  constructor(
    readonly id: number,
    private readonly sim: Simulation,
    genesis: Genesis,
    hashesPerTick: number,
  ) {
    this.chain = new Chain({ genesis })
    this.mempool = new Mempool(
      { params: genesis.params, senders: this.chain.senders },
      this.chain.mempoolView(),
    )
    this.miner = `0x${(0xa11ce000 + id).toString(16).padStart(40, '0')}` as Address
    this.hashesPerTick = hashesPerTick
  }

  /** Admits a transaction and gossips it; throws `MempoolError`. */
  submit(raw: Hex): void {
    this.mempool.add(raw)
    this.mempoolDirty = true
    this.sim.broadcast(this.id, { kind: 'tx', raw })
  }

  /** Gossips every pending transaction again (after links come back). */
  announcePool(): void {
    for (const tx of this.mempool.pending()) this.sim.broadcast(this.id, { kind: 'tx', raw: tx.raw })
  }

  /** Handles a message delivered from node `from`. */
  receive(from: number, msg: Message): void {
    if (msg.kind === 'tx') {
      if (this.mempool.has(keccak256(msg.raw))) return
      try {
        this.submit(msg.raw)
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err
      }
    } else if (msg.kind === 'getBlock') {
      const b = this.chain.getBlock(msg.hash)
      if (b !== undefined) this.sim.send(this.id, from, { kind: 'block', bytes: encodeBlock(b.block) })
    } else {
      let block: Block
      try {
        block = decodeBlock(msg.bytes)
      } catch (err) {
        if (err instanceof BlockError) return
        throw err
      }
      this.importBlock(block, from)
    }
  }

  /** One step: retry held future blocks, then (if mining) one slice of proof of work. */
  tick(): void {
    this.retryHeld()
    if (!this.mining) return
    const template = this.currentTemplate()
    // A template dated ahead of our clock (minimum interval) waits: peers would only hold it as future.
    if (template.block.header.timestamp > this.sim.clock()) return
    const r = mineSlice(template.block.header, template.next, this.hashesPerTick)
    if ('next' in r) {
      template.next = r.next
      return
    }
    this.template = undefined
    this.sim.stats.blocksMined++
    this.importBlock(sealBlock(template.block, r.found), this.id)
  }

  /**
   * The template to mine on: rebuilt when the head moved, or when new transactions arrived and the
   * template is at least half a second old (rebuilding executes the block, so not on every arrival).
   */
  private currentTemplate(): Template {
    const head = this.chain.head
    const t = this.template
    const fresh = this.sim.transport.now - (t?.builtAt ?? 0) < 500
    if (t !== undefined && t.parent === head.hash && (!this.mempoolDirty || fresh)) return t
    const built = buildBlockTemplate({
      params: this.chain.params,
      parent: head.block.header,
      parentState: this.chain.headState,
      txs: this.mempool.pending(),
      now: this.sim.clock(),
      miner: this.miner,
    })
    const template: Template = {
      block: built.block,
      parent: head.hash,
      builtAt: this.sim.transport.now,
      // Nodes start their nonce search at random points, as real miners do.
      next: BigInt(this.sim.rng.int(2 ** 30)),
    }
    this.template = template
    this.mempoolDirty = false
    return template
  }

  private importBlock(block: Block, from: number): void {
    let result: ImportResult
    try {
      result = this.chain.importBlock(block, this.sim.clock())
    } catch (err) {
      if (!(err instanceof BlockError)) throw err
      if (err.type.code === 'BLOCK_FUTURE') this.held.push(block)
      else this.sim.stats.rejected++
      return
    }
    this.held.push(...this.chain.takeDeferred())
    if (result.kind === 'known') return
    if (result.kind === 'orphan') {
      this.sim.send(this.id, from, { kind: 'getBlock', hash: result.missing })
      return
    }
    // Any newly stored block is worth telling peers about, side branches included: they may grow heavier.
    this.sim.broadcast(this.id, { kind: 'block', bytes: encodeBlock(block) })
    if (result.kind === 'extended' || result.kind === 'reorg') this.followHead(result.head)
  }

  private followHead(change: HeadChange): void {
    if (change.removed.length > 0) {
      this.sim.stats.reorgs++
      this.sim.stats.maxReorgDepth = Math.max(this.sim.stats.maxReorgDepth, change.removed.length)
    }
    this.mempool.onHead(this.chain.mempoolView(), change.mined, change.orphaned)
    // Orphaned transactions back in the pool are gossiped again: peers on the winning branch may never
    // have seen them.
    for (const raw of change.orphaned) {
      if (this.mempool.has(keccak256(raw))) this.sim.broadcast(this.id, { kind: 'tx', raw })
    }
    this.mempoolDirty = true
  }

  private retryHeld(): void {
    const held = this.held.splice(0)
    for (const b of held) this.importBlock(b, this.id)
  }
}

/**
 * N nodes over a simulated network with latency, loss and partitions, driven by a seeded PRNG and a
 * simulated clock: the same config gives the same run, block for block.
 */
export class Simulation {
  readonly rng: Rng
  readonly transport: SimTransport
  readonly nodes: SimNode[] = []
  readonly stats: SimStats = { blocksMined: 0, reorgs: 0, maxReorgDepth: 0, rejected: 0 }
  private readonly t0: bigint
  private readonly tickMs: number

  constructor(config: SimConfig) {
    this.rng = createRng(config.seed)
    this.transport = new SimTransport(this.rng, config.link)
    this.t0 = config.genesis.timestamp
    this.tickMs = config.tickMs ?? 50
    for (let i = 0; i < config.nodes; i++) {
      const h = config.hashesPerTick
      const rate = typeof h === 'number' ? h : (h?.[i] ?? 16)
      this.nodes.push(new SimNode(i, this, config.genesis, rate))
    }
    this.scheduleTicks()
  }

  /** Simulated wall clock in ms since the Unix epoch (genesis time + elapsed simulated time). */
  clock(): bigint {
    return this.t0 + BigInt(this.transport.now)
  }

  /** Node `i`; throws `RangeError` when there is none. */
  node(i: number): SimNode {
    const n = this.nodes[i]
    if (n === undefined) throw new RangeError(`no node ${i}`)
    return n
  }

  /** Sends one message through the simulated network. */
  send(from: number, to: number, msg: Message): void {
    const target = this.nodes[to]
    if (target === undefined) return
    this.transport.send(from, to, () => target.receive(from, msg))
  }

  /** Floods a message to every other node (a full mesh, as gossipsub on a small network). */
  broadcast(from: number, msg: Message): void {
    for (const n of this.nodes) if (n.id !== from) this.send(from, n.id, msg)
  }

  /** Cuts the network into groups (see `SimTransport.partition`). */
  partition(groups: readonly (readonly number[])[]): void {
    this.transport.partition(groups)
  }

  /**
   * Removes every partition. Like a node meeting new peers (go-ethereum announces its pool to each new
   * peer), every node then re-gossips its pending transactions across the healed links.
   */
  heal(): void {
    this.transport.heal()
    for (const n of this.nodes) n.announcePool()
  }

  /** Advances simulated time by `ms`. */
  run(ms: number): void {
    this.transport.runUntil(this.transport.now + ms)
  }

  /** Head hash of every node. */
  heads(): Hex[] {
    return this.nodes.map((n) => n.chain.head.hash)
  }

  private scheduleTicks(): void {
    // Nodes tick in a per-round shuffled order so that no node always wins races by index.
    const round = (): void => {
      const order = this.nodes.map((n) => n.id)
      for (let i = order.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1)
        ;[order[i], order[j]] = [order[j] as number, order[i] as number]
      }
      for (const id of order) this.node(id).tick()
      this.transport.schedule(this.tickMs, round)
    }
    this.transport.schedule(this.tickMs, round)
  }
}

import {
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseTransaction,
  type TransactionSerializableEIP1559,
} from 'viem'
import type { LogQuery } from '../../node/chain/log-selection'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../node/contracts/addresses'
import { erc20Abi } from '../../node/contracts/erc20/abi'
import { htlcAbi } from '../../node/contracts/htlc/abi'
import { NodeError } from '../../node/rpc/errors'
import type { LogRecord } from '../../node/storage/types'
import type { FeeInfo, ReceiptView, TxView } from '../../node/worker/queries'
import {
  keptBlocks,
  lockFilter,
  observeLocks,
  openLockRead,
  openLocks,
  type SettledLocks,
  type SwapChainView,
  sentTxs,
  settledLocks,
  settledView,
  settleFilter,
  swapLockIds,
  swapLocks,
  type TxState,
} from './chain-view'
import { decide, isSettled, type SwapAction, WAITS_FOR_SECRET } from './engine'
import { SwapError } from './errors'
import { type StepFees, stepFees } from './fees'
import { hashlockOf } from './secret'
import {
  type SendPurpose,
  type SentTx,
  SWAP_STATES,
  type SwapEvent,
  type SwapRole,
  type SwapStatus,
} from './state'
import type { SwapStore } from './store'
import { type SwapTerms, validateTerms } from './terms'

/** The node calls the driver reads the chain and sends through (a subset of `NodeApi`). */
export interface SwapChain {
  head(): Promise<{ readonly number: bigint }>
  /** The canonical block at a height (its header: no proof), or null when the node holds none there. */
  header(number: bigint): Promise<{ readonly hash: Hex } | null>
  logs(query: LogQuery): Promise<LogRecord[]>
  transaction(hash: Hex): Promise<TxView | null>
  receipt(hash: Hex): Promise<ReceiptView | null>
  account(address: Address): Promise<{ readonly nonce: bigint }>
  pendingNonce(address: Address): Promise<bigint>
  fees(): Promise<FeeInfo>
  /**
   * The mempool's executable transactions calling `to` (sent by `from` when given), every one of them:
   * our redeems and refunds there, and a taker the maker's redeem with its secret, in a busy pool too.
   */
  pendingCalls(to: Address, from?: Address): Promise<TxView[]>
  tokenAllowance(token: Address, owner: Address, spender: Address): Promise<bigint>
  sendRawTransaction(raw: Hex): Promise<Hex>
}

/**
 * The signing seam: the node holds no keys. The party's wallet signs the transactions a swap it
 * approved needs (lock, redeem, refund) and, for a maker, gives the swap secret it derives from its
 * seed (`swapSecret`). Either may be unavailable while the wallet is locked: `secret` then resolves
 * null and the swap waits; `signTransaction` rejects and the step is retried on the next head.
 */
export interface SwapSigner {
  /** The party's account (lower-case or checksummed). */
  readonly address: Address
  /**
   * Signs a complete EIP-1559 transaction; resolves with the raw signed bytes. `priced`: the chain's
   * fees the step was priced at. The wallet bounds a step's fees by the higher of them and its own
   * reading (`maxStepFees`): a full pool's suggested tip falls as soon as a slot frees, and a step
   * priced a moment before must not be refused for it.
   */
  signTransaction(tx: TransactionSerializableEIP1559, priced: FeeInfo): Promise<Hex>
  /** Maker: the secret of `terms` (sha256 of it is `terms.hashlock`), or null while unavailable. */
  secret(terms: SwapTerms): Promise<Hex | null>
}

export interface SwapDriverInit {
  readonly chain: SwapChain
  readonly signer: SwapSigner
  readonly store: SwapStore
  readonly chainId: number
  /** Confirmations (k) before acting on a lock: genesis `confirmations`. */
  readonly confirmations: number
  /** The deepest reorg the chain takes (genesis `maxReorgDepth`): a swap is `done` past it. */
  readonly maxReorgDepth: number
  /** Redeem for the counterparty near its timelock when the secret is public (default true). */
  readonly watchtower?: boolean
  /**
   * Locks a redeem of ours was seen out for earlier (the swap service's memory of this run): one storage
   * refused to record has no other witness once the pool drops it, and is seen through all the same.
   */
  readonly redeemsSeen?: readonly Hex[]
  /**
   * The locks the swap's last step read settled (its `StepResult.settled`, the swap service's memory of
   * this run): while the blocks of their logs stay canonical, a step reads the head and those blocks'
   * hashes only — no transactions or state, which a light node proves with requests to its peers, and no
   * logs but, while one lock is still locked, its settle logs in the blocks since the last step.
   */
  readonly settled?: SettledLocks
}

/** What one step did. */
export interface StepResult {
  readonly swapId: Hex
  readonly role: SwapRole
  readonly status: SwapStatus
  readonly action: SwapAction
  /** Hashes broadcast by this step. */
  readonly sent: readonly Hex[]
  /**
   * The locks this step read, when the swap waits for the depth of its redeems and refunds
   * (`SETTLED_WAIT`) with both locks settled, or one (ours) while the other is still locked: the next
   * step's `SwapDriverInit.settled`. Null otherwise.
   */
  readonly settled: SettledLocks | null
}

/**
 * Steps one `advance` takes at most. A `record` moves the swap's state forward (the state machine
 * refuses a repeat or a move back), so an advance records at most once per state before it waits, sends
 * or is done. More steps mean its records take no effect — storage that acknowledged one it did not keep,
 * or a regression in the engine — and stepping on would never end: with reads that resolve at once (the
 * memory twin, a chain in the same worker) a loop of microtasks that no timer interrupts, freezing the
 * worker (and hanging a test past its timeout).
 */
export const MAX_STEPS_PER_ADVANCE = SWAP_STATES.length

/** Gas limits signed for each call (native contracts cost fixed gas; see docs/GAS.md), with headroom. */
export const SWAP_GAS = { approve: 80_000n, lock: 150_000n, redeem: 100_000n, refund: 100_000n } as const

/**
 * Runs a party's swaps: each `step` reads the stored events and the chain, asks the pure `decide` what
 * to do, and does it — storing every record (strict durability) before broadcasting what it announces.
 * Holds no state of its own between calls: a fresh driver on the same store and chain resumes every
 * swap exactly where it was (`SwapStore` and the chain are the whole truth).
 */
export class SwapDriver {
  readonly #init: SwapDriverInit
  readonly #me: Address
  readonly #watchtower: boolean

  constructor(init: SwapDriverInit) {
    this.#init = init
    this.#me = init.signer.address.toLowerCase() as Address
    this.#watchtower = init.watchtower ?? true
  }

  /**
   * Starts a swap on agreed terms (the offers protocol calls this on both sides once a take is
   * agreed). Checks the terms (`validateTerms`), that our account is a party, and for the maker that its
   * secret matches the hashlock; stores `opened` + `accepted` (maker) or `accepted` (taker). Starting
   * again with the same terms is a no-op, or completes a maker's start that stopped after `opened`.
   * `counterpartyPeer`, the other party's tab (its peer id, from the agreement), is kept with `accepted`
   * when given. Throws `SwapError` before storing anything.
   */
  async start(input: SwapTerms, counterpartyPeer?: string): Promise<Hex> {
    const terms = validateTerms(input, this.#init.chainId, this.#init.confirmations)
    const swapId = terms.offerId
    const role = this.#roleOf(terms)
    if (role === 'maker') {
      const secret = await this.#init.signer.secret(terms)
      if (secret !== null && hashlockOf(secret) !== terms.hashlock) {
        throw new SwapError({ code: 'SWAP_WRONG_SECRET', swapId })
      }
    }
    const stored = await this.#init.store.events(swapId)
    const known = stored.find((e) => e.kind === 'accepted')
    if (known?.kind === 'accepted' && sameTerms(known.terms, terms)) return swapId
    // A maker's start cut short between its two appends (tab closed, storage refused) left `opened`
    // alone: nothing was agreed or locked, and starting again completes it.
    const cutShort = role === 'maker' && stored.length === 1 && stored[0]?.kind === 'opened'
    if (stored.length > 0 && !cutShort) throw new SwapError({ code: 'SWAP_EXISTS', swapId })
    const accepted: SwapEvent =
      counterpartyPeer === undefined
        ? { kind: 'accepted', terms, role }
        : { kind: 'accepted', terms, role, counterpartyPeer }
    if (role === 'maker') {
      if (!cutShort) await this.#init.store.append(swapId, 0, { kind: 'opened', offerId: terms.offerId })
      await this.#init.store.append(swapId, 1, accepted)
    } else {
      await this.#init.store.append(swapId, 0, accepted)
    }
    return swapId
  }

  /** The swaps this party stored. */
  ids(): Promise<Hex[]> {
    return this.#init.store.ids()
  }

  /** The terms and state of a stored swap, read from the store and the chain. Throws `SWAP_UNKNOWN`. */
  async status(swapId: Hex): Promise<{ terms: SwapTerms; role: SwapRole; status: SwapStatus }> {
    const { terms, role, stored } = await this.#load(swapId)
    const { view } = await this.#view(role, terms, stored)
    const { status } = decide({ ...this.#input(role, terms, stored, view), secret: null })
    return { terms, role, status }
  }

  /**
   * Does the next thing swap `swapId` needs and reports it. Safe to call at any time (on every head, on
   * start): when nothing is due it returns a `wait` or `done` action. Throws `SwapError`, `StorageError`,
   * or what the signer throws (nothing is broadcast then).
   */
  async step(swapId: Hex): Promise<StepResult> {
    const { terms, role, stored } = await this.#load(swapId)
    const kept = await this.#settled()
    if (kept !== null) {
      // Its locks as last read, at this head: a settled decision from them is the one a full read gives
      // (it rests on the locks, stored events and head alone; a lock still locked is the other party's,
      // whose timelock the head alone passes); another one reads the chain.
      const decision = decide({ ...this.#input(role, terms, stored, kept.view), secret: null })
      if (isSettled(decision.action))
        return { swapId, role, ...decision, sent: [], settled: decision.action.kind === 'done' ? null : kept }
    }
    const { view, logs } = await this.#view(role, terms, stored)
    const input = this.#input(role, terms, stored, view)
    let secret: Hex | null = null
    let decision = decide({ ...input, secret })
    // The maker's secret is asked of the wallet (a round trip to the page) only when a redeem awaits it.
    if (decision.action.kind === 'wait' && decision.action.reason === WAITS_FOR_SECRET) {
      secret = await this.#init.signer.secret(terms)
      decision = decide({ ...input, secret })
    }
    if (decision.action.kind === 'rebroadcast') {
      const { sent, underpriced } = await this.#broadcast(decision.action.txs)
      if (underpriced.length === 0) return { swapId, role, ...decision, sent, settled: null }
      // A full pool refused those very bytes for their tip, as it will at every head: decided again
      // knowing it, they are signed again with a higher one.
      const txs = new Map(view.txs)
      for (const hash of underpriced) txs.set(hash, { kind: 'refused' })
      decision = decide({ ...input, view: { ...view, txs }, secret })
    }
    const { status, action } = decision
    const sent = await this.#act(swapId, stored.length, view.head, action)
    const settled =
      action.kind === 'wait' && isSettled(action) ? (settledLocks(view, logs) ?? openLocks(view, logs)) : null
    return { swapId, role, status, action, sent, settled }
  }

  /**
   * `SwapDriverInit.settled` at the head now, when the canonical chain still holds every block of its
   * locks' logs (their headers: no proof) and no new block settles its open lock (one logs query over
   * the blocks since it was last read, which a light node answers from its headers' blooms); else null.
   */
  async #settled(): Promise<SettledLocks | null> {
    const { chain, settled } = this.#init
    if (settled === undefined) return null
    const head = (await chain.head()).number
    const hashAt = async (n: bigint): Promise<Hex | null> => (await chain.header(n))?.hash ?? null
    const hashes = new Map<bigint, Hex | null>()
    for (const { number } of keptBlocks(settled)) hashes.set(number, await hashAt(number))
    const view = settledView(settled, head, (n) => hashes.get(n) ?? null)
    if (view === null) return null
    const { open } = settled
    if (open === undefined || head <= open.scanned.number) return { ...settled, view }
    // The head's hash read before and after its logs: a reorg meanwhile, which may have answered them
    // from another branch, changes one of the two reads or, at the next step, the block kept.
    const top = await hashAt(head)
    if (top === null) return null
    const logs = await this.#logs(open.scanned.number + 1n, head, settleFilter([open.id]))
    return openLockRead({ ...settled, view }, logs, { number: head, hash: top }, await hashAt(head))
  }

  /**
   * Steps until the swap waits, sends or is done (a `record` is followed by the step it unblocks), at
   * most `MAX_STEPS_PER_ADVANCE` times: past that throws `SwapError` `SWAP_STEPS_EXCEEDED` (the swap is
   * stepped again at the next head).
   */
  async advance(swapId: Hex): Promise<StepResult> {
    for (let steps = 0; steps < MAX_STEPS_PER_ADVANCE; steps++) {
      const result = await this.step(swapId)
      if (result.action.kind !== 'record') return result
    }
    throw new SwapError({ code: 'SWAP_STEPS_EXCEEDED', swapId, steps: MAX_STEPS_PER_ADVANCE })
  }

  #input(role: SwapRole, terms: SwapTerms, stored: readonly SwapEvent[], view: SwapChainView) {
    return {
      role,
      terms,
      stored,
      view,
      confirmations: this.#init.confirmations,
      maxReorgDepth: this.#init.maxReorgDepth,
      watchtower: this.#watchtower,
    }
  }

  #roleOf(terms: SwapTerms): SwapRole {
    if (terms.maker === this.#me) return 'maker'
    if (terms.taker === this.#me) return 'taker'
    throw new SwapError({ code: 'SWAP_NOT_A_PARTY', swapId: terms.offerId, account: this.#me })
  }

  async #load(swapId: Hex): Promise<{ terms: SwapTerms; role: SwapRole; stored: SwapEvent[] }> {
    const stored = await this.#init.store.events(swapId)
    const { terms, role } = partyOf(swapId, stored)
    const account = role === 'maker' ? terms.maker : terms.taker
    if (account !== this.#me) throw new SwapError({ code: 'SWAP_NOT_A_PARTY', swapId, account: this.#me })
    return { terms, role, stored }
  }

  /** Reads everything `decide` needs at one head; with the logs its locks were folded from. */
  async #view(
    role: SwapRole,
    terms: SwapTerms,
    stored: readonly SwapEvent[],
  ): Promise<{ view: SwapChainView; logs: LogRecord[] }> {
    const { chain } = this.#init
    const head = (await chain.head()).number
    const lockLogs = await this.#logs(terms.acceptedHeight, head, lockFilter(terms))
    // The settle logs of the swap's two locks only: the hashlock is public, and anyone may lock under
    // it (the counterparty too, to itself) — such locks must not crowd the swap's own out of the query.
    const ids = swapLockIds(terms, lockLogs)
    const settleLogs = ids.length === 0 ? [] : await this.#logs(terms.acceptedHeight, head, settleFilter(ids))
    const logs = [...lockLogs, ...settleLogs].sort(
      (a, b) => Number(a.blockNumber - b.blockNumber) || a.logIndex - b.logIndex,
    )
    const { makerLock, takerLock } = swapLocks(terms, observeLocks(logs, terms.hashlock))
    const txs = new Map<Hex, TxState>()
    for (const tx of sentTxs(stored)) txs.set(tx.hash, await this.#txState(tx.hash))
    const nonce = (await chain.account(this.#me)).nonce
    const fees = await chain.fees()
    const pendingPreimage =
      role === 'taker' &&
      takerLock?.state === 'locked' &&
      makerLock?.state === 'locked' &&
      takerLock.preimage === null
        ? await this.#pendingPreimage(takerLock.id, terms.hashlock)
        : null
    const redeemsOut = new Map<Hex, SentTx | null>()
    if (role === 'maker') {
      for (const id of this.#init.redeemsSeen ?? []) redeemsOut.set(id, null)
      for (const tx of await this.#pooledRedeems(terms)) {
        redeemsOut.set(tx.lockId, { hash: tx.hash, raw: tx.raw, nonce: tx.nonce })
        const { maxFeePerGas, maxPriorityFeePerGas } = tx
        txs.set(tx.hash, { kind: 'pending', maxFeePerGas, maxPriorityFeePerGas })
      }
    }
    return { view: { head, makerLock, takerLock, nonce, fees, txs, pendingPreimage, redeemsOut }, logs }
  }

  /**
   * The locks of swap `terms` that a redeem of ours waiting in the pool settles. One broadcast though
   * storage refused its record (`#send`) has no other witness until it is mined, after a reload too.
   */
  async pooledRedeems(terms: SwapTerms): Promise<Hex[]> {
    return [...new Set((await this.#pooledRedeems(terms)).map((tx) => tx.lockId))]
  }

  /** Our redeems of swap `terms`'s locks waiting in the pool, each with the lock it settles. */
  async #pooledRedeems(terms: SwapTerms): Promise<(TxView & { lockId: Hex })[]> {
    const out: (TxView & { lockId: Hex })[] = []
    for (const tx of await this.#init.chain.pendingCalls(HTLC_ADDRESS, this.#me)) {
      const redeem = redeemOf(tx)
      if (redeem !== null && hashlockOf(redeem.preimage) === terms.hashlock)
        out.push({ ...tx, lockId: redeem.lockId })
    }
    return out
  }

  /** A secret of `hashlock` that a pending `redeem(lockId, secret)` in the mempool carries, else null. */
  async #pendingPreimage(lockId: Hex, hashlock: Hex): Promise<Hex | null> {
    for (const tx of await this.#init.chain.pendingCalls(HTLC_ADDRESS)) {
      const redeem = redeemOf(tx)
      if (redeem?.lockId === lockId && hashlockOf(redeem.preimage) === hashlock) return redeem.preimage
    }
    return null
  }

  /** Logs over `[from, to]` in the query's largest ranges. */
  async #logs(from: bigint, to: bigint, filter: Pick<LogQuery, 'address' | 'topics'>): Promise<LogRecord[]> {
    const out: LogRecord[] = []
    for (let start = from; start <= to; start += 10_000n) {
      const end = start + 9_999n < to ? start + 9_999n : to
      out.push(...(await this.#init.chain.logs({ ...filter, fromBlock: start, toBlock: end })))
    }
    return out
  }

  async #txState(hash: Hex): Promise<TxState> {
    const tx = await this.#init.chain.transaction(hash)
    if (tx === null) return { kind: 'unknown' }
    if (tx.state === 'pending')
      return { kind: 'pending', maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas }
    const receipt = await this.#init.chain.receipt(hash)
    return { kind: 'mined', ok: receipt?.status === 'success' }
  }

  async #act(swapId: Hex, count: number, head: bigint, action: SwapAction): Promise<Hex[]> {
    switch (action.kind) {
      case 'wait':
      case 'done':
        return []
      case 'record':
        await this.#init.store.append(swapId, count, action.event)
        return []
      case 'rebroadcast':
        return (await this.#broadcast(action.txs)).sent
      case 'replace':
        return this.#replace(swapId, count, head, action)
      case 'lock':
        return this.#send(swapId, count, head, 'lock', null, await this.#lockCalls(action))
      case 'redeem':
        return this.#send(swapId, count, head, 'redeem', action.lockId, [
          {
            to: HTLC_ADDRESS,
            value: 0n,
            gas: SWAP_GAS.redeem,
            data: encodeFunctionData({
              abi: htlcAbi,
              functionName: 'redeem',
              args: [action.lockId, action.preimage],
            }),
          },
        ])
      case 'refund':
        return this.#send(swapId, count, head, 'refund', action.lockId, [
          {
            to: HTLC_ADDRESS,
            value: 0n,
            gas: SWAP_GAS.refund,
            data: encodeFunctionData({ abi: htlcAbi, functionName: 'refund', args: [action.lockId] }),
          },
        ])
    }
  }

  /** The calls of a lock: an ERC20 approval to the HTLC when the allowance is short, then `lock`. */
  async #lockCalls(action: Extract<SwapAction, { kind: 'lock' }>): Promise<Call[]> {
    const { token, amount, recipient, hashlock, timelockHeight } = action.call
    const calls: Call[] = []
    const native = token === ZERO_ADDRESS
    if (!native && (await this.#init.chain.tokenAllowance(token, this.#me, HTLC_ADDRESS)) < amount) {
      calls.push({
        to: token,
        value: 0n,
        gas: SWAP_GAS.approve,
        data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [HTLC_ADDRESS, amount] }),
      })
    }
    calls.push({
      to: HTLC_ADDRESS,
      value: native ? amount : 0n,
      gas: SWAP_GAS.lock,
      data: encodeFunctionData({
        abi: htlcAbi,
        functionName: 'lock',
        args: [token, amount, recipient, hashlock, timelockHeight],
      }),
    })
    return calls
  }

  /**
   * Signs `calls` with consecutive nonces, stores them (strict), then broadcasts them. A redeem or refund
   * already waiting in the pool is not signed again. One whose record storage refuses for want of space
   * is broadcast all the same, and the refusal thrown after: it moves only what the lock already
   * promises, sending it twice costs gas at most (the second reverts), and holding it back could let a
   * timelock pass — a taker whose disk filled after the maker's redeem would lose its side. A lock
   * is never sent unrecorded.
   */
  async #send(
    swapId: Hex,
    count: number,
    height: bigint,
    purpose: SendPurpose,
    lockId: Hex | null,
    calls: readonly Call[],
  ): Promise<Hex[]> {
    const { chain } = this.#init
    if (purpose === 'redeem' || purpose === 'refund') {
      const waiting = await this.#pooled(calls)
      if (waiting !== null) return [waiting]
    }
    const nonce = await chain.pendingNonce(this.#me)
    const priced = await chain.fees()
    const txs = await this.#sign(
      calls.map((call, i) => ({ ...call, nonce: nonce + BigInt(i) })),
      stepFees(priced),
      priced,
    )
    return this.#record(swapId, count, height, purpose, lockId, txs)
  }

  /**
   * Signs the stored transactions of a `replace` again, same nonces and calls, with its higher fees,
   * stores them (strict) as a new `sent` of the same purpose, then broadcasts them: each replaces its
   * predecessor in the pools, and whichever of the two is mined uses the nonce, so the step is paid
   * once. Throws `SwapError` `SWAP_CORRUPT` for stored bytes this driver did not sign.
   */
  async #replace(
    swapId: Hex,
    count: number,
    height: bigint,
    action: Extract<SwapAction, { kind: 'replace' }>,
  ): Promise<Hex[]> {
    const calls = action.txs.map((tx): Call & { nonce: bigint } => {
      const old = parseTransaction(tx.raw)
      if (old.type !== 'eip1559' || old.to == null || old.gas === undefined)
        throw new SwapError({
          code: 'SWAP_CORRUPT',
          swapId,
          reason: `stored transaction ${tx.hash} is not a swap step`,
        })
      return { to: old.to, value: old.value ?? 0n, data: old.data ?? '0x', gas: old.gas, nonce: tx.nonce }
    })
    const txs = await this.#sign(calls, action.fees, action.priced)
    return this.#record(swapId, count, height, action.purpose, action.lockId, txs)
  }

  /**
   * Signs `calls` side by side (an approval and its lock: each signature is a round trip to the wallet)
   * with `fees`, priced at the chain's fees `priced`.
   */
  #sign(
    calls: readonly (Call & { readonly nonce: bigint })[],
    fees: StepFees,
    priced: FeeInfo,
  ): Promise<SentTx[]> {
    const { signer, chainId } = this.#init
    return Promise.all(
      calls.map(async (call): Promise<SentTx> => {
        const raw = await signer.signTransaction(
          {
            type: 'eip1559',
            chainId,
            nonce: Number(call.nonce),
            to: call.to,
            value: call.value,
            data: call.data,
            gas: call.gas,
            ...fees,
          },
          priced,
        )
        return { hash: keccak256(raw), raw, nonce: call.nonce }
      }),
    )
  }

  /**
   * Stores `txs` as a `sent` event, then broadcasts them. The record first: a node stopped right after
   * still knows what it signed and sends the same bytes. A redeem or refund is broadcast even when
   * storage refuses for want of space (see `#send`), the refusal thrown after.
   */
  async #record(
    swapId: Hex,
    count: number,
    height: bigint,
    purpose: SendPurpose,
    lockId: Hex | null,
    txs: readonly SentTx[],
  ): Promise<Hex[]> {
    try {
      await this.#init.store.append(swapId, count, { kind: 'sent', purpose, lockId, txs, height })
    } catch (e) {
      const settles = purpose === 'redeem' || purpose === 'refund'
      if (settles && e instanceof NodeError && e.type.code === 'STORAGE_QUOTA_EXCEEDED')
        await this.#broadcast(txs)
      throw e
    }
    return (await this.#broadcast(txs)).sent
  }

  /** The hash of a transaction of ours making the one call in `calls` that the pool holds, else null. */
  async #pooled(calls: readonly Call[]): Promise<Hex | null> {
    const [call] = calls
    if (call === undefined || calls.length !== 1) return null
    for (const tx of await this.#init.chain.pendingCalls(call.to, this.#me))
      if (tx.input === call.data) return tx.hash
    return null
  }

  /**
   * Sends each transaction; a refusal by the mempool (already known, nonce used) is left to the next
   * step. Returns the hashes sent, and those refused as underpriced (`MEMPOOL_UNDERPRICED`: a full pool's
   * lowest tip is not below theirs).
   */
  async #broadcast(txs: readonly SentTx[]): Promise<{ sent: Hex[]; underpriced: Hex[] }> {
    const sent: Hex[] = []
    const underpriced: Hex[] = []
    for (const tx of txs) {
      try {
        sent.push(await this.#init.chain.sendRawTransaction(tx.raw))
      } catch (e) {
        if (!(e instanceof NodeError)) throw e
        if (e.type.code === 'MEMPOOL_UNDERPRICED') underpriced.push(tx.hash)
      }
    }
    return { sent, underpriced }
  }
}

/**
 * The terms, our role, our account and the other party's tab (null when its record does not name it) in
 * a swap, from its stored `accepted` event. Throws `SWAP_UNKNOWN`.
 */
export function partyOf(
  swapId: Hex,
  stored: readonly SwapEvent[],
): { terms: SwapTerms; role: SwapRole; account: Address; counterpartyPeer: string | null } {
  const accepted = stored.find((e) => e.kind === 'accepted')
  if (accepted?.kind !== 'accepted') throw new SwapError({ code: 'SWAP_UNKNOWN', swapId })
  const { terms, role } = accepted
  return {
    terms,
    role,
    account: role === 'maker' ? terms.maker : terms.taker,
    counterpartyPeer: accepted.counterpartyPeer ?? null,
  }
}

/** The lock and secret of a transaction calling the HTLC's `redeem` (lower-case), else null. */
function redeemOf(tx: TxView): { lockId: Hex; preimage: Hex } | null {
  if (tx.to?.toLowerCase() !== HTLC_ADDRESS) return null
  let call: ReturnType<typeof decodeFunctionData<typeof htlcAbi>>
  try {
    call = decodeFunctionData({ abi: htlcAbi, data: tx.input })
  } catch {
    return null
  }
  if (call.functionName !== 'redeem') return null
  const [id, preimage] = call.args
  return { lockId: id.toLowerCase() as Hex, preimage: preimage.toLowerCase() as Hex }
}

interface Call {
  readonly to: Address
  readonly value: bigint
  readonly gas: bigint
  readonly data: Hex
}

function sameTerms(a: SwapTerms, b: SwapTerms): boolean {
  return (Object.keys(a) as (keyof SwapTerms)[]).every((k) => a[k] === b[k])
}

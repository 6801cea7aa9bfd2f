import type { Address, Hex, TransactionSerializableEIP1559 } from 'viem'
import type { SettledLocks } from '../../trade/swap/chain-view'
import { partyOf, type SwapChain, SwapDriver, type SwapSigner } from '../../trade/swap/driver'
import type { SwapAction } from '../../trade/swap/engine'
import { SwapError } from '../../trade/swap/errors'
import { foldSwap, type SwapEvent, type SwapRole, type SwapStatus } from '../../trade/swap/state'
import { type SwapRepository, SwapStore } from '../../trade/swap/store'
import type { SwapTerms } from '../../trade/swap/terms'
import { messageOf, NodeError } from '../rpc/errors'
import { SerialRuns } from '../serial-runs'
import { StorageError } from '../storage/errors'
import type { NodeRepository } from '../storage/types'
import type { FeeInfo } from './queries'

/** A swap as the UI sees it (`NodeApi.swaps()` and the `swap` event). */
export interface SwapInfo {
  readonly swapId: Hex
  readonly role: SwapRole
  readonly account: Address
  readonly terms: SwapTerms
  /**
   * The other party's tab (its libp2p peer id) as the swap's start named it and its record keeps, so a
   * reloaded page still knows it; null for a swap started without it (or stored before it was kept).
   */
  readonly counterpartyPeer: string | null
  readonly status: SwapStatus
  /** What the node did or waits for at its last step. */
  readonly action: SwapAction
  /**
   * The locks this party's node has sent a redeem of (its stored `sent` events, and, after a step, its
   * redeems seen waiting in the pool this run: one broadcast though storage refused its record is known
   * only there, and from then on): each showed the secret to the pools, and it is seen through while it
   * can land, whatever margin a first redeem keeps.
   */
  readonly redeemsSent: readonly Hex[]
  /**
   * Why the last step failed (the wallet did not sign, storage refused), or why it waits on the page
   * (its unlocked wallet refused the maker's secret: no approval of this swap), else null.
   */
  readonly error: string | null
  /**
   * True when `error` is only that the chain could not be proved now (`LIGHT_UNVERIFIED`: a light node
   * with no peer yet, or none whose proofs verify): nothing failed on the swap, its step waits for a
   * proof, and `status` is the last one seen, not checked. False otherwise (no error, or a real one).
   */
  readonly unverified: boolean
}

/** The chain could not be proved (a light node with no peer to ask yet): a read not made, not a failure. */
const unprovable = (e: unknown): boolean => e instanceof NodeError && e.type.code === 'LIGHT_UNVERIFIED'

const sameStatus = (a: SwapStatus, b: SwapStatus): boolean =>
  a.state === b.state &&
  a.steps.length === b.steps.length &&
  a.steps.every((s, i) => s.state === b.steps[i]?.state && s.height === b.steps[i]?.height)

/** The locks `stored` sent a redeem of, oldest first. */
const redeemsSent = (stored: readonly SwapEvent[]): Hex[] => [
  ...new Set(
    stored.flatMap((e) =>
      e.kind === 'sent' && e.purpose === 'redeem' && e.lockId !== null ? [e.lockId] : [],
    ),
  ),
]

/** The node asks the page's wallet to sign a swap's transaction or give a maker's secret. */
export type SwapSignRequest =
  | {
      readonly id: number
      readonly kind: 'transaction'
      readonly swapId: Hex
      readonly account: Address
      readonly tx: TransactionSerializableEIP1559
      /** The chain's fees the engine priced `tx` at (`SwapSigner.signTransaction`). */
      readonly priced: FeeInfo
    }
  | {
      readonly id: number
      readonly kind: 'secret'
      readonly swapId: Hex
      readonly account: Address
      readonly terms: SwapTerms
    }

/** The page's answer to a `SwapSignRequest`. */
export type SwapSignAnswer = { readonly raw: Hex } | { readonly secret: Hex } | { readonly refused: string }

type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never

/**
 * Repository meta key of the finished swaps' last status, by swap id: a reloaded node shows them from
 * it rather than stepping them, since their logs may lie below the headers a light node still holds.
 */
export const SWAPS_DONE_KEY = 'swaps-done'

/**
 * Repository meta key of the unfinished swaps' last status, by swap id: a step of a reloaded node that
 * cannot read the chain (a light node with no peer yet) shows it, as a later step of the same run shows
 * the last one, rather than the status its stored events alone give (they hold no chain fact: no lock).
 */
export const SWAPS_SEEN_KEY = 'swaps-seen'

export interface SwapServiceInit {
  readonly repo: SwapRepository
  /**
   * Where `SWAPS_DONE_KEY` and `SWAPS_SEEN_KEY` are kept (the profile's repository); without it every swap
   * is stepped at start, and one whose first step cannot read the chain shows its stored events' status.
   */
  readonly meta?: Pick<NodeRepository, 'getMeta' | 'putMeta'>
  /**
   * The chain a step reads and sends through, asked once per step: everything a step reads (head,
   * logs, transactions, nonce) then comes from one chain, however the node's source changes meanwhile.
   */
  readonly chain: () => SwapChain
  readonly chainId: number
  readonly confirmations: number
  /** Genesis `maxReorgDepth`: a swap is stepped on every head until its settlement is deeper. */
  readonly maxReorgDepth: number
  readonly emitSwap: (info: SwapInfo) => void
  readonly emitSignRequest: (request: SwapSignRequest) => void
  /** How long a signature request waits for the page (default 60 s); then the step fails and retries. */
  readonly signTimeoutMs?: number
}

export interface SwapService {
  /** Resumes every stored swap (from its events and the chain: nothing else survives a reload). */
  start(): Promise<void>
  /**
   * A new head: steps every unfinished swap (one pass at a time; heads during a pass queue one more).
   * `reorgDepth`: the blocks the move took out of the canonical chain (0 when it only extended it).
   * Deeper than `maxReorgDepth` (a split the user chose to follow, `Chain.allowDeepReorg`), the pass
   * steps the finished swaps too: their redeems and refunds were past any reorg the chain takes on its
   * own, not past that one. One whose logs lie below the headers a light node holds stays finished.
   */
  onHead(reorgDepth?: number): void
  /** A transaction to the HTLC entered the pool (a redeem there shows its secret): steps as `onHead`. */
  onPendingHtlc(): void
  /**
   * A peer linked: steps again, as `onHead`, when a swap's last step failed (a light node that started
   * with no peer to prove its logs shows its swaps with that failure), without waiting for a new head.
   */
  onPeer(): void
  /**
   * The page approved a running swap again (`NodeApi.swapApproved`): steps as `onHead`, at once, so a
   * step its wallet refused for want of that approval is not left waiting for the next block.
   */
  onApproved(): void
  /**
   * Starts a swap on agreed terms for our party, and takes its first step; `counterpartyPeer`, the other
   * party's tab, is stored with it (`SwapInfo.counterpartyPeer`).
   */
  startSwap(terms: SwapTerms, account: Address, counterpartyPeer?: string): Promise<SwapInfo>
  swaps(): Promise<SwapInfo[]>
  /** The accounts whose wallet is unlocked on the page and may be asked to sign (none by default). */
  setSigners(accounts: readonly Address[]): void
  answer(id: number, answer: SwapSignAnswer): void
  /** Resolves when no pass is running or queued (tests). */
  idle(): Promise<void>
}

/**
 * The worker side of swaps: runs a `SwapDriver` per swap on start and on every head, and reaches the
 * page's wallet through events (`swapSignRequest`) and `answer` — the node holds no keys. Only
 * accounts the page declared (`setSigners`, while its wallet is unlocked) are asked; others make the
 * swap wait, bounded by its timelocks.
 */
export function createSwapService(init: SwapServiceInit): SwapService {
  const store = new SwapStore(init.repo)
  const last = new Map<Hex, SwapInfo>()
  const pending = new Map<
    number,
    { resolve: (a: SwapSignAnswer) => void; timer: ReturnType<typeof setTimeout> }
  >()
  let signers = new Set<Address>()
  let seq = 0

  const ask = (request: Unnumbered<SwapSignRequest>): Promise<SwapSignAnswer> => {
    if (!signers.has(request.account)) return Promise.resolve({ refused: 'the wallet is locked' })
    const id = ++seq
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        resolve({ refused: 'the wallet did not answer' })
      }, init.signTimeoutMs ?? 60_000)
      pending.set(id, { resolve, timer })
      init.emitSignRequest({ ...request, id } as SwapSignRequest)
    })
  }

  /** Why the page last refused a swap's secret while its wallet was unlocked, by swap; cleared at each step. */
  const secretRefusals = new Map<Hex, string>()

  const signer = (swapId: Hex, account: Address): SwapSigner => ({
    address: account,
    async signTransaction(tx, priced) {
      const answer = await ask({ kind: 'transaction', swapId, account, tx, priced })
      if ('raw' in answer) return answer.raw
      throw new SwapError({
        code: 'SWAP_NOT_SIGNED',
        swapId,
        reason: 'refused' in answer ? answer.refused : 'no signature',
      })
    },
    async secret(terms) {
      const answer = await ask({ kind: 'secret', swapId, account, terms })
      if ('secret' in answer) return answer.secret
      // The page's wallet is unlocked yet refused (it holds no approval of this swap): the step waits,
      // and says why (`stepNow`), else the swap would sit with no word of what it waits for.
      if ('refused' in answer && signers.has(account)) secretRefusals.set(swapId, answer.refused)
      return null
    },
  })

  /**
   * The locks each swap's last step read settled (`StepResult.settled`): its next step reads the chain
   * again only when a reorg took out a block of their logs, or a new block settles the one still locked.
   */
  const settledLocks = new Map<Hex, SettledLocks>()

  const driver = (swapId: Hex, account: Address): SwapDriver => {
    const settled = settledLocks.get(swapId)
    return new SwapDriver({
      chain: init.chain(),
      signer: signer(swapId, account),
      store,
      chainId: init.chainId,
      confirmations: init.confirmations,
      maxReorgDepth: init.maxReorgDepth,
      redeemsSeen: last.get(swapId)?.redeemsSent ?? [],
      ...(settled === undefined ? {} : { settled }),
    })
  }

  /**
   * Steps of one swap run one after another: `startSwap`'s first step and a pass for a head that
   * arrives meanwhile would otherwise both read the same log, both have the page sign the same
   * transactions, and one fail on its append (a wasted signing round trip and a spurious error).
   */
  const queued = new Map<Hex, Promise<SwapInfo>>()
  const step = (swapId: Hex): Promise<SwapInfo> => {
    const before = queued.get(swapId)
    const mine =
      before === undefined
        ? stepNow(swapId)
        : before.then(
            () => stepNow(swapId),
            () => stepNow(swapId),
          )
    queued.set(swapId, mine)
    const clear = (): void => {
      if (queued.get(swapId) === mine) queued.delete(swapId)
    }
    mine.then(clear, clear)
    return mine
  }

  const stepNow = async (swapId: Hex): Promise<SwapInfo> => {
    const stored = await store.events(swapId)
    const { terms, role, account, counterpartyPeer } = partyOf(swapId, stored)
    const d = driver(swapId, account)
    const finished = last.get(swapId)
    let info: Omit<SwapInfo, 'redeemsSent'>
    secretRefusals.delete(swapId)
    settledLocks.delete(swapId)
    try {
      const r = await d.advance(swapId)
      if (r.settled !== null) settledLocks.set(swapId, r.settled)
      const refused = secretRefusals.get(swapId)
      info = {
        swapId,
        role,
        account,
        terms,
        counterpartyPeer,
        status: r.status,
        action: r.action,
        error: refused === undefined ? null : `the wallet did not give the swap's secret: ${refused}`,
        unverified: false,
      }
    } catch (e) {
      // A finished swap stepped again after a deep reorg (`onHead`) whose logs lie below the oldest header
      // a light node holds: that reorg forked above them (a light node follows no split below its headers),
      // and the swap settled below them too, so it is still finished as it was.
      if (
        finished?.action.kind === 'done' &&
        e instanceof NodeError &&
        e.type.code === 'NODE_HISTORY_MISSING'
      )
        return finished
      // The status reads the same chain, and may fail as the step did: the failure is still shown (the
      // page would keep its last word for ever), with the last status seen (this run, else an earlier
      // one), or the stored events' own.
      const status = await d.status(swapId).then(
        (r) => r.status,
        () => last.get(swapId)?.status ?? seen.get(swapId) ?? foldSwap(role, stored, []),
      )
      info = {
        swapId,
        role,
        account,
        terms,
        counterpartyPeer,
        status,
        action: { kind: 'wait', reason: 'step failed' },
        error: messageOf(e),
        unverified: unprovable(e),
      }
    }
    // The step may have sent a redeem: read what it stored (the events it began with, if storage fails),
    // and what waits in the pool (a redeem storage refused to record went out all the same). Those named
    // before stay named: such a redeem is out though the pool dropped it, or a reorg took it out.
    const after = await store.events(swapId).catch(() => stored)
    // Both its locks redeemed or refunded: a redeem of ours still in the pool could only revert. (One
    // still locked may yet take one.)
    const kept = settledLocks.get(swapId)
    const bothSettled = kept !== undefined && kept.open === undefined
    const pooled = bothSettled ? [] : await d.pooledRedeems(terms).catch(() => [])
    const before = last.get(swapId)?.redeemsSent ?? []
    const full: SwapInfo = {
      ...info,
      redeemsSent: [...new Set([...redeemsSent(after), ...pooled, ...before])],
    }
    last.set(swapId, full)
    await noteDone(full).catch((err: unknown) => console.warn('keeping the finished swaps failed', err))
    await noteSeen(full).catch((err: unknown) => console.warn("keeping the swaps' last status failed", err))
    init.emitSwap(full)
    return full
  }

  /** The finished swaps' last status (`SWAPS_DONE_KEY`), once read at start. */
  const done = new Map<Hex, SwapStatus>()
  /**
   * Keeps `done` in step with a swap's latest step: written only when a swap finishes (again, maybe
   * otherwise after a deep reorg) or re-opens; a step that failed changes nothing.
   */
  const noteDone = async (info: SwapInfo): Promise<void> => {
    const before = done.get(info.swapId)
    if (info.action.kind === 'done') {
      if (before !== undefined && sameStatus(before, info.status)) return
      done.set(info.swapId, info.status)
    } else {
      if (before === undefined || info.error !== null) return
      done.delete(info.swapId)
    }
    await init.meta?.putMeta(SWAPS_DONE_KEY, Object.fromEntries(done))
  }
  /** The unfinished swaps' last status (`SWAPS_SEEN_KEY`), read at start. */
  const seen = new Map<Hex, SwapStatus>()
  /** Keeps `seen` in step with a swap's latest status: written when it changes, and when the swap finishes. */
  const noteSeen = async (info: SwapInfo): Promise<void> => {
    const before = seen.get(info.swapId)
    if (info.action.kind === 'done') {
      if (before === undefined) return
      seen.delete(info.swapId)
    } else {
      if (before !== undefined && sameStatus(before, info.status)) return
      seen.set(info.swapId, info.status)
    }
    await init.meta?.putMeta(SWAPS_SEEN_KEY, Object.fromEntries(seen))
  }
  /** Reads `done` and `seen` from the profile, once: at `start`, or at a `swaps` call that comes first. */
  let keptRead: Promise<void> | undefined
  const readKept = (): Promise<void> => {
    keptRead ??= (async () => {
      const read = async (key: string, into: Map<Hex, SwapStatus>, what: string): Promise<void> => {
        try {
          const kept = await init.meta?.getMeta<Record<Hex, SwapStatus>>(key)
          for (const [id, status] of Object.entries(kept ?? {}) as [Hex, SwapStatus][]) into.set(id, status)
        } catch (err) {
          console.warn(`reading ${what} failed`, err)
        }
      }
      await read(SWAPS_DONE_KEY, done, 'the finished swaps')
      await read(SWAPS_SEEN_KEY, seen, "the swaps' last status")
    })()
    return keptRead
  }
  /** A swap that finished in an earlier run, as it ended (its status kept in `done`). */
  const doneInfo = (id: Hex, stored: readonly SwapEvent[], status: SwapStatus): SwapInfo => {
    const { terms, role, account, counterpartyPeer } = partyOf(id, stored)
    return {
      swapId: id,
      role,
      account,
      terms,
      counterpartyPeer,
      status,
      action: { kind: 'done' },
      redeemsSent: redeemsSent(stored),
      error: null,
      unverified: false,
    }
  }
  /**
   * Shows the swaps that finished in an earlier run as they ended, without stepping them: a finished
   * swap is stepped again only after a reorg past the limit (`onHead`).
   */
  const resumeDone = async (): Promise<void> => {
    for (const [id, status] of done) {
      const info = doneInfo(id, await store.events(id), status)
      last.set(id, info)
      init.emitSwap(info)
    }
  }

  /** A reorg past `maxReorgDepth` came since the last pass began: the next steps the finished swaps too. */
  let reopen = false
  const pass = async (): Promise<void> => {
    const all = reopen
    reopen = false
    for (const id of await store.ids()) {
      if (!all && last.get(id)?.action.kind === 'done') continue
      await step(id).catch(() => {})
    }
  }

  /** Passes over the swaps, one at a time; a head or HTLC seen during a pass makes one more. */
  const passes = new SerialRuns(pass)
  const schedule = (): void => passes.start()

  return {
    async start() {
      await readKept()
      await resumeDone().catch((err: unknown) => console.warn('reading the finished swaps failed', err))
      schedule()
      await passes.idle()
    },
    onHead(reorgDepth = 0) {
      if (reorgDepth > init.maxReorgDepth) reopen = true
      schedule()
    },
    onPendingHtlc: schedule,
    onApproved: schedule,
    onPeer() {
      for (const info of last.values())
        if (info.error !== null) {
          schedule()
          return
        }
    },
    async startSwap(terms, account, counterpartyPeer) {
      const swapId = await driver(terms.offerId, account.toLowerCase() as Address).start(
        terms,
        counterpartyPeer,
      )
      return step(swapId)
    },
    async swaps() {
      // Called before `start` has shown the swaps (the node answers while it starts), or while its first
      // pass has not reached one: what the profile kept answers where the chain cannot be read yet.
      await readKept()
      const out: SwapInfo[] = []
      for (const id of await store.ids()) {
        const known = last.get(id)
        if (known !== undefined) {
          out.push(known)
          continue
        }
        let stored: SwapEvent[]
        let party: ReturnType<typeof partyOf>
        try {
          stored = await store.events(id)
          party = partyOf(id, stored)
        } catch (e) {
          // A log with no agreed terms (a maker's start cut short: nothing locked) or one this code did
          // not write is left out; the other swaps are still listed. A storage failure fails the call.
          if (!(e instanceof SwapError)) throw e
          continue
        }
        const ended = done.get(id)
        if (ended !== undefined) {
          out.push(doneInfo(id, stored, ended))
          continue
        }
        const { terms, role, account, counterpartyPeer } = party
        const shown = { swapId: id, role, account, terms, counterpartyPeer, redeemsSent: redeemsSent(stored) }
        const action = { kind: 'wait', reason: 'not stepped yet' } as const
        try {
          const r = await driver(id, account).status(id)
          out.push({ ...shown, status: r.status, action, error: null, unverified: false })
        } catch (e) {
          if (e instanceof StorageError) throw e
          // The chain cannot be read now (a light node with no peer yet to prove the logs): the last
          // status seen, in this run or an earlier one, else the stored events' own, with the failure,
          // so nothing reads as verified now; the swap's first step reads it again, and a peer's link.
          const status = seen.get(id) ?? foldSwap(role, stored, [])
          out.push({ ...shown, status, action, error: messageOf(e), unverified: unprovable(e) })
        }
      }
      return out
    },
    setSigners(accounts) {
      signers = new Set(accounts.map((a) => a.toLowerCase() as Address))
      schedule()
    },
    answer(id, answer) {
      const p = pending.get(id)
      if (p === undefined) return
      pending.delete(id)
      clearTimeout(p.timer)
      p.resolve(answer)
    },
    idle: () => passes.idle(),
  }
}

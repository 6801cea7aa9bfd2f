import type { Address, Hex } from 'viem'
import { create } from 'zustand'
import { NodeError } from '../node/rpc/errors'
import type { Remote } from '../node/rpc/protocol'
import { serialRefresh } from '../node/serial-runs'
import type { NodeApi } from '../node/worker/node'
import { DROPPED_REASON } from '../wallet/activity'
import { formatCoin } from '../wallet/amount'
import { gasLimitFor } from '../wallet/gas'
import type { TxSigner } from './signer/signer'
import { chainChangeWatch, useApp } from './store'

/** A contract call to send as a transaction. */
export interface Call {
  readonly to: Address
  readonly data: Hex
  readonly value?: bigint
}

/**
 * Where a transaction sent from this tab stands. `pending` until a canonical block holds it (and again
 * if a reorg takes it out); `confirmed` with the number of blocks on top (1 = in the head block);
 * `dropped` while its sender's nonce at the head has passed its own with no receipt (another transaction
 * with its nonce was mined; a reorg may still bring it back); `failed` when it was refused, would
 * revert, or reverted on chain (with the reason). A sent one whose status could not be read at the
 * current head (on a light node: no peer gave a proof that verifies) keeps the last one verified, with
 * `unverified` saying why it could not be read; the next read that verifies clears it.
 */
export type TxStatus =
  | { readonly state: 'sending' }
  | ({ readonly state: 'pending'; readonly hash: Hex } & Unverified)
  /**
   * Read as pending, but while the node is catching up with its peers (`catchingUp`): it may be in a
   * block this node has not reached yet, so whether it is is not known.
   */
  | ({ readonly state: 'checking'; readonly hash: Hex } & Unverified)
  | ({
      readonly state: 'confirmed'
      readonly hash: Hex
      readonly confirmations: bigint
      /**
       * The number of the block it is in, as its receipt read it (the tracker's, for the time its list
       * shows); absent where a status is shown without it.
       */
      readonly block?: bigint
      /**
       * The block whose header alone proved it (`ReceiptView.provenBelowBase`): one of this node's own
       * transactions mined below the snapshot it started from, a block it never executed. Absent when the
       * node executed its block (or, light, proved it against a header it follows).
       */
      readonly provenAgainst?: bigint
    } & Unverified)
  /** In a block (its inclusion known), its outcome not: why (`unverified`). */
  | {
      readonly state: 'included'
      readonly hash: Hex
      readonly confirmations: bigint
      readonly unverified: string
    }
  | ({ readonly state: 'dropped'; readonly hash: Hex; readonly reason: string } & Unverified)
  | { readonly state: 'failed'; readonly hash: Hex | null; readonly reason: string }

/** Why a status is not verified at the current head (the read that failed); absent when it is. */
interface Unverified {
  readonly unverified?: string
}

export interface TrackedTx {
  readonly id: number
  readonly label: string
  /** The sender, and the nonce it signed with once signed. */
  readonly from: Address
  readonly nonce?: bigint
  readonly status: TxStatus
}

interface Tracker {
  readonly txs: readonly TrackedTx[]
}

/** Transactions this tab sent, newest first. Updated on every new head, not by polling. */
export const useTxs = create<Tracker>(() => ({ txs: [] }))

let nextId = 1
/** Sends run one after another (see `sendCall`). */
let queue: Promise<unknown> = Promise.resolve()

function update(id: number, change: Partial<Pick<TrackedTx, 'nonce' | 'status'>>): void {
  useTxs.setState((s) => ({ txs: s.txs.map((t) => (t.id === id ? { ...t, ...change } : t)) }))
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/**
 * Why a send failed, as its row says it: the pool's refusal for want of coins in TAB (it counts in wei)
 * with where a new wallet gets some; any other failure by its message. `sends`: the call carries TAB.
 */
function failureOf(err: unknown, sends: boolean): string {
  if (err instanceof NodeError && err.type.code === 'MEMPOOL_INSUFFICIENT_FUNDS') {
    const { need, have } = err.type
    if (typeof need === 'bigint' && typeof have === 'bigint') {
      const what = sends ? 'the TAB it sends and its network fee at the most' : 'its network fee at the most'
      return `not enough TAB: this transaction may cost up to ${formatCoin(need)} (${what}) and the account holds ${formatCoin(have)}. Get TAB from the devnet faucet on the Wallet screen, or by mining.`
    }
  }
  return messageOf(err)
}

/**
 * Sends `call` signed by `signer`: simulates it against the head (a call that would revert fails at
 * once with its reason, costing nothing), then fills gas and fees, has `signer` sign it with the
 * pending nonce (pool included) and submit it, and tracks the transaction under `label`.
 */
export async function sendCall(
  api: Remote<NodeApi>,
  signer: TxSigner,
  label: string,
  call: Call,
): Promise<TrackedTx> {
  const id = nextId++
  const tracked: TrackedTx = { id, label, from: signer.address, status: { state: 'sending' } }
  useTxs.setState((s) => ({ txs: [tracked, ...s.txs] }))
  const finish = (status: TxStatus): TrackedTx => {
    update(id, { status })
    return useTxs.getState().txs.find((t) => t.id === id) ?? { ...tracked, status }
  }
  // One send at a time: each reads the pending nonce only after the previous one reached the mempool.
  const sent = queue.then(() => submit(api, signer, call, (nonce) => update(id, { nonce })))
  queue = sent.catch(() => {})
  try {
    return finish(await sent)
  } catch (err) {
    return finish({ state: 'failed', hash: null, reason: failureOf(err, (call.value ?? 0n) > 0n) })
  }
}

/**
 * Simulates and fills `call`, and has `signer` sign it and hand it to the node (telling `signed` its
 * nonce): pending, or failed before sending. The signer reads the nonce when it may sign: the wallet's
 * after the user approved, so a dApp's send approved meanwhile does not take it.
 */
async function submit(
  api: Remote<NodeApi>,
  signer: TxSigner,
  call: Call,
  signed: (nonce: bigint) => void,
): Promise<TxStatus> {
  const value = call.value ?? 0n
  const simulated = await api.call({ from: signer.address, to: call.to, data: call.data, value })
  if (simulated.status === 'reverted')
    return { state: 'failed', hash: null, reason: simulated.revertReason ?? 'would revert' }
  const [{ chainId }, fees] = await Promise.all([api.status(), api.fees()])
  const { hash, nonce } = await signer.sendTransaction(
    {
      type: 'eip1559',
      chainId,
      to: call.to,
      data: call.data,
      value,
      gas: gasLimitFor(simulated.gasUsed),
      maxPriorityFeePerGas: fees.suggestedTip,
      maxFeePerGas: fees.nextBaseFee * 2n + fees.suggestedTip,
    },
    { pendingNonce: () => api.pendingNonce(signer.address), submit: (raw) => api.sendRawTransaction(raw) },
  )
  signed(BigInt(nonce))
  return { state: 'pending', hash }
}

/**
 * `provenAgainst` of a confirmed status, from a receipt or transaction view: its block's number when the
 * node proved it against that block's kept header only (`provenBelowBase`), else nothing.
 */
export const provenAgainst = (view: {
  readonly blockNumber: bigint | null
  readonly provenBelowBase?: true
}): { readonly provenAgainst?: bigint } =>
  view.provenBelowBase === true && view.blockNumber !== null ? { provenAgainst: view.blockNumber } : {}

/** A sender's nonce at the head, or why it could not be read. */
type NonceRead = { readonly nonce: bigint } | { readonly unread: string }

/** Whether two statuses say the same (their fields are all primitives). */
const sameStatus = (a: TxStatus, b: TxStatus): boolean => {
  const fields = Object.entries(a)
  return (
    fields.length === Object.keys(b).length &&
    fields.every(([k, v]) => (b as unknown as Record<string, unknown>)[k] === v)
  )
}

/**
 * The status of a transaction whose receipt could not be read (`unverified`, why), from the transaction
 * alone, as the transaction page reads it: confirmed or failed by the status proven with its inclusion (a
 * light node reads the receipt from its block's receipts, which may be out of reach), in its block with
 * its outcome not verified when no status is known; else (not proven mined, or that read failed too) the
 * last status verified, marked `unverified`.
 */
async function withoutReceipt(
  api: TrackerReads,
  last: Exclude<TxStatus, { state: 'sending' | 'failed' }>,
  unverified: string,
): Promise<TxStatus> {
  const { hash } = last
  const tx = await api.transaction(hash).catch(() => null)
  if (tx === null || tx.blockNumber === null) return { ...last, unverified }
  if (tx.status === 'reverted') return { state: 'failed', hash, reason: 'reverted' }
  if (tx.status === 'success')
    return {
      state: 'confirmed',
      hash,
      confirmations: tx.confirmations,
      block: tx.blockNumber,
      ...provenAgainst(tx),
    }
  return { state: 'included', hash, confirmations: tx.confirmations, unverified }
}

/** The node reads the tracker's refresh makes (`NodeApi`'s). */
export type TrackerReads = Pick<Remote<NodeApi>, 'account' | 'receipt' | 'transaction'>

/**
 * Whether `status` is settled below block `settledBelow` (the head less `maxReorgDepth`): confirmed and
 * verified in a block under it, which no reorganisation may take out. Its confirmations then follow from
 * the head alone, as the wallet's Activity counts them (`activityDue`), with no read.
 */
const settled = (
  status: TxStatus,
  settledBelow: bigint,
): status is Extract<TxStatus, { state: 'confirmed' }> & { readonly block: bigint } =>
  status.state === 'confirmed' &&
  status.unverified === undefined &&
  status.block !== undefined &&
  status.block < settledBelow

/**
 * The refresh the tracker runs at each new head, reading through `reads`. It re-reads the receipt of
 * every transaction sent and not failed (a reorg may undo a confirmation) that a reorganisation may
 * still reach, all at once, and the nonce of each sender with one waiting; one settled deeper than
 * `maxReorgDepth` (as the wallet's Activity, `activityRefresher`) only has its confirmations counted
 * from the head. All are re-read at the first refresh, after a reorganisation and when the node's mode
 * changes. The nonces first: a block that comes in between then shows as a receipt, never as a nonce
 * passed without one (a false "dropped"). A read that fails (on a light node: no proof verified) is not
 * "no receipt" or "nonce not passed": the status stays the last one verified, marked `unverified` with
 * why, never pending again or dropped on a failed read — unless the transaction's own read proves it in
 * its block (`withoutReceipt`). Refreshes asked while one runs wait for it, and one more runs after it
 * (`serialRefresh`): a slow read begun at an older head never writes over a newer one's.
 */
export function trackerRefresher(reads: TrackerReads): () => Promise<void> {
  const chainChanged = chainChangeWatch()
  return serialRefresh(
    async () => {
      const { head, chain } = useApp.getState()
      const reorged = chainChanged()
      const settledBelow =
        reorged || head === null || chain === null ? null : head.number - BigInt(chain.params.maxReorgDepth)
      const sent = useTxs
        .getState()
        .txs.filter((t) => t.status.state !== 'sending' && t.status.state !== 'failed')
      const due: TrackedTx[] = []
      for (const t of sent) {
        const s = t.status
        if (settledBelow === null || head === null || !settled(s, settledBelow)) {
          due.push(t)
          continue
        }
        const confirmations = head.number - s.block + 1n
        if (s.confirmations !== confirmations) update(t.id, { status: { ...s, confirmations } })
      }
      const waiting = new Set(due.filter((t) => t.status.state !== 'confirmed').map((t) => t.from))
      const nonces = new Map(
        await Promise.all(
          [...waiting].map((a) =>
            reads.account(a).then(
              (r): [Address, NonceRead] => [a, { nonce: r.nonce }],
              (err: unknown): [Address, NonceRead] => [a, { unread: messageOf(err) }],
            ),
          ),
        ),
      )
      await Promise.all(
        due.map(async (t) => {
          const s = t.status
          if (s.state === 'sending' || s.state === 'failed') return
          const { unverified: _was, ...last } = s
          const next = await reads.receipt(s.hash).then(
            (receipt): TxStatus => {
              if (receipt === null) {
                const nonce = nonces.get(t.from) ?? { nonce: 0n }
                // Not mined, and whether another of its nonce was cannot be told: as it was, if it was waiting.
                if ('unread' in nonce)
                  return last.state === 'dropped'
                    ? { ...last, unverified: nonce.unread }
                    : { state: 'pending', hash: s.hash, unverified: nonce.unread }
                return t.nonce !== undefined && nonce.nonce > t.nonce
                  ? { state: 'dropped', hash: s.hash, reason: DROPPED_REASON }
                  : { state: 'pending', hash: s.hash }
              }
              if (receipt.status === 'reverted')
                return { state: 'failed', hash: s.hash, reason: receipt.revertReason ?? 'reverted' }
              return {
                state: 'confirmed',
                hash: s.hash,
                confirmations: receipt.confirmations,
                block: receipt.blockNumber,
                ...provenAgainst(receipt),
              }
            },
            (err: unknown): Promise<TxStatus> => withoutReceipt(reads, s, messageOf(err)),
          )
          if (!sameStatus(s, next)) update(t.id, { status: next })
        }),
      )
    },
    (err) => console.error('the sent transactions could not be read again', err),
  )
}

/** The refresh of the app's node (`api`), made again when the node is another. */
let refresher: { readonly api: Remote<NodeApi>; readonly refresh: () => Promise<void> } | null = null

// Every new head (or reorg, which moves the head) refreshes the statuses.
useApp.subscribe((state, previous) => {
  if (state.api === null || state.head === previous.head) return
  if (refresher?.api !== state.api) refresher = { api: state.api, refresh: trackerRefresher(state.api) }
  void refresher.refresh()
})

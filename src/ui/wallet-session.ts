import type { Address, Hex } from 'viem'
import { create } from 'zustand'
import type { ChainParams } from '../node/chain/types'
import type { NodeMode } from '../node/light/mode'
import { pageStorage } from '../node/profile/local-record'
import { messageOf } from '../node/rpc/errors'
import type { Remote } from '../node/rpc/protocol'
import { serialRefresh } from '../node/serial-runs'
import type { AccountInfo } from '../node/worker/chain-service'
import type { NodeApi, ReorgInfo } from '../node/worker/node'
import type { TokenHolding } from '../node/worker/queries'
import {
  type ActivityItem,
  type ActivityReads,
  activityDue,
  DROPPED_REASON,
  forgetActivityOnReplace,
  type ReceivedItem,
  type ReceivedReads,
  readReceived,
  rereadActivity,
  type StoredActivity,
  saveActivity,
  storedActivity,
  withReread,
} from '../wallet/activity'
import { sendApproved } from '../wallet/approved-sign'
import type { ProviderBackend } from '../wallet/backend'
import type { ApprovalRequest } from '../wallet/describe'
import { announceProvider, tabchainProviderInfo } from '../wallet/eip6963'
import { type FaucetPayments, faucetPayments } from '../wallet/faucet'
import { createNodeBackend } from '../wallet/node-backend'
import { createProvider, type TabchainProvider } from '../wallet/provider'
import { disconnectedError } from '../wallet/rpc-error'
import { idbWalletStore } from '../wallet/store'
import { createWallet, type Wallet, type WalletView } from '../wallet/wallet'
import type { SettledLocks } from './address-activity'
import { shownHolding } from './format'
import { createProofRetry, isUnproven } from './proof-retry'
import { settledLockReads } from './settled-lock-reads'
import { useAccount } from './signer/account'
import type { TxSigner } from './signer/signer'
import { chainChangeWatch, directPeerCount, headMoved, useApp } from './store'
import type { TxStatus } from './tx-tracker'
import { walletLockedError } from './wallet-locked'

interface PendingApproval {
  /** Names the request: the dialog's answer carries it, so an answer lands on the request it showed. */
  readonly id: number
  readonly request: ApprovalRequest
  readonly resolve: (approved: boolean) => void
  /** Refuses it unanswered (the node it needs is gone). */
  readonly refuse: (err: Error) => void
}

/** The wallet as the UI sees it: its public view, the approval queue, balances and activity. */
export interface WalletUi {
  readonly wallet: Wallet | null
  readonly provider: TabchainProvider | null
  readonly backend: ProviderBackend | null
  readonly view: WalletView
  /** Requests waiting for the user; the dialog shows the first. */
  readonly approvals: readonly PendingApproval[]
  /** A request (a dApp's or this page's own) needed the wallet unlocked. */
  readonly unlockPrompt: boolean
  /** Native balance (wei) by lower-case address. */
  readonly balances: Readonly<Record<string, bigint>>
  /** The header number each balance was verified at (a proof on a light node, the head on a full one). */
  readonly balancesAt: Readonly<Record<string, bigint>>
  /** The selected account's tokens (held or created), at the head. */
  readonly tokens: readonly TokenHolding[]
  /** The header `tokens` were read at (a proof on a light node, the head on a full one); undefined: none read. */
  readonly tokensAt: bigint | undefined
  readonly activity: readonly ActivityItem[]
  /** What of the saved activity could not be read at start, kept aside (`storedActivity`): 0 when nothing. */
  readonly activityDamaged: StoredActivity['damaged']
  /**
   * What the selected account received and, marked `outgoing`, the transactions it sent itself
   * (newest first: `readReceived`'s `activity`), as last read (`receivedReader`); null until read.
   * `unread`: why the last read failed (the items are those read before, for this account).
   */
  readonly received: {
    readonly account: Address
    readonly items: readonly ReceivedItem[]
    readonly unread?: string
    /** The list read held `RECEIVED_LIMIT` transactions: older ones are not listed (`readReceived`). */
    readonly older?: true
  } | null
  /**
   * The reads of the HTLC locks whose coin payouts `received` lists (`lockUnread`), by lock id
   * (lower-case): each row shows at once, its amount as its lock's read ends (`shownReceived`).
   */
  readonly receivedLocks: SettledLocks
  /** The faucet payments this profile's wallet asked for (`faucetPayments`); null before the wallet starts. */
  readonly faucet: FaucetPayments | null
}

export const useWallet = create<WalletUi>(() => ({
  wallet: null,
  provider: null,
  backend: null,
  view: { state: 'none', accounts: [], selected: null },
  approvals: [],
  unlockPrompt: false,
  balances: {},
  balancesAt: {},
  tokens: [],
  tokensAt: undefined,
  activity: [],
  activityDamaged: 0,
  received: null,
  receivedLocks: new Map(),
  faucet: null,
}))

let nextApprovalId = 0

/**
 * Queues `request` for the approval dialog; resolves with the user's answer. Refused with 4900, never
 * shown, once the node is lost: nothing approved could be carried out.
 */
export function askApproval(request: ApprovalRequest): Promise<boolean> {
  const { node } = useApp.getState()
  if (node.state === 'lost') return Promise.reject(disconnectedError(node.error))
  const id = nextApprovalId++
  return new Promise<boolean>((resolve, refuse) => {
    useWallet.setState((s) => ({ approvals: [...s.approvals, { id, request, resolve, refuse }] }))
  })
}

/**
 * Answers the pending approval `id` (the dialog's buttons name the request they showed). An answer to a
 * request already answered is ignored: a double click's second click never answers the next request.
 */
export function answerApproval(id: number, approved: boolean): void {
  const { approvals } = useWallet.getState()
  const pending = approvals.find((a) => a.id === id)
  if (pending === undefined) return
  useWallet.setState({ approvals: approvals.filter((a) => a !== pending) })
  pending.resolve(approved)
}

/**
 * Shows the unlock prompt (a request needed the wallet unlocked); settles once it is gone: the wallet
 * unlocked (`startWallet` clears it then) or the user dismissed it (`dismissUnlock`). The provider's
 * `eth_requestAccounts` waits for it.
 */
export function promptUnlock(): Promise<void> {
  useWallet.setState({ unlockPrompt: true })
  return new Promise<void>((gone) => {
    const stop = useWallet.subscribe((s) => {
      if (s.unlockPrompt) return
      stop()
      gone()
    })
  })
}

/** The user closed the unlock prompt without unlocking: a dApp's `eth_requestAccounts` waiting on it gets 4001. */
export function dismissUnlock(): void {
  useWallet.setState({ unlockPrompt: false })
}

// A node that stopped answering (its worker crashed; the page shows "The node stopped" and must reload)
// leaves nothing to wait for: dApps are told (4900), and every request waiting for the user is refused
// with it, the dialog closed, so that no Approve is clicked for a send the node can no longer take.
useApp.subscribe((s, prev) => {
  if (s.node.state !== 'lost' || prev.node.state === 'lost') return
  const reason = s.node.error
  const { provider, approvals } = useWallet.getState()
  provider?.disconnect(reason)
  useWallet.setState({ approvals: [], unlockPrompt: false })
  for (const pending of approvals) pending.refuse(disconnectedError(reason))
})

/**
 * The screens' signer once a wallet exists (`view`: the wallet's view): its selected account, through
 * the approval dialog. A send while the wallet is locked shows the unlock prompt and fails with
 * `walletLockedError` (4100, the sentence every screen shows for the lock); it signs nothing.
 */
export function walletSigner(wallet: Wallet, backend: ProviderBackend, view: WalletView): TxSigner | null {
  const account = view.accounts.find((a) => a.address === view.selected)
  if (view.state === 'none' || account === undefined) return null
  return {
    address: account.address,
    label: `${account.name} (wallet)`,
    sendTransaction: async (tx, to) => {
      if (wallet.view().state !== 'unlocked') {
        useWallet.setState({ unlockPrompt: true })
        throw walletLockedError()
      }
      return sendApproved({ backend, wallet, approve: askApproval }, account.address, tx, to)
    },
  }
}

/** Most heads the payments received go without asking for the account's list, whatever else says. */
export const RECEIVED_EVERY = 20

/**
 * What the selected account's verified state says of its transaction list (`receivedState`, read at each
 * head), and what the list was asked at: the account, the node's mode, the last reorganisation the page
 * heard of, the head (null: none yet).
 */
interface ReceivedAsk {
  readonly account: Address
  readonly state: string | null
  readonly mode: NodeMode['kind'] | null
  readonly reorg: ReorgInfo | null
  readonly head: { readonly number: bigint; readonly hash: Hex } | null
}

/**
 * What the list of `account`'s transactions may hold, in one string: its verified nonce and coin balance
 * (`info`; undefined: not read) and the tokens it holds or created, with their balances. Everything the
 * list holds moved one of them (a payment to it, an HTLC payout to it, a transaction it sent), so the list
 * is asked for again only when the string changes. Null when the account was not read.
 */
export function receivedState(
  account: Address,
  info: Pick<AccountInfo, 'nonce' | 'balance'> | undefined,
  held: readonly Pick<TokenHolding, 'token' | 'balance' | 'created'>[],
): string | null {
  if (info === undefined) return null
  const tokens = held.map((h) => `${h.token.address.toLowerCase()}:${h.balance}:${h.created}`).sort()
  return [account.toLowerCase(), info.nonce, info.balance, ...tokens].join(' ')
}

/**
 * Whether the list asked at `last` (undefined: none, or its read failed) may differ from one asked `now`:
 * another account or mode; a state not read, or changed (`receivedState`); a reorganisation since
 * (the head is not a descendant of the last one asked at: a reorg event heard of since, or another head
 * no higher than it); `RECEIVED_EVERY` heads since, as a safety net for what the state does not show (a
 * token balance moved away and back within one block, a listed transaction moving nothing that pushes an
 * older payment past `RECEIVED_LIMIT`, a peer that left a row out).
 */
function receivedDue(last: ReceivedAsk | undefined, now: ReceivedAsk): boolean {
  if (last === undefined || now.state === null || now.head === null || last.head === null) return true
  return (
    last.account !== now.account ||
    last.mode !== now.mode ||
    last.state !== now.state ||
    last.reorg !== now.reorg ||
    (now.head.number <= last.head.number && now.head.hash !== last.head.hash) ||
    now.head.number - last.head.number >= BigInt(RECEIVED_EVERY)
  )
}

/**
 * What refreshes the payments the selected account received (`useWallet`'s `received`), read through
 * `reads` (`readReceived`): on a full node from its own index; on a light or upgrading one from a full
 * peer's list, each transaction and receipt proven (the node's API routes the reads). The list is asked
 * for only when it may have changed since the last read (`receivedDue`, with `state`, the account's
 * `receivedState` read at this head), or when none is shown for the account: on a light node each ask
 * is a request to a full peer, which every head of every light tab made before, mostly answered with
 * the same list. Each mined transaction is read once per account. A read that fails keeps what was listed for the account, marked `unread` with the error's
 * message, and is asked again at the next refresh; a read that ends after another account was selected
 * is dropped. The locks of the coin payouts listed are only started (`receivedLocks`, through
 * `reads.verifiedHtlc`, each read once as the address page reads them: one that failed is read again at
 * the next refresh, the list asked or not): the list does not wait for them.
 */
export function receivedReader(
  reads: ReceivedReads & Pick<Remote<NodeApi>, 'verifiedHtlc'>,
  faucetPaid?: (hash: Hex) => boolean,
): (state: string | null) => Promise<void> {
  /** What each transaction of the selected account gave it, by hash: a mined one is read once. */
  let cache: { account: Address | null; read: ReadonlyMap<Hex, readonly ReceivedItem[]> } = {
    account: null,
    read: new Map(),
  }
  /** What the last list read was asked at; undefined when none was, or it failed. */
  let asked: ReceivedAsk | undefined
  // A lock's record names its payee: the reads serve every account.
  const locks = settledLockReads(reads)
  locks.subscribe(() => useWallet.setState({ receivedLocks: locks.current() }))
  /** Starts reading the locks of the coin payouts in `items` not read yet. */
  const readLocks = (items: readonly ReceivedItem[]): void =>
    locks.readLocks(
      items.flatMap((i) =>
        i.lockUnread === true && i.htlc !== undefined
          ? [[i.htlc.lock.toLowerCase() as Hex, BigInt(i.blockNumber)] as const]
          : [],
      ),
    )
  return async (state) => {
    const account = useWallet.getState().view.selected
    if (account === null) return
    const { mode, lastReorg, head } = useApp.getState()
    const now: ReceivedAsk = {
      account,
      state,
      mode: mode?.kind ?? null,
      reorg: lastReorg,
      head: head === null ? null : { number: head.number, hash: head.hash },
    }
    // A list shown for the account (not cleared meanwhile, as a restore does) that cannot have changed.
    const shown = useWallet.getState().received
    if (shown?.account === account && !receivedDue(asked, now)) {
      readLocks(shown.items)
      return
    }
    asked = now
    const known = cache.account === account ? cache.read : new Map()
    const read = await readReceived(account, reads, known, faucetPaid).catch((err: unknown) => messageOf(err))
    // Failed: asked again at the next refresh, whatever it says.
    if (typeof read === 'string' && asked === now) asked = undefined
    // The account selected meanwhile is another: this read is not its.
    if (useWallet.getState().view.selected !== account) return
    if (typeof read === 'string') {
      const { received } = useWallet.getState()
      const kept = received?.account === account ? received : { items: [], older: undefined }
      useWallet.setState({
        received: { account, items: kept.items, unread: read, ...(kept.older ? { older: true } : {}) },
      })
      return
    }
    cache = { account, read: read.read }
    readLocks(read.items)
    useWallet.setState({
      received: { account, items: read.activity, ...(read.older ? { older: true } : {}) },
    })
  }
}

/**
 * What refreshes the wallet's activity (`useWallet`'s `activity`) at each head: re-reads through `reads`
 * the items that may have changed (`activityDue`), each settled from the reads that verified, and passes
 * the list as it is then (a transaction sent meanwhile stays) to `set`. Every item is re-read at the first
 * refresh and when the last reorganisation heard of or the node's mode changed since the last one (a
 * snapshot upgrade replaces the chain with no reorg event). Refreshes asked while one runs wait for it, and
 * one more runs after it (`serialRefresh`): a slow read begun at an older head never writes over a newer
 * one's.
 */
export function activityRefresher(
  reads: ActivityReads,
  set: (items: ActivityItem[]) => void,
): () => Promise<void> {
  const chainChanged = chainChangeWatch()
  return serialRefresh(
    async () => {
      const { head, chain } = useApp.getState()
      const reorged = chainChanged()
      const due = activityDue(
        useWallet.getState().activity,
        head?.number,
        chain?.params.maxReorgDepth,
        reorged,
      )
      if (due.length === 0) return
      const reread = await rereadActivity(due, reads)
      set(withReread(useWallet.getState().activity, reread))
    },
    (err) => console.error('the wallet activity could not be read again', err),
  )
}

/**
 * Starts the wallet of this profile: loads its vault (locked), builds the EIP-1193 provider over the
 * node, announces it (EIP-6963), and keeps balances and activity current as the head moves.
 */
export async function startWallet(
  api: Remote<NodeApi>,
  profileId: string,
  params: ChainParams,
): Promise<{ readonly provider: TabchainProvider; readonly wallet: Wallet }> {
  const wallet = createWallet({ store: idbWalletStore(profileId) })
  const backend = createNodeBackend(api, params)
  const { items: activity, damaged: activityDamaged } = storedActivity(pageStorage(), profileId)
  const setActivity = (items: ActivityItem[]): void => {
    saveActivity(pageStorage(), profileId, items)
    useWallet.setState({ activity: items })
  }
  // Another phrase's wallet replaced this one: the old wallet's activity is not the new one's.
  forgetActivityOnReplace(wallet, pageStorage(), profileId, () =>
    useWallet.setState({ activity: [], activityDamaged: 0 }),
  )

  const provider = createProvider({
    backend,
    wallet,
    approve: askApproval,
    onLocked: promptUnlock,
    onSent: (tx) => {
      setActivity([{ ...tx, status: 'pending' }, ...useWallet.getState().activity])
    },
  })

  /** Reads every account's verified balance; returns what was read, by lower-case address. */
  const refreshBalances = async (): Promise<ReadonlyMap<string, AccountInfo>> => {
    const accounts = useWallet.getState().view.accounts
    const proven = await Promise.all(
      accounts.map(async (a) => [a.address.toLowerCase(), await api.verifiedAccount(a.address)] as const),
    )
    useWallet.setState({
      balances: Object.fromEntries(proven.map(([a, r]) => [a, r.value.balance])),
      balancesAt: Object.fromEntries(proven.map(([a, r]) => [a, r.number])),
    })
    return new Map(proven.map(([a, r]) => [a, r.value]))
  }

  const refreshActivity = activityRefresher(api, setActivity)

  // A faucet payment this wallet asked for reads "from the faucet" (by its hash: `faucetPayments`).
  const faucet = faucetPayments(pageStorage(), profileId)
  const refreshReceived = receivedReader(api, faucet.has)

  /**
   * Tokens the selected account holds or created, with balances (base units), and the header they were
   * read at (the token rows' verified mark on a light node).
   */
  const refreshTokens = async (): Promise<{ account: Address; held: TokenHolding[] } | null> => {
    const selected = useWallet.getState().view.selected
    if (selected === null) {
      useWallet.setState({ tokens: [], tokensAt: undefined })
      return null
    }
    const held = await api.verifiedTokenHoldings(selected)
    useWallet.setState({ tokens: held.value.map(shownHolding), tokensAt: held.number })
    return { account: selected, held: held.value }
  }

  /**
   * Re-reads the verified balances and the selected account's tokens, then refreshes the payments it
   * received with what they say of it (`receivedState`). A read that fails (on a light node: no proof
   * verified, or token lists it cannot build) leaves the last verified values, each with the header it
   * was verified at, and says nothing of the account: the list is asked for. One no peer proved is
   * asked again without waiting for a block, as the screens' reads are (`createProofRetry`). Asks while
   * one runs wait for it, and one more runs after it: a slow read never writes over a newer one's.
   */
  const refreshVerified = serialRefresh(
    async () => {
      const [balances, tokens] = await Promise.allSettled([refreshBalances(), refreshTokens()])
      const unproven = [balances, tokens].some(
        (r) => r.status === 'rejected' && isUnproven(messageOf(r.reason)),
      )
      verifiedRetry.answered(unproven, directPeerCount(useApp.getState()))
      const state =
        balances.status === 'fulfilled' && tokens.status === 'fulfilled' && tokens.value !== null
          ? receivedState(
              tokens.value.account,
              balances.value.get(tokens.value.account.toLowerCase()),
              tokens.value.held,
            )
          : null
      await refreshReceived(state)
    },
    (err) => console.error('the verified balances could not be read again', err),
  )

  const verifiedRetry = createProofRetry(() => void refreshVerified())

  wallet.subscribe((view) => {
    useAccount.getState().setWallet(walletSigner(wallet, backend, view))
    useWallet.setState({ view, ...(view.state === 'unlocked' ? { unlockPrompt: false } : {}) })
    void refreshVerified()
  })
  useApp.subscribe((s, prev) => {
    verifiedRetry.linked(directPeerCount(s))
    if (headMoved(s, prev)) {
      void refreshVerified()
      void refreshActivity()
    }
  })
  useWallet.setState({ wallet, provider, backend, activity, activityDamaged, faucet })
  await wallet.load()
  announceProvider(window, tabchainProviderInfo(crypto.randomUUID()), provider)
  // Activity that keeps the wallet open counts as use for the idle lock.
  for (const e of ['pointerdown', 'keydown'] as const)
    window.addEventListener(e, () => wallet.touch(), { passive: true })
  return { provider, wallet }
}

/** Confirmations of an activity row's block at `head` (1 = in the head block); 0 in none. */
export function confirmations(item: { readonly blockNumber?: string }, head: bigint | undefined): bigint {
  return item.blockNumber === undefined || head === undefined ? 0n : head - BigInt(item.blockNumber) + 1n
}

/**
 * A sent item's status at `head` as the status badge shows it (`TxStatusBadge`, as on the Tokens screen
 * and the Tx page): pending, confirmed with its confirmations (and the block header that alone proved it,
 * if so: `provenAgainst`), failed or dropped with why, and not
 * verified at the current head with why, if it is not. Pending while the node is `catchingUp`, it is
 * being checked, not pending: its last read may be an older block's (the list as the tab closed, or
 * read before a peer told how far the chain goes), and the block it is in may be one the node has not
 * reached yet.
 */
export function activityStatus(item: ActivityItem, head: bigint | undefined, catchingUp = false): TxStatus {
  const { hash, unverified } = item
  const mark = unverified === undefined ? {} : { unverified }
  switch (item.status) {
    case 'pending':
      return catchingUp ? { state: 'checking', hash } : { state: 'pending', hash, ...mark }
    case 'confirmed':
      return {
        state: 'confirmed',
        hash,
        confirmations: confirmations(item, head),
        ...(item.provenBelowBase === true && item.blockNumber !== undefined
          ? { provenAgainst: BigInt(item.blockNumber) }
          : {}),
        ...mark,
      }
    case 'dropped':
      return { state: 'dropped', hash, reason: item.reason ?? DROPPED_REASON, ...mark }
    case 'failed':
      return { state: 'failed', hash, reason: item.reason ?? 'reverted' }
  }
}

import type { Hex } from 'viem'
import { create } from 'zustand'
import type { ChainParams } from '../node/chain/types'
import type { Remote } from '../node/rpc/protocol'
import type { NodeApi } from '../node/worker/node'
import type { ProviderBackend } from '../wallet/backend'
import type { ApprovalRequest } from '../wallet/describe'
import { announceProvider, tabchainProviderInfo } from '../wallet/eip6963'
import { createNodeBackend } from '../wallet/node-backend'
import { createProvider, type SentTransaction, type TabchainProvider } from '../wallet/provider'
import { ProviderRpcError } from '../wallet/rpc-error'
import { idbWalletStore } from '../wallet/store'
import { createWallet, type Wallet, type WalletView } from '../wallet/wallet'
import { useApp } from './store'

/** A sent transaction and what the chain says about it. */
export interface ActivityItem extends SentTransaction {
  /** Head height when it was sent: inclusion is searched from there. */
  readonly sentAtHeight: string
  readonly status: 'pending' | 'confirmed' | 'failed'
  readonly blockNumber?: string
}

interface PendingApproval {
  readonly request: ApprovalRequest
  readonly resolve: (approved: boolean) => void
}

/** The wallet as the UI sees it: its public view, the approval queue, balances and activity. */
export interface WalletUi {
  readonly wallet: Wallet | null
  readonly provider: TabchainProvider | null
  readonly backend: ProviderBackend | null
  readonly view: WalletView
  /** Requests waiting for the user; the dialog shows the first. */
  readonly approvals: readonly PendingApproval[]
  /** A dApp needed the wallet unlocked. */
  readonly unlockPrompt: boolean
  /** Native balance (wei) by lower-case address. */
  readonly balances: Readonly<Record<string, bigint>>
  readonly activity: readonly ActivityItem[]
}

export const useWallet = create<WalletUi>(() => ({
  wallet: null,
  provider: null,
  backend: null,
  view: { state: 'none', accounts: [], selected: null },
  approvals: [],
  unlockPrompt: false,
  balances: {},
  activity: [],
}))

/** Answers the first pending approval (the dialog's buttons). */
export function answerApproval(approved: boolean): void {
  const [first, ...rest] = useWallet.getState().approvals
  if (first === undefined) return
  useWallet.setState({ approvals: rest })
  first.resolve(approved)
}

const activityKey = (profileId: string): string => `tabchain.activity.${profileId}`
/** Blocks searched back at most for a pending transaction's inclusion. */
const SCAN = 100

/**
 * Starts the wallet of this profile: loads its vault (locked), builds the EIP-1193 provider over the
 * node, announces it (EIP-6963), and keeps balances and activity current as the head moves.
 */
export async function startWallet(
  api: Remote<NodeApi>,
  profileId: string,
  params: ChainParams,
): Promise<TabchainProvider> {
  const wallet = createWallet({ store: idbWalletStore(profileId) })
  const backend = createNodeBackend(api, params)
  const saved = localStorage.getItem(activityKey(profileId))
  const activity: ActivityItem[] = saved === null ? [] : (JSON.parse(saved) as ActivityItem[])
  const setActivity = (items: ActivityItem[]): void => {
    localStorage.setItem(activityKey(profileId), JSON.stringify(items))
    useWallet.setState({ activity: items })
  }

  const provider = createProvider({
    backend,
    wallet,
    approve: (request) =>
      new Promise<boolean>((resolve) => {
        useWallet.setState((s) => ({ approvals: [...s.approvals, { request, resolve }] }))
      }),
    onLocked: () => useWallet.setState({ unlockPrompt: true }),
    onSent: (tx) => {
      const height = String(useApp.getState().head?.number ?? 0n)
      setActivity([{ ...tx, sentAtHeight: height, status: 'pending' }, ...useWallet.getState().activity])
    },
  })

  const refreshBalances = async (): Promise<void> => {
    const accounts = useWallet.getState().view.accounts
    const entries = await Promise.all(
      accounts.map(async (a) => [a.address.toLowerCase(), (await api.account(a.address)).balance] as const),
    )
    useWallet.setState({ balances: Object.fromEntries(entries) })
  }

  /** Finds pending transactions in the blocks since they were sent; asks for receipts where the node can. */
  const refreshActivity = async (head: bigint): Promise<void> => {
    const items = useWallet.getState().activity
    if (!items.some((i) => i.status === 'pending')) return
    const oldest = items.reduce(
      (m, i) => (i.status === 'pending' && BigInt(i.sentAtHeight) < m ? BigInt(i.sentAtHeight) : m),
      head,
    )
    const count = Number(head - oldest + 1n > BigInt(SCAN) ? BigInt(SCAN) : head - oldest + 1n)
    const blocks = await api.blocks(head, Math.max(1, count))
    const where = new Map<Hex, bigint>()
    for (const b of blocks) for (const h of b.transactions) where.set(h, b.number)
    const next = await Promise.all(
      items.map(async (i): Promise<ActivityItem> => {
        if (i.status !== 'pending') return i
        const n = where.get(i.hash)
        if (n === undefined) return i
        return { ...i, status: (await failed(i.hash)) ? 'failed' : 'confirmed', blockNumber: String(n) }
      }),
    )
    setActivity(next)
  }

  /** True when the node reports a failed receipt; false when it succeeded or cannot tell yet. */
  const failed = async (hash: Hex): Promise<boolean> => {
    try {
      const r = (await provider.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
        status: Hex
      } | null
      return r?.status === '0x0'
    } catch (err) {
      if (err instanceof ProviderRpcError) return false
      throw err
    }
  }

  wallet.subscribe((view) => {
    useWallet.setState({ view, ...(view.state === 'unlocked' ? { unlockPrompt: false } : {}) })
    void refreshBalances()
  })
  useApp.subscribe((s, prev) => {
    if (s.head !== null && s.head.hash !== prev.head?.hash) {
      void refreshBalances()
      void refreshActivity(s.head.number)
    }
  })
  useWallet.setState({ wallet, provider, backend, activity })
  await wallet.load()
  announceProvider(window, tabchainProviderInfo(crypto.randomUUID()), provider)
  // Activity that keeps the wallet open counts as use for the idle lock.
  for (const e of ['pointerdown', 'keydown'] as const)
    window.addEventListener(e, () => wallet.touch(), { passive: true })
  return provider
}

/** Confirmations of an activity item at `head` (1 = in the head block). */
export function confirmations(item: ActivityItem, head: bigint | undefined): bigint {
  return item.blockNumber === undefined || head === undefined ? 0n : head - BigInt(item.blockNumber) + 1n
}

import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { statusText } from '../../src/ui/components/TxStatusBadge'
import { marketErrorMessage } from '../../src/ui/market/errors'
import { useApp } from '../../src/ui/store'
import { lockedMessage, WALLET_LOCKED_MESSAGE } from '../../src/ui/wallet-locked'
import {
  activityStatus,
  answerApproval,
  askApproval,
  dismissUnlock,
  promptUnlock,
  useWallet,
  walletSigner,
} from '../../src/ui/wallet-session'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { createProvider } from '../../src/wallet/provider'
import { ProviderRpcError } from '../../src/wallet/rpc-error'
import { poolBackend } from '../wallet/pool-backend'
import { hardhatWallet } from '../wallet/solo-node'

const ME = getAddress(DEVNET_ACCOUNTS[0] as string)

const message = (text: string): ApprovalRequest => ({
  kind: 'message',
  from: ME,
  title: 'Sign a message',
  details: [{ label: 'Message', value: text }],
})

describe('approval queue', () => {
  test('an answer goes to the request it names; a second answer to it (a double click) is ignored', async () => {
    const answers: string[] = []
    const first = askApproval(message('first')).then((ok) => answers.push(`first ${ok}`))
    const second = askApproval(message('second')).then((ok) => answers.push(`second ${ok}`))
    const [shown] = useWallet.getState().approvals
    expect(shown?.request.details[0]?.value).toBe('first')
    const id = shown?.id ?? -1
    answerApproval(id, true)
    answerApproval(id, true)
    await first
    expect(answers).toEqual(['first true'])
    // The second request is still waiting, unanswered, and is what the dialog shows now.
    const waiting = useWallet.getState().approvals
    expect(waiting.map((a) => a.request.details[0]?.value)).toEqual(['second'])
    answerApproval(waiting[0]?.id ?? -1, false)
    await second
    expect(answers).toEqual(['first true', 'second false'])
    expect(useWallet.getState().approvals).toEqual([])
  })

  test('an answer names a request behind the first: that one is answered, the first keeps waiting', async () => {
    const first = askApproval(message('first'))
    const second = askApproval(message('second'))
    const [, behind] = useWallet.getState().approvals
    answerApproval(behind?.id ?? -1, true)
    expect(await second).toBe(true)
    const [left] = useWallet.getState().approvals
    expect(left?.request.details[0]?.value).toBe('first')
    answerApproval(left?.id ?? -1, false)
    expect(await first).toBe(false)
  })
})

describe('unlock prompt', () => {
  test('shown while a request waits on it; each waiting request settles once it is gone (dismissed), not before', async () => {
    const gone: string[] = []
    const first = promptUnlock().then(() => gone.push('first'))
    const second = promptUnlock().then(() => gone.push('second'))
    expect(useWallet.getState().unlockPrompt).toBe(true)
    // Another change of the wallet's state leaves the prompt up.
    useWallet.setState({ balances: {} })
    await new Promise((r) => setTimeout(r, 10))
    expect(gone).toEqual([])
    dismissUnlock()
    await Promise.all([first, second])
    expect(gone).toEqual(['first', 'second'])
    expect(useWallet.getState().unlockPrompt).toBe(false)
  })
})

describe('a locked wallet', () => {
  test("the page's own send asks to unlock and says so in a sentence, the one every screen shows; nothing is signed or sent", async () => {
    const wallet = await hardhatWallet()
    const backend = poolBackend()
    const signer = walletSigner(wallet, backend, wallet.view())
    wallet.lock()
    dismissUnlock()
    const sent: string[] = []
    const to = {
      pendingNonce: async () => 0n,
      submit: async (raw: `0x${string}`) => {
        sent.push(raw)
        return raw
      },
    }
    const tx = { type: 'eip1559', to: ME, value: 1n, gas: 21_000n, maxFeePerGas: 1n, chainId: 1 } as const
    const err = await signer?.sendTransaction(tx, to).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderRpcError)
    expect(err).toMatchObject({ code: 4100, message: 'Your wallet is locked: unlock it, then try again.' })
    expect(useWallet.getState().unlockPrompt).toBe(true)
    expect(useWallet.getState().approvals).toEqual([])
    expect(sent).toEqual([])
    dismissUnlock()
    // The Market and the Wallet screen word the lock the same, the provider's 4100 included.
    expect(marketErrorMessage(err)).toBe(WALLET_LOCKED_MESSAGE)
    const fromProvider = new ProviderRpcError(4100, 'the wallet is locked: unlock it first')
    expect(lockedMessage(fromProvider)).toBe(WALLET_LOCKED_MESSAGE)
    expect(lockedMessage({ code: 4100, message: 'the wallet is locked: unlock it first' })).toBe(
      WALLET_LOCKED_MESSAGE,
    )
    expect(lockedMessage(new ProviderRpcError(4001, 'User rejected the request.'))).toBeNull()
  })
})

describe('node lost', () => {
  test('every request waiting in the dialog is refused with 4900 and the dialog closes; one asked after is refused at once, never shown', async () => {
    const provider = createProvider({
      backend: poolBackend(),
      wallet: await hardhatWallet(),
      approve: askApproval,
    })
    const told: unknown[] = []
    provider.on('disconnect', (e) => told.push(e))
    const waiting = [askApproval(message('send')), askApproval(message('sign'))].map((p) =>
      p.catch((e: unknown) => e),
    )
    const unlock = promptUnlock()
    expect(useWallet.getState().approvals).toHaveLength(2)
    useApp.setState({ node: { state: 'ready' } })
    useWallet.setState({ provider })
    try {
      useApp.setState({ node: { state: 'lost', error: 'the node stopped answering' } })
      expect(useWallet.getState().approvals).toEqual([])
      expect(useWallet.getState().unlockPrompt).toBe(false)
      await unlock
      const refused = { code: 4900, message: 'disconnected: the node stopped answering' }
      expect(told).toEqual([expect.objectContaining(refused)])
      for (const answer of await Promise.all(waiting)) expect(answer).toMatchObject(refused)
      expect(await askApproval(message('late')).catch((e: unknown) => e)).toMatchObject(refused)
      expect(useWallet.getState().approvals).toEqual([])
    } finally {
      useApp.setState({ node: { state: 'ready' } })
      useWallet.setState({ provider: null })
    }
  })
})

describe('activity status', () => {
  const sent = {
    hash: `0x${'ab'.repeat(32)}`,
    from: ME,
    title: 'Send 1 TAB',
    nonce: 0,
    sentAt: 0,
  } as const
  test('an activity item reads as the status badge of the Tokens screen and the Tx page writes it', () => {
    const confirmed = { ...sent, status: 'confirmed', blockNumber: '10' } as const
    expect(statusText(activityStatus(confirmed, 10n))).toBe('Confirmed (1 confirmation)')
    expect(statusText(activityStatus(confirmed, 12n))).toBe('Confirmed (3 confirmations)')
    expect(statusText(activityStatus({ ...sent, status: 'pending' }, 12n))).toBe(
      'Pending — not in a block yet',
    )
    expect(statusText(activityStatus({ ...sent, status: 'dropped', reason: 'replaced' }, 12n))).toBe(
      'Dropped: replaced',
    )
    expect(
      statusText(activityStatus({ ...sent, status: 'failed', blockNumber: '11', reason: 'no funds' }, 12n)),
    ).toBe('Failed: no funds')
    expect(
      statusText(activityStatus({ ...sent, status: 'pending', unverified: 'no peer answered' }, 12n)),
    ).toBe('Pending — not in a block yet · not verified at the current head: no peer answered')
  })
})

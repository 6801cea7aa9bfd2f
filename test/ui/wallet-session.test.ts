import { type Address, getAddress, type Hex } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS } from '../../src/node/chain/genesis'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../../src/node/contracts/addresses'
import { LockState } from '../../src/node/contracts/htlc/abi'
import { REDEEMED_TOPIC } from '../../src/node/contracts/htlc/htlc'
import { LightError } from '../../src/node/light/errors'
import type { NodeApi } from '../../src/node/worker/node'
import { shownReceived } from '../../src/ui/components/ActivityList'
import { statusText } from '../../src/ui/components/TxStatusBadge'
import { marketErrorMessage } from '../../src/ui/market/errors'
import { headMoved, useApp } from '../../src/ui/store'
import { lockedMessage, WALLET_LOCKED_MESSAGE } from '../../src/ui/wallet-locked'
import {
  activityRefresher,
  activityStatus,
  answerApproval,
  askApproval,
  dismissUnlock,
  promptUnlock,
  RECEIVED_EVERY,
  receivedReader,
  receivedState,
  useWallet,
  walletSigner,
} from '../../src/ui/wallet-session'
import type { ActivityItem, ReceivedReads } from '../../src/wallet/activity'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { createProvider } from '../../src/wallet/provider'
import { ProviderRpcError } from '../../src/wallet/rpc-error'
import { poolBackend } from '../wallet/pool-backend'
import { hardhatWallet } from '../wallet/solo-node'
import { appHeadAt, numberHash, slowFirstReceipt } from './app-head'

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
  test('a pending item read while the node catches up with its peers is being checked, not pending', () => {
    const checking = activityStatus({ ...sent, status: 'pending' }, 1_204n, true)
    expect(checking).toEqual({ state: 'checking', hash: sent.hash })
    expect(statusText(checking)).toBe(
      'Checking… this tab is still catching up with the chain: whether it is in a block is not known yet',
    )
    // What a read settled says itself: confirmed, dropped and failed are those reads' words.
    const confirmed = { ...sent, status: 'confirmed', blockNumber: '10' } as const
    expect(statusText(activityStatus(confirmed, 12n, true))).toBe('Confirmed (3 confirmations)')
    expect(statusText(activityStatus({ ...sent, status: 'dropped', reason: 'replaced' }, 12n, true))).toBe(
      'Dropped: replaced',
    )
  })
})

describe('payments received', () => {
  const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)
  const PAYER = getAddress(DEVNET_ACCOUNTS[2] as string)
  const hashOf = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
  const noPeer = () =>
    new LightError({
      code: 'LIGHT_UNVERIFIED',
      what: `transactions of ${ME.toLowerCase()}`,
      attempts: 0,
      failures: ['no peer to ask'],
    })
  /**
   * A node's reads as a light node answers them: `listed`, the transactions a full peer lists for each
   * account (or the error no peer could list them with), each paying it `n` TAB in block `n`; the
   * transactions read are counted.
   */
  const lightReads = (listed: Map<Address, Hex[] | Error>) => {
    const read: Hex[] = []
    /** The accounts whose list was asked for, in order. */
    const asked: Address[] = []
    /** The account a listed transaction pays. */
    const to = (hash: Hex): Address =>
      [...listed].find(([, l]) => Array.isArray(l) && l.includes(hash))?.[0] ?? PAYER
    const reads: ReceivedReads & Pick<NodeApi, 'verifiedHtlc'> = {
      async addressTransactions(address) {
        asked.push(address)
        const l = listed.get(address)
        if (l instanceof Error) throw l
        return l ?? []
      },
      async transaction(hash) {
        read.push(hash)
        const n = BigInt(hash)
        return { from: PAYER, to: to(hash), value: n * 10n ** 18n, blockNumber: n }
      },
      async receipt(hash) {
        return { status: 'success', blockNumber: BigInt(hash), logs: [] }
      },
      async token() {
        return null
      },
      async verifiedHtlc() {
        return { value: null, verified: true, number: 0n, hash: `0x${'00'.repeat(32)}` }
      },
    }
    return { reads, read, asked }
  }
  const select = (selected: Address) =>
    useWallet.setState({
      view: {
        state: 'unlocked',
        accounts: [ME, FRIEND].map((address, index) => ({
          address,
          name: `Account ${index + 1}`,
          source: { kind: 'hd', index },
        })),
        selected,
      },
      received: null,
    })
  const titles = () => useWallet.getState().received?.items.map((i) => i.title)
  const from = `from ${PAYER.slice(0, 4)}…${PAYER.slice(-2)}`

  afterEach(() => {
    useApp.setState({ mode: null, head: null, lastReorg: null })
    useWallet.setState({ view: { state: 'none', accounts: [], selected: null }, received: null })
  })

  test.each([
    ['light', { kind: 'light' }],
    ['upgrading', { kind: 'upgrading', percent: 40 }],
    ['full', { kind: 'full' }],
  ] as const)(
    'a %s node lists what the selected account received, each mined transaction read once',
    async (_, mode) => {
      useApp.setState({ mode })
      const { reads, read } = lightReads(new Map([[ME, [hashOf(2), hashOf(1)]]]))
      select(ME)
      const refresh = receivedReader(reads)
      await refresh(null)
      expect(useWallet.getState().received).toMatchObject({ account: ME })
      expect(useWallet.getState().received?.unread).toBeUndefined()
      expect(titles()).toEqual([`Received 2 TAB ${from}`, `Received 1 TAB ${from}`])
      await refresh(null)
      expect(read).toEqual([hashOf(2), hashOf(1)])
    },
  )

  test('a coin lock’s payout is listed at once, beside the other payments, its amount read apart: a lock read that fails keeps every row, and the next refresh reads that lock again, nothing else', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const lock: Hex = `0x${'ab'.repeat(32)}`
    const redeem = hashOf(5)
    const { reads: base, read } = lightReads(new Map([[ME, [redeem, hashOf(2)]]]))
    const coinLock = {
      sender: PAYER,
      recipient: ME,
      token: ZERO_ADDRESS,
      amount: 3n * 10n ** 18n,
      hashlock: lock,
      timelockHeight: 99n,
      state: LockState.Redeemed,
    }
    // The first lock read fails when the test says, once the list is shown; the second reads the lock.
    let fail = (_: Error) => {}
    const outcomes: (() => ReturnType<NodeApi['verifiedHtlc']>)[] = [
      () =>
        new Promise((_, reject) => {
          fail = reject
        }),
      async () => ({ value: coinLock, verified: true as const, number: 9n, hash: `0x${'00'.repeat(32)}` }),
    ]
    const asked: Hex[] = []
    const reads: typeof base = {
      ...base,
      async transaction(hash) {
        const tx = await base.transaction(hash)
        return hash === redeem && tx !== null ? { ...tx, to: HTLC_ADDRESS, value: 0n } : tx
      },
      async receipt(hash) {
        const logs = [{ address: HTLC_ADDRESS, topics: [REDEEMED_TOPIC, lock], data: '0x', logIndex: 0 }]
        return { status: 'success', blockNumber: BigInt(hash), logs: hash === redeem ? logs : [] } as never
      },
      verifiedHtlc(id) {
        asked.push(id)
        const outcome = outcomes.shift()
        if (outcome === undefined) throw new Error('a kept lock was read again')
        return outcome()
      },
    }
    select(ME)
    const refresh = receivedReader(reads)
    const shown = () => {
      const { received, receivedLocks } = useWallet.getState()
      return shownReceived(ME, received?.items ?? [], receivedLocks).map((i) => [i.title, i.lockRead])
    }
    await refresh(null)
    expect(useWallet.getState().received?.unread).toBeUndefined()
    expect(shown()).toEqual([
      ['From a swap, collected from lock 0xabab…abab', { state: 'reading' }],
      [`Received 2 TAB ${from}`, undefined],
    ])
    fail(new Error('no peer proved lock 0xabab: all 2 failed'))
    await new Promise((r) => setTimeout(r, 0))
    expect(shown()).toEqual([
      [
        'From a swap, collected from lock 0xabab…abab',
        { state: 'failed', error: 'no peer proved lock 0xabab: all 2 failed' },
      ],
      [`Received 2 TAB ${from}`, undefined],
    ])
    await refresh(null)
    await new Promise((r) => setTimeout(r, 0))
    expect(shown()).toEqual([
      ['Received 3 TAB from a swap, collected from lock 0xabab…abab', undefined],
      [`Received 2 TAB ${from}`, undefined],
    ])
    // The lock read is kept, each transaction was read once: a third refresh asks for neither.
    await refresh(null)
    expect(asked).toEqual([lock, lock])
    expect(read).toEqual([redeem, hashOf(2)])
  })

  test('a lock read that never ends holds back no row', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const lock: Hex = `0x${'cd'.repeat(32)}`
    const redeem = hashOf(7)
    const { reads: base } = lightReads(new Map([[ME, [redeem, hashOf(1)]]]))
    const reads: typeof base = {
      ...base,
      async receipt(hash) {
        const logs = [{ address: HTLC_ADDRESS, topics: [REDEEMED_TOPIC, lock], data: '0x', logIndex: 1 }]
        return { status: 'success', blockNumber: BigInt(hash), logs: hash === redeem ? logs : [] } as never
      },
      verifiedHtlc: () => new Promise<never>(() => {}),
    }
    select(ME)
    await receivedReader(reads)(null)
    expect(titles()).toEqual([
      `Received 7 TAB ${from}`,
      'From a swap, collected from lock 0xcdcd…cdcd',
      `Received 1 TAB ${from}`,
    ])
    expect(useWallet.getState().receivedLocks.get(lock)).toEqual({ state: 'reading' })
  })

  test('a list no peer could serve keeps what was listed, marked with why; the next read that succeeds clears the mark', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const listed = new Map<Address, Hex[] | Error>([[ME, [hashOf(1)]]])
    const { reads } = lightReads(listed)
    select(ME)
    const refresh = receivedReader(reads)
    await refresh(null)
    listed.set(ME, noPeer())
    await refresh(null)
    expect(useWallet.getState().received).toEqual({
      account: ME,
      items: [expect.objectContaining({ title: `Received 1 TAB ${from}` })],
      unread: noPeer().message,
    })
    listed.set(ME, [hashOf(3), hashOf(1)])
    await refresh(null)
    expect(useWallet.getState().received?.unread).toBeUndefined()
    expect(titles()).toEqual([`Received 3 TAB ${from}`, `Received 1 TAB ${from}`])
    // Another account whose first read fails lists nothing of the last one's.
    listed.set(FRIEND, noPeer())
    select(FRIEND)
    await refresh(null)
    expect(useWallet.getState().received).toEqual({ account: FRIEND, items: [], unread: noPeer().message })
  })

  test('a read that ends after another account was selected is dropped, failed or not; the cache is per account', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const listed = new Map<Address, Hex[] | Error>([
      [ME, [hashOf(1)]],
      [FRIEND, [hashOf(4)]],
    ])
    const { reads, read } = lightReads(listed)
    select(ME)
    const refresh = receivedReader(reads)
    const slow = refresh(null)
    select(FRIEND)
    await slow
    expect(useWallet.getState().received).toBeNull()
    await refresh(null)
    expect(useWallet.getState().received).toMatchObject({ account: FRIEND })
    expect(titles()).toEqual([`Received 4 TAB ${from}`])
    listed.set(FRIEND, noPeer())
    const failing = refresh(null)
    select(ME)
    await failing
    expect(useWallet.getState().received).toBeNull()
    await refresh(null)
    expect(titles()).toEqual([`Received 1 TAB ${from}`])
    // ME's transaction was read again after FRIEND's read: the cache held FRIEND's.
    expect(read).toEqual([hashOf(1), hashOf(4), hashOf(1)])
  })
  /** The head at `n`, as the node pushes it (its hash names its number and `branch`). */
  const headAt = (n: number, branch = 0) =>
    useApp.setState({
      head: {
        number: BigInt(n),
        hash: hashOf(1_000_000 * (branch + 1) + n),
        timestamp: BigInt(n),
        difficulty: 1n,
        totalDifficulty: BigInt(n),
        txCount: null,
      },
    })
  /** `ME`'s verified state: `tab` TAB, nonce `nonce`, `apl` of a token. */
  const stateOf = (tab: bigint, nonce = 0n, apl?: bigint) =>
    receivedState(
      ME,
      { balance: tab * 10n ** 18n, nonce },
      apl === undefined
        ? []
        : [
            {
              token: { address: FRIEND, symbol: 'APL', decimals: 18 } as never,
              balance: apl,
              created: false,
            },
          ],
    )

  test('a light node asks a full peer for the list once while the account’s verified state stands still, and again when its balance, nonce or tokens move', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const listed = new Map<Address, Hex[] | Error>([[ME, [hashOf(1)]]])
    const { reads, asked } = lightReads(listed)
    select(ME)
    const refresh = receivedReader(reads)
    for (let n = 1; n <= 10; n++) {
      headAt(n)
      await refresh(stateOf(1n))
    }
    expect(asked).toEqual([ME])
    expect(titles()).toEqual([`Received 1 TAB ${from}`])
    // A payment moves the coin balance: asked once more, and listed.
    listed.set(ME, [hashOf(3), hashOf(1)])
    headAt(11)
    await refresh(stateOf(4n))
    headAt(12)
    await refresh(stateOf(4n))
    expect(asked).toHaveLength(2)
    expect(titles()).toEqual([`Received 3 TAB ${from}`, `Received 1 TAB ${from}`])
    // A transaction it sent moves its nonce; a token payment its holdings; then a token held moves.
    for (const [n, state] of [
      [13, stateOf(4n, 1n)],
      [14, stateOf(4n, 1n, 5n)],
      [15, stateOf(4n, 1n, 5n)],
      [16, stateOf(4n, 1n, 7n)],
    ] as const) {
      headAt(n)
      await refresh(state)
    }
    expect(asked).toHaveLength(5)
    // A state that could not be read says nothing: asked.
    headAt(17)
    await refresh(null)
    expect(asked).toHaveLength(6)
    headAt(18)
    await refresh(null)
    expect(asked).toHaveLength(7)
  })

  test('the list is asked for again after a reorganisation, on another account or mode, and every RECEIVED_EVERY heads', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const { reads, asked } = lightReads(new Map([[ME, [hashOf(1)]]]))
    select(ME)
    const refresh = receivedReader(reads)
    const state = stateOf(1n)
    headAt(1)
    await refresh(state)
    // A reorganisation the page heard of: the new head is not a descendant of the one asked at.
    headAt(2, 1)
    useApp.setState({ lastReorg: { oldHead: hashOf(1), newHead: hashOf(2), depth: 1, returned: [] } })
    await refresh(state)
    headAt(3, 1)
    await refresh(state)
    expect(asked).toHaveLength(2)
    // Another head no higher than the last one asked at (its reorg event not heard of yet); not the same.
    headAt(2, 2)
    await refresh(state)
    expect(asked).toHaveLength(3)
    await refresh(state)
    expect(asked).toHaveLength(3)
    // The mode moved on (`upgrading n %` to another n is the same mode).
    useApp.setState({ mode: { kind: 'upgrading', percent: 10 } })
    await refresh(state)
    useApp.setState({ mode: { kind: 'upgrading', percent: 20 } })
    await refresh(state)
    expect(asked).toHaveLength(4)
    // Another account, then back.
    select(FRIEND)
    await refresh(state)
    select(ME)
    await refresh(state)
    expect(asked).toEqual([ME, ME, ME, ME, FRIEND, ME])
    // The list shown was cleared (a wallet restored): asked, though nothing else moved.
    useWallet.setState({ received: null })
    await refresh(state)
    await refresh(state)
    expect(asked).toHaveLength(7)
    // The safety net: RECEIVED_EVERY heads after the last ask, whatever the state says.
    for (let n = 3; n < 2 + RECEIVED_EVERY; n++) {
      headAt(n, 2)
      await refresh(state)
    }
    expect(asked).toHaveLength(7)
    headAt(2 + RECEIVED_EVERY, 2)
    await refresh(state)
    expect(asked).toHaveLength(8)
  })

  test('a list read that fails is asked again at the next head, though nothing moved, until one succeeds', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const listed = new Map<Address, Hex[] | Error>([[ME, noPeer()]])
    const { reads, asked } = lightReads(listed)
    select(ME)
    const refresh = receivedReader(reads)
    const state = stateOf(1n)
    headAt(1)
    await refresh(state)
    headAt(2)
    await refresh(state)
    expect(asked).toHaveLength(2)
    expect(useWallet.getState().received?.unread).toBe(noPeer().message)
    listed.set(ME, [hashOf(1)])
    headAt(3)
    await refresh(state)
    headAt(4)
    await refresh(state)
    expect(asked).toHaveLength(3)
    expect(useWallet.getState().received).toEqual({
      account: ME,
      items: [expect.objectContaining({ title: `Received 1 TAB ${from}` })],
    })
  })

  test('a coin lock whose read failed is read again at the next head, the list not asked for', async () => {
    useApp.setState({ mode: { kind: 'light' } })
    const lock: Hex = `0x${'ef'.repeat(32)}`
    const redeem = hashOf(5)
    const { reads: base, asked } = lightReads(new Map([[ME, [redeem]]]))
    const lockAsked: Hex[] = []
    const reads: typeof base = {
      ...base,
      async transaction(hash) {
        const tx = await base.transaction(hash)
        return tx === null ? tx : { ...tx, to: HTLC_ADDRESS, value: 0n }
      },
      async receipt(hash) {
        const logs = [{ address: HTLC_ADDRESS, topics: [REDEEMED_TOPIC, lock], data: '0x', logIndex: 0 }]
        return { status: 'success', blockNumber: BigInt(hash), logs } as never
      },
      async verifiedHtlc(id) {
        lockAsked.push(id)
        throw new Error('no peer proved the lock')
      },
    }
    select(ME)
    const refresh = receivedReader(reads)
    headAt(6)
    await refresh(stateOf(1n))
    await new Promise((r) => setTimeout(r, 0))
    headAt(7)
    await refresh(stateOf(1n))
    await new Promise((r) => setTimeout(r, 0))
    expect(asked).toEqual([ME])
    expect(lockAsked).toEqual([lock, lock])
    expect(useWallet.getState().receivedLocks.get(lock)).toEqual({
      state: 'failed',
      error: 'no peer proved the lock',
    })
  })
})

describe('activity refresh', () => {
  afterEach(() => {
    useApp.setState({ mode: null, head: null, lastReorg: null, chain: null })
    useWallet.setState({ activity: [] })
  })

  test('a busy wallet re-reads at each head only the sends a reorganisation may still reach; all of them at the first refresh, after a reorganisation and when the mode changes', async () => {
    const send = (n: number, blockNumber: number): ActivityItem => ({
      hash: numberHash(n),
      from: ME,
      title: `Send ${n} TAB`,
      nonce: n,
      sentAt: n,
      status: 'confirmed',
      blockNumber: String(blockNumber),
    })
    // 300 sends in blocks 1 to 300, newest first.
    useWallet.setState({ activity: Array.from({ length: 300 }, (_, k) => send(300 - k, 300 - k)) })
    const asked: Hex[] = []
    const reads = {
      account: async () => ({ nonce: 301n }),
      receipt: async (hash: Hex) => {
        asked.push(hash)
        return { blockNumber: BigInt(hash), status: 'success' as const, revertReason: null }
      },
      transaction: async () => null,
    }
    const saved: ActivityItem[][] = []
    const refresh = activityRefresher(reads, (items) => {
      saved.push(items)
      useWallet.setState({ activity: items })
    })
    const readsAt = async (n: number): Promise<number> => {
      asked.length = 0
      appHeadAt(n)
      await refresh()
      return asked.length
    }
    expect(await readsAt(300)).toBe(300)
    // At head 301 the blocks below 237 are out of any reorganisation's reach (64 blocks deep at most).
    expect(await readsAt(301)).toBe(64)
    expect(await readsAt(302)).toBe(63)
    useApp.setState({ lastReorg: { oldHead: numberHash(1), newHead: numberHash(2), depth: 1, returned: [] } })
    expect(await readsAt(303)).toBe(300)
    expect(await readsAt(304)).toBe(61)
    useApp.setState({ mode: { kind: 'upgrading', percent: 10 } })
    expect(await readsAt(305)).toBe(300)
    // Every send kept, as it was read.
    expect(useWallet.getState().activity).toHaveLength(300)
    expect(saved.at(-1)?.every((i) => i.status === 'confirmed')).toBe(true)
    // A head at which no send is open reads nothing, and writes nothing.
    const writes = saved.length
    expect(await readsAt(400)).toBe(0)
    expect(saved).toHaveLength(writes)
  })

  test('refreshes asked while one reads wait for it, and one more runs after it: a slow read at an older head never writes over what a newer head read', async () => {
    const sent: ActivityItem = {
      hash: numberHash(7),
      from: ME,
      title: 'Send 1 TAB',
      nonce: 0,
      sentAt: 1,
      status: 'pending',
    }
    useWallet.setState({ activity: [sent] })
    // Mined in block 12: not yet at head 11.
    const slow = slowFirstReceipt((at) =>
      at < 12n ? null : { blockNumber: 12n, status: 'success' as const, revertReason: null },
    )
    const reads = {
      account: async () => ({ nonce: 0n }),
      receipt: slow.receipt,
      transaction: async () => null,
    }
    await slow.askDuringSlowRead(activityRefresher(reads, (items) => useWallet.setState({ activity: items })))
    expect(useWallet.getState().activity[0]).toMatchObject({ status: 'confirmed', blockNumber: '12' })
    // One read at a time, and the asks at heads 12 and 13 made one more run, after the first.
    expect(slow.count).toEqual({ reads: 2, together: 1 })
  })
})

describe('a head that moved', () => {
  test('another block at a new height or at the same one (a reorganisation onto a branch as long) moved it; the same block pushed again, or none, did not', () => {
    const at = (number: bigint, hash: Hex) => ({
      head: { number, hash, timestamp: 0n, difficulty: 1n, totalDifficulty: number, txCount: null },
    })
    expect(headMoved(at(5n, numberHash(5)), at(4n, numberHash(4)))).toBe(true)
    expect(headMoved(at(5n, numberHash(50)), at(5n, numberHash(5)))).toBe(true)
    expect(headMoved(at(5n, numberHash(5)), { head: null })).toBe(true)
    expect(headMoved(at(5n, numberHash(5)), at(5n, numberHash(5)))).toBe(false)
    expect(headMoved({ head: null }, at(5n, numberHash(5)))).toBe(false)
  })
})

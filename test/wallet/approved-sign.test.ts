import { getAddress, keccak256, parseEther, parseTransaction, recoverTransactionAddress } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { type SendTarget, sendApproved } from '../../src/wallet/approved-sign'
import type { ProviderBackend } from '../../src/wallet/backend'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { memoryWalletStore } from '../../src/wallet/store'
import { createWallet, type Wallet } from '../../src/wallet/wallet'
import { until } from '../until'
import { soloNode } from './solo-node'

const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)
const TX = {
  chainId: testGenesis().params.chainId,
  to: FRIEND,
  value: parseEther('2.5'),
  gas: 21_000n,
  maxFeePerGas: 3_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
}

let backend: ProviderBackend
let wallet: Wallet

/** A node that reads `next` as the sender's pending nonce and keeps what it is sent. */
function target(next = 0n): SendTarget & { readonly sent: `0x${string}`[] } {
  const sent: `0x${string}`[] = []
  return {
    sent,
    pendingNonce: async () => next,
    submit: async (raw) => {
      sent.push(raw)
      return `0x${String(sent.length).padStart(64, '0')}`
    },
  }
}

beforeAll(async () => {
  backend = (await soloNode()).backend
  wallet = createWallet({ store: memoryWalletStore() })
  await wallet.load()
  await wallet.create('test test test test test test test test test test test junk', 'correct horse battery')
})

describe('sendApproved: the one sending path of the provider and the screens', () => {
  test('asks in human terms; refused → 4001 and nothing signed; approved → signed by the account and sent', async () => {
    const asked: ApprovalRequest[] = []
    const refuse = {
      backend,
      wallet,
      approve: async (r: ApprovalRequest) => {
        asked.push(r)
        return false
      },
    }
    const refused = target()
    await expect(sendApproved(refuse, ME, TX, refused)).rejects.toMatchObject({ code: 4001 })
    expect(asked[0]?.title).toBe('Send 2.5 TAB to 0x90…06')
    expect(refused.sent).toEqual([])
    const to = target(7n)
    const { hash, nonce, title } = await sendApproved(
      { backend, wallet, approve: async () => true },
      ME,
      TX,
      to,
    )
    expect({ hash, nonce, title }).toEqual({
      hash: `0x${'1'.padStart(64, '0')}`,
      nonce: 7,
      title: 'Send 2.5 TAB to 0x90…06',
    })
    const raw = to.sent[0] ?? '0x'
    const parsed = parseTransaction(raw)
    expect(getAddress(parsed.to ?? '0x')).toBe(FRIEND)
    expect(parsed).toMatchObject({ value: parseEther('2.5'), nonce: 7 })
    expect(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` })).toBe(ME)
  })

  test('an incomplete transaction → -32602 before anyone is asked', async () => {
    let asked = 0
    const deps = {
      backend,
      wallet,
      approve: async () => {
        asked++
        return true
      },
    }
    const { gas: _gas, ...noGas } = TX
    await expect(sendApproved(deps, ME, noGas, target())).rejects.toMatchObject({ code: -32602 })
    expect(asked).toBe(0)
  })

  test('the nonce is read once approved, one send at a time per account; a nonce set in the transaction is kept', async () => {
    const answers: ((approved: boolean) => void)[] = []
    const deps = { backend, wallet, approve: () => new Promise<boolean>((r) => answers.push(r)) }
    // A node whose pending nonce counts what reached it, and that takes a moment to admit a send.
    const sent: `0x${string}`[] = []
    const node: SendTarget = {
      pendingNonce: async () => BigInt(sent.length),
      submit: async (raw) => {
        await new Promise((r) => setTimeout(r, 10))
        sent.push(raw)
        return keccak256(raw)
      },
    }
    const first = sendApproved(deps, ME, TX, node)
    const second = sendApproved(deps, ME, TX, node)
    await until(() => answers.length === 2)
    // Both wait in the dialog; the second is answered first, the first right after.
    answers[1]?.(true)
    answers[0]?.(true)
    expect((await second).nonce).toBe(0)
    expect((await first).nonce).toBe(1)
    expect(sent.map((raw) => parseTransaction(raw).nonce)).toEqual([0, 1])
    const own = await sendApproved({ ...deps, approve: async () => true }, ME, { ...TX, nonce: 0 }, node)
    expect(own.nonce).toBe(0)
  })
})

describe("a send with the dApp's own nonce", () => {
  test('one below the pending nonce replaces a transaction waiting in the pool: the dialog says so first; at the pending nonce it reads as any send', async () => {
    const asked: ApprovalRequest[] = []
    const deps = {
      backend,
      wallet,
      approve: async (r: ApprovalRequest) => {
        asked.push(r)
        return true
      },
    }
    // The account has nonces 4 and 5 waiting: the next is 6.
    const pool = target(6n)
    await sendApproved(deps, ME, { ...TX, nonce: 5 }, pool)
    expect(asked[0]?.title).toBe('Send 2.5 TAB to 0x90…06, replacing your pending transaction 5')
    expect(asked[0]?.details[0]).toEqual({
      label: 'Replaces',
      value:
        'The site set nonce 5, which a transaction of this account waiting to be mined has: this one takes its place, and that one is never mined.',
    })
    expect(parseTransaction(pool.sent[0] ?? '0x').nonce).toBe(5)
    await sendApproved(deps, ME, { ...TX, nonce: 6 }, pool)
    expect(asked[1]?.title).toBe('Send 2.5 TAB to 0x90…06')
    expect(asked[1]?.details.map((d) => d.label)).not.toContain('Replaces')
    // A nonce already mined replaces nothing (the pool refuses it as too low): no such row.
    const mined = { ...deps, backend: { ...backend, account: async () => ({ balance: 0n, nonce: 6n }) } }
    await sendApproved(mined, ME, { ...TX, nonce: 5 }, pool)
    expect(asked[2]?.title).toBe('Send 2.5 TAB to 0x90…06')
  })
})

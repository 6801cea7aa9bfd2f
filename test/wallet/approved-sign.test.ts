import { getAddress, parseEther, parseTransaction, recoverTransactionAddress } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_ACCOUNTS, testGenesis } from '../../src/node/chain/genesis'
import { signApproved } from '../../src/wallet/approved-sign'
import type { ProviderBackend } from '../../src/wallet/backend'
import type { ApprovalRequest } from '../../src/wallet/describe'
import { memoryWalletStore } from '../../src/wallet/store'
import { createWallet, type Wallet } from '../../src/wallet/wallet'
import { soloNode } from './solo-node'

const ME = getAddress(DEVNET_ACCOUNTS[0] as string)
const FRIEND = getAddress(DEVNET_ACCOUNTS[3] as string)
const TX = {
  chainId: testGenesis().params.chainId,
  nonce: 0,
  to: FRIEND,
  value: parseEther('2.5'),
  gas: 21_000n,
  maxFeePerGas: 3_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
}

let backend: ProviderBackend
let wallet: Wallet

beforeAll(async () => {
  backend = (await soloNode()).backend
  wallet = createWallet({ store: memoryWalletStore() })
  await wallet.load()
  await wallet.create('test test test test test test test test test test test junk', 'correct horse battery')
})

describe('signApproved: the one signing path of the provider and the screens', () => {
  test('asks in human terms; refused → 4001 and nothing signed; approved → signed by the account', async () => {
    const asked: ApprovalRequest[] = []
    const refuse = {
      backend,
      wallet,
      approve: async (r: ApprovalRequest) => {
        asked.push(r)
        return false
      },
    }
    await expect(signApproved(refuse, ME, TX)).rejects.toMatchObject({ code: 4001 })
    expect(asked[0]?.title).toBe('Send 2.5 TAB to 0x90…06')
    const { raw, title } = await signApproved({ backend, wallet, approve: async () => true }, ME, TX)
    expect(title).toBe('Send 2.5 TAB to 0x90…06')
    const parsed = parseTransaction(raw)
    expect(getAddress(parsed.to ?? '0x')).toBe(FRIEND)
    expect(parsed).toMatchObject({ value: parseEther('2.5'), nonce: 0 })
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
    await expect(signApproved(deps, ME, noGas)).rejects.toMatchObject({ code: -32602 })
    expect(asked).toBe(0)
  })
})

import { type Address, type Hex, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devnetParams, testGenesis } from '../node/chain/genesis'
import type { ProviderBackend } from './backend'
import { walletError } from './errors'
import { deriveKey, rootKey } from './keys'
import { DEFAULT_TIP } from './provider'
import { ProviderRpcError, RpcCode } from './rpc-error'

/**
 * DEVNET ONLY: the devnet faucet pays from the funded Hardhat/Anvil accounts 5–9 (the published test
 * mnemonic, see `DEVNET_ACCOUNTS`) so a fresh wallet can act at once. Refused on any other chain.
 */
const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'
const FAUCET_INDEXES = [5, 6, 7, 8, 9]
export const FAUCET_AMOUNT = parseEther('10')
/** How many times one payment is signed (the first and each after another payment took its nonce). */
export const FAUCET_SENDS = 3
/** How often a payment sent is looked for on the chain, ms. */
const FOLLOW_MS = 1_000

const faucetChains = new Set([devnetParams.chainId, testGenesis().params.chainId])

/** The last payment in turn per faucet account index: see `requestFaucet`. */
const turns = new Map<number, Promise<unknown>>()

export interface FaucetOptions {
  /** Which faucet account pays, in [0, 1) (random when absent). */
  readonly pick?: number
  /** Called with the hash of each transaction sent for this payment (one signed again has a new one). */
  readonly onSent?: (hash: Hex) => void
  /** How often the payment is looked for on the chain, ms. */
  readonly pollMs?: number
}

/**
 * Pays `FAUCET_AMOUNT` of the native coin to `to` from a devnet account; resolves with the hash of the
 * transaction mined. The payments of one account take turns from reading its pending nonce to the node's
 * admission, so two asked at once (two clicks) get consecutive nonces rather than one, which the node
 * refuses the second. Another tab's node can sign that account's nonce too before either payment
 * reached the other, and only one of the two is mined: each payment is followed until mined, and one
 * whose nonce the account's nonce at the head passed without it is signed again at the next pending
 * nonce, up to `FAUCET_SENDS` times in all (then `WALLET_FAUCET_LOST`). A payment never mined (no
 * miner) is followed as long as the page lives.
 */
export async function requestFaucet(
  backend: ProviderBackend,
  to: Address,
  { pick = Math.random(), onSent, pollMs = FOLLOW_MS }: FaucetOptions = {},
): Promise<Hex> {
  if (!faucetChains.has(backend.chainId)) {
    throw new ProviderRpcError(RpcCode.unsupported, 'the faucet exists on the devnet only')
  }
  const index = FAUCET_INDEXES[Math.floor(pick * FAUCET_INDEXES.length)] ?? 9
  const account = privateKeyToAccount(deriveKey(rootKey(DEVNET_MNEMONIC), index))
  const pay = async (): Promise<{ hash: Hex; nonce: bigint }> => {
    // The node's pending nonce (its pool, or a light node's own sends, counted): a record of this tab's
    // sends on top would outlive one the pool dropped and leave the account's later sends behind its gap.
    const { nonce } = await backend.account(account.address, 'pending')
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: backend.chainId,
      nonce: Number(nonce),
      to,
      value: FAUCET_AMOUNT,
      gas: 21_000n,
      maxFeePerGas: 2n * (await backend.nextBaseFee()) + DEFAULT_TIP,
      maxPriorityFeePerGas: DEFAULT_TIP,
    })
    return { hash: await backend.sendRawTransaction(raw), nonce }
  }
  const send = async (): Promise<{ hash: Hex; nonce: bigint }> => {
    const run = (turns.get(index) ?? Promise.resolve()).then(pay)
    turns.set(
      index,
      run.catch(() => {}),
    )
    const sent = await run
    onSent?.(sent.hash)
    return sent
  }
  let sent = await send()
  let sends = 1
  /** The head height the payment was last looked for at. */
  let seen: bigint | null = null
  for (;;) {
    await sleep(pollMs)
    // Looked for once per block. A read that fails (a light node without a proof yet) is tried again.
    const outcome = await (async () => {
      const height = await backend.blockNumber()
      if (height === seen) return 'waiting'
      // The nonce first, as the activity list reads it: a block that comes in between shows as a
      // receipt, never as a nonce passed without one (which would pay twice).
      const { nonce } = await backend.account(account.address, 'latest')
      if ((await backend.receipt(sent.hash)) !== null) return 'mined'
      seen = height
      return nonce > sent.nonce ? 'taken' : 'waiting'
    })().catch(() => 'waiting' as const)
    if (outcome === 'mined') return sent.hash
    if (outcome === 'taken') {
      if (sends === FAUCET_SENDS) throw walletError({ code: 'WALLET_FAUCET_LOST', sends })
      sends++
      sent = await send()
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

import { type Address, type Hex, isHash, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devnetParams, testGenesis } from '../node/chain/genesis'
import { keepAside, parseJson, saveRecord } from '../node/profile/local-record'
import type { ProviderBackend } from './backend'
import { walletError } from './errors'
import { deriveKey, rootKey } from './keys'
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
/** How long a payment waits for a block (since it was sent, or since the last one) before it reads `no-miner`, ms. */
export const FAUCET_MINER_WAIT_MS = 30_000
/** How soon a look at the chain that failed (a light node without a proof yet) is tried again, ms. */
const RETRY_MS = 1_000

const faucetChains = new Set([devnetParams.chainId, testGenesis().params.chainId])

/** The last payment in turn per faucet account index: see `requestFaucet`. */
const turns = new Map<number, Promise<unknown>>()

/**
 * Where a faucet payment stands while it is followed: `sent` (in a pool, waiting for a block; again, with
 * a new hash, when another payment took its nonce and it was signed again, `sends` so far), or
 * `no-miner` when no block came for `waitedMs` (since it was sent or since the last block): nothing
 * mines, so it stays unmined until a miner starts, and is still followed. The payment's end is
 * `requestFaucet`'s: its hash once mined, or `WALLET_FAUCET_LOST`.
 */
export type FaucetState =
  | { readonly kind: 'sent'; readonly hash: Hex; readonly sends: number }
  | { readonly kind: 'no-miner'; readonly hash: Hex; readonly waitedMs: number }

export interface FaucetOptions {
  /**
   * Resolves once the node's head has changed since it was called (the page's `head` events): the
   * payment is looked for on each new head, never by polling.
   */
  readonly nextHead: () => Promise<unknown>
  /** Which faucet account pays, in [0, 1) (random when absent). */
  readonly pick?: number
  /** Told each change of where the payment stands. */
  readonly onState?: (state: FaucetState) => void
  /** How long the payment waits for a block before it reads `no-miner`, ms (`FAUCET_MINER_WAIT_MS`). */
  readonly minerWaitMs?: number
  /**
   * Told the hash of each transaction the payment is sent with (the first, and each signed again after
   * another payment took its nonce), before it can be mined: the one mined is among them. The wallet
   * keeps them (`faucetPayments`) so that its Activity names that payment the faucet's.
   */
  readonly paid?: (hash: Hex) => void
}

/**
 * Pays `FAUCET_AMOUNT` of the native coin to `to` from a devnet account; resolves with the hash of the
 * transaction mined. The payments of one account take turns from reading its pending nonce to the node's
 * admission, so two asked at once (two clicks) get consecutive nonces rather than one, which the node
 * refuses the second. Another tab's node can sign that account's nonce too before either payment
 * reached the other, and only one of the two is mined: each payment is followed until mined, and one
 * whose nonce the account's nonce at the head passed without it is signed again at the next pending
 * nonce, up to `FAUCET_SENDS` times in all (then `WALLET_FAUCET_LOST`); one the node no longer holds, its
 * nonce still free (every pool dropped it), is sent again as it was. It is looked for on each new
 * head (`nextHead`), so one that no miner takes costs nothing while it waits; it reads `no-miner` once no
 * block came for `minerWaitMs`, and is still mined when a miner starts.
 */
export async function requestFaucet(
  backend: ProviderBackend,
  to: Address,
  { nextHead, pick = Math.random(), onState, minerWaitMs = FAUCET_MINER_WAIT_MS, paid }: FaucetOptions,
): Promise<Hex> {
  if (!faucetChains.has(backend.chainId)) {
    throw new ProviderRpcError(RpcCode.unsupported, 'the faucet exists on the devnet only')
  }
  const index = FAUCET_INDEXES[Math.floor(pick * FAUCET_INDEXES.length)] ?? 9
  const account = privateKeyToAccount(deriveKey(rootKey(DEVNET_MNEMONIC), index))
  const pay = async (): Promise<{ hash: Hex; nonce: bigint; raw: Hex }> => {
    // The node's pending nonce (its pool, or a light node's own sends, counted): a record of this tab's
    // sends on top would outlive one the pool dropped and leave the account's later sends behind its gap.
    const { nonce } = await backend.account(account.address, 'pending')
    const tip = await backend.suggestedTip()
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: backend.chainId,
      nonce: Number(nonce),
      to,
      value: FAUCET_AMOUNT,
      gas: 21_000n,
      maxFeePerGas: 2n * (await backend.nextBaseFee()) + tip,
      maxPriorityFeePerGas: tip,
    })
    return { hash: await backend.sendRawTransaction(raw), nonce, raw }
  }
  const send = async (): Promise<{ hash: Hex; nonce: bigint; raw: Hex }> => {
    const run = (turns.get(index) ?? Promise.resolve()).then(pay)
    turns.set(
      index,
      run.catch(() => {}),
    )
    const sent = await run
    paid?.(sent.hash)
    onState?.({ kind: 'sent', hash: sent.hash, sends })
    return sent
  }
  let sends = 1
  let sent = await send()
  /** The head height the payment was last looked for at. */
  let seen: bigint | null = null
  /** Whether the last state told is `no-miner`. */
  let told = false
  for (;;) {
    // Asked for before the look, so that a head coming meanwhile is not missed.
    const head = nextHead().then(() => 'head' as const)
    // Looked for once per block.
    const outcome = await (async () => {
      const height = await backend.blockNumber()
      if (height === seen) return 'waiting'
      // The nonce first, as the activity list reads it: a block that comes in between shows as a
      // receipt, never as a nonce passed without one (which would pay twice).
      const { nonce } = await backend.account(account.address, 'latest')
      if ((await backend.receipt(sent.hash)) !== null) return 'mined'
      if (nonce > sent.nonce) {
        seen = height
        return 'taken'
      }
      // Neither mined nor held by the node (its pool dropped it; a light node reads what it sent as pending
      // for a few blocks only): the same bytes again, which can pay no more than once.
      if ((await backend.transaction(sent.hash)) === null) await backend.sendRawTransaction(sent.raw)
      seen = height
      return 'waiting'
    })().catch(() => 'failed' as const)
    if (outcome === 'mined') return sent.hash
    if (outcome === 'taken') {
      if (sends === FAUCET_SENDS) throw walletError({ code: 'WALLET_FAUCET_LOST', sends })
      sends++
      sent = await send()
      told = false
      continue
    }
    if (told) {
      // A block came: a miner is there after all.
      told = false
      onState?.({ kind: 'sent', hash: sent.hash, sends })
    }
    // A failed look is tried again soon, else at the next head; with none for `minerWaitMs`, it says so.
    const wait = outcome === 'failed' ? RETRY_MS : minerWaitMs
    if ((await within(head, wait)) === 'quiet' && outcome === 'waiting') {
      told = true
      onState?.({ kind: 'no-miner', hash: sent.hash, waitedMs: minerWaitMs })
      await head
    }
  }
}

/** Where a profile keeps the hashes of the faucet payments its wallet asked for (`localStorage` in the app). */
const faucetKey = (profileId: string): string => `tabchain.faucet.${profileId}`

/** Most faucet payment hashes a profile keeps (the newest): the Activity lists far fewer payments. */
export const FAUCET_KEPT = 200

/**
 * The faucet payments this profile's wallet asked for, by the hashes `requestFaucet` sent them with
 * (`paid`): what lets its Activity say "from the faucet" of those payments only. The faucet's accounts are
 * the published devnet keys, which tabs without a wallet act with too: a payment from one of them is not
 * the faucet's by its sender.
 */
export interface FaucetPayments {
  /** Whether `hash` is one of them. */
  has(hash: Hex): boolean
  /** Keeps `hash` as one of them, saved at once. */
  add(hash: Hex): void
}

/**
 * The faucet payments profile `profileId` keeps in `storage`, as saved; each one added is saved at once,
 * the newest `FAUCET_KEPT` kept. A saved list that is damaged (no JSON list), or an entry that is no
 * hash, is left out and kept aside, raw, under `keptAsideKey` before the list is next saved, so no save
 * loses it. Storage that refuses the write (full) keeps the payment for this page's life, with a warning,
 * and what was saved before as it was.
 */
export function faucetPayments(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  profileId: string,
): FaucetPayments {
  const key = faucetKey(profileId)
  const saved = savedHashes(storage.getItem(key))
  const { hashes } = saved
  let damaged = saved.damaged
  const known = new Set<string>(hashes)
  return {
    has: (hash) => known.has(hash.toLowerCase()),
    add(hash) {
      const lower = hash.toLowerCase() as Hex
      if (known.has(lower)) return
      known.add(lower)
      hashes.push(lower)
      for (const old of hashes.splice(0, Math.max(0, hashes.length - FAUCET_KEPT))) known.delete(old)
      try {
        if (damaged.length > 0) keepAside(storage, key, damaged)
        damaged = []
        saveRecord(storage, key, JSON.stringify(hashes))
      } catch (err) {
        console.warn('a faucet payment could not be saved', err)
      }
    },
  }
}

/**
 * The hashes in a saved list (lower-case), oldest first, and the raw texts of what is damaged: the
 * whole text when it is no JSON list, else each entry that is no hash.
 */
function savedHashes(saved: string | null): { hashes: Hex[]; damaged: string[] } {
  if (saved === null) return { hashes: [], damaged: [] }
  const list = parseJson(saved)
  if (!Array.isArray(list)) return { hashes: [], damaged: [saved] }
  const hashes: Hex[] = []
  const damaged: string[] = []
  for (const h of list) {
    if (typeof h === 'string' && isHash(h)) hashes.push(h.toLowerCase() as Hex)
    else damaged.push(JSON.stringify(h))
  }
  return { hashes, damaged }
}

/** `event`, or `quiet` when it has not come within `ms`. */
async function within<T>(event: Promise<T>, ms: number): Promise<T | 'quiet'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const quiet = new Promise<'quiet'>((resolve) => {
    timer = setTimeout(() => resolve('quiet'), ms)
  })
  try {
    return await Promise.race([event, quiet])
  } finally {
    clearTimeout(timer)
  }
}

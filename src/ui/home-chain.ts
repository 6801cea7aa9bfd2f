import type { ChainParams } from '../node/chain/types'
import type { Verified } from '../node/light/light-client'
import type { ModePin, NodeMode } from '../node/light/mode'
import type { AccountInfo, HeadInfo } from '../node/worker/chain-service'
import { formatHashrate } from './format'

/** The Home screen's last balance read: the head it was asked on, and what came back. */
export interface BalanceRead {
  /** The head the screen showed when it asked (the store's, pushed by the node). */
  readonly askedAt: HeadInfo | null
  readonly result: { readonly value: Verified<AccountInfo> | null } | { readonly error: string }
}

/** What the Home screen's head and balance cards show, together. */
export interface HomeChainView {
  readonly head: HeadInfo | null
  readonly balance: Verified<AccountInfo> | null
  /** Why no balance is shown (a read that failed), else null. */
  readonly error: string | null
}

/**
 * The head and balance the Home screen shows. A new head reaches the screen first, its balance a read
 * later: showing the new head beside the previous head's balance put two blocks on one screen. So on a
 * full node, whose balance is read at its head, the head card shows the head the balance was read at
 * until the next read is in — both move together. A light node's balance is proven at a header k deep
 * (its card says which, "✓ verified at #n"): its head card shows the newest header as it comes.
 */
export function homeChainView(
  head: HeadInfo | null,
  read: BalanceRead | null,
  light: boolean,
): HomeChainView {
  if (read === null) return { head, balance: null, error: null }
  if ('error' in read.result) return { head, balance: null, error: read.result.error }
  const balance = read.result.value
  const paired = !light && balance !== null && read.askedAt !== null && read.askedAt.hash === balance.hash
  return { head: paired ? read.askedAt : head, balance, error: null }
}

/** A Home card's two lines: what it means for the user, then the exact figure behind it. */
export interface CardWords {
  readonly value: string
  readonly detail: string
}

/**
 * The Home screen's block-pace card: how often a new block comes, which is what the difficulty means
 * for a user, with the head's exact difficulty (`difficulty`, null before the first head) in the detail,
 * said as what it counts: the guesses a block takes on average.
 * A retargeting chain aims at one block per `targetBlockTimeMs` while a tab mines (none comes while no
 * tab does); a test chain's fixed difficulty aims at no pace: blocks come as fast as tabs find them.
 */
export function blockPace(
  params: Pick<ChainParams, 'targetBlockTimeMs' | 'fixedDifficulty'> | null,
  difficulty: bigint | null,
): CardWords {
  // What the figure counts (consensus/pow.ts): the expected number of guesses (hashes) to find a block.
  const figure = difficulty === null ? '' : ` (${difficulty.toLocaleString()}: guesses per block, on average)`
  if (params === null) return { value: '—', detail: 'Reading the chain’s settings…' }
  if (params.fixedDifficulty !== undefined)
    return {
      value: 'As fast as tabs mine',
      detail: `The difficulty${figure} is fixed by this test chain's genesis.`,
    }
  return {
    value: `A new block about every ${params.targetBlockTimeMs / 1000} s`,
    detail: `While a tab mines: the difficulty${figure} adjusts at every block to keep that pace.`,
  }
}

/**
 * The Home screen's mining card: on or off, and while on how hard this tab works at the next block, in
 * tries (hashes) a second, the rate's short form (`formatHashrate`, `75 kH/s`) kept beside it.
 */
export function miningWords(enabled: boolean, hashesPerSecond: number): CardWords {
  if (!enabled) return { value: 'Off', detail: 'This tab does not look for new blocks.' }
  const tries = Math.round(Math.max(0, hashesPerSecond))
  return {
    value: 'On',
    detail: `Trying ${tries.toLocaleString()} ${tries === 1 ? 'guess' : 'guesses'} a second at the next block (${formatHashrate(hashesPerSecond)})`,
  }
}

/**
 * The Home screen's mode card in one reading: how this tab runs now (`mode`; null before the node says)
 * as its value, and the setting as a sentence around its select (`choices`, by pin): "Set to [switch by
 * itself (light, then full)]." — with "from the next load" when `pin`, the setting chosen, is not the
 * one this load runs with (`running`). A load whose address pins its mode (`fromAddress`: `?mode=`,
 * which a reload keeps and which comes before the setting) says so in a `note` instead.
 */
export function modeWords(
  mode: NodeMode | null,
  pin: ModePin,
  running: ModePin | null,
  fromAddress = false,
): { readonly value: string; readonly before: string; readonly after: string; readonly note?: string } {
  const value =
    mode === null
      ? '—'
      : mode.kind === 'upgrading'
        ? `Light node now, upgrading to full (${Math.floor(mode.percent)} %)`
        : mode.kind === 'full'
          ? 'Full node now'
          : mode.catchingUp === true
            ? 'Full node catching up'
            : 'Light node now'
  if (fromAddress && running !== null)
    return {
      value,
      before: 'Set to',
      after: '.',
      note: `This load ${running === 'auto' ? 'switches by itself' : `is ${running}`} because the address says ?mode=${running}; the setting applies to a load without it.`,
    }
  return {
    value,
    before: 'Set to',
    after: running === null || pin === running ? '.' : ', from the next load.',
  }
}

/** The mode setting's choices, as `modeWords`' sentence reads them. */
export const MODE_CHOICES: Readonly<Record<ModePin, string>> = {
  auto: 'switch by itself (light, then full)',
  light: 'stay light',
  full: 'stay full',
}

/**
 * What the Mode card says when the browser refused to save the pin chosen (`saveModePin` false, its
 * storage full or turned off): the choice takes effect from the next load only, which starts in
 * `saved`, the pin saved before.
 */
export const pinNotSavedNote = (saved: ModePin): string =>
  `This browser did not save this choice (its storage is full or turned off): the next page load will ${MODE_CHOICES[saved]}, as before.`

/**
 * What each mode means for the user, the technical word kept in brackets. Light and upgrading tabs
 * prove their reads with Merkle proofs from full peers (`docs/ARCHITECTURE.md`, light client).
 */
const MODE_HINT = {
  light:
    'Keeps only the blocks’ headers: your balances come from full peers, each checked here with a proof (light node).',
  upgrading:
    'Downloading the chain’s state (every balance) in the background; until then your balances come from peers, each checked here with a proof.',
  catchingUp:
    'Keeps the whole chain and is running the blocks it missed on this device; until it reaches the latest, your balances come from peers, each checked here with a proof.',
  full: 'Keeps the whole chain and runs every block on this device (full node).',
} as const

/** What `mode` means for the user, in a sentence (the Home screen's mode card). */
export const modeHint = (mode: NodeMode): string =>
  mode.kind === 'light' && mode.catchingUp === true ? MODE_HINT.catchingUp : MODE_HINT[mode.kind]

import { NodeError } from '../node/rpc/errors'

/** Why the wallet refused something. Branch on `type.code`; the message is for people. */
export type WalletErrorType =
  | { readonly code: 'WALLET_INCORRECT_PASSWORD' }
  /**
   * Too many wrong passwords in a row: no password is tried before `retryAt` (Unix ms), `waitMs` from
   * the refusal. The vault's key derivation is not run, so guessing costs time as well as work.
   */
  | { readonly code: 'WALLET_TOO_MANY_TRIES'; readonly retryAt: number; readonly waitMs: number }
  /** An account derived from the recovery phrase: its key is not exported, the phrase restores it. */
  | { readonly code: 'WALLET_KEY_FROM_PHRASE'; readonly address: string }
  /** The vault's ciphertext, IV or tag was altered: it decrypts to nothing rather than to garbage. */
  | { readonly code: 'WALLET_VAULT_CORRUPT'; readonly reason: string }
  | { readonly code: 'WALLET_BAD_MNEMONIC'; readonly reason: string }
  | { readonly code: 'WALLET_BAD_PRIVATE_KEY'; readonly reason: string }
  | { readonly code: 'WALLET_WEAK_PASSWORD'; readonly minLength: number }
  | { readonly code: 'WALLET_LOCKED' }
  | { readonly code: 'WALLET_NO_VAULT' }
  | { readonly code: 'WALLET_EXISTS' }
  | { readonly code: 'WALLET_UNKNOWN_ACCOUNT'; readonly address: string }
  | { readonly code: 'WALLET_DUPLICATE_ACCOUNT'; readonly address: string }
  | { readonly code: 'WALLET_BAD_NAME'; readonly reason: string }
  | { readonly code: 'WALLET_BAD_SWAP_ID'; readonly reason: string }
  /**
   * A restore from a recovery phrase would lose something: the phrase is not this wallet's
   * (`otherPhrase`: its first account is not this wallet's first one, so the wallet is replaced), and/or
   * accounts imported by private key (`lost`), which no phrase restores. Nothing changed: it runs only
   * when confirmed. `reason` says it as a sentence.
   */
  | {
      readonly code: 'WALLET_RESTORE_UNCONFIRMED'
      readonly otherPhrase: boolean
      readonly lost: readonly string[]
      readonly reason: string
    }
  /** The store refused the write (e.g. the origin's storage quota is full): the wallet is as it was. */
  | { readonly code: 'WALLET_NOT_SAVED'; readonly reason: string }
  /** DEVNET: each transaction signed for a faucet payment had its nonce taken by another payment. */
  | { readonly code: 'WALLET_FAUCET_LOST'; readonly sends: number }

export class WalletError extends NodeError<WalletErrorType> {
  override name = 'WalletError'
}

const MESSAGES: { readonly [K in WalletErrorType['code']]: string } = {
  WALLET_INCORRECT_PASSWORD: 'incorrect password',
  WALLET_TOO_MANY_TRIES: 'Too many wrong passwords',
  WALLET_KEY_FROM_PHRASE:
    "this account's key comes from the recovery phrase: back up the phrase, which restores it",
  WALLET_VAULT_CORRUPT: 'the wallet vault is corrupted and was not opened',
  WALLET_BAD_MNEMONIC: 'invalid recovery phrase',
  WALLET_BAD_PRIVATE_KEY: 'invalid private key',
  WALLET_WEAK_PASSWORD: 'password is too short',
  WALLET_LOCKED: 'the wallet is locked',
  WALLET_NO_VAULT: 'there is no wallet on this profile yet',
  WALLET_EXISTS: 'this profile already has a wallet',
  WALLET_UNKNOWN_ACCOUNT: 'no such account in this wallet',
  WALLET_DUPLICATE_ACCOUNT: 'this account is already in the wallet',
  WALLET_BAD_NAME: 'invalid account name',
  WALLET_BAD_SWAP_ID: 'invalid swap id',
  WALLET_RESTORE_UNCONFIRMED: 'the wallet was not restored',
  WALLET_NOT_SAVED: 'the wallet could not be saved and is unchanged',
  WALLET_FAUCET_LOST: 'the faucet payment was not mined: other payments took its nonce each time; ask again',
}

/** A WalletError with its standard message (plus the reason, where there is one). */
export function walletError(type: WalletErrorType): WalletError {
  const base = MESSAGES[type.code]
  if (type.code === 'WALLET_TOO_MANY_TRIES') return new WalletError(type, tooManyTriesMessage(type.waitMs))
  return new WalletError(type, 'reason' in type ? `${base}: ${type.reason}` : base)
}

/** The lockout's refusal with `waitMs` (ms) left: `Too many wrong passwords: try again in 27 s.` */
export function tooManyTriesMessage(waitMs: number): string {
  return `${MESSAGES.WALLET_TOO_MANY_TRIES}: try again in ${waitText(waitMs)}.`
}

/** A wait as a person reads it, rounded up: `30 s` below two minutes, else `3 min`. */
function waitText(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000))
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`
}

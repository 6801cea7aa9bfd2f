import type { Address, Hex } from 'viem'
import { WalletError } from '../wallet/errors'
import { addressOf, checkMnemonic, checkPrivateKey } from '../wallet/keys'
import { MIN_PASSWORD_LENGTH } from '../wallet/wallet'
import {
  type Checked,
  type FieldProblem,
  type FieldProblems,
  parsedForm,
  shownProblems,
} from './form-problems'
import type { Parsed } from './token-form'

/**
 * The wallet's onboarding form (create a wallet, or restore one from its recovery phrase) and its
 * import-private-key form, checked as the wallet will check them, so each problem is shown beside its
 * field as it is typed and a submit the wallet would refuse sends nothing.
 */

/** What a person typed to create a wallet or restore one. */
export interface NewWalletFields {
  /** The recovery phrase typed to restore a wallet (the create tab shows a new one instead). */
  readonly phrase: string
  readonly password: string
  /** The password again. */
  readonly again: string
}

/** A field of the onboarding form: the typed ones, and the box ticked once the new phrase is written down. */
export type NewWalletField = keyof NewWalletFields | 'saved'

/** What the onboarding form checks the fields against. */
export interface NewWalletContext {
  /** `create`: the phrase shown (`created`) is the wallet's; `import`: the one typed. */
  readonly mode: 'create' | 'import'
  readonly created: string
  /** Whether the person ticked that they wrote the shown phrase down. */
  readonly saved: boolean
}

/** A checked new wallet: its recovery phrase and the password it is sealed under. */
export interface NewWallet {
  readonly mnemonic: string
  readonly password: string
}

/** The reason a wallet check gave (`WalletError` type `reason`), as the end of a sentence. */
function reasonOf(err: unknown): string {
  if (err instanceof WalletError && 'reason' in err.type) return err.type.reason
  throw err
}

/** Every problem of the onboarding form, in the order of its fields; the new wallet when there is none. */
function checkNewWallet(fields: NewWalletFields, ctx: NewWalletContext): Checked<NewWalletField, NewWallet> {
  const problems: FieldProblem<NewWalletField>[] = []
  let mnemonic = ctx.created
  if (ctx.mode === 'create' && !ctx.saved)
    problems.push(['saved', 'Write the recovery phrase down, then tick this box.'])
  if (ctx.mode === 'import') {
    mnemonic = fields.phrase
    if (fields.phrase.trim() === '') problems.push(['phrase', 'Enter your recovery phrase (12 to 24 words).'])
    else
      try {
        checkMnemonic(fields.phrase)
      } catch (err) {
        problems.push(['phrase', `That is not a recovery phrase: ${reasonOf(err)}.`])
      }
  }
  if (fields.password.length < MIN_PASSWORD_LENGTH)
    problems.push(['password', `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`])
  if (fields.again !== fields.password)
    problems.push(['again', fields.again === '' ? 'Repeat the password.' : 'The passwords differ.'])
  return { problems, value: problems.length === 0 ? { mnemonic, password: fields.password } : null }
}

/** The problems the onboarding form shows as the person types (`shownProblems`). Pure. */
export function newWalletProblems(
  fields: NewWalletFields,
  ctx: NewWalletContext,
  touched: ReadonlySet<NewWalletField>,
): FieldProblems<NewWalletField> {
  return shownProblems(checkNewWallet(fields, ctx).problems, touched)
}

/** Checks the onboarding form: the new wallet, or every problem of its fields in their order. Pure. */
export function parseNewWallet(fields: NewWalletFields, ctx: NewWalletContext): Parsed<NewWallet> {
  return parsedForm(checkNewWallet(fields, ctx))
}

/** What a person typed to import an account by its private key. */
export interface ImportKeyFields {
  readonly key: string
}

/** Every problem of the import-private-key form; the key (0x, lower-case hex) when there is none. */
function checkImportKey(fields: ImportKeyFields, accounts: readonly Address[]): Checked<'key', Hex> {
  if (fields.key.trim() === '')
    return { problems: [['key', 'Enter the private key (0x and 64 hex digits).']], value: null }
  let key: Hex
  try {
    key = checkPrivateKey(fields.key)
  } catch (err) {
    return { problems: [['key', `That is not a private key: ${reasonOf(err)}.`]], value: null }
  }
  const address = addressOf(key).toLowerCase()
  if (accounts.some((a) => a.toLowerCase() === address))
    return { problems: [['key', 'This account is already in the wallet.']], value: null }
  return { problems: [], value: key }
}

/** The problem the import-private-key form shows as the person types (`shownProblems`). Pure. */
export function importKeyProblems(
  fields: ImportKeyFields,
  accounts: readonly Address[],
  touched: ReadonlySet<'key'>,
): FieldProblems<'key'> {
  return shownProblems(checkImportKey(fields, accounts).problems, touched)
}

/** Checks the import-private-key form against the wallet's `accounts`: the key, or its problem. Pure. */
export function parseImportKey(fields: ImportKeyFields, accounts: readonly Address[]): Parsed<Hex> {
  return parsedForm(checkImportKey(fields, accounts))
}

import type { Address } from 'viem'
import type { TokenHolding } from '../node/worker/queries'
import { formatAmount, NATIVE_DECIMALS, NATIVE_SYMBOL } from '../wallet/amount'
import {
  type Checked,
  type FieldProblem,
  type FieldProblems,
  parsedForm,
  shownProblems,
} from './form-problems'
import { type Parsed, parseAddress, parseAmount } from './token-form'

/** What a person typed in the wallet's Send form. */
export interface SendFields {
  readonly to: string
  /** `TAB` for the coin, else the address of a token held. */
  readonly asset: string
  readonly amount: string
}

/** What the form checks the fields against. */
export interface SendContext {
  /** The sending account's tokens, with balances (base units). */
  readonly tokens: readonly TokenHolding[]
  /** The sending account's coin balance, wei; null before it is read (then the wallet checks it). */
  readonly balance: bigint | null
}

/** A checked send: the coin (token null) or a token, in base units. */
export interface SendDraft {
  readonly to: Address
  readonly token: TokenHolding | null
  readonly value: bigint
}

/**
 * Every problem of the form, in the order of its fields; the send when there is none. The coin's balance
 * must cover the amount; the fee on top is checked on submit, against the node's fees.
 */
function checkSend(fields: SendFields, ctx: SendContext): Checked<keyof SendFields, SendDraft> {
  const problems: FieldProblem<keyof SendFields>[] = []
  const to = parseAddress(fields.to)
  if (!to.ok) problems.push(['to', to.error])
  const token = fields.asset === 'TAB' ? null : ctx.tokens.find((t) => t.token.address === fields.asset)
  // The token list follows the head: one sent away or gone with a reorg leaves the choice.
  if (token === undefined)
    return { problems: [...problems, ['asset', 'You no longer hold that token.']], value: null }
  const [decimals, symbol, balance] =
    token === null
      ? [NATIVE_DECIMALS, NATIVE_SYMBOL, ctx.balance]
      : [token.token.decimals, token.token.symbol, token.balance]
  const amount = parseAmount(fields.amount, decimals)
  if (!amount.ok) problems.push(['amount', amount.error])
  else if (balance !== null && amount.value > balance)
    problems.push(['amount', `Insufficient balance: you have ${formatAmount(balance, decimals, symbol)}.`])
  return {
    problems,
    value: problems.length === 0 && amount.ok && to.ok ? { to: to.value, token, value: amount.value } : null,
  }
}

/** The problems the Send form shows as the person types (`shownProblems`). Pure. */
export function sendProblems(
  fields: SendFields,
  ctx: SendContext,
  touched: ReadonlySet<keyof SendFields>,
): FieldProblems<keyof SendFields> {
  return shownProblems(checkSend(fields, ctx).problems, touched)
}

/** Checks the Send form: the send, or every problem of its fields in their order. Pure. */
export function parseSend(fields: SendFields, ctx: SendContext): Parsed<SendDraft> {
  return parsedForm(checkSend(fields, ctx))
}

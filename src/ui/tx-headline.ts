import { getAddress } from 'viem'
import { TOKEN_FACTORY_ADDRESS } from '../node/contracts/addresses'
import { TRANSFER_TOPIC } from '../node/contracts/erc20/erc20'
import type { ReceiptView, TxView } from '../node/worker/queries'
import { formatAmount, formatCoin } from '../wallet/amount'
import {
  type ChainClock,
  lockUnreadText,
  type SettledLocks,
  shownAmountToken,
  txWhat,
} from './address-activity'
import type { TokenDirectory } from './address-name'
import { short } from './components/explorer'
import { type TokenReads, tokensReading, tokenUnreadText } from './tx-token-reads'
import type { TxStatus } from './tx-tracker'

/**
 * The sentence atop the Tx page: what `tx` did, in the words of the Explorer's address rows from no
 * one's side (`txWhat`: `Transfer 1 TAB from X to Y`, `Create token Gold (GLD) with 1,000 GLD`, `Lock …
 * until block 40 (~1m 20s from now)` timed from the head `clock` shows,
 * `Redeem swap lock …: 5 TAB to Y` with the amount `locks` read; while that read runs or after it failed,
 * `Redeem swap lock … (Reading the amount…)` or `(Amount not read: why)`, as the address rows' amount
 * cell says it: `lockUnreadText`; while the token its amount is in is read (`reads`, not in `tokens`),
 * `Transfer an amount of token 0x… from X to Y (Reading the token…)`, and after that read failed, the
 * amount in base units of the token's address and `(Token not read: why)`: `tokenUnreadText`, as a
 * redeem's or refund's amount says it when its lock's token was not read), then
 * from its `receipt` once mined the address of a token it created (its mint's `Transfer` log). A failed one says what it tried and that it
 * failed, with why: nothing moved but its fee; a pending one, or one whose outcome no read proves, what
 * it was sent to do, nothing more (its status says the rest). Pure.
 */
export function txHeadline(
  tx: TxView,
  receipt: ReceiptView | null,
  status: TxStatus,
  tokens: TokenDirectory,
  locks: SettledLocks,
  reads: TokenReads = new Map(),
  clock: ChainClock | null = null,
): string {
  const said = txWhat(tx, null, tokens, locks, tokensReading(reads), clock)
  const token = shownAmountToken(tx, locks)?.toLowerCase()
  const tokenRead = token === undefined || tokens.has(token) ? undefined : reads.get(token)
  const notes = [
    ...(said.lockRead === null ? [] : [lockUnreadText(said.lockRead)]),
    ...(tokenRead === undefined || tokenRead.state === 'read' ? [] : [tokenUnreadText(tokenRead)]),
  ]
  const what = notes.length === 0 ? said.what : `${said.what} (${notes.join('; ')})`
  const tried = `${what.charAt(0).toLowerCase()}${what.slice(1)}`
  if (status.state === 'failed')
    return `Tried to ${tried}, and failed (${status.reason}): nothing moved but its fee.`
  if (status.state === 'pending') return `Sent to ${tried}: not in a block yet.`
  if (status.state === 'included') return `Sent to ${tried}: in its block, whether it succeeded not verified.`
  const minted =
    tx.to.toLowerCase() === TOKEN_FACTORY_ADDRESS
      ? receipt?.logs.find((l) => l.topics[0] === TRANSFER_TOPIC && BigInt(l.topics[1] ?? '0x1') === 0n)
      : undefined
  return minted === undefined ? what : `${what}, at ${short(getAddress(minted.address))}`
}

/** A gas price (wei per gas) in gwei, as the Tx page's fee shows it: `2 gwei`. */
const gwei = (wei: bigint): string => formatAmount(wei, 9, 'gwei')

/**
 * The Tx page's fee line. Once mined with its receipt read: what it paid, and how (`Fee paid:
 * 0.000344536 TAB (172,268 gas × 2 gwei)`). Before (pending, or a receipt no read proves): the most it
 * can cost, its gas limit at its highest price per gas (`At most 0.0063 TAB (up to 300,000 gas × 21
 * gwei)`): what it pays once mined is never more.
 */
export function txFee(
  tx: Pick<TxView, 'gas' | 'maxFeePerGas'>,
  receipt: Pick<ReceiptView, 'gasUsed' | 'effectiveGasPrice'> | null,
): { readonly label: string; readonly text: string } {
  if (receipt === null)
    return {
      label: 'Fee',
      text: `At most ${formatCoin(tx.gas * tx.maxFeePerGas)} (up to ${tx.gas.toLocaleString()} gas × ${gwei(tx.maxFeePerGas)})`,
    }
  return {
    label: 'Fee paid',
    text: `${formatCoin(receipt.gasUsed * receipt.effectiveGasPrice)} (${receipt.gasUsed.toLocaleString()} gas × ${gwei(receipt.effectiveGasPrice)})`,
  }
}

/**
 * Which of its sender's transactions this is, from its nonce (the sender's count of transactions before
 * it, from 0): nonce 2 is the sender's transaction no. 3.
 */
export function nonceWords(nonce: bigint): string {
  return `No. ${(nonce + 1n).toLocaleString()} from this sender (nonce ${nonce.toLocaleString()})`
}

/**
 * The Tx page's "Mined" line of a transaction not in a block yet: where it waits. No time is shown: the
 * node has none for it until a block takes it (its block's timestamp).
 */
export const WAITING_IN_POOL =
  'Not yet: waiting in the pool of pending transactions (the mempool) for a miner to take it into a block'

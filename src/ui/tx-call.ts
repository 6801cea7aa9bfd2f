import { type Address, getAddress, type Hex, maxUint256 } from 'viem'
import { ZERO_ADDRESS } from '../node/contracts/addresses'
import type { TxView } from '../node/worker/queries'
import { formatAmount, formatCoin } from '../wallet/amount'
import { showHidden } from '../wallet/describe'
import { decodeCall } from './address-activity'
import { short } from './components/explorer'
import { type TokenReads, tokenUnreadText } from './tx-token-reads'

/**
 * One argument of a contract call as the Tx page's summary shows it: an address (shown as the Explorer
 * shows addresses: a link, named when known), a hash (shortened, the whole one its tooltip), or words.
 */
export type CallArgument = { readonly label: string } & (
  | { readonly kind: 'address'; readonly address: Address }
  | { readonly kind: 'hash'; readonly hash: Hex }
  | { readonly kind: 'text'; readonly text: string }
)

/** A contract call in the user's units: its method and each argument, labelled in words. */
export interface CallView {
  readonly method: string
  readonly args: readonly CallArgument[]
}

/**
 * The exact call `tx` makes, as its calldata says it: the method and each argument as it is, amounts in
 * base units (`transfer(0x…, 250)`); null for a plain transfer, or data the contract it goes to does not
 * read. The Tx page keeps it under Technical details. Pure.
 */
export function exactCall(tx: TxView): string | null {
  const call = decodeCall(tx)
  if (call === null) return null
  return `${call.functionName}(${(call.args ?? []).map(String).join(', ')})`
}

/**
 * The call `tx` makes as the Tx page's summary shows it (`exactCall` keeps it raw): token amounts in the
 * token's decimals and symbol once `reads` has read it (an amount of the coin, a lock's zero address, in
 * TAB; while the token is read, no figure; a token whose read failed or that is none, in base units of its
 * address, with why), addresses and hashes kept for the page to show as the Explorer does, a lock's
 * timelock as the block it counts to, a created token's supply in its own decimals and symbol. Null as
 * for `exactCall`. Pure.
 */
export function callView(tx: TxView, reads: TokenReads): CallView | null {
  const call = decodeCall(tx)
  if (call === null) return null
  const address = (label: string, a: Address): CallArgument => ({ label, kind: 'address', address: a })
  const hash = (label: string, h: Hex): CallArgument => ({ label, kind: 'hash', hash: h })
  const text = (label: string, t: string): CallArgument => ({ label, kind: 'text', text: t })
  const amount = (token: Address, value: bigint) => text('Amount', tokenAmountText(token, value, reads))
  const view = (...args: CallArgument[]): CallView => ({ method: call.functionName, args })
  switch (call.functionName) {
    case 'transfer': {
      const [to, value] = call.args
      return view(address('To', to), amount(tx.to, value))
    }
    case 'transferFrom': {
      const [from, to, value] = call.args
      return view(address('From', from), address('To', to), amount(tx.to, value))
    }
    case 'approve': {
      const [spender, value] = call.args
      const allowance =
        value === maxUint256
          ? text('Amount', 'Unlimited (the largest amount there is)')
          : amount(tx.to, value)
      return view(address('Spender', spender), allowance)
    }
    case 'mint': {
      const [to, value] = call.args
      return view(address('To', to), amount(tx.to, value))
    }
    case 'burn':
      return view(amount(tx.to, call.args[0]))
    case 'createToken': {
      const [name, symbol, decimals, supply] = call.args
      return view(
        text('Name', showHidden(name)),
        text('Symbol', showHidden(symbol)),
        text('Decimals', String(decimals)),
        text('Initial supply', formatAmount(supply, decimals, showHidden(symbol))),
      )
    }
    case 'lock': {
      const [token, value, recipient, hashlock, timelockHeight] = call.args
      return view(
        token.toLowerCase() === ZERO_ADDRESS ? text('Token', 'TAB (the coin)') : address('Token', token),
        amount(token, value),
        address('Recipient', recipient),
        hash('Hashlock', hashlock),
        text('Locked until', `block #${timelockHeight.toLocaleString()}`),
      )
    }
    case 'redeem': {
      const [id, preimage] = call.args
      return view(hash('Lock', id), hash('Secret (preimage)', preimage))
    }
    case 'refund':
    case 'getLock':
      return view(hash('Lock', call.args[0]))
    case 'balanceOf':
      return view(address('Account', call.args[0]))
    case 'allowance':
      return view(address('Owner', call.args[0]), address('Spender', call.args[1]))
    default:
      return view()
  }
}

/**
 * `value` of the token at `token` as the Tx page's call shows it: the coin for the zero address; the
 * token's decimals and symbol once `reads` has read it; while its read runs, no figure (its base units
 * would read as a sum); a token whose read failed, or no token there, in base units of its address (and
 * why the read failed).
 */
function tokenAmountText(token: Address, value: bigint, reads: TokenReads): string {
  if (token.toLowerCase() === ZERO_ADDRESS) return formatCoin(value)
  const read = reads.get(token.toLowerCase())
  const named = `token ${short(getAddress(token))}`
  if (read === undefined || read.state === 'reading')
    return `An amount of ${named} (${tokenUnreadText({ state: 'reading' })})`
  if (read.state === 'read' && read.token !== null)
    return formatAmount(value, read.token.decimals, read.token.symbol)
  const base = formatAmount(value, 0, `base units of ${named}`)
  return read.state === 'failed' ? `${base} (${tokenUnreadText(read)})` : base
}

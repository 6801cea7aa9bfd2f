import {
  type Address,
  decodeFunctionData,
  decodeFunctionResult,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToString,
  isAddress,
  isHex,
  maxUint256,
} from 'viem'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS, ZERO_ADDRESS } from '../node/contracts/addresses'
import { erc20Abi as nativeTokenAbi } from '../node/contracts/erc20/abi'
import { htlcAbi, LockState } from '../node/contracts/htlc/abi'
import { tokenFactoryAbi } from '../node/contracts/token-factory/abi'
import { CANCEL_TYPES, OFFER_DOMAIN_NAME, OFFER_TYPES, TAKE_TYPES } from '../trade/offers/typed-data'
import { formatAmount, formatCoin } from './amount'
import type { ProviderBackend } from './backend'
import { formatDuration, timeToBlock } from './duration'

/** What the approval dialog shows: a sentence in human terms, then the details. */
export interface ApprovalRequest {
  readonly kind: 'transaction' | 'message' | 'typedData'
  /** The account that would sign. */
  readonly from: Address
  /** E.g. "Transfer 12.5 APPLE to 0xAb…cD", "Send 1 TAB to 0x12…9f", "Sign a message". */
  readonly title: string
  readonly details: readonly { readonly label: string; readonly value: string }[]
  /**
   * The data as signed (typed data's domain and message), when `details` already say in words what
   * signing does: the dialog keeps it a click away ("Message as signed"), under the rows that matter.
   */
  readonly signed?: readonly { readonly label: string; readonly value: string }[]
}

/** Decides on a request: true to sign, false to refuse (the dApp gets 4001). */
export type Approve = (request: ApprovalRequest) => Promise<boolean>

/** The name the explorer and the approval dialog give the native TokenFactory. */
export const TOKEN_FACTORY_NAME = 'TokenFactory'
/** The name the explorer and the approval dialog give the native HTLC. */
export const HTLC_NAME = 'HTLC (atomic swaps)'

/**
 * The native contracts by address in lower case, as the approval dialog's "To" says them beside their
 * address: a user asked to approve a transaction to 0x…1001 reads what that address is.
 */
const NATIVE_CONTRACTS: ReadonlyMap<string, string> = new Map([
  [TOKEN_FACTORY_ADDRESS.toLowerCase(), `${TOKEN_FACTORY_NAME}, the native contract that creates tokens`],
  [HTLC_ADDRESS.toLowerCase(), `${HTLC_NAME}, the native contract that holds swap locks`],
])

/** `0xAb…cD`: first two and last two hex digits of an address. */
export const shortAddress = (a: string): string => `${a.slice(0, 4)}…${a.slice(-2)}`

/** `0x12345678…abcdef`: a hash (an offer id, a block or transaction hash) as the app shows one. */
export const shortHash = (hex: string): string => `${hex.slice(0, 10)}…${hex.slice(-6)}`

export interface TxToApprove {
  readonly from: Address
  readonly to: Address
  readonly value: bigint
  readonly data: Hex
  readonly gas: bigint
  readonly maxFeePerGas: bigint
}

/** Symbol and decimals of an ERC20 token, or null when the node cannot answer (no eth_call yet). */
async function tokenInfo(backend: ProviderBackend, token: Address) {
  const read = async (functionName: 'symbol' | 'decimals') => {
    const out = await backend.call(
      { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName }) },
      'latest',
    )
    return out.status === 1 ? out.returnData : null
  }
  try {
    const [symbolData, decimalsData] = await Promise.all([read('symbol'), read('decimals')])
    if (symbolData === null || decimalsData === null) return null
    return {
      symbol: decodeFunctionResult({ abi: erc20Abi, functionName: 'symbol', data: symbolData }),
      decimals: decodeFunctionResult({ abi: erc20Abi, functionName: 'decimals', data: decimalsData }),
    }
  } catch {
    return null
  }
}

/**
 * How many times the fee cap this wallet sets itself (2 × next base fee + suggested tip) a dApp's may be
 * before the dialog warns: above it, the fee is in the title and a warning row comes first. Unused gas
 * is refunded but the tip is not, so a dApp that sets a tip as high as its cap has the account pay it
 * all to the miner; the dialog read "Send 0 TAB" with the fee three rows down.
 */
export const HIGH_FEE_FACTOR = 10n

/**
 * The approval text of a transaction: a native transfer, an ERC20 transfer/approve/transferFrom, a native
 * token's mint or burn, a TokenFactory createToken, an HTLC lock/redeem/refund, or another call; with its fee in the title and a warning first when its fee cap
 * is over `HIGH_FEE_FACTOR` times the one the wallet would set.
 */
export async function describeTransaction(
  backend: ProviderBackend,
  tx: TxToApprove,
): Promise<ApprovalRequest> {
  const fee = formatCoin(tx.gas * tx.maxFeePerGas)
  const named = NATIVE_CONTRACTS.get(tx.to.toLowerCase())
  const parties = [
    { label: 'From', value: tx.from },
    { label: 'To', value: named === undefined ? tx.to : `${named}: ${tx.to}` },
  ]
  const [what, usual] = await Promise.all([
    describeCall(backend, tx, parties, { label: 'Network fee', value: `up to ${fee}` }),
    Promise.all([backend.nextBaseFee(), backend.suggestedTip()]).then(([base, tip]) => 2n * base + tip),
  ])
  if (tx.maxFeePerGas <= HIGH_FEE_FACTOR * usual) return { kind: 'transaction', from: tx.from, ...what }
  const warning = {
    label: 'Warning',
    value: `The site set a fee cap of ${formatAmount(tx.maxFeePerGas, 9, 'gwei')} per gas, over ${HIGH_FEE_FACTOR} times the ${formatAmount(usual, 9, 'gwei')} this wallet would set: this transaction may cost up to ${fee} in fees.`,
  }
  return {
    kind: 'transaction',
    from: tx.from,
    title: `${what.title}, with a fee of up to ${fee}`,
    details: [warning, ...what.details],
  }
}

type Row = { readonly label: string; readonly value: string }
type Rows = readonly Row[]

/**
 * What a transaction does: its title, and its rows: what it moves and to whom, then `parties` (From,
 * To) and `fee`. Value sent with data is in the title: to an account without code (the chain ignores
 * the data) it is a send; to a contract a payment beside the call, unless the call names it (a native
 * HTLC lock escrows it). A send says plainly what leaves the account: its amount, the fee at most, and
 * their total at most (a token's amount is in its own units, its fee in the coin: no total adds them).
 */
async function describeCall(
  backend: ProviderBackend,
  tx: TxToApprove,
  parties: Rows,
  fee: Row,
): Promise<{ title: string; details: Rows }> {
  const native = formatCoin(tx.value)
  const details = [...parties, fee]
  const payment = [
    ...parties,
    { label: 'Amount', value: native },
    fee,
    { label: 'Total', value: `up to ${formatCoin(tx.value + tx.gas * tx.maxFeePerGas)}` },
  ]
  if (tx.data === '0x') return { title: `Send ${native} to ${shortAddress(tx.to)}`, details: payment }
  const withValue = tx.value > 0n ? [{ label: 'Also sends', value: native }] : []
  const paying = tx.value > 0n ? `, paying it ${native}` : ''
  const to = tx.to.toLowerCase()
  const known =
    to === HTLC_ADDRESS
      ? await describeHtlcCall(backend, tx.data)
      : to === TOKEN_FACTORY_ADDRESS
        ? describeFactoryCall(tx.data)
        : await describeTokenCall(backend, tx.to, tx.data)
  if (known !== null)
    return {
      title: known.namesValue === true ? known.title : `${known.title}${paying}`,
      details: [...known.rows, ...details, ...(known.namesValue === true ? [] : withValue)],
    }
  if ((await backend.code(tx.to, 'latest')) === '0x')
    return {
      title: `Send ${native} to ${shortAddress(tx.to)}, with data it ignores (no contract there)`,
      details: [...payment, { label: 'Data', value: tx.data }],
    }
  let name: string | null = null
  try {
    name = decodeFunctionData({ abi: erc20Abi, data: tx.data }).functionName
  } catch {
    name = null
  }
  return {
    title: `Call contract ${shortAddress(tx.to)} (${name ?? tx.data.slice(0, 10)})${paying}`,
    details: [...details, ...withValue, { label: 'Data', value: tx.data }],
  }
}

/** A call the wallet reads: its title, and the rows (first in the dialog) of what it moves and to whom. */
interface KnownCall {
  readonly title: string
  readonly rows: Rows
  /** The title and rows name the transaction's value already (a native HTLC lock's amount). */
  readonly namesValue?: true
}

/**
 * `amount` of `token` as a person reads it: with its symbol and decimals, else in base units of the
 * token named by its address.
 */
async function tokenAmount(backend: ProviderBackend, token: Address, amount: bigint): Promise<string> {
  const info = await tokenInfo(backend, token)
  const name = tokenName(token, info)
  return info === null
    ? formatAmount(amount, 0, `base units of ${name}`)
    : formatAmount(amount, info.decimals, name)
}

/** A token as amounts name it: its symbol (hidden characters escaped), else `token 0xAb…cD`. */
const tokenName = (token: Address, info: { readonly symbol: string } | null): string =>
  info === null ? `token ${shortAddress(token)}` : showHidden(info.symbol)

/**
 * What an approve or an EIP-2612 permit of `amount` lets its spender take, for its title as the owner
 * reads it (`up to 12.5 GLD of yours`, `any amount of your GLD (unlimited)`) and its Amount row (`up to
 * 12.5 GLD`, `any amount of GLD (unlimited)`): an allowance is a ceiling, not a payment, and 2^256 - 1 is
 * one the token never decreases.
 */
async function allowance(
  backend: ProviderBackend,
  token: Address,
  amount: bigint,
): Promise<{ readonly spend: string; readonly row: string }> {
  if (amount === maxUint256) {
    const name = tokenName(token, await tokenInfo(backend, token))
    return { spend: `any amount of your ${name} (unlimited)`, row: `any amount of ${name} (unlimited)` }
  }
  const most = await tokenAmount(backend, token, amount)
  return { spend: `up to ${most} of yours`, row: `up to ${most}` }
}

/**
 * `block 120 (~4m 00s)`: a block height with the time to it from the head at the chain's target block
 * time; a height already reached has no time to it: `block 120`.
 */
async function blockWithTime(backend: ProviderBackend, height: bigint): Promise<string> {
  const time = timeToBlock(height, await backend.blockNumber(), backend.targetBlockTimeMs)
  return time === null ? `block ${height}` : `block ${height} (${time})`
}

/**
 * A TokenFactory createToken: the token's name and symbol (hidden characters escaped, `showHidden`), its
 * decimals, and its initial supply in its own units, which the new token pays to the account that
 * creates it (the Tokens screen's "Create token" sends this; its data read as nothing to a person).
 */
function describeFactoryCall(data: Hex): KnownCall | null {
  let call: ReturnType<typeof decodeFunctionData<typeof tokenFactoryAbi>>
  try {
    call = decodeFunctionData({ abi: tokenFactoryAbi, data })
  } catch {
    return null
  }
  const [name, symbol, decimals, initialSupply] = call.args
  const supply = formatAmount(initialSupply, decimals, showHidden(symbol))
  return {
    title: `Create token ${showHidden(name)} (${showHidden(symbol)}) with ${supply} for you`,
    rows: [
      { label: 'Name', value: showHidden(name) },
      { label: 'Symbol', value: showHidden(symbol) },
      { label: 'Decimals', value: String(decimals) },
      { label: 'Initial supply', value: supply },
    ],
  }
}

/**
 * An ERC20 transfer, approve or transferFrom, or a native token's mint (by its owner) or burn. An approve of 2^256 - 1 reads as unlimited: the token
 * never decreases that allowance (OpenZeppelin's rule, the native tokens' too), and its 78 digits
 * would not say so. The title shortens the addresses, and `To` is the token contract: a look-alike
 * address (same first and last digits) would read the same without their rows in full. Each has an
 * Amount row in the token's units (an approve's: the most it allows, `allowance`).
 */
async function describeTokenCall(
  backend: ProviderBackend,
  token: Address,
  data: Hex,
): Promise<KnownCall | null> {
  let call: ReturnType<typeof decodeFunctionData<typeof nativeTokenAbi>>
  try {
    call = decodeFunctionData({ abi: nativeTokenAbi, data })
  } catch {
    return null
  }
  if (call.functionName === 'transfer') {
    const [to, amount] = call.args
    const moved = await tokenAmount(backend, token, amount)
    return {
      title: `Transfer ${moved} to ${shortAddress(to)}`,
      rows: [
        { label: 'Recipient', value: getAddress(to) },
        { label: 'Amount', value: moved },
      ],
    }
  }
  if (call.functionName === 'approve') {
    const [spender, amount] = call.args
    const allowed = await allowance(backend, token, amount)
    return {
      title: `Allow ${shortAddress(spender)} to spend ${allowed.spend}`,
      rows: [
        { label: 'Spender', value: getAddress(spender) },
        { label: 'Amount', value: allowed.row },
      ],
    }
  }
  if (call.functionName === 'transferFrom') {
    const [owner, to, amount] = call.args
    const moved = await tokenAmount(backend, token, amount)
    return {
      title: `Transfer ${moved} from ${shortAddress(owner)} to ${shortAddress(to)}`,
      rows: [
        { label: 'Owner', value: getAddress(owner) },
        { label: 'Recipient', value: getAddress(to) },
        { label: 'Amount', value: moved },
      ],
    }
  }
  if (call.functionName === 'mint') {
    const [to, amount] = call.args
    const minted = await tokenAmount(backend, token, amount)
    return {
      title: `Mint ${minted} to ${shortAddress(to)}`,
      rows: [
        { label: 'Recipient', value: getAddress(to) },
        { label: 'Amount', value: minted },
      ],
    }
  }
  if (call.functionName === 'burn') {
    const [amount] = call.args
    const burnt = await tokenAmount(backend, token, amount)
    return { title: `Burn ${burnt}`, rows: [{ label: 'Amount', value: burnt }] }
  }
  return null
}

/**
 * A call to the HTLC: a lock escrows native coin (its value) or tokens (pulled through the allowance
 * to the HTLC) for a recipient who takes them with the hashlock's secret before the timelock height,
 * after which they can be refunded (`blockWithTime`: the height with the time to it); a redeem makes
 * its secret public; a redeem and a refund name their lock and say what it pays out, to whom (`payout`).
 */
async function describeHtlcCall(backend: ProviderBackend, data: Hex): Promise<KnownCall | null> {
  let call: ReturnType<typeof decodeFunctionData<typeof htlcAbi>>
  try {
    call = decodeFunctionData({ abi: htlcAbi, data })
  } catch {
    return null
  }
  if (call.functionName === 'lock') {
    const [token, amount, recipient, hashlock, timelockHeight] = call.args
    const coin = token.toLowerCase() === ZERO_ADDRESS
    const [what, refundable] = await Promise.all([
      coin ? formatCoin(amount) : tokenAmount(backend, token, amount),
      blockWithTime(backend, timelockHeight),
    ])
    return {
      title: `Lock ${what} for ${shortAddress(recipient)} until ${refundable}`,
      ...(coin ? { namesValue: true as const } : {}),
      rows: [
        { label: 'Recipient', value: getAddress(recipient) },
        { label: 'Amount', value: what },
        ...(coin ? [] : [{ label: 'Token', value: getAddress(token) }]),
        { label: 'Hashlock', value: hashlock },
        { label: 'Refundable from', value: refundable },
      ],
    }
  }
  if (call.functionName === 'redeem') {
    const [id, preimage] = call.args
    return {
      title: `Redeem swap lock ${shortAddress(id)}`,
      rows: [
        { label: 'Lock', value: id },
        ...(await payout(backend, id, 'recipient')),
        { label: 'Secret (made public)', value: preimage },
      ],
    }
  }
  if (call.functionName === 'refund') {
    const [id] = call.args
    return {
      title: `Refund swap lock ${shortAddress(id)}`,
      rows: [{ label: 'Lock', value: id }, ...(await payout(backend, id, 'sender'))],
    }
  }
  return null
}

/**
 * What lock `id` pays out and to whom (its `recipient` on a redeem, its `sender` on a refund), as the
 * node's HTLC holds it (`getLock`): an Amount row in the coin or the token's units, and a Paid to row.
 * A lock the node does not hold reads as unknown: the call would fail.
 */
async function payout(backend: ProviderBackend, id: Hex, to: 'recipient' | 'sender'): Promise<Rows> {
  const unknown = [{ label: 'Amount', value: 'unknown: this node holds no such lock (the call fails)' }]
  try {
    const out = await backend.call(
      { to: HTLC_ADDRESS, data: encodeFunctionData({ abi: htlcAbi, functionName: 'getLock', args: [id] }) },
      'latest',
    )
    if (out.status !== 1) return unknown
    const [sender, recipient, token, amount, , , state] = decodeFunctionResult({
      abi: htlcAbi,
      functionName: 'getLock',
      data: out.returnData,
    })
    if (state === LockState.None) return unknown
    const paid =
      token.toLowerCase() === ZERO_ADDRESS ? formatCoin(amount) : await tokenAmount(backend, token, amount)
    return [
      { label: 'Amount', value: paid },
      { label: 'Paid to', value: getAddress(to === 'recipient' ? recipient : sender) },
    ]
  } catch {
    return unknown
  }
}

/**
 * Characters that show as nothing, or change how the text around them shows, yet are signed as they
 * are: controls (tab and line feed excepted), format characters (bidi overrides and isolates, zero-width
 * spaces and joiners, the BOM, soft hyphen, tag characters), line and paragraph separators, private-use,
 * unassigned and lone surrogate code points, variation selectors, and the Hangul fillers.
 */
const HIDDEN =
  /[^\P{Cc}\t\n]|[\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\p{Variation_Selector}\u{115F}\u{1160}\u{3164}\u{FFA0}]/gu

/** `text` with every hidden character written out as `\u{202E}`: what the user reads is what is signed. */
export const showHidden = (text: string): string =>
  text.replace(HIDDEN, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`)

/** True when no character is a control code (other than whitespace) or a UTF-8 decoding failure. */
function readable(text: string): boolean {
  for (const c of text) {
    const n = c.charCodeAt(0)
    if (n < 9 || (n > 13 && n < 32) || n === 0xfffd) return false
  }
  return true
}

/**
 * The row naming the account that signs a message or typed data (a transaction's is its From): in
 * full, as a look-alike address reads the same shortened, after the wallet's name for it when known.
 */
const accountRow = (from: Address, name: string | undefined) => ({
  label: 'Account',
  value: name === undefined ? from : `${showHidden(name)} (${from})`,
})

/**
 * The approval text of a personal_sign: the signing account (`name`: the wallet's name for it), then
 * the message as text when it is UTF-8 (hidden characters escaped, `showHidden`), else its hex.
 */
export function describeMessage(from: Address, message: Hex, name?: string): ApprovalRequest {
  let text: string
  try {
    text = hexToString(message)
    text = readable(text) ? showHidden(text) : message
  } catch {
    text = message
  }
  return {
    kind: 'message',
    from,
    title: 'Sign a message',
    details: [accountRow(from, name), { label: 'Message', value: text }],
  }
}

/**
 * What signing an offer or a take also approves: the swap's follow-up transactions, which the wallet
 * then signs without asking (`src/ui/market/swap-approvals.ts` bounds them). Shown in the approval
 * dialog and the Market's confirmations.
 */
export const SWAP_APPROVAL_NOTE =
  'Signing approves the whole trade: while your wallet is unlocked, this tab signs each of its steps for exactly these amounts without asking again (locking yours, after approving the token when yours is one; collecting theirs; taking yours back if it stops half-way).'

/** `v` as JSON, bigints in decimal (typed data passed as an object may hold them). */
const json = (v: unknown, space?: number): string =>
  String(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), space))

/** EIP-712 typed data as the approval text reads it (the provider has checked that it hashes). */
export interface TypedDataToApprove {
  readonly domain?: Readonly<Record<string, unknown>>
  readonly types?: Readonly<Record<string, unknown>>
  readonly primaryType: string
  readonly message: unknown
}

/** The rows of the EIP-712 domain fields, in the standard's order. */
const DOMAIN_ROWS = [
  ['name', 'Domain'],
  ['version', 'Version'],
  ['chainId', 'Chain ID'],
  ['verifyingContract', 'Contract'],
  ['salt', 'Salt'],
] as const

/**
 * The domain fields the signature covers: those its declared `EIP712Domain` type lists (as MetaMask
 * and the provider hash them), else those the domain holds (not null), as viem derives the type.
 */
function signedDomainFields(typed: TypedDataToApprove): ReadonlySet<string> {
  const declared = typed.types?.EIP712Domain
  if (Array.isArray(declared))
    return new Set(
      declared.flatMap((f: unknown) =>
        typeof f === 'object' && f !== null && 'name' in f && typeof f.name === 'string' ? [f.name] : [],
      ),
    )
  return new Set(DOMAIN_ROWS.map(([field]) => field).filter((field) => typed.domain?.[field] != null))
}

/** A domain field's value as shown: a chain id in decimal, a contract EIP-55, anything else as text. */
function domainValue(field: string, v: unknown): string {
  try {
    if (field === 'chainId' && (typeof v === 'number' || typeof v === 'string')) return BigInt(v).toString()
    if (field === 'verifyingContract' && typeof v === 'string') return getAddress(v)
  } catch {
    // Not a chain id or an address: shown as it is.
  }
  return showHidden(typeof v === 'string' ? v : json(v))
}

/** What the Chain ID row of a domain that signs none says. */
const ANY_CHAIN = 'none: valid on any chain'

/**
 * The rows of the domain a signature is valid for: its name, version, chain id (or that it is valid on
 * any chain when none is signed), verifying contract, salt, and any other field its declared type adds
 * — those it signs only.
 */
function domainRows(typed: TypedDataToApprove): { label: string; value: string }[] {
  const signed = signedDomainFields(typed)
  const standard: ReadonlySet<string> = new Set(DOMAIN_ROWS.map(([field]) => field))
  const rows = DOMAIN_ROWS.flatMap(([field, label]) => {
    if (!signed.has(field)) return field === 'chainId' ? [{ label, value: ANY_CHAIN }] : []
    return [{ label, value: domainValue(field, typed.domain?.[field]) }]
  })
  const others = [...signed]
    .filter((field) => !standard.has(field))
    .map((field) => ({
      label: `Domain ${showHidden(field)}`,
      value: domainValue(field, typed.domain?.[field]),
    }))
  return [...rows, ...others]
}

/** The domain's name as the signature binds it: only a name its declared domain type signs counts. */
const signedDomainName = (typed: TypedDataToApprove): string =>
  signedDomainFields(typed).has('name') && typeof typed.domain?.name === 'string'
    ? typed.domain.name
    : 'unnamed domain'

/** A market offer's terms as a person reads them (`offerTerms`), for its approval text. */
export interface OfferTerms {
  /** What the maker sells, e.g. `100 WALK`. */
  readonly sell: string
  /** What the maker asks for it, e.g. `20 TAB`. */
  readonly buy: string
  /** Unix seconds after which it can no longer be taken. */
  readonly expiresAt: bigint
  /** Blocks the maker's lock runs, and the taker's. */
  readonly makerTimelock: bigint
  readonly takerTimelock: bigint
  /** The chain's target block time (ms): how long the timelocks run, said as a time. */
  readonly blockMs: number
}

/**
 * The terms of a market offer, when `typed` is one: the app's `Offer` type, field for field, in the
 * signed "Tabchain Offers" domain; its amounts with their tokens' symbols and decimals (the zero address:
 * the coin; a token that answers neither: base units). When `typed` is a `Take` or a `Cancel` (its
 * type field for field, in that domain), the terms of the offer it takes or withdraws, as the node's
 * order book holds it: either names only the offer's id, which is the hash of every term, so the book's
 * offer is the one signed for. Null for any other typed data, a take or cancel of an offer the book does
 * not hold, or a message whose fields do not read as the type says (the provider has hashed it, so that
 * is not expected).
 */
export async function offerTerms(
  backend: ProviderBackend,
  typed: TypedDataToApprove,
): Promise<OfferTerms | null> {
  const byId = { Take: TAKE_TYPES.Take, Cancel: CANCEL_TYPES.Cancel }
  if (
    (typed.primaryType === 'Take' || typed.primaryType === 'Cancel') &&
    signedDomainName(typed) === OFFER_DOMAIN_NAME &&
    json(typed.types?.[typed.primaryType]) === json(byId[typed.primaryType]) &&
    typeof typed.message === 'object' &&
    typed.message !== null &&
    'offerId' in typed.message &&
    isHexData(typed.message.offerId)
  ) {
    const offer = await backend.offer(typed.message.offerId)
    if (offer === null) return null
    return offerTerms(backend, {
      domain: { name: OFFER_DOMAIN_NAME },
      types: OFFER_TYPES,
      primaryType: 'Offer',
      message: offer,
    })
  }
  if (
    typed.primaryType !== 'Offer' ||
    signedDomainName(typed) !== OFFER_DOMAIN_NAME ||
    json(typed.types?.Offer) !== json(OFFER_TYPES.Offer) ||
    typeof typed.message !== 'object' ||
    typed.message === null
  )
    return null
  const m = typed.message as Readonly<Record<string, unknown>>
  const uint = (key: string): bigint => {
    const v = m[key]
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(key)
    return BigInt(v)
  }
  const amount = (tokenKey: string, amountKey: string): Promise<string> => {
    const token = getAddress(String(m[tokenKey]))
    const n = uint(amountKey)
    return token.toLowerCase() === ZERO_ADDRESS
      ? Promise.resolve(formatCoin(n))
      : tokenAmount(backend, token, n)
  }
  try {
    const [sell, buy] = await Promise.all([
      amount('sellToken', 'sellAmount'),
      amount('buyToken', 'buyAmount'),
    ])
    return {
      sell,
      buy,
      expiresAt: uint('expiresAt'),
      makerTimelock: uint('makerTimelock'),
      takerTimelock: uint('takerTimelock'),
      blockMs: backend.targetBlockTimeMs,
    }
  } catch {
    return null
  }
}

/**
 * A time the approval dialog shows (`at`, Unix seconds), in the browser's local time and one format
 * whatever the browser's language: `5 Dec 2026, 14:00`. One past what a Date holds: `Unix time <at>`.
 */
export function approvalTime(at: bigint): string {
  const when = new Date(Number(at) * 1000)
  if (Number.isNaN(when.getTime())) return `Unix time ${at}`
  return APPROVAL_TIME.format(when)
}

const APPROVAL_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** When an offer expiring at `expiresAt` (Unix seconds) ends (`approvalTime`). */
export function offerEnds(expiresAt: bigint): string {
  return approvalTime(expiresAt)
}

/** The label of the row that says when each side's locked coins come back (the swap's timelocks). */
const HALF_WAY = 'If it stops half-way'

/** `~2m 20s (70 blocks)`: a timelock as a time at `blockMs` per block, its blocks kept. */
const lockTime = (blocks: bigint, blockMs: number): string =>
  `~${formatDuration(Number(blocks) * blockMs)} (${blocks} blocks)`

/**
 * The timelocks in a trader's words: when `ours` (locked for `ourBlocks`) comes back to us if the trade
 * stops half-way, and when the other party's `theirs` (for `theirBlocks`) goes back to it.
 */
const halfWay = (
  ours: string,
  ourBlocks: bigint,
  other: 'maker' | 'taker',
  theirs: string,
  theirBlocks: bigint,
  blockMs: number,
): string =>
  `Your ${ours} come back to you ${lockTime(ourBlocks, blockMs)} after you lock them; the ${other}'s ${theirs}, ${lockTime(theirBlocks, blockMs)} after the ${other} locks them.`

/** The rows that say what an offer trades, before the data signed. */
const offerRows = (terms: OfferTerms): Rows => [
  { label: 'You sell', value: terms.sell },
  { label: 'You receive', value: terms.buy },
  { label: 'Open until', value: offerEnds(terms.expiresAt) },
  {
    label: HALF_WAY,
    value: halfWay(terms.sell, terms.makerTimelock, 'taker', terms.buy, terms.takerTimelock, terms.blockMs),
  },
]

/**
 * The offer a take or a cancel signs for: what it sells and asks, until when, and its id (`offerId`, as
 * signed) shortened as the app shows a hash; the whole id is in the message as signed, a click away.
 */
const offerRow = (terms: OfferTerms, offerId: string | null): Row => ({
  label: 'Offer',
  value: `Sells ${terms.sell} for ${terms.buy}, open until ${offerEnds(terms.expiresAt)}${offerId === null ? '' : ` (id ${shortHash(offerId)})`}`,
})

/**
 * The rows that say what taking an offer trades (`terms`: the maker's), before the data signed: what
 * the taker pays and receives, the offer taken (`offerId`: the id the take signs), and the timelocks.
 */
const takeRows = (terms: OfferTerms, offerId: string | null): Rows => [
  { label: 'You pay', value: terms.buy },
  { label: 'You receive', value: terms.sell },
  offerRow(terms, offerId),
  {
    label: HALF_WAY,
    value: halfWay(terms.buy, terms.takerTimelock, 'maker', terms.sell, terms.makerTimelock, terms.blockMs),
  },
]

/**
 * The rows that say what withdrawing an offer (`terms`) does, before the data signed: which offer goes
 * (`offerId`: the id the cancel signs), and that it is free: a signed message, no transaction, no fee.
 */
const cancelRows = (terms: OfferTerms, offerId: string | null): Rows => [
  offerRow(terms, offerId),
  { label: 'Cost', value: 'Withdrawing costs nothing: you sign a message, no transaction.' },
]

/** The offer id a take or a cancel signs, when it holds one as hex. */
const signedOfferId = (message: unknown): string | null =>
  typeof message === 'object' && message !== null && 'offerId' in message && isHexData(message.offerId)
    ? message.offerId
    : null

/** An EIP-2612 permit as a person reads it (`permitTerms`), for its approval text. */
export interface PermitTerms {
  readonly owner: Address
  readonly spender: Address
  /** What the spender may take (`allowance`), e.g. `up to 125 APPLE`, `any amount of APPLE (unlimited)`. */
  readonly amount: string
  /** The same as its owner reads it: `up to 125 APPLE of yours`, `any amount of your APPLE (unlimited)`. */
  readonly spend: string
  /** The token contract (the domain's verifying contract). */
  readonly token: Address
  readonly nonce: bigint
  /** Unix seconds after which the permit can no longer be used; 2^256 − 1 for never. */
  readonly deadline: bigint
}

/** EIP-2612's `Permit` type, field for field: anything else is typed data like any other. */
const PERMIT_TYPE = [
  { name: 'owner', type: 'address' },
  { name: 'spender', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'nonce', type: 'uint256' },
  { name: 'deadline', type: 'uint256' },
]

/**
 * The terms of an EIP-2612 permit, when `typed` is one: the `Permit` type exactly, in a domain that
 * signs its verifying contract (the token); the value with the token's symbol and decimals when the node
 * can read them, else in base units of the contract's address; 2^256 − 1 reads as unlimited. Null for
 * any other typed data or a message whose fields do not read as the type says.
 */
export async function permitTerms(
  backend: ProviderBackend,
  typed: TypedDataToApprove,
): Promise<PermitTerms | null> {
  const token = typed.domain?.verifyingContract
  if (
    typed.primaryType !== 'Permit' ||
    json(typed.types?.Permit) !== json(PERMIT_TYPE) ||
    !signedDomainFields(typed).has('verifyingContract') ||
    typeof token !== 'string' ||
    !isAddress(token, { strict: false }) ||
    typeof typed.message !== 'object' ||
    typed.message === null
  )
    return null
  const m = typed.message as Readonly<Record<string, unknown>>
  const address = (key: string): Address | null => {
    const v = m[key]
    return typeof v === 'string' && isAddress(v, { strict: false }) ? getAddress(v) : null
  }
  const uint = (key: string): bigint | null => {
    const v = m[key]
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return null
    try {
      const n = BigInt(v)
      return n >= 0n && n <= maxUint256 ? n : null
    } catch {
      return null
    }
  }
  const [owner, spender, value, nonce, deadline] = [
    address('owner'),
    address('spender'),
    uint('value'),
    uint('nonce'),
    uint('deadline'),
  ]
  if (owner === null || spender === null || value === null || nonce === null || deadline === null) return null
  const contract = getAddress(token)
  const { spend, row } = await allowance(backend, contract, value)
  return { owner, spender, amount: row, spend, token: contract, nonce, deadline }
}

/** Until when a permit holds (`approvalTime`): `5 Dec 2026, 14:00`, or `no deadline`. */
export function permitEnds(deadline: bigint): string {
  return deadline === maxUint256 ? 'no deadline' : approvalTime(deadline)
}

/**
 * The title of a permit signed by `from`: who may spend what, and until when, as an approve's title
 * words it; the tokens are `yours` only when `from` owns them (else the Owner row says whose they are).
 */
const permitTitle = (from: Address, p: PermitTerms): string =>
  `Allow ${shortAddress(p.spender)} to spend ${p.owner === from ? p.spend : p.amount}${p.deadline === maxUint256 ? ', with no deadline' : ` until ${permitEnds(p.deadline)}`}`

/** The rows that say what a permit allows, before the data signed. */
const permitRows = (from: Address, p: PermitTerms): Rows => [
  { label: 'Spender', value: p.spender },
  { label: 'Amount', value: p.amount },
  { label: 'Token', value: p.token },
  { label: 'Until', value: permitEnds(p.deadline) },
  ...(p.owner === from
    ? []
    : [{ label: 'Owner', value: `${p.owner}: not this account, so the token refuses the signature` }]),
]

/**
 * The approval text of EIP-712 typed data: its domain and primary type, the signing account (`name`:
 * the wallet's name for it), the domain's fields it signs (`domainRows`: a signature for another
 * contract, or valid on any chain, does not read like this one's), then the message (hidden characters
 * escaped, `showHidden`). A market offer (`terms`, from `offerTerms`) is titled and listed by what it
 * sells and asks; a take of one (`terms`: the offer's) by what the taker pays and receives and the offer
 * it takes (the trade note says it approves "exactly these amounts"); a cancel of one by the offer it
 * withdraws; an EIP-2612 permit (`permit`, from `permitTerms`) by who may spend what until when, as an
 * approve transaction reads. Those say in words what signing does, so their domain and message go to
 * `signed` (the dialog's "Message as signed"); any other typed data shows them in `details`.
 */
export function describeTypedData(
  from: Address,
  typed: TypedDataToApprove,
  name?: string,
  terms?: OfferTerms | null,
  permit?: PermitTerms | null,
): ApprovalRequest {
  const domain = signedDomainName(typed)
  const trade =
    domain === OFFER_DOMAIN_NAME && (typed.primaryType === 'Offer' || typed.primaryType === 'Take')
  const offer = trade && typed.primaryType === 'Offer' ? (terms ?? null) : null
  const take = trade && typed.primaryType === 'Take' ? (terms ?? null) : null
  const cancel = domain === OFFER_DOMAIN_NAME && typed.primaryType === 'Cancel' ? (terms ?? null) : null
  const told = offer !== null || take !== null || cancel !== null || Boolean(permit)
  const rows: Rows = [
    accountRow(from, name),
    ...(offer === null ? [] : offerRows(offer)),
    ...(take === null ? [] : takeRows(take, signedOfferId(typed.message))),
    ...(cancel === null ? [] : cancelRows(cancel, signedOfferId(typed.message))),
    ...(offer === null && permit ? permitRows(from, permit) : []),
  ]
  // A domain that signs no chain id is valid on any chain (a signature another chain replays): that row
  // warns, so it stays in view with what signing does; the rest of the domain folds with the message.
  const domainSigned = domainRows(typed)
  const anyChain = domainSigned.filter((r) => r.value === ANY_CHAIN)
  const message = { label: 'Message', value: showHidden(json(typed.message, 2)) }
  const signed: Rows = [...domainSigned.filter((r) => r.value !== ANY_CHAIN), message]
  const note = trade ? [{ label: 'Trade', value: SWAP_APPROVAL_NOTE }] : []
  return {
    kind: 'typedData',
    from,
    title:
      offer !== null
        ? `Offer to sell ${offer.sell} for ${offer.buy}`
        : take !== null
          ? `Take the offer: you pay ${take.buy}, you receive ${take.sell}`
          : cancel !== null
            ? `Withdraw the offer to sell ${cancel.sell} for ${cancel.buy}`
            : permit
              ? permitTitle(from, permit)
              : showHidden(`Sign ${typed.primaryType} for ${domain}`),
    // Read in words, the data as signed waits a click away; else it is all there is to read.
    ...(told
      ? { details: [...rows, ...anyChain, ...note], signed }
      : { details: [...rows, ...domainSigned, message, ...note] }),
  }
}

export const isHexData = (v: unknown): v is Hex =>
  typeof v === 'string' && isHex(v, { strict: true }) && v.length % 2 === 0

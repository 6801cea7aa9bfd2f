import { type FormEvent, useEffect, useState } from 'react'
import { Link } from 'react-router'
import { encodeFunctionData, getAddress } from 'viem'
import { TOKEN_FACTORY_ADDRESS } from '../../node/contracts/addresses'
import { erc20Abi } from '../../node/contracts/erc20/abi'
import { tokenFactoryAbi } from '../../node/contracts/token-factory/abi'
import type { TokenHolding } from '../../node/worker/queries'
import { formatAmount } from '../../wallet/amount'
import { showHidden } from '../../wallet/describe'
import { useBlockTimes } from '../block-times'
import { AddressInput } from '../components/AddressInput'
import { useCopy } from '../components/CopyButton'
import { Age, Loaded, short, TxLink, useNodeQuery } from '../components/explorer'
import { useFields } from '../components/field-problem'
import { GroupedAmount } from '../components/GroupedAmount'
import { Identicon } from '../components/Identicon'
import { ShortHexText } from '../components/ShortHexText'
import { TxStatusBadge } from '../components/TxStatusBadge'
import { shownHolding, tokenBalance, type VerifiedBalances, verifiedLater, walletBalance } from '../format'
import { useAccount } from '../signer/account'
import { DEVNET_ACCOUNT_COUNT } from '../signer/devnet-index'
import type { TxSigner } from '../signer/signer'
import { directPeerCount, useApp } from '../store'
import {
  chosenHolding,
  decimalsHint,
  type NewTokenFields,
  newTokenProblems,
  parseNewToken,
  parseTokenAction,
  type TokenAction,
  type TokenActionFields,
  tokenActionProblems,
} from '../token-form'
import { type Call, sendCall, type TrackedTx, type TxStatus, useTxs } from '../tx-tracker'

/** Create a token, then mint (owner), transfer, approve and burn, acting as this profile's account. */
export function TokensScreen() {
  const profileId = useApp((s) => s.profile?.id)
  // Reads go through proofs while the node is light or upgrading (as on the Wallet screen).
  const light = useApp((s) => s.mode !== null && s.mode.kind !== 'full')
  const signer = useAccount((s) => s.signer)
  const load = useAccount((s) => s.load)
  useEffect(() => {
    if (profileId !== undefined) load(profileId)
  }, [profileId, load])
  const confirmations = useApp((s) => s.chain?.params.confirmations)
  const directPeers = useApp(directPeerCount)
  const address = signer?.address
  const result = useNodeQuery(
    async (api) =>
      address === undefined
        ? null
        : Promise.all([api.verifiedTokenHoldings(address), api.verifiedAccount(address)]).then(
            ([holdings, account]) => ({
              holdings: holdings.value.map(shownHolding),
              at: holdings.number,
              account,
            }),
          ),
    [address],
  )
  const loaded = result !== null && 'value' in result ? result.value : null
  // The token balances proven k deep, which a transaction confirmed above that header is not in yet.
  const verified =
    light && confirmations !== undefined && loaded !== null ? { at: loaded.at, confirmations } : null
  return (
    <div className="screen">
      <h1>Tokens</h1>
      <p className="lead" data-testid="tokens-source">
        Create your own token, then send it to anyone.{' '}
        {light
          ? 'This tab runs light: balances are read from full peers and proven here against the headers this tab verified, and count only transactions already in a block. A token you received only before the oldest header this tab holds is not listed.'
          : 'Balances are read from this tab’s own copy of the chain and count only transactions already in a block.'}
      </p>
      {signer === null || profileId === undefined ? (
        <p className="muted">Loading your account…</p>
      ) : (
        <>
          <YourAccount
            profileId={profileId}
            signer={signer}
            balance={loaded?.account.value.balance}
            at={loaded?.account.number}
            light={light}
            directPeers={directPeers}
          />
          <section className="section" aria-labelledby="holdings-title">
            <h2 id="holdings-title">Your tokens</h2>
            <Loaded result={result}>
              {(value) => (
                <Holdings
                  holdings={value?.holdings ?? []}
                  at={value?.at}
                  light={light}
                  directPeers={directPeers}
                />
              )}
            </Loaded>
          </section>
          <CreateToken signer={signer} />
          <UseToken signer={signer} holdings={loaded?.holdings ?? []} />
          <Activity verified={verified} />
        </>
      )}
    </div>
  )
}

/**
 * The address this screen acts as, and its coin balance: on a light (or upgrading) node marked with the
 * header it was proven at (`at`), as the Wallet's balance and the token rows below are.
 */
export function YourAccount({
  profileId,
  signer,
  balance,
  at,
  light,
  directPeers,
}: {
  readonly profileId: string
  readonly signer: TxSigner
  readonly balance: bigint | undefined
  readonly at: bigint | undefined
  readonly light: boolean
  readonly directPeers: number
}) {
  const shown = walletBalance(balance, at, light, directPeers)
  const index = useAccount((s) => s.index)
  const choose = useAccount((s) => s.choose)
  const fromWallet = useAccount((s) => s.wallet !== null)
  const { copied, copy } = useCopy(signer.address)
  return (
    <section className="card" aria-labelledby="account-title">
      <h2 className="card__label" id="account-title">
        Your address
      </h2>
      <div className="my-address">
        <Identicon id={signer.address.toLowerCase()} size={32} />
        <span className="mono my-address__value" data-testid="my-address">
          {signer.address}
        </span>
        <button type="button" className="button button--small" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <Link to={`/address/${signer.address}`} className="button button--small">
          In the explorer
        </Link>
      </div>
      {fromWallet ? (
        <p className="muted small" data-testid="acting-as">
          {shown} · {signer.label}: every transaction waits for your approval in the wallet.
        </p>
      ) : (
        <>
          <p className="muted small" data-testid="acting-as">
            {shown} · {signer.label}, a public test key of the devnet that anyone can spend from, until you
            create a wallet for an account of your own.
          </p>
          {/* On a line of its own: at the sentence's end the select wrapped alone, "Act as" left behind. */}
          <label className="act-as muted small">
            Act as
            <select
              className="input"
              aria-label="Devnet account"
              value={index ?? 0}
              onChange={(e) => choose(profileId, Number(e.currentTarget.value))}
            >
              {Array.from({ length: DEVNET_ACCOUNT_COUNT }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the index is the account number.
                <option key={i} value={i}>
                  Devnet account {i}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
    </section>
  )
}

/**
 * The account's tokens; on a light (or upgrading) node each balance marked with the header the list was
 * proven at (`at`), as the Wallet screen's token rows and the Home screen's balance card are.
 */
export function Holdings({
  holdings,
  at,
  light,
  directPeers,
}: {
  readonly holdings: readonly TokenHolding[]
  readonly at: bigint | undefined
  readonly light: boolean
  readonly directPeers: number
}) {
  if (holdings.length === 0)
    return <p className="muted">No tokens yet. Create one below, or ask someone to send you some.</p>
  return (
    <table className="table" data-testid="holdings">
      <thead>
        <tr>
          <th>Token</th>
          <th>Balance</th>
          <th>Contract</th>
        </tr>
      </thead>
      <tbody>
        {holdings.map((h) => (
          <tr
            key={h.token.address}
            data-testid="holding"
            data-token={h.token.address}
            data-symbol={h.token.symbol}
            data-balance={h.balance.toString()}
          >
            <td data-label="Token">
              {h.token.name} ({h.token.symbol}){' '}
              {h.created ? <span className="tag tag--ghost">you created it</span> : null}
            </td>
            <td data-label="Balance" data-testid="holding-balance">
              <GroupedAmount text={tokenBalance(h, at, light, directPeers)} />
            </td>
            <td data-label="Contract">
              <Link to={`/token/${getAddress(h.token.address)}`} className="mono">
                {short(getAddress(h.token.address))}
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/**
 * Sends `call` and reports the outcome of the submission (not of the block: the activity list does),
 * also as a line under the form (`SendOutcome`), so that it is said where the person is, not only in a
 * table further down the page.
 */
function useSend(signer: TxSigner) {
  const api = useApp((s) => s.api)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<TxStatus | null>(null)
  const send = async (label: string, call: Call): Promise<boolean> => {
    if (api === null) return false
    setBusy(true)
    setOutcome(null)
    try {
      const tracked = await sendCall(api, signer, label, call)
      setOutcome(tracked.status)
      return tracked.status.state !== 'failed'
    } finally {
      setBusy(false)
    }
  }
  return { busy, send, outcome }
}

/**
 * What became of the form's last submission, said under its button (a live region: a keyboard or
 * screen-reader user hears it without leaving the form): sent, its block followed in Your transactions,
 * or why it was not sent.
 */
function SendOutcome({ status }: { readonly status: TxStatus | null }) {
  if (status === null || status.state === 'sending') return null
  return status.state === 'failed' ? (
    <p className="form-error" role="alert" data-testid="token-send-failed">
      Not sent: {status.reason}
    </p>
  ) : (
    <p className="muted small" role="status" data-testid="token-sent">
      Sent: <TxLink hash={status.hash} /> — its progress is listed under Your transactions.
    </p>
  )
}

const NO_TOKEN: NewTokenFields = { name: '', symbol: '', decimals: '18', supply: '' }

function CreateToken({ signer }: { readonly signer: TxSigner }) {
  const { fields, touched, touchAll, reset, bind } = useFields<NewTokenFields>(NO_TOKEN)
  const { busy, send, outcome } = useSend(signer)
  const problems = newTokenProblems(fields, touched)
  const field = (key: keyof NewTokenFields) => bind(key, `token-${key}-problem`, problems[key])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const parsed = parseNewToken(fields)
    if (!parsed.ok) return touchAll(e.currentTarget)
    const t = parsed.value
    const data = encodeFunctionData({
      abi: tokenFactoryAbi,
      functionName: 'createToken',
      args: [t.name, t.symbol, t.decimals, t.supply],
    })
    const symbol = showHidden(t.symbol)
    const label = `Create ${symbol} (${formatAmount(t.supply, t.decimals, symbol)})`
    if (await send(label, { to: TOKEN_FACTORY_ADDRESS, data })) reset(() => NO_TOKEN)
  }
  const name = field('name')
  const symbol = field('symbol')
  const decimals = field('decimals')
  const supply = field('supply')
  // What the decimals mean for an amount, while they are valid (else their problem says what is wrong).
  const hint = decimalsHint(fields)
  return (
    <section className="section" aria-labelledby="create-title">
      <h2 id="create-title">Create a token</h2>
      <form className="form" onSubmit={submit} data-testid="create-token" noValidate>
        <div className="form__row">
          <label htmlFor="token-name">Name</label>
          <input className="input" placeholder="Gold" id="token-name" {...name.props} />
          {name.message}
        </div>
        <div className="form__row">
          <label htmlFor="token-symbol">Symbol</label>
          <input className="input" placeholder="GLD" id="token-symbol" {...symbol.props} />
          {symbol.message}
        </div>
        <div className="form__row">
          <label htmlFor="token-decimals">Decimals</label>
          <input
            className="input"
            inputMode="numeric"
            id="token-decimals"
            {...decimals.props}
            aria-describedby={
              decimals.props['aria-describedby'] ?? (hint === null ? undefined : 'token-decimals-hint')
            }
          />
          {decimals.message ??
            (hint !== null && (
              <p className="muted small" id="token-decimals-hint" data-testid="token-decimals-hint">
                {hint}
              </p>
            ))}
        </div>
        <div className="form__row">
          <label htmlFor="token-supply">Initial supply (yours)</label>
          <input
            className="input"
            inputMode="decimal"
            placeholder="1000"
            id="token-supply"
            {...supply.props}
          />
          {supply.message}
        </div>
        <div>
          {/* Busy: aria-disabled, not disabled, which would drop the focus (the dialog gives it back here). */}
          <button type="submit" className="button button--primary" aria-disabled={busy}>
            {busy ? 'Sending…' : 'Create token'}
          </button>
        </div>
        <SendOutcome status={outcome} />
      </form>
    </section>
  )
}

/** How the activity list names each action. */
const VERBS: Record<TokenAction, string> = {
  transfer: 'Send',
  approve: 'Approve',
  mint: 'Mint',
  burn: 'Burn',
}

const ACTIONS: { readonly value: TokenAction; readonly label: string }[] = [
  { value: 'transfer', label: 'Send' },
  { value: 'approve', label: 'Approve a spender' },
  { value: 'mint', label: 'Mint (owner only)' },
  { value: 'burn', label: 'Burn' },
]

/** The token form's submit, named after its action; a burn, which destroys tokens for good, in red. */
export function UseTokenButton({ action, busy }: { readonly action: TokenAction; readonly busy: boolean }) {
  return (
    <button
      type="submit"
      className={`button ${action === 'burn' ? 'button--danger' : 'button--primary'}`}
      // Busy: aria-disabled, not disabled, which would drop the focus (the dialog gives it back here).
      aria-disabled={busy}
    >
      {busy ? 'Sending…' : ACTIONS.find((a) => a.value === action)?.label}
    </button>
  )
}

function UseToken({
  signer,
  holdings,
}: {
  readonly signer: TxSigner
  readonly holdings: readonly TokenHolding[]
}) {
  const { fields, touched, touchAll, reset, bind } = useFields<TokenActionFields>({
    token: '',
    action: 'transfer',
    recipient: '',
    amount: '',
  })
  const { busy, send, outcome } = useSend(signer)
  const holding = chosenHolding(holdings, fields.token)
  const problems = tokenActionProblems(fields, { holdings }, touched)
  const field = (key: keyof TokenActionFields) => bind(key, `use-${key}-problem`, problems[key])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (busy) return
    const parsed = parseTokenAction(fields, { holdings })
    if (!parsed.ok) return touchAll(e.currentTarget)
    const { holding: chosen, action, to, value } = parsed.value
    const { token } = chosen
    const shown = formatAmount(value, token.decimals, token.symbol)
    const target = to ?? signer.address
    const call =
      action === 'burn'
        ? {
            label: `Burn ${shown}`,
            data: encodeFunctionData({ abi: erc20Abi, functionName: 'burn', args: [value] }),
          }
        : {
            label: `${VERBS[action]} ${shown} ${action === 'approve' ? 'for' : 'to'} ${short(target)}`,
            data: encodeFunctionData({ abi: erc20Abi, functionName: action, args: [target, value] }),
          }
    if (await send(call.label, { to: token.address, data: call.data })) reset((f) => ({ ...f, amount: '' }))
  }
  const token = field('token')
  const action = field('action')
  const recipient = field('recipient')
  const amount = field('amount')
  return (
    <section className="section" aria-labelledby="use-title">
      <h2 id="use-title">Send, approve, mint or burn</h2>
      {holdings.length === 0 ? (
        <p className="muted">Your tokens will be listed here once you hold or create one.</p>
      ) : (
        <form className="form" onSubmit={submit} data-testid="use-token" noValidate>
          <div className="form__row">
            <label htmlFor="use-token">Token</label>
            <select
              id="use-token"
              className="input"
              {...token.props}
              // The first token held is shown chosen until another is.
              value={holding?.token.address ?? ''}
            >
              {holdings.map((h) => (
                <option key={h.token.address} value={h.token.address}>
                  {h.token.symbol} — {h.token.name}
                </option>
              ))}
            </select>
            {token.message}
          </div>
          <div className="form__row">
            <label htmlFor="use-action">Action</label>
            <select id="use-action" className="input" {...action.props}>
              {ACTIONS.map((a) => (
                <option key={a.value} value={a.value}>
                  {a.label}
                </option>
              ))}
            </select>
            {action.message}
          </div>
          {fields.action !== 'burn' ? (
            <div className="form__row">
              <label htmlFor="use-recipient">
                {fields.action === 'approve' ? 'Spender address' : 'Recipient address'}
              </label>
              <AddressInput id="use-recipient" placeholder="0x…" {...recipient.props} />
              {recipient.message}
            </div>
          ) : null}
          <div className="form__row">
            <label htmlFor="use-amount">Amount{holding ? ` (${holding.token.symbol})` : ''}</label>
            <input id="use-amount" className="input" inputMode="decimal" placeholder="10" {...amount.props} />
            {amount.message}
          </div>
          <div>
            <UseTokenButton action={fields.action} busy={busy} />
          </div>
          <SendOutcome status={outcome} />
        </form>
      )}
    </section>
  )
}

function Activity({ verified }: { readonly verified: VerifiedBalances | null }) {
  const txs = useTxs((s) => s.txs)
  const head = useApp((s) => s.head?.number)
  const blockTimes = useBlockTimes(txs.map((t) => blockOf(t.status)))
  return <SentList txs={txs} head={head} verified={verified} blockTimes={blockTimes} />
}

/** The block (decimal number) a confirmed status is in, when the tracker read it. */
const blockOf = (status: TxStatus): string | undefined =>
  status.state === 'confirmed' && status.block !== undefined ? String(status.block) : undefined

/**
 * The transactions this tab sent, with their status and, once confirmed, when (its block's time from
 * `blockTimes`, ms since epoch by block number: "3m 05s ago", the date in its tooltip); a confirmed one that the verified balances
 * (`verified`: proven k deep on a light or upgrading node; null on a full node) do not count yet says at
 * which block they will (its block from its confirmations at `head`), so "Confirmed" above a list
 * without it reads as expected, not as a bug.
 */
export function SentList({
  txs,
  head,
  verified,
  blockTimes = new Map(),
}: {
  readonly txs: readonly TrackedTx[]
  readonly head: bigint | undefined
  readonly verified: VerifiedBalances | null
  readonly blockTimes?: ReadonlyMap<string, bigint>
}) {
  if (txs.length === 0) return null
  return (
    <section className="section" aria-labelledby="activity-title">
      <h2 id="activity-title">Your transactions</h2>
      <table className="table" data-testid="activity">
        <thead>
          <tr>
            <th>What</th>
            <th>Status</th>
            <th>When</th>
            <th>Transaction</th>
          </tr>
        </thead>
        <tbody>
          {txs.map((t) => (
            <tr key={t.id} data-testid="activity-row" data-state={t.status.state}>
              <td data-label="What">
                <ShortHexText text={t.label} />
              </td>
              <td data-label="Status">
                <TxStatusBadge status={t.status} />
                <VerifiedLater status={t.status} head={head} verified={verified} />
              </td>
              <td data-label="When" data-testid="activity-time">
                <When at={blockTimes.get(blockOf(t.status) ?? '')} />
              </td>
              <td data-label="Transaction">
                {t.status.state !== 'sending' && t.status.hash !== null ? (
                  <TxLink hash={t.status.hash} />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

/** When a confirmed transaction's block was mined ("3m 05s ago", its date in the tooltip); nothing before. */
function When({ at }: { readonly at: bigint | undefined }) {
  return at === undefined ? null : <Age at={at} />
}

/** Under a confirmed status: when the verified balances count its block, if they do not yet. */
function VerifiedLater({
  status,
  head,
  verified,
}: {
  readonly status: TxStatus
  readonly head: bigint | undefined
  readonly verified: VerifiedBalances | null
}) {
  if (status.state !== 'confirmed' || head === undefined) return null
  const later = verifiedLater(head - status.confirmations + 1n, verified)
  if (later === null) return null
  return (
    <span className="muted small" data-testid="verified-later">
      {' · '}
      {later}
    </span>
  )
}

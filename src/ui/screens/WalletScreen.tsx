import encodeQR from '@paulmillr/qr'
import { type ChangeEvent, type FormEvent, useRef, useState } from 'react'
import { Link } from 'react-router'
import { type Address, encodeFunctionData, erc20Abi, type Hex } from 'viem'
import { NodeError } from '../../node/rpc/errors'
import type { MiningInfo } from '../../node/worker/chain-service'
import type { TokenHolding } from '../../node/worker/queries'
import { mergeActivity } from '../../wallet/activity'
import { formatCoin } from '../../wallet/amount'
import { WalletError } from '../../wallet/errors'
import { FAUCET_AMOUNT, type FaucetState, requestFaucet } from '../../wallet/faucet'
import { createMnemonic, type MnemonicLength } from '../../wallet/keys'
import { ProviderRpcError } from '../../wallet/rpc-error'
import { MIN_PASSWORD_LENGTH } from '../../wallet/wallet'
import { useBlockTimes } from '../block-times'
import {
  ActivityList,
  damagedNote,
  receivedFrom,
  receivedNote,
  shownReceived,
} from '../components/ActivityList'
import { AddressInput } from '../components/AddressInput'
import { useCopy } from '../components/CopyButton'
import { TxLink, useNodeQuery } from '../components/explorer'
import { fieldProblem, useFields } from '../components/field-problem'
import { GroupedAmount } from '../components/GroupedAmount'
import { PasswordField } from '../components/PasswordField'
import { SwapLocks } from '../components/SwapLocks'
import { TabList, TabPanel } from '../components/Tabs'
import { useFocusOnChange } from '../focus-on-change'
import { tokenBalance, type VerifiedBalances, verifiedLater, walletBalance } from '../format'
import { usePasswordLockout, wrongPasswordText } from '../password-lockout'
import { parseSend, type SendFields, sendProblems } from '../send-form'
import { catchingUp, directPeerCount, useApp } from '../store'
import {
  type ImportKeyFields,
  importKeyProblems,
  type NewWalletField,
  type NewWalletFields,
  newWalletProblems,
  parseImportKey,
  parseNewWallet,
} from '../wallet-forms'
import { lockedMessage, lockedReason } from '../wallet-locked'
import { useWallet } from '../wallet-session'
import '../wallet.css'

const messageOf = (err: unknown): string =>
  err instanceof NodeError || err instanceof ProviderRpcError || err instanceof Error
    ? err.message
    : String(err)

/** The wallet: onboarding (create / import / unlock), then accounts, send, receive and activity. */
export function WalletScreen() {
  const view = useWallet((s) => s.view)
  const wallet = useWallet((s) => s.wallet)
  // Created, unlocked or locked: the form or button that did it is gone, and the focus with it. The
  // heading of what replaced it takes the focus (the unlock form's, the accounts'), else the screen's.
  useFocusOnChange(
    view.state,
    () =>
      document.querySelector<HTMLElement>('[data-testid="wallet-screen"] h2') ??
      document.querySelector<HTMLElement>('[data-testid="wallet-screen"] h1'),
    true,
  )
  if (wallet === null) {
    return (
      <div className="screen">
        <p className="muted">Opening the wallet…</p>
      </div>
    )
  }
  return (
    <div className="screen" data-testid="wallet-screen" data-state={view.state}>
      <div className="screen__head">
        <h1>Wallet</h1>
        {view.state === 'unlocked' && (
          <button
            type="button"
            className="button button--small"
            data-testid="lock"
            onClick={() => wallet.lock()}
          >
            Lock
          </button>
        )}
      </div>
      {view.state === 'none' && <Onboarding />}
      {view.state === 'locked' && <Unlock />}
      {view.state === 'unlocked' && <Unlocked />}
    </div>
  )
}

function Onboarding() {
  const wallet = useWallet((s) => s.wallet)
  const [mode, setMode] = useState<'create' | 'import'>('create')
  const [length, setLength] = useState<MnemonicLength>(12)
  const [phrase, setPhrase] = useState(() => createMnemonic(12))
  const [saved, setSaved] = useState(false)
  /** Whether the "written down" box was ticked or unticked, or a submit was tried: its problem is shown. */
  const [savedTouched, setSavedTouched] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const { fields, touched, touchAll, bind } = useFields<NewWalletFields>(
    { phrase: '', password: '', again: '' },
    () => setError(null),
  )
  const ctx = { mode, created: phrase, saved }
  const problems = newWalletProblems(
    fields,
    ctx,
    new Set<NewWalletField>(savedTouched ? [...touched, 'saved'] : touched),
  )
  const field = (key: keyof NewWalletFields, id: string) =>
    bind(key, `${id}-problem`, problems[key], { className: 'form-error' })
  const savedProblem = fieldProblem('phrase-saved-problem', problems.saved, { className: 'form-error' })

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    if (wallet === null) return
    setError(null)
    const parsed = parseNewWallet(fields, ctx)
    if (!parsed.ok) {
      setSavedTouched(true)
      return touchAll(e.currentTarget)
    }
    setBusy(true)
    try {
      await wallet.create(parsed.value.mnemonic, parsed.value.password)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  const typed = field('phrase', 'import-phrase')
  const password = field('password', 'new-password')
  const again = field('again', 'new-password-again')
  return (
    <form className="panel wallet-panel" onSubmit={(e) => void submit(e)} data-testid="onboarding" noValidate>
      <TabList
        id="onboarding"
        label="New wallet"
        className="segmented"
        tabs={[
          { value: 'create', label: 'Create a wallet' },
          { value: 'import', label: 'Import a recovery phrase', testId: 'import-tab' },
        ]}
        selected={mode}
        onSelect={setMode}
      />
      <TabPanel id="onboarding" value="create" selected={mode === 'create'}>
        <div className="stack">
          <p className="muted">
            Write these words down, in order, and keep them offline. They are the only way to recover this
            wallet.
          </p>
          <div className="segmented segmented--small">
            {([12, 24] as const).map((n) => (
              <button
                key={n}
                type="button"
                aria-pressed={length === n}
                onClick={() => {
                  setLength(n)
                  setPhrase(createMnemonic(n))
                }}
              >
                {n} words
              </button>
            ))}
          </div>
          <ol className="phrase" data-testid="phrase">
            {phrase.split(' ').map((w, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: words repeat; their position is their identity
              <li key={i}>{w}</li>
            ))}
          </ol>
          <label className="check">
            <input
              type="checkbox"
              checked={saved}
              data-testid="phrase-saved"
              onChange={(e) => {
                setSaved(e.target.checked)
                setSavedTouched(true)
                setError(null)
              }}
              {...savedProblem.input}
            />
            I have written down my recovery phrase
          </label>
          {savedProblem.message}
        </div>
      </TabPanel>
      <TabPanel id="onboarding" value="import" selected={mode === 'import'}>
        <PhraseField typed={typed} testId="import-phrase" />
      </TabPanel>
      <NewPasswordFields label="Password" testId="new-password" password={password} again={again} />
      {error !== null && (
        <p className="form-error" role="alert" data-testid="onboarding-error">
          {error}
        </p>
      )}
      <button type="submit" className="button button--primary" data-testid="create-wallet" disabled={busy}>
        {busy ? 'Encrypting…' : mode === 'create' ? 'Create wallet' : 'Import wallet'}
      </button>
    </form>
  )
}

/**
 * A form that asks for the wallet's password: the field's props, its refusal beside it (the lockout's
 * countdown while it runs, from the first render when the wallet is inside one, else the last refusal),
 * whether a check runs or the lockout holds the submit, and `check`, which runs `use` with the password.
 * `forget`: the field is emptied at once, whatever the answer (else once `use` succeeds).
 */
function usePasswordCheck(errorId: string) {
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const wallet = useWallet((s) => s.wallet)
  const lockout = usePasswordLockout(() => wallet?.passwordRetryAt() ?? null)
  const refusal = fieldProblem(errorId, lockout.notice ?? error, { className: 'form-error', alert: true })
  const check = async (e: FormEvent, use: (password: string) => Promise<void>, forget: boolean) => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    if (forget) setPassword('')
    try {
      await use(password)
      setPassword('')
    } catch (err) {
      if (!lockout.refused(err))
        setError(wrongPasswordText(err, wallet?.passwordFailures() ?? 0) ?? messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  return {
    password,
    field: {
      value: password,
      onChange: (e: ChangeEvent<HTMLInputElement>) => setPassword(e.target.value),
      ...refusal.input,
    },
    message: refusal.message,
    busy,
    /** A check runs or the lockout holds: the submit waits. */
    held: busy || lockout.locked,
    check,
  }
}

function Unlock() {
  const wallet = useWallet((s) => s.wallet)
  const prompt = useWallet((s) => s.unlockPrompt)
  // Read as the view turns locked (this form shows then): the wallet says why.
  const reason = wallet === null ? null : wallet.lockedBy()
  const form = usePasswordCheck('unlock-error')
  return (
    <>
      <form
        className="panel wallet-panel"
        onSubmit={(e) =>
          void form.check(
            e,
            async (password) => {
              await wallet?.unlock(password)
            },
            false,
          )
        }
        data-testid="unlock"
      >
        <h2>Unlock your wallet</h2>
        {wallet !== null && reason !== null && (
          <p className="muted" data-testid="locked-reason">
            {lockedReason(reason, wallet.idleMs)}
          </p>
        )}
        {prompt && <p className="notice">A request needs your wallet unlocked: unlock it to continue.</p>}
        <PasswordField label="Password" autoComplete="current-password" testId="password" {...form.field} />
        {form.message}
        <button
          type="submit"
          className="button button--primary"
          data-testid="unlock-button"
          disabled={form.held || form.password === ''}
        >
          {form.busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
      <Forgot />
    </>
  )
}

/** A field of the new-wallet form as `useFields` binds it: its input's props and the message beside it. */
type BoundField = ReturnType<ReturnType<typeof useFields<NewWalletFields>>['bind']>

/** The recovery phrase typed in (importing or restoring a wallet), its problem beside it. */
function PhraseField({ typed, testId }: { readonly typed: BoundField; readonly testId: string }) {
  return (
    <>
      <label className="field">
        <span>Recovery phrase (12 to 24 words)</span>
        <textarea
          className="input"
          rows={3}
          spellCheck={false}
          autoComplete="off"
          data-testid={testId}
          {...typed.props}
        />
      </label>
      {typed.message}
    </>
  )
}

/** A new password (`label`) and its repeat, each with its problem beside it (`testId`, `testId-again`). */
function NewPasswordFields({
  label,
  testId,
  password,
  again,
}: {
  readonly label: string
  readonly testId: string
  readonly password: BoundField
  readonly again: BoundField
}) {
  return (
    <>
      <PasswordField
        label={`${label} (at least ${MIN_PASSWORD_LENGTH} characters)`}
        autoComplete="new-password"
        testId={testId}
        {...password.props}
      />
      {password.message}
      <PasswordField
        label="Repeat it"
        autoComplete="new-password"
        testId={`${testId}-again`}
        {...again.props}
      />
      {again.message}
    </>
  )
}

/**
 * "Forgot your password?" under the unlock form: the recovery phrase and a new password restore the
 * wallet (`Wallet.restore`), which replaces the vault without opening it. What a restore would lose (the
 * phrase is another wallet's, or accounts imported by private key) is said first, and a second button
 * restores anyway; changing a field withdraws that confirmation.
 */
function Forgot() {
  const wallet = useWallet((s) => s.wallet)
  const [error, setError] = useState<string | null>(null)
  const [warning, setWarning] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const { fields, touched, touchAll, bind } = useFields<NewWalletFields>(
    { phrase: '', password: '', again: '' },
    () => {
      setError(null)
      setWarning(null)
    },
  )
  const ctx = { mode: 'import', created: '', saved: true } as const
  const problems = newWalletProblems(fields, ctx, touched)
  const field = (key: keyof NewWalletFields, id: string) =>
    bind(key, `${id}-problem`, problems[key], { className: 'form-error' })

  const form = useRef<HTMLFormElement>(null)
  const restore = async (confirmed: boolean): Promise<void> => {
    if (wallet === null) return
    setError(null)
    const parsed = parseNewWallet(fields, ctx)
    if (!parsed.ok) return touchAll(form.current)
    setBusy(true)
    try {
      await wallet.restore(parsed.value.mnemonic, parsed.value.password, confirmed)
    } catch (err) {
      if (err instanceof WalletError && err.type.code === 'WALLET_RESTORE_UNCONFIRMED')
        setWarning(`${err.type.reason.charAt(0).toUpperCase()}${err.type.reason.slice(1)}.`)
      else setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  const typed = field('phrase', 'restore-phrase')
  const password = field('password', 'restore-password')
  const again = field('again', 'restore-password-again')
  return (
    <details className="panel wallet-panel" data-testid="forgot">
      <summary data-testid="forgot-link">Forgot your password?</summary>
      <form
        ref={form}
        className="stack"
        onSubmit={(e) => {
          e.preventDefault()
          void restore(false)
        }}
        noValidate
      >
        <p className="muted">
          The password cannot be recovered, but your recovery phrase restores this wallet under a new
          password: its accounts come back, except those imported by private key, which only their keys
          restore. The old password stops working. Another wallet's phrase replaces this wallet, after asking
          first: its accounts go, only its own phrase brings them back, and its Activity is cleared.
        </p>
        <PhraseField typed={typed} testId="restore-phrase" />
        <NewPasswordFields label="New password" testId="restore-password" password={password} again={again} />
        {error !== null && (
          <p className="form-error" role="alert" data-testid="restore-error">
            {error}
          </p>
        )}
        {warning === null ? (
          <button type="submit" className="button button--primary" data-testid="restore" disabled={busy}>
            {busy ? 'Encrypting…' : 'Restore the wallet'}
          </button>
        ) : (
          <>
            <p className="notice" role="alert" data-testid="restore-warning">
              {warning}
            </p>
            <ReplaceWalletButton busy={busy} onClick={() => void restore(true)} />
          </>
        )}
      </form>
    </details>
  )
}

/** The restore's second button, once its warning said what is lost: styled as the irreversible step it is. */
export function ReplaceWalletButton({
  busy,
  onClick,
}: {
  readonly busy: boolean
  readonly onClick: () => void
}) {
  return (
    <button
      type="button"
      className="button button--danger"
      data-testid="restore-confirm"
      disabled={busy}
      onClick={onClick}
    >
      {busy ? 'Encrypting…' : 'Replace this wallet'}
    </button>
  )
}

function Unlocked() {
  const [tab, setTab] = useState<'send' | 'receive' | 'activity'>('send')
  return (
    <div className="wallet-grid">
      <Accounts />
      <section className="panel wallet-panel">
        <TabList
          id="wallet"
          label="Send, receive, activity"
          className="segmented"
          tabs={[
            { value: 'send', label: 'Send', testId: 'tab-send' },
            { value: 'receive', label: 'Receive', testId: 'tab-receive' },
            { value: 'activity', label: 'Activity', testId: 'tab-activity' },
          ]}
          selected={tab}
          onSelect={setTab}
        />
        <TabPanel id="wallet" value="send" selected={tab === 'send'}>
          <Send />
        </TabPanel>
        <TabPanel id="wallet" value="receive" selected={tab === 'receive'}>
          <Receive />
        </TabPanel>
        <TabPanel id="wallet" value="activity" selected={tab === 'activity'}>
          <Activity />
        </TabPanel>
      </section>
      <SwapLocks />
      <Secrets />
      <ExportKey />
    </div>
  )
}

/** Resolves at the node's next head (the `head` pushed to the store), as the faucet follows a payment. */
function nextHead(): Promise<void> {
  return new Promise((resolve) => {
    const stop = useApp.subscribe((state, previous) => {
      if (state.head === previous.head) return
      stop()
      resolve()
    })
  })
}

/** A faucet payment mined: to `to`, in block `block` (null when its receipt could not be read again). */
interface FaucetMined {
  readonly kind: 'mined'
  readonly hash: Hex
  readonly to: Address
  readonly block: bigint | null
}

/**
 * Where the last faucet payment stands, its hash opening the transaction's page from the moment it is
 * sent. Once mined, on a light (or upgrading) node whose verified balance (`verified`; null on a full
 * node) does not count its block yet, it says when it will (`verifiedLater`): the balance above reads
 * as before until then.
 */
export function FaucetNote({
  faucet,
  verified,
}: {
  readonly faucet: FaucetState | FaucetMined
  readonly verified: VerifiedBalances | null
}) {
  const later =
    faucet.kind === 'mined' && faucet.block !== null ? verifiedLater(faucet.block, verified) : null
  return (
    <p className="muted small" data-testid="faucet-sent" data-state={faucet.kind}>
      Faucet transfer {faucet.kind === 'mined' ? 'mined' : 'sent'}: <TxLink hash={faucet.hash} />
      {faucet.kind === 'no-miner' &&
        ` · not mined yet: no block for ${faucet.waitedMs / 1000} s, it waits for a miner (turn on Mining on the home screen)`}
      {later !== null && (
        <>
          {' · '}
          <span data-testid="verified-later">{later}</span>
        </>
      )}
    </p>
  )
}

/**
 * Why an account's balance grows with nothing in its Activity: this tab mines and pays its blocks to
 * that account (`mining.coinbase`, which the node names in lower case), `reward` (the chain's miner
 * reward, in wei) plus the fees of each block's transactions. Says which account, and where mining is
 * turned off. Nothing while the tab does not mine, mines to an address outside `accounts`, or the reward
 * is not known yet.
 */
export function MiningRewardsNote({
  mining,
  reward,
  accounts,
}: {
  readonly mining: MiningInfo | null
  readonly reward: bigint | undefined
  readonly accounts: readonly { readonly address: Address; readonly name: string }[]
}) {
  const paid =
    mining?.enabled === true
      ? accounts.find((a) => a.address.toLowerCase() === mining.coinbase.toLowerCase())
      : undefined
  if (paid === undefined || reward === undefined) return null
  return (
    <p className="muted small" data-testid="mining-rewards">
      This tab mines: each block it finds pays {formatCoin(reward)} to {paid.name}, plus the fees of the
      transactions in it. <Link to="/">Mining on the home screen</Link> turns it off.
    </p>
  )
}

function Accounts() {
  const { wallet, view, balances, balancesAt, backend } = useWallet()
  // Keeps the hashes of the faucet payments asked for here (`faucetPayments`).
  const faucetPaid = useWallet((s) => s.faucet?.add ?? null)
  const mining = useApp((s) => s.mining)
  const reward = useApp((s) => s.chain?.params.minerReward)
  const light = useApp((s) => s.mode !== null && s.mode.kind !== 'full')
  const confirmations = useApp((s) => s.chain?.params.confirmations)
  const directPeers = useApp(directPeerCount)
  const [renaming, setRenaming] = useState<Address | null>(null)
  const [name, setName] = useState('')
  const [importing, setImporting] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const imported = useFields<ImportKeyFields>({ key: '' }, () => setError(null))
  // Where the last faucet payment stands: followed until mined (then `mined`).
  const [faucet, setFaucet] = useState<FaucetState | FaucetMined | null>(null)
  if (wallet === null) return null
  // The paid account's verified balance, on a node whose balances are proven k deep.
  const verified =
    light && confirmations !== undefined && faucet?.kind === 'mined'
      ? { at: balancesAt[faucet.to.toLowerCase()], confirmations }
      : null
  const accounts = view.accounts.map((a) => a.address)
  const key = imported.bind(
    'key',
    'import-key-problem',
    importKeyProblems(imported.fields, accounts, imported.touched).key,
    { className: 'form-error' },
  )
  const run = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(null)
    try {
      await fn()
    } catch (err) {
      setError(messageOf(err))
    }
  }
  return (
    <section className="panel wallet-panel" aria-label="Accounts">
      <h2>Accounts</h2>
      <ul className="accounts" data-testid="accounts">
        {view.accounts.map((a) => (
          <li key={a.address} className="account" aria-current={a.address === view.selected}>
            {renaming === a.address ? (
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault()
                  void run(async () => {
                    await wallet.renameAccount(a.address, name)
                    setRenaming(null)
                  })
                }}
              >
                <input
                  className="input"
                  value={name}
                  aria-label="Account name"
                  onChange={(e) => setName(e.target.value)}
                />
                <button type="submit" className="button button--small">
                  Save
                </button>
              </form>
            ) : (
              <button
                type="button"
                className="account__main"
                onClick={() => void run(() => wallet.select(a.address))}
              >
                <span className="account__name">
                  {a.name}
                  {a.source.kind === 'imported' && <span className="tag tag--ghost">imported</span>}
                </span>
                <span
                  className="mono small"
                  data-testid={a.address === view.selected ? 'selected-address' : undefined}
                >
                  {a.address}
                </span>
                <span
                  className="small"
                  data-testid={a.address === view.selected ? 'selected-balance' : undefined}
                >
                  {walletBalance(
                    balances[a.address.toLowerCase()],
                    balancesAt[a.address.toLowerCase()],
                    light,
                    directPeers,
                  )}
                </span>
              </button>
            )}
            {renaming !== a.address && (
              <button
                type="button"
                className="button button--small"
                onClick={() => {
                  setRenaming(a.address)
                  setName(a.name)
                }}
              >
                Rename
              </button>
            )}
          </li>
        ))}
      </ul>
      <MiningRewardsNote mining={mining} reward={reward} accounts={view.accounts} />
      <Tokens />
      <div className="row">
        <button
          type="button"
          className="button button--small"
          data-testid="add-account"
          onClick={() => void run(() => wallet.addAccount())}
        >
          Add account
        </button>
        <button type="button" className="button button--small" onClick={() => setImporting(!importing)}>
          Import private key
        </button>
        {backend !== null && view.selected !== null && (
          <button
            type="button"
            className="button button--small"
            data-testid="faucet"
            onClick={() =>
              void run(async () => {
                const to = view.selected as Address
                // Shown as soon as it is sent (again, with its new hash, if another payment took its nonce),
                // and said to wait for a miner while no block comes; looked for on each new head.
                // Each hash it is sent with is kept: its Activity row reads "from the faucet", after a reload too.
                const hash = await requestFaucet(backend, to, {
                  nextHead,
                  onState: setFaucet,
                  ...(faucetPaid === null ? {} : { paid: faucetPaid }),
                })
                // Its block: when a balance proven k deep counts it.
                const block = await backend.receipt(hash).then(
                  (r) => r?.blockNumber ?? null,
                  () => null,
                )
                setFaucet({ kind: 'mined', hash, to, block })
              })
            }
          >
            Get {formatCoin(FAUCET_AMOUNT)} (devnet faucet)
          </button>
        )}
      </div>
      {faucet !== null && <FaucetNote faucet={faucet} verified={verified} />}
      {importing && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            const parsed = parseImportKey(imported.fields, accounts)
            if (!parsed.ok) return imported.touchAll(e.currentTarget)
            void run(async () => {
              await wallet.importPrivateKey(parsed.value)
              imported.reset(() => ({ key: '' }))
              setImporting(false)
            })
          }}
          noValidate
        >
          <label className="field">
            <span>Private key (0x and 64 hex digits)</span>
            <input
              className="input mono"
              type="password"
              autoComplete="off"
              placeholder="0x…"
              data-testid="import-key"
              {...key.props}
            />
          </label>
          <button type="submit" className="button button--small">
            Import
          </button>
          {key.message}
        </form>
      )}
      {error !== null && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

/** The selected account's token balances, in the tokens' own units. */
function Tokens() {
  const tokens = useWallet((s) => s.tokens)
  const at = useWallet((s) => s.tokensAt)
  const light = useApp((s) => s.mode !== null && s.mode.kind !== 'full')
  const directPeers = useApp(directPeerCount)
  return <TokenRows tokens={tokens} at={at} light={light} directPeers={directPeers} />
}

/**
 * The selected account's token balances under its coin balance, marked as the coin is: on a light (or
 * upgrading) node with the header they were proven at (`at`).
 */
export function TokenRows({
  tokens,
  at,
  light,
  directPeers,
}: {
  readonly tokens: readonly TokenHolding[]
  readonly at: bigint | undefined
  readonly light: boolean
  readonly directPeers: number
}) {
  if (tokens.length === 0) return null
  return (
    <ul className="accounts small" data-testid="token-balances" aria-label="Token balances">
      {tokens.map((holding) => (
        <li key={holding.token.address} className="row" data-testid={`token-balance-${holding.token.symbol}`}>
          <span>
            <GroupedAmount text={tokenBalance(holding, at, light, directPeers)} />
          </span>
          <span className="muted">{holding.token.name}</span>
        </li>
      ))}
    </ul>
  )
}

function Send() {
  const { provider, view, balances, tokens } = useWallet()
  const [error, setError] = useState<string | null>(null)
  const { fields, touched, touchAll, reset, bind } = useFields<SendFields>(
    { to: '', asset: 'TAB', amount: '' },
    () => setError(null),
  )
  const [sent, setSent] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const from = view.selected
  if (provider === null || from === null) return null
  // Not read yet: not taken for zero (the wallet checks the balance before it signs).
  const balance = balances[from.toLowerCase()] ?? null
  const problems = sendProblems(fields, { tokens, balance }, touched)
  const field = (key: keyof SendFields) =>
    bind(key, `send-${key}-problem`, problems[key], { className: 'form-error' })

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    if (busy) return
    setError(null)
    setSent(null)
    const parsed = parseSend(fields, { tokens, balance })
    if (!parsed.ok) return touchAll(e.currentTarget)
    const { to: target, token, value } = parsed.value
    const request =
      token === null
        ? { from, to: target, value: `0x${value.toString(16)}` }
        : {
            from,
            to: token.token.address,
            data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [target, value] }),
          }
    setBusy(true)
    try {
      // The wallet's fee cap is twice the next base fee plus the tip (eth_gasPrice is base + tip).
      const [gasPrice, tip] = (
        await Promise.all([
          provider.request({ method: 'eth_gasPrice' }),
          provider.request({ method: 'eth_maxPriorityFeePerGas' }),
        ])
      ).map((v) => BigInt(v as string)) as [bigint, bigint]
      // A coin transfer costs 21,000 gas; a token transfer is simulated (it may need a new balance slot).
      const gas =
        token === null
          ? 21_000n
          : BigInt((await provider.request({ method: 'eth_estimateGas', params: [request] })) as string)
      const maxFee = gas * (2n * (gasPrice - tip) + tip)
      const native = token === null ? value : 0n
      if (balance !== null && native + maxFee > balance)
        return setError(
          `Insufficient balance: you have ${formatCoin(balance)}; this needs ${formatCoin(native)} plus a fee of up to ${formatCoin(maxFee)}.`,
        )
      const hash = (await provider.request({ method: 'eth_sendTransaction', params: [request] })) as string
      setSent(hash)
      reset((f) => ({ ...f, amount: '' }))
    } catch (err) {
      setError(
        err instanceof ProviderRpcError && err.code === 4001
          ? 'Cancelled.'
          : (lockedMessage(err) ?? messageOf(err)),
      )
    } finally {
      setBusy(false)
    }
  }

  const to = field('to')
  const asset = field('asset')
  const amount = field('amount')
  return (
    <form className="stack" onSubmit={(e) => void submit(e)} data-testid="send" noValidate>
      <label className="field" htmlFor="send-to">
        <span>To</span>
        <AddressInput id="send-to" data-testid="send-to" placeholder="0x…" {...to.props} />
      </label>
      {to.message}
      <label className="field">
        <span>Asset</span>
        <select className="input" data-testid="send-asset" {...asset.props}>
          <option value="TAB">TAB</option>
          {tokens.map(({ token }) => (
            <option key={token.address} value={token.address}>
              {token.symbol} ({token.name})
            </option>
          ))}
        </select>
      </label>
      {asset.message}
      <label className="field">
        <span>Amount</span>
        <input
          className="input"
          data-testid="send-amount"
          inputMode="decimal"
          placeholder="0.0"
          {...amount.props}
        />
      </label>
      {amount.message}
      {error !== null && (
        <p className="form-error" role="alert" data-testid="send-error">
          {error}
        </p>
      )}
      {sent !== null && (
        <p className="muted small" role="status" data-testid="send-ok">
          Sent: <TxLink hash={sent} />
        </p>
      )}
      {/* Busy: aria-disabled, not disabled, which would drop the focus (the dialog gives it back here). */}
      <button type="submit" className="button button--primary" data-testid="send-button" aria-disabled={busy}>
        {busy ? 'Waiting for approval…' : 'Review and send'}
      </button>
    </form>
  )
}

function Receive() {
  const selected = useWallet((s) => s.view.selected)
  const { copied, copy } = useCopy(selected ?? '')
  if (selected === null) return null
  const svg = encodeQR(selected, 'svg', { ecc: 'medium', border: 2 })
  return (
    <div className="stack receive" data-testid="receive">
      <img
        className="qr"
        alt={`QR code of ${selected}`}
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      />
      <p className="mono break" data-testid="receive-address">
        {selected}
      </p>
      <button type="button" className="button button--small" onClick={copy}>
        <span aria-live="polite">{copied ? 'Copied' : 'Copy address'}</span>
      </button>
    </div>
  )
}

/**
 * What the wallet sent and what the selected account received (a full node's index lists it — from past
 * its snapshot's block, on a node started from one; a light or upgrading node's full peer, each row
 * proven: the note says so).
 */
function Activity() {
  const activity = useWallet((s) => s.activity)
  const received = useWallet((s) => s.received)
  const locks = useWallet((s) => s.receivedLocks)
  const damaged = useWallet((s) => s.activityDamaged)
  const selected = useWallet((s) => s.view.selected)
  const head = useApp((s) => s.head?.number)
  const mode = useApp((s) => s.mode)
  const behind = useApp(catchingUp)
  const ours = received !== null && received.account === selected ? received : null
  const rows = mergeActivity(activity, ours === null ? [] : shownReceived(ours.account, ours.items, locks))
  const blockTimes = useBlockTimes(rows.map((r) => r.item.blockNumber))
  // Where a full node's own index starts: past a snapshot's block, on a node started from one (a light
  // node's base is its oldest header, and its list a full peer's).
  const base = useNodeQuery((api) => api.blocksFrom(), [])
  const after = mode?.kind === 'full' && base !== null && 'value' in base ? base.value : 0n
  return (
    <ActivityList
      rows={rows}
      blockTimes={blockTimes}
      head={head}
      note={receivedNote(mode, ours?.unread, receivedFrom(ours), after)}
      receivedAfter={after}
      receivedRead={ours !== null && ours.unread === undefined}
      damaged={damagedNote(damaged)}
      catchingUp={behind}
    />
  )
}

/** Reveals the recovery phrase against the password. */
function Secrets() {
  const wallet = useWallet((s) => s.wallet)
  const [phrase, setPhrase] = useState<string | null>(null)
  const form = usePasswordCheck('reveal-error')
  if (wallet === null) return null
  return (
    <details className="panel wallet-panel">
      <summary>Show recovery phrase</summary>
      {phrase === null ? (
        <form
          className="inline-form"
          onSubmit={(e) =>
            void form.check(e, async (password) => setPhrase(await wallet.revealMnemonic(password)), true)
          }
        >
          <PasswordField label="Your wallet password" autoComplete="current-password" {...form.field} />
          <button type="submit" className="button button--small" disabled={form.held}>
            Reveal
          </button>
        </form>
      ) : (
        <>
          <p className="mono phrase-text" data-testid="revealed-phrase">
            {phrase}
          </p>
          <button type="button" className="button button--small" onClick={() => setPhrase(null)}>
            Hide
          </button>
        </>
      )}
      {form.message}
    </details>
  )
}

/**
 * Shows an imported account's private key against the password, until hidden. An account of the phrase
 * is not listed: the recovery phrase restores it.
 */
function ExportKey() {
  const wallet = useWallet((s) => s.wallet)
  const view = useWallet((s) => s.view)
  const [chosen, setChosen] = useState<Address | null>(null)
  const [key, setKey] = useState<Hex | null>(null)
  const form = usePasswordCheck('export-key-error')
  const accounts = view.accounts.filter((a) => a.source.kind === 'imported')
  if (wallet === null || accounts.length === 0) return null
  const account = accounts.find((a) => a.address === chosen) ?? accounts[0]
  if (account === undefined) return null
  return (
    <details className="panel wallet-panel" data-testid="export-key">
      <summary>Export private key</summary>
      <p className="muted small">
        For an imported account. The accounts of your recovery phrase need no export: the phrase restores
        them.
      </p>
      {key === null ? (
        <form
          className="inline-form"
          onSubmit={(e) =>
            void form.check(
              e,
              async (password) => setKey(await wallet.exportPrivateKey(account.address, password)),
              true,
            )
          }
        >
          <label className="field">
            <span>Account</span>
            <select
              className="input"
              data-testid="export-key-account"
              value={account.address}
              onChange={(e) => setChosen(e.target.value as Address)}
            >
              {accounts.map((a) => (
                <option key={a.address} value={a.address}>
                  {a.name} ({a.address})
                </option>
              ))}
            </select>
          </label>
          <PasswordField
            label="Your wallet password"
            autoComplete="current-password"
            testId="export-key-password"
            {...form.field}
          />
          <button type="submit" className="button button--small" disabled={form.held}>
            Export
          </button>
        </form>
      ) : (
        <>
          <p className="small">{account.name}'s private key: anyone who has it controls the account.</p>
          <p className="mono break" data-testid="exported-key">
            {key}
          </p>
          <button type="button" className="button button--small" onClick={() => setKey(null)}>
            Hide
          </button>
        </>
      )}
      {form.message}
    </details>
  )
}

import { useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import type { Address } from 'viem'
import type { ChainParams } from '../../node/chain/types'
import { type ModePin, parseModePin } from '../../node/light/mode'
import type { RelayStatus } from '../../node/network/types'
import type { StorageStatus } from '../../node/storage/storage-quota'
import type { CheckpointConflict } from '../../node/sync/checkpoint-conflict'
import { formatCoin } from '../../wallet/amount'
import { AddressLink, UnprovenNote } from '../components/explorer'
import { useIsOnline } from '../components/Header'
import { PeerId } from '../components/PeerId'
import { RetryRelayButton } from '../components/RetryRelayButton'
import {
  checkpointConflictNote,
  describeRelay,
  describeSync,
  formatBytes,
  formatDuration,
  peerCountLabel,
  peersNote,
  readableCoin,
  unprovenRead,
  verifiedNote,
} from '../format'
import { useHeadAge } from '../head-age'
import {
  type BalanceRead,
  blockPace,
  type HomeChainView,
  homeChainView,
  MODE_CHOICES,
  miningWords,
  modeHint,
  modeWords,
  pinNotSavedNote,
} from '../home-chain'
import { saveModePin, storedModePin } from '../mode-setting'
import { useProofRetry } from '../proof-retry'
import { createQueryRunner, type QueryRunner } from '../query-runner'
import { useAccount } from '../signer/account'
import { storageReadKey } from '../storage-card'
import { directPeerCount, toldHeadCount, useApp } from '../store'
import { useNow } from '../useNow'
import { useWallet } from '../wallet-session'

/** Overview: what this tab is, and the node's status at a glance. */
export function HomeScreen() {
  const profile = useApp((s) => s.profile)
  const network = useApp((s) => s.network)
  const online = useIsOnline()
  const now = useNow(1000, network?.relay.state === 'unreachable')
  const peers = network?.peers ?? []
  const relay = describeRelay(network?.relay ?? null, now)
  // A light (or still upgrading) node holds headers only: its reads are proven by full peers.
  const light = useApp((s) => s.mode !== null && s.mode.kind !== 'full')

  return (
    <div className="screen">
      <section className="hero">
        <p className="eyebrow">Your node</p>
        <h1>This tab is a Tabchain node</h1>
        <p className="lead" data-testid="node-intro">
          {light
            ? 'It checks the chain’s headers on this device and proves what it shows against them with data from full peers, '
            : 'It keeps its own copy of the chain on this device '}
          and talks to other tabs directly over WebRTC. The only server is a small relay that introduces peers
          to each other — it never sees your data.
        </p>
        <div className="hero__actions">
          <a className="button button--primary" href="/" target="_blank" rel="noopener">
            Open another node
          </a>
          <Link className="button" to="/network">
            View peers
          </Link>
        </div>
      </section>

      <section className="cards" aria-label="Node status">
        <article className="card">
          <h2 className="card__label">Identity</h2>
          <p className="card__value">{profile?.name ?? '—'}</p>
          {network?.peerId ? (
            <PeerId peerId={network.peerId} withIcon />
          ) : (
            <p className="muted">Assigning…</p>
          )}
        </article>
        <article className="card">
          <h2 className="card__label">Relay</h2>
          <p className="card__value">
            <span className={`dot dot--${relay.tone}`} aria-hidden="true" /> {relay.short}
          </p>
          <p className="muted small">{relayHint(network?.relay.state, relay.next)}</p>
          <RetryRelayButton />
        </article>
        <article className="card">
          <h2 className="card__label">Peers</h2>
          <p className="card__value">{peerCountLabel(peers.length)}</p>
          <p className="muted small" data-testid="peers-note">
            {peersNote(network, online)}
          </p>
        </article>
        <article className="card">
          <h2 className="card__label">Profile created</h2>
          <p className="card__value">{profile ? <Age since={profile.createdAt} /> : '—'}</p>
          <p className="muted small">Each tab runs its own profile; reloading keeps it.</p>
        </article>
      </section>

      <ChainCards />

      <section className="next">
        <h2>What you can do here</h2>
        <ul className="feature-list">
          <li>
            <Link to="/wallet">Wallet</Link> — hold coins and tokens with keys that never leave this browser.
          </li>
          <li>
            <Link to="/tokens">Tokens</Link> — create your own token and send it to anyone.
          </li>
          <li>
            <Link to="/market">Market</Link> — trade tokens with other tabs through atomic swaps.
          </li>
          <li>
            <Link to="/explorer">Explorer</Link> — look through blocks, transactions and accounts.
          </li>
        </ul>
      </section>
    </div>
  )
}

/** The chain as this node sees it: head, difficulty, and the miner with its switch. */
function ChainCards() {
  const api = useApp((s) => s.api)
  const chain = useApp((s) => s.chain)
  const light = useApp((s) => s.mode !== null && s.mode.kind !== 'full')
  const read = useBalanceRead()
  const devnet = useAccount((s) => (s.wallet === null ? (s.signer?.label ?? null) : null))
  const address = useAccount((s) => s.signer?.address ?? null)
  // The wallet's name for its selected account, as its Wallet screen lists it (the signer's label adds "(wallet)").
  const named = useWallet((s) => s.view.accounts.find((a) => a.address === s.view.selected)?.name ?? null)
  const name = devnet ?? named
  const view = homeChainView(
    useApp((s) => s.head),
    read,
    light,
  )
  const head = view.head
  const [storage, setStorage] = useState<StorageStatus | null>(null)
  const readKey = storageReadKey(
    head?.number ?? null,
    useApp((s) => s.persistence),
  )
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-read at each new key (storageReadKey), not on each block.
  useEffect(() => {
    // Only the latest read shows: an earlier one answering late could say "not kept" over the grant's.
    let current = true
    api?.storage().then(
      (status) => current && setStorage(status),
      () => current && setStorage(null),
    )
    return () => {
      current = false
    }
  }, [api, readKey])
  const mining = useApp((s) => s.mining)
  const setMining = useApp((s) => s.setMining)
  const miningText = miningWords(mining?.enabled ?? false, mining?.hashrate ?? 0)
  return (
    <section className="cards" aria-label="Chain">
      <article className="card" data-testid="chain-head" data-number={head?.number.toString() ?? ''}>
        <h2 className="card__label">Latest block</h2>
        <p className="card__value">{head ? `#${head.number.toLocaleString()}` : '—'}</p>
        {/* A light node holds headers only: it does not know how many transactions a block holds. */}
        {head === null || head.txCount === null ? null : (
          <p className="muted small" data-testid="head-tx-count">
            {`${head.txCount === 0 ? 'No' : head.txCount.toLocaleString()} ${head.txCount === 1 ? 'transaction' : 'transactions'} in it`}
          </p>
        )}
        <p className="muted small mono short-hex" title={head?.hash}>
          {head ? `${head.hash.slice(0, 10)}…${head.hash.slice(-6)}` : 'Starting…'}
        </p>
        {chain && (
          <p className="muted small" data-testid="chain-name" data-chain-id={chain.params.chainId}>
            Network {chain.name} (chain id {chain.params.chainId})
          </p>
        )}
      </article>
      <BalanceCard
        view={view}
        light={light}
        devnet={devnet}
        account={address === null || name === null ? null : { name, address }}
      />
      <SyncCard />
      <PaceCard params={chain?.params ?? null} difficulty={head?.difficulty ?? null} />
      <article className="card" data-testid="storage">
        <h2 className="card__label">Stored on this device</h2>
        <p className="card__value">{storage?.usage === undefined ? '—' : formatBytes(storage.usage)}</p>
        <p className="muted small">
          {storage?.quota === undefined
            ? 'In this browser’s storage (IndexedDB)'
            : `of ${formatBytes(storage.quota)} this browser lets it use`}
          {storage?.persisted === true ? ' · kept by the browser: not cleared to free space' : ''}
        </p>
      </article>
      <article className="card" data-testid="mining" data-enabled={String(mining?.enabled ?? false)}>
        <h2 className="card__label">Mining</h2>
        <p className="card__value">{mining === null ? '—' : miningText.value}</p>
        {mining === null ? null : (
          <p className="muted small" data-testid="mining-rate">
            {miningText.detail}
          </p>
        )}
        <label className="switch small">
          <input
            type="checkbox"
            checked={mining?.enabled ?? false}
            disabled={mining === null}
            onChange={(e) => setMining(e.currentTarget.checked)}
          />{' '}
          {mining
            ? `Mine on this tab (${Math.round(mining.dutyCycle * 100)} % of one core at most)`
            : 'Mine on this tab'}
        </label>
        {mining && (
          <p className="muted small" data-testid="coinbase" data-address={mining.coinbase}>
            Rewards go to <AddressLink address={mining.coinbase} />
          </p>
        )}
      </article>
      <ModeCard />
    </section>
  )
}

/** The pins the mode card offers, in its select's order. */
const MODE_PINS: readonly ModePin[] = ['auto', 'light', 'full']

/**
 * The node's mode (light / upgrading n % / full) and the profile's pin, applied from the next load, and
 * whether the address's `?mode=` set this load's (`modeWords`).
 */
function ModeCard() {
  const mode = useApp((s) => s.mode)
  const running = useApp((s) => s.modePin)
  const fromAddress = useApp((s) => s.modeFromAddress)
  const profileId = useApp((s) => s.profile?.id)
  const [pin, setPin] = useState<ModePin>('auto')
  const [notSaved, setNotSaved] = useState<ModePin | null>(null)
  const words = modeWords(mode, pin, running, fromAddress)
  useEffect(() => {
    if (profileId !== undefined) setPin(storedModePin(profileId))
  }, [profileId])
  return (
    <article className="card card--mode" data-testid="node-mode" data-mode={mode?.kind ?? ''}>
      <h2 className="card__label">Mode</h2>
      <p className="card__value">{words.value}</p>
      {mode?.kind === 'upgrading' ? (
        <progress className="sync-progress" max={100} value={mode.percent} aria-label="Upgrade to full" />
      ) : null}
      <p className="muted small">{mode === null ? 'Starting…' : modeHint(mode)}</p>
      <label className="small mode-pin">
        {words.before}{' '}
        <select
          className="input input--inline"
          value={pin}
          disabled={profileId === undefined}
          onChange={(e) => {
            const next = parseModePin(e.currentTarget.value)
            if (next === undefined || profileId === undefined) return
            // Refused, the pin saved before (what the next load starts in) is still stored.
            setNotSaved(saveModePin(profileId, next) ? null : storedModePin(profileId))
            setPin(next)
          }}
        >
          {MODE_PINS.map((p) => (
            <option key={p} value={p}>
              {MODE_CHOICES[p]}
            </option>
          ))}
        </select>
        {words.after}
      </label>
      {notSaved === null ? null : (
        <p className="form__error small" role="alert" data-testid="mode-pin-not-saved">
          {pinNotSavedNote(notSaved)}
        </p>
      )}
      {words.note === undefined ? null : (
        <p className="muted small" data-testid="mode-from-address">
          {words.note}
        </p>
      )}
    </article>
  )
}

/**
 * This tab's account balance, read on every head (and mode change, and when the account changes), and
 * again while no peer proved it (`useProofRetry`): the head the screen showed when it asked, and the
 * answer. One read at a time (`createQueryRunner`). Null until the first answer for this account.
 */
function useBalanceRead(): BalanceRead | null {
  const api = useApp((s) => s.api)
  const head = useApp((s) => s.head)
  const mode = useApp((s) => s.mode?.kind)
  const profileId = useApp((s) => s.profile?.id)
  const load = useAccount((s) => s.load)
  const address = useAccount((s) => s.signer?.address)
  useEffect(() => {
    if (profileId !== undefined) load(profileId)
  }, [profileId, load])
  const [read, setRead] = useState<AccountRead | null>(null)
  const runner = useRef<QueryRunner<AccountRead> | null>(null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new node or account gets a runner of its own (the old one's answer dropped).
  useEffect(() => {
    const r = createQueryRunner<AccountRead>((answer) => {
      if (answer !== null && 'value' in answer) setRead(answer.value)
    })
    runner.current = r
    return () => r.close()
  }, [api, address])
  const retry = useProofRetry(read, read !== null && 'error' in read.result ? read.result.error : null)
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again on every new head (its hash), mode change and retry, not on each push of the same head.
  useEffect(() => {
    if (api === null) return
    const askedAt = head
    runner.current?.run(() =>
      (address === undefined ? Promise.resolve(null) : api.verifiedAccount(address)).then(
        (value): AccountRead => ({ address, askedAt, result: { value } }),
        (err: unknown): AccountRead => ({
          address,
          askedAt,
          result: { error: err instanceof Error ? err.message : String(err) },
        }),
      ),
    )
  }, [api, head?.hash, mode, address, retry])
  // An answer about the account the tab acted with before (a wallet just created) is not this one's.
  return read !== null && read.address === address ? read : null
}

/** A balance read with the account it is of. */
type AccountRead = BalanceRead & { readonly address: string | undefined }

/**
 * This tab's account balance as a verified read: on a light node proven against a header k deep
 * ("verified at #n"), on a full node from the state it executed at the head the head card shows. An
 * unverified balance is never shown, only why (on a light tab with no peer yet, that it waits for one).
 * Until a wallet exists the tab acts with a public devnet key, which the card says: anyone can spend
 * from it. Whose balance it is comes first, as the Wallet names the account: its name and short address.
 */
export function BalanceCard({
  view,
  light,
  devnet,
  account,
}: {
  readonly view: HomeChainView
  readonly light: boolean
  /** The devnet account the tab acts with ('Devnet account 3'), null once a wallet exists. */
  readonly devnet: string | null
  /** The account whose balance it is ('Account 1', the wallet's name for it); null or absent: none yet. */
  readonly account?: { readonly name: string; readonly address: Address } | null
}) {
  const directPeers = useApp(directPeerCount)
  const proven = view.balance
  // No peer proved it: plain words, the light client's own folded under Details (not while alone, a wait).
  const unproven = view.error === null || (light && directPeers === 0) ? null : unprovenRead(view.error)
  return (
    <article
      className="card"
      data-testid="verified-balance"
      data-verified={String(proven !== null)}
      data-number={proven?.number.toString() ?? ''}
    >
      <h2 className="card__label">Your balance</h2>
      {account != null && (
        <p className="small" data-testid="balance-account">
          {account.name} · <AddressLink address={account.address} />
        </p>
      )}
      <p className="card__value">{proven === null ? '—' : <ReadableCoin wei={proven.value.balance} />}</p>
      {unproven !== null ? (
        <div className="muted small" data-testid="balance-unproven">
          <UnprovenNote read={unproven} />
        </div>
      ) : (
        <p className="muted small" title={proven?.hash}>
          {view.error !== null
            ? // A light tab not linked yet has no one to ask for the proof: a wait, not a fault to spell out.
              light && directPeers === 0
              ? 'Not verified yet: waiting for a peer to prove it.'
              : `Not verified yet: ${view.error}`
            : proven === null
              ? 'Verifying…'
              : light
                ? verifiedNote(proven.number, directPeers)
                : `as of block #${proven.number.toLocaleString()}, from this node’s own copy of the chain`}
        </p>
      )}
      {devnet !== null && (
        <p className="muted small" data-testid="devnet-key-note">
          {devnet}, a shared devnet test key that anyone can spend from:{' '}
          <Link to="/wallet" className="inline-link">
            create a wallet
          </Link>{' '}
          for an account of your own.
        </p>
      )}
    </article>
  )
}

/**
 * A balance rounded for reading (`readableCoin`), its exact amount one step away: in its title (on
 * hover) and as what a screen reader reads. Shown whole when nothing is rounded away.
 */
function ReadableCoin({ wei }: { readonly wei: bigint }) {
  const exact = formatCoin(wei)
  const shown = readableCoin(wei)
  if (shown === exact) return <span data-testid="balance-amount">{exact}</span>
  return (
    <span data-testid="balance-amount" data-exact={exact} title={`Exactly ${exact}`}>
      <span aria-hidden="true">{shown}</span>
      <span className="visually-hidden">{exact}</span>
    </span>
  )
}

/**
 * The block-pace card: how often a new block comes (`blockPace`), the head's exact difficulty in its
 * detail line.
 */
export function PaceCard({
  params,
  difficulty,
}: {
  readonly params: Pick<ChainParams, 'targetBlockTimeMs' | 'fixedDifficulty'> | null
  readonly difficulty: bigint | null
}) {
  const pace = blockPace(params, difficulty)
  return (
    <article className="card" data-testid="block-pace">
      <h2 className="card__label">New blocks</h2>
      <p className="card__value">{pace.value}</p>
      <p className="muted small">{pace.detail}</p>
    </article>
  )
}

/**
 * Sync progress as the node pushes it: a bar of how much of the best peer's chain this node holds. It
 * reads the sync status itself, so that each step of a catch-up renders this card alone.
 */
function SyncCard() {
  const syncing = useApp((s) => s.syncing)
  const conflict = useApp((s) => s.checkpointConflict)
  const directPeers = useApp(directPeerCount)
  const told = useApp(toldHeadCount)
  const offline = useApp((s) => s.network?.relay.state === 'offline')
  const headKnown = useApp((s) => s.head !== null)
  const mode = useApp((s) => s.mode)
  const wait = useApp((s) => s.syncWait)
  const asked = useApp((s) => s.syncAsked)
  const now = useNow(1000, headKnown)
  const age = useHeadAge(now)
  const view = describeSync(
    syncing,
    directPeers,
    offline,
    age,
    mode,
    wait === null || age === undefined
      ? null
      : { peerId: wait.peerId, silentMs: now - wait.since, headNumber: age.headNumber },
    asked === null || age === undefined
      ? null
      : { peerId: asked.peerId, silentMs: now - asked.since, headNumber: age.headNumber },
    told,
  )
  if (view.kind === 'idle') {
    return (
      <article className="card" data-testid="sync" data-syncing="false" data-peers={directPeers}>
        <h2 className="card__label">Sync</h2>
        <p className="card__value">{view.value}</p>
        <p className="muted small">{view.detail}</p>
        <CheckpointConflictNote conflict={conflict} />
      </article>
    )
  }
  return (
    <article
      className="card"
      data-testid="sync"
      data-syncing="true"
      data-current={view.currentBlock.toString()}
      data-highest={view.highestBlock.toString()}
    >
      <h2 className="card__label">Syncing</h2>
      <p className="card__value">{view.percent} %</p>
      <progress
        className="sync-progress"
        max={100}
        value={view.percent}
        aria-label={`Synced ${view.percent} % of the chain`}
      />
      <p className="muted small">
        Block #{view.currentBlock.toLocaleString()} of #{view.highestBlock.toLocaleString()}
      </p>
      <CheckpointConflictNote conflict={conflict} />
    </article>
  )
}

/** The sync card's line on a peer whose chain disagrees with this tab's checkpoint, if one did. */
function CheckpointConflictNote({ conflict }: { readonly conflict: CheckpointConflict | null }) {
  if (conflict === null) return null
  return (
    <p className="small" data-testid="checkpoint-conflict" data-outcome={conflict.outcome}>
      {checkpointConflictNote(conflict)}
    </p>
  )
}

/** One line under the relay card: what the relay state means for the user. */
function relayHint(state: RelayStatus['state'] | undefined, next: string): string {
  switch (state) {
    case 'connected':
      return 'Other tabs can find this node.'
    case 'unreachable':
      return `${next} Direct links to peers keep working.`
    case 'offline':
      return 'Peers reconnect when the network is back.'
    default:
      return 'Looking for the relay that introduces peers.'
  }
}

function Age({ since }: { readonly since: number }) {
  const now = useNow(60_000)
  const ms = now - since
  return (
    <span title={new Date(since).toLocaleString()}>
      {ms < 60_000 ? 'just now' : `${formatDuration(ms)} ago`}
    </span>
  )
}

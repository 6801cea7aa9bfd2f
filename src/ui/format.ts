import { multiaddr } from '@multiformats/multiaddr'
import type { NodeMode } from '../node/light/mode'
import type {
  DirectDialStatus,
  NetworkSnapshot,
  PeerInfo,
  RelayProblem,
  RelayStatus,
} from '../node/network/types'
import type { CheckpointConflict } from '../node/sync/checkpoint-conflict'
import type { SyncStatus } from '../node/sync/syncer'
import type { TokenHolding } from '../node/worker/queries'
import { formatAmount, formatCoin, NATIVE_DECIMALS, NATIVE_SYMBOL } from '../wallet/amount'
import { shortHash, showHidden } from '../wallet/describe'
import { formatDuration } from '../wallet/duration'

/** Re-exported: the approval dialog (src/wallet) says a block's time to it in the same words. */
export { formatDuration }

/**
 * Short form of a base58 peer id for display: first and last four characters, `12D3…x7Qa`.
 * Ids of nine characters or fewer are returned whole.
 */
export function shortPeerId(peerId: string): string {
  return peerId.length <= 9 ? peerId : `${peerId.slice(0, 4)}…${peerId.slice(-4)}`
}

/**
 * How deep a transaction's block is, with its unit: `1 confirmation` (in the head block), `4 confirmations`.
 * A bare `(4)` beside "Confirmed" left the user guessing what was counted.
 */
export function confirmationsText(n: bigint): string {
  return `${n} confirmation${n === 1n ? '' : 's'}`
}

/** How long ago `at` (ms since epoch) was at `now`: `just now` within 1.5 s, else `42s ago`, `3m 05s ago`. */
export function agoText(at: number, now: number): string {
  const ms = now - at
  return ms < 1500 ? 'just now' : `${formatDuration(ms)} ago`
}

/**
 * When a block was mined (`at`, its timestamp in ms since epoch), as the Tx page says it: the date and
 * time in the reader's locale, then how long ago at `now` (`agoText`), e.g. `06/12/2026, 02:56:04 (42s ago)`.
 */
export function minedAtText(at: bigint, now: number): string {
  return `${new Date(Number(at)).toLocaleString()} (${agoText(Number(at), now)})`
}

/** A byte count for display: `512 KB`, `3.2 MB`, `1.5 GB` (binary units, as browsers report quota). */
export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(1)} GB`
}

/**
 * A hash rate for display, in the largest unit that keeps it at least 1: `850 H/s`, `412 kH/s`,
 * `1.3 MH/s`. A test chain's tiny difficulty makes a few hundred hashes a second; they read as such,
 * not as `0 kH/s`.
 */
export function formatHashrate(hashesPerSecond: number): string {
  const h = Math.max(0, hashesPerSecond)
  if (h < 999.5) return `${Math.round(h)} H/s`
  if (h < 999_500) return `${Math.round(h / 1000)} kH/s`
  return `${(h / 1_000_000).toFixed(1)} MH/s`
}

/**
 * A block's difficulty in the words the Home screen explains it with: `22,254 guesses per block` (the
 * hashes a miner tries, on average, before one meets it). The Explorer's block list and block page.
 */
export function formatDifficulty(difficulty: bigint): string {
  return `${difficulty.toLocaleString()} ${difficulty === 1n ? 'guess' : 'guesses'} per block`
}

/** Whole seconds left until `at` (ms since epoch), rounded up so a countdown never shows 0 early. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000))
}

/** How a relay state reads in the UI: a tone for the status dot, a sentence, and a one-word form. */
export interface RelayView {
  readonly tone: 'ok' | 'busy' | 'error' | 'muted'
  /** Full sentence for the header pill, e.g. `Relay unreachable — retrying in 4s`. */
  readonly label: string
  /**
   * What the pill's live region says (`role="status"`): the label without what changes every second (a
   * countdown would be said again each second), and nothing offline, which the header's sentence says.
   */
  readonly said: string
  /** Short form for tight spaces, e.g. `Unreachable`. */
  readonly short: string
  /** What happens next, e.g. `Retrying in 4s.`; empty when there is nothing to add. */
  readonly next: string
  /** Why the relay is out of reach, as a sentence (`relayProblem`); empty in every other state. */
  readonly reason: string
}

/**
 * Describes the relay link for the UI. `now` (ms since epoch) drives the retry countdown; a `null`
 * status means the network host has not reported yet.
 */
export function describeRelay(status: RelayStatus | null, now: number): RelayView {
  if (status === null)
    return {
      tone: 'busy',
      label: 'Starting network…',
      said: 'Starting network…',
      short: 'Starting…',
      next: '',
      reason: '',
    }
  switch (status.state) {
    case 'connecting': {
      const label =
        status.attempt > 1 ? `Connecting to relay (attempt ${status.attempt})…` : 'Connecting to relay…'
      return {
        tone: 'busy',
        label,
        said: label,
        short: 'Connecting…',
        next: status.attempt > 1 ? `Attempt ${status.attempt}.` : '',
        reason: '',
      }
    }
    case 'connected':
      return {
        tone: 'ok',
        label: 'Relay connected',
        said: 'Relay connected',
        short: 'Connected',
        next: '',
        reason: '',
      }
    case 'unreachable': {
      const s = secondsUntil(status.retryAt, now)
      return {
        tone: 'error',
        label: s > 0 ? `Relay unreachable — retrying in ${s}s` : 'Relay unreachable — retrying…',
        said: 'Relay unreachable — this tab retries by itself',
        short: 'Unreachable',
        next: s > 0 ? `Retrying in ${s}s.` : 'Retrying now.',
        reason: relayProblem(status.problem, status.error),
      }
    }
    case 'offline':
      return { tone: 'muted', label: 'Offline', said: '', short: 'Offline', next: '', reason: '' }
  }
}

/**
 * The relay's "Retry now" button (`RetryRelayButton`): shown while the relay is unreachable and kept
 * while a retry runs (connecting after a failed attempt), so a keyboard user's focus stays on it; it
 * takes a click only while the retry waits on its backoff — not while an attempt runs, and not while the
 * server's 429 asks this tab to wait (the host would refuse the click either way).
 */
export function retryNowButton(status: RelayStatus | null): 'enabled' | 'disabled' | 'hidden' {
  if (status?.state === 'unreachable') return status.problem.kind === 'busy' ? 'disabled' : 'enabled'
  if (status?.state === 'connecting' && status.attempt > 1) return 'disabled'
  return 'hidden'
}

/**
 * Why the relay could not be reached, as a sentence a user reads: the server's answer to "where is the
 * relay" (busy, an error status, something unreadable), the server not answering at all, or the relay's
 * own link failing (libp2p's message `error`, kept as it says what failed).
 */
export function relayProblem(problem: RelayProblem, error: string): string {
  switch (problem.kind) {
    case 'busy':
      return 'The server is busy and asked this tab to wait a while before asking where the relay is.'
    case 'http':
      return `The server answered with an error (HTTP ${problem.status}) when this tab asked where the relay is: it may be restarting, or a proxy in front of it failing.`
    case 'malformed':
      return 'The server’s answer to where the relay is could not be read: something other than the Tabchain server may be answering.'
    case 'silent':
      return 'The server that runs the relay did not answer: it may be stopped, or this network cannot reach it.'
    case 'link':
      return `The relay did not take the connection (${error}).`
  }
}

/** The components of a multiaddr naming its host, whatever its kind. */
const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'])

/**
 * Where a libp2p multiaddr points, in words (parsed with `@multiformats/multiaddr`): its host, port and
 * transport, `127.0.0.1, port 4311, over WebSockets` for `/ip4/127.0.0.1/tcp/4311/ws/p2p/12D3…`. Null
 * for one it cannot read, or without a host and port: the raw multiaddr then says it alone.
 */
export function multiaddrWords(address: string): string | null {
  let names: string[]
  let host: string | undefined
  let port: string | undefined
  try {
    const parts = multiaddr(address).getComponents()
    names = parts.map((c) => c.name)
    host = parts.find((c) => HOSTS.has(c.name))?.value
    port = parts.find((c) => c.name === 'tcp' || c.name === 'udp')?.value
  } catch {
    return null
  }
  if (host === undefined || port === undefined) return null
  const has = (name: string) => names.includes(name)
  const transport =
    has('wss') || (has('tls') && has('ws'))
      ? 'secure WebSockets (wss)'
      : has('ws')
        ? 'WebSockets'
        : has('webtransport')
          ? 'WebTransport'
          : has('webrtc-direct')
            ? 'WebRTC'
            : has('quic-v1') || has('quic')
              ? 'QUIC'
              : has('tcp')
                ? 'TCP'
                : 'UDP'
  return `${host}, port ${port}, over ${transport}`
}

/** The Network screen's latency of a peer (`ms`, none before libp2p's first ping of it came back). */
export function latencyText(ms: number | undefined): string {
  return ms === undefined ? 'measuring…' : `${Math.round(ms)} ms`
}

/**
 * How the Network screen shows a peer's link: what it means in words, the badge naming its technical
 * kind, and for a relayed link a note shown beside it (a title alone does not show on a phone). A
 * relayed peer is linked only through the relay, which carries the signalling for a direct WebRTC link
 * and nothing of the chain: blocks and transactions wait for that link; the note says whether this tab
 * is setting it up, or its dial failed (why, and when it tries again), from the peer's `dial`. `now`
 * (ms since epoch) drives the seconds until that try.
 */
export function describePeerLink(
  peer: Pick<PeerInfo, 'kind' | 'dial'>,
  now: number,
): { readonly meaning: string; readonly badge: string; readonly note: string } {
  if (peer.kind === 'direct') return { meaning: 'Linked directly', badge: 'Direct WebRTC', note: '' }
  return {
    meaning: 'Through the relay only',
    badge: 'Relayed',
    note: `${directDialText(peer.dial, now)} ${RELAYED_ONLY}`,
  }
}

/** `1 tab`, `3 tabs`. */
const tabCount = (count: number): string => (count === 1 ? '1 tab' : `${count} tabs`)

/**
 * The Network screen's summary, in words: how many tabs this one is linked to directly and how many it
 * reaches through the relay only (no blocks or transactions with those yet), each link's technical kind
 * in brackets.
 */
export function networkSummary(peers: readonly Pick<PeerInfo, 'kind'>[]): string {
  if (peers.length === 0) return 'No other tab is linked to this one yet.'
  const direct = peers.filter((p) => p.kind === 'direct').length
  const relayed = peers.length - direct
  const linked = `Linked directly to ${tabCount(direct)} (direct WebRTC)`
  if (relayed === 0) return `${linked}.`
  if (direct === 0)
    return `Reached through the relay only: ${tabCount(relayed)} (relayed), no direct link yet.`
  return `${linked}; ${relayed} more reached through the relay only (relayed).`
}

/** What a relayed link carries, under every relayed peer's note. */
const RELAYED_ONLY = 'No blocks or transactions flow until it is up.'

/**
 * Where this tab's direct link to a relayed peer stands, as a sentence: being set up, failed (why, and
 * when the next dial comes: `now`, ms since epoch, drives the seconds), or not dialed yet.
 */
function directDialText(dial: DirectDialStatus | undefined, now: number): string {
  if (dial === undefined) return 'No direct link yet: this tab dials one when the peer next announces itself.'
  if (dial.state === 'dialing') return 'Setting up a direct link…'
  const s = secondsUntil(dial.retryAt, now)
  // Past its backoff, the next dial waits for the peer's next announcement (every 5 s).
  return `Direct link failed (${dial.error}); ${s > 0 ? `trying again in ${s} s` : 'trying again shortly'}.`
}

/** `1 peer`, `3 peers`. */
export function peerCountLabel(count: number): string {
  return count === 1 ? '1 peer' : `${count} peers`
}

/**
 * The line under the Home screen's peer count: how the peers are linked, in the Network screen's words
 * (`networkSummary`); with none, that the tab is offline (`online` false — the browser says so — or the
 * host reported it: no link comes until the network is back), else the tabs this one is linking to (the relay named them or they announced
 * themselves, the dial is under way), else, with the relay out of reach, that other tabs cannot find
 * this one (as the Network screen says: tabs meet through the relay, so opening another would not
 * help), and only with the relay there the invitation to open another tab.
 */
export function peersNote(
  network: Pick<NetworkSnapshot, 'peers' | 'linking' | 'relay'> | null,
  online = true,
): string {
  const peers = network?.peers ?? []
  const linking = network?.linking.length ?? 0
  // In the Network screen's words: the same links read the same on both screens.
  if (peers.length > 0) return networkSummary(peers)
  if (!online || network?.relay.state === 'offline')
    return 'This tab is offline: peers link once the network is back.'
  if (linking > 0) return `Linking to ${tabCount(linking)}…`
  if (network?.relay.state === 'unreachable')
    return 'The relay is out of reach, so other tabs cannot find this one; they link once it is back.'
  return 'Open another tab to see it connect.'
}

/**
 * How a light node's proven read is labelled: the header it was proven at, and, while no direct peer
 * is linked, that newer blocks (which only a peer can bring) may change it.
 */
export function verifiedNote(number: bigint | number, directPeers: number): string {
  const at = `✓ verified at #${number.toLocaleString()}`
  return directPeers === 0 ? `${at} · no peer yet: newer blocks may change it` : at
}

/**
 * An account's balance in the wallet (`balance` in wei), with, on a light node, the header it was
 * verified at (`at`). One not read yet (on a light node: no proof verified yet) is not shown as 0.
 */
export function walletBalance(
  balance: bigint | undefined,
  at: bigint | undefined,
  light: boolean,
  directPeers: number,
): string {
  if (balance === undefined) return light ? '… TAB · not verified yet' : '… TAB'
  return markedVerified(formatCoin(balance), at, light, directPeers)
}

/** Decimals the Home screen's balance shows (`readableCoin`): a ten-thousandth of a TAB. */
const READABLE_DECIMALS = 4

/**
 * A coin balance (`wei`) rounded for reading at a glance, as the Home screen's balance card shows it:
 * at most four decimals (`234.4996 TAB` for 234.499689748), cut rather than rounded, so it never reads
 * more than is held; a balance under 0.0001 TAB but not nil reads `< 0.0001 TAB`, never `0 TAB`. The
 * card keeps the exact amount (`formatCoin`) one step away; the Wallet, the send forms and every other
 * amount stay exact, as a person copying one to send needs it.
 */
export function readableCoin(wei: bigint): string {
  const step = 10n ** BigInt(NATIVE_DECIMALS - READABLE_DECIMALS)
  const kept = (wei / step) * step
  if (wei > 0n && kept === 0n) return `< ${formatAmount(step, NATIVE_DECIMALS, NATIVE_SYMBOL)}`
  return formatCoin(kept)
}

/**
 * A token row's balance (`holding`, read with the list at header `at`), marked on a light node as the
 * coin's is (`walletBalance`): every balance of the list was proven at that one header.
 */
export function tokenBalance(
  holding: TokenHolding,
  at: bigint | undefined,
  light: boolean,
  directPeers: number,
): string {
  const { token, balance } = holding
  return markedVerified(formatAmount(balance, token.decimals, token.symbol), at, light, directPeers)
}

/** `amount`, with the header it was proven at on a light node (`verifiedNote`). */
const markedVerified = (
  amount: string,
  at: bigint | undefined,
  light: boolean,
  directPeers: number,
): string => (light && at !== undefined ? `${amount} · ${verifiedNote(at, directPeers)}` : amount)

/**
 * Where a light (or upgrading) node's verified balances stand: the header they were proven at (undefined:
 * none verified yet) and how deep that header is kept below the head (`ChainParams.confirmations`, k).
 */
export interface VerifiedBalances {
  readonly at: bigint | undefined
  readonly confirmations: number
}

/**
 * Why a transaction mined in block `block` is not in the verified balances (`verified`; null on a full
 * node, whose balances are its head's) yet, and when it will be: they are proven against the header k
 * deep, so its block counts once k blocks deep, at head `block + k − 1`. Null once they count it.
 */
export function verifiedLater(block: bigint, verified: VerifiedBalances | null): string | null {
  if (verified === null || (verified.at !== undefined && verified.at >= block)) return null
  // As the light client's anchor: never above the head.
  const k = Math.max(1, verified.confirmations)
  const shows = block + BigInt(k - 1)
  return `Shows in your verified balances at block #${shows.toLocaleString()}, once ${k === 1 ? '1 block' : `${k} blocks`} deep.`
}

/**
 * Under the explorer's pending list: how many of the mempool's transactions it shows, when not all
 * (the list is the next ones to be mined, capped; the rest wait behind them or for an earlier nonce).
 */
export function pendingNote(shown: number, total: number): string | null {
  if (total <= shown) return null
  return `The next ${shown.toLocaleString('en-US')} to be mined, of ${total.toLocaleString('en-US')} pending.`
}

/** What the home screen's sync card shows. */
export type SyncView =
  | { readonly kind: 'idle'; readonly value: string; readonly detail: string }
  | {
      readonly kind: 'syncing'
      /** How much of the best peer's chain this node holds (current of highest), rounded down. */
      readonly percent: number
      readonly currentBlock: bigint
      readonly highestBlock: bigint
    }

/** How old the head block is (ms, by its timestamp) and the chain's target time between blocks. */
export interface HeadAge {
  readonly headAgeMs: number
  readonly targetBlockTimeMs: number
  /** The head's number: at 0 (genesis) its age is the genesis file's, not the chain's last block's. */
  readonly headNumber: bigint
}

/**
 * The peer the node waits on to sync (`SyncWait`), as the sync card tells it: how long it has not answered
 * (ms) and this tab's head. Never the peer's claimed head: a silent peer's number is not shown.
 */
export interface SyncWaitView {
  readonly peerId: string
  readonly silentMs: number
  readonly headNumber: bigint
}

/** Block times without a new block after which the sync card and My trades say the chain stands still. */
const QUIET_BLOCK_TIMES = 10

/**
 * How long the chain has stood still by `age`: the head's age once `QUIET_BLOCK_TIMES` block times have
 * passed without a new block, else null. At genesis the age is the genesis file's, not a block's: null.
 */
export function quietForMs(age: HeadAge): number | null {
  return age.headNumber > 0n && age.headAgeMs >= QUIET_BLOCK_TIMES * age.targetBlockTimeMs
    ? age.headAgeMs
    : null
}

/**
 * What the node did when a peer's heavier chain met none of the headers it kept from its checkpoint
 * (`CheckpointConflict`), in a sentence: whose chain disagrees with which headers, and that this tab kept
 * its own (the peer's held the rules: it may be an honest peer on an older split, nothing proves either
 * side) or penalised the peer (its headers broke the rules).
 */
export function checkpointConflictNote(conflict: CheckpointConflict): string {
  const peer = shortPeerId(conflict.peerId)
  const base = `#${conflict.base.toLocaleString()}`
  const disagrees = `Peer ${peer}'s chain (head #${conflict.peerHead.toLocaleString()}) does not contain the headers this tab kept from block ${base} (its checkpoint)`
  return conflict.outcome === 'kept'
    ? `${disagrees}: it parts from them below ${base}, where this tab holds no header to check it against. Its headers keep the chain's rules, so this tab kept its own headers, did not follow that peer, and did not penalise it.`
    : `${disagrees}, and its headers break the chain's rules (${conflict.reason}): this tab kept its own headers and penalised that peer.`
}

/**
 * The sync card's content. A node that is not syncing is up to date only as far as its direct peers
 * tell: with none (a tab alone, or one whose links are still being made) it cannot know whether newer
 * blocks exist, and says so rather than "up to date" — and, when the browser is `offline`, why. Up to
 * date with a head `QUIET_BLOCK_TIMES` block times old (`age`), it says how long no block came, here or
 * from the peers, so a stalled chain does not read as one moving (at genesis, that no block was mined
 * yet: the genesis's date is its file's). An `auto` node upgrading to full or catching up (`mode`) is up
 * to date in its verified headers only: its own chain is behind them while it executes the blocks, and
 * it says so rather than "up to date". Syncing, its percent is of the chain held — block #182 of #226 is
 * 80 % — as the block line beside it reads ("Block #182 of #226"); counted from where this catch-up
 * started it read 0 % there. Not syncing while it `wait`s on a peer that served it blocks and stopped
 * answering (a frozen tab), it says so rather than "up to date": this tab's head and how long that peer
 * has been silent, never the head that peer claims. Not syncing nor waiting while a light node's header
 * sync asked a peer that has answered nothing yet (`asked`: `LightClient.asked`, bounded by the
 * request's timeout), or while none of its direct peers has told it its head (`told` of `directPeers`:
 * a new link's status answer comes a round trip later, ~0.1–0.2 s), it says it is asking rather than
 * "up to date": nobody told it yet.
 */
export function describeSync(
  syncing: SyncStatus,
  directPeers: number,
  offline = false,
  age?: HeadAge,
  mode?: NodeMode | null,
  wait: SyncWaitView | null = null,
  asked: SyncWaitView | null = null,
  told = directPeers,
): SyncView {
  if (syncing === false) {
    if (directPeers > 0 && wait !== null) {
      // A light node syncs headers only (its wait is the light client's).
      const what = mode?.kind === 'light' ? 'headers' : 'blocks'
      return {
        kind: 'idle',
        value: 'Waiting for a peer',
        detail: `Peer ${shortPeerId(wait.peerId)} was sending this tab ${what} and has not answered for ${formatDuration(wait.silentMs)} (a tab in the background may be frozen by its browser); this tab is at block #${wait.headNumber.toLocaleString()}. It syncs on as soon as that peer, or another, serves newer ${what}.`,
      }
    }
    if (directPeers > 0 && asked !== null)
      return {
        kind: 'idle',
        value: 'Asking peers for headers…',
        detail: `This tab asked peer ${shortPeerId(asked.peerId)} for the chain's headers ${formatDuration(asked.silentMs)} ago and has no answer yet (a tab in the background may be frozen by its browser); this tab is at block #${asked.headNumber.toLocaleString()}. Until a peer answers it cannot tell whether newer blocks exist.`,
      }
    if (directPeers > 0 && told === 0) {
      const at = age === undefined ? '' : ` This tab is at block #${age.headNumber.toLocaleString()}.`
      return {
        kind: 'idle',
        value: 'Asking peers for headers…',
        detail: `This tab asked its linked peers for their latest block, and none has answered yet: until one does, it cannot tell whether newer blocks exist.${at}`,
      }
    }
    if (directPeers > 0) {
      const quietMs = age === undefined ? null : quietForMs(age)
      const quiet =
        age?.headNumber === 0n
          ? 'No block mined yet, here or by the peers: the chain moves on only while a tab mines.'
          : quietMs !== null
            ? `No new block for ${formatDuration(quietMs)}, here or from the peers: the chain moves on only while a tab mines.`
            : null
      const executing = executingNote(mode)
      if (executing !== null)
        return {
          kind: 'idle',
          value: 'Headers up to date',
          detail: quiet === null ? executing : `${executing} ${quiet}`,
        }
      return {
        kind: 'idle',
        value: 'Up to date',
        detail: quiet ?? 'Follows new blocks as peers announce them.',
      }
    }
    return offline
      ? { kind: 'idle', value: 'Offline', detail: 'Newer blocks, if any, arrive once the network is back.' }
      : { kind: 'idle', value: 'No peers yet', detail: 'Newer blocks, if any, arrive once a peer links.' }
  }
  const { currentBlock, highestBlock } = syncing
  return {
    kind: 'syncing',
    percent:
      highestBlock > 0n ? Math.min(100, Math.max(0, Number((currentBlock * 100n) / highestBlock))) : 100,
    currentBlock: syncing.currentBlock,
    highestBlock: syncing.highestBlock,
  }
}

/**
 * What an `auto` node whose own chain is behind its verified headers does meanwhile, in a sentence:
 * upgrading (the snapshot, then the blocks after it, with its percent) or catching up on the blocks it
 * missed; null for any other mode.
 */
function executingNote(mode: NodeMode | null | undefined): string | null {
  if (mode?.kind === 'upgrading')
    return `Every header up to the peers' latest block is verified here; the blocks themselves are still being downloaded and executed on this device (upgrading to full, ${Math.floor(mode.percent)} %).`
  if (mode?.kind === 'light' && mode.catchingUp === true)
    return "Every header up to the peers' latest block is verified here; this device is still executing the blocks it missed."
  return null
}

/**
 * A token's name and symbol as the UI shows them. Whoever creates a token picks them, and the chain
 * takes any UTF-8: hidden characters are written out (`\\u{202E}`, as the approval dialog does), so a
 * right-to-left override in a symbol cannot reverse the amount beside it (`1000 X` read as `0001`).
 */
export function shownToken<T extends { readonly name: string; readonly symbol: string }>(token: T): T {
  return { ...token, name: showHidden(token.name), symbol: showHidden(token.symbol) }
}

/** `holding` with its token as `shownToken` shows it. */
export const shownHolding = (holding: TokenHolding): TokenHolding => ({
  ...holding,
  token: shownToken(holding.token),
})

/** A light client's failed proof in plain words (`unprovenRead`), its message kept whole as `detail`. */
export interface UnprovenRead {
  readonly line: string
  readonly detail: string
}

/** `LIGHT_UNVERIFIED`'s message (src/node/light/errors.ts): what could not be proved, then why, per peer. */
const UNPROVEN = /^(?:no peer proved (.+?) \(\d+ asked\)|(.+?) cannot be proved): ([\s\S]*)$/

/**
 * A read a light (or upgrading) node could not prove, as a user reads it: what could not be verified
 * (its addresses and hashes short), that it is not shown as verified, and that it is asked again — of
 * another peer too — at each new block, as soon as a peer links, and every few seconds while one is
 * linked (the screens re-read on every head and retry, `useProofRetry`). The message with its peer
 * ids and protocol names is kept as `detail`, for a details element. Null for any other error.
 */
export function unprovenRead(error: string): UnprovenRead | null {
  const m = UNPROVEN.exec(error)
  if (m === null) return null
  const what = (m[1] ?? m[2] ?? '').replace(/0x[0-9a-fA-F]{40,}/g, (hex) => shortHash(hex))
  const why = /^no peer to ask/.test(m[3] ?? '') ? 'no peer was linked to ask' : 'no peer proved it'
  return {
    line: `Could not verify the ${what} just now (${why}), so it is not shown as verified. This tab asks again every few seconds while a peer is linked (at once when one links), and at each new block.`,
    detail: error,
  }
}

import { BrowserRouter, Link, Route, Routes, useLocation } from 'react-router'
import { ApprovalDialog } from './components/ApprovalDialog'
import { KnownTokens } from './components/explorer'
import { Header } from './components/Header'
import { SplitBanner } from './components/SplitBanner'
import { Toasts } from './components/Toasts'
import { useFocusOnChange } from './focus-on-change'
import { AddressScreen, BlockScreen, ExplorerScreen } from './screens/ExplorerScreen'
import { HomeScreen } from './screens/HomeScreen'
import { MarketScreen } from './screens/MarketScreen'
import { NetworkScreen } from './screens/NetworkScreen'
import { TokenScreen } from './screens/TokenScreen'
import { TokensScreen } from './screens/TokensScreen'
import { TxScreen } from './screens/TxScreen'
import { WalletScreen } from './screens/WalletScreen'
import { storageFaultNotice } from './storage-fault'
import { type PartFailure, useApp } from './store'
import './styles.css'

/** The app with its router: the bootstrap renders `createRoot(el).render(<Root />)`. */
export function Root() {
  return (
    // Routes are relative to where the app is served (`vite build --base /tabchain/` serves it there).
    <BrowserRouter basename={import.meta.env.BASE_URL}>
      <App />
    </BrowserRouter>
  )
}

/** App shell: header with node status, the current screen, and notices. Needs a router around it. */
export function App() {
  // A new page (a section, a link followed, a search) takes the focus to its heading, not to nothing.
  useFocusOnChange(useLocation().pathname, () => document.querySelector<HTMLElement>('#main h1'))
  return (
    <div className="app">
      <Header />
      <StorageFaultBanner />
      <PartFailureBanner />
      <SplitBanner />
      {/* Before the screen: on a phone the notices sit above it, in the page, not over its fields. */}
      <Toasts />
      <main className="main" id="main">
        <NodeGate />
      </main>
      <ApprovalDialog />
    </div>
  )
}

/** Says, as long as it lasts, that the node stopped saving the chain on this device, and why. */
function StorageFaultBanner() {
  const fault = useApp((s) => s.storageFault)
  if (fault === null) return null
  const { headline, advice } = storageFaultNotice(fault.code)
  return (
    <div className="storage-fault" role="alert" data-testid="storage-fault" data-code={fault.code}>
      <strong>{headline}</strong> {advice}
      <span className="muted small mono"> ({fault.code})</span>
    </div>
  )
}

/** What each part that starts beside the running node does for the user, as the banner names it. */
const PART_NAMES: Readonly<Record<PartFailure, string>> = {
  wallet: 'Your wallet and the market',
  market: 'The market',
  rewards: 'Paying mining rewards to your wallet’s account',
}

/** Says that a part of the page did not start beside the running node, why, and that a reload helps. */
function PartFailureBanner() {
  const failure = useApp((s) => s.partFailure)
  if (failure === null) return null
  return (
    <div className="part-failure" role="alert" data-testid="part-failure" data-part={failure.part}>
      <strong>{PART_NAMES[failure.part]} did not start on this page.</strong> Your node runs, and your data on
      this device is untouched: reload this page to start it again.
      <span className="muted small mono"> ({failure.error})</span>{' '}
      <button type="button" className="button button--small" onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  )
}

/** Shows the screens once the node runs; a skeleton while it starts and an error panel if it failed or stopped. */
function NodeGate() {
  const node = useApp((s) => s.node)
  if (node.state === 'starting') return <NodeStarting />
  if (node.state === 'slow') return <NodeSlow waitedMs={node.waitedMs} />
  if (node.state === 'failed' || node.state === 'lost')
    return <NodeFailed error={node.error} lost={node.state === 'lost'} />
  return (
    <Routes>
      <Route path="/" element={<HomeScreen />} />
      <Route path="/network" element={<NetworkScreen />} />
      <Route path="/wallet" element={<WalletScreen />} />
      <Route path="/tokens" element={<TokensScreen />} />
      <Route path="/market" element={<MarketScreen />} />
      {/* The explorer's screens name the tokens' addresses: the list is read once for them all. */}
      <Route element={<KnownTokens />}>
        <Route path="/explorer" element={<ExplorerScreen />} />
        <Route path="/block/:number" element={<BlockScreen />} />
        <Route path="/address/:address" element={<AddressScreen />} />
        <Route path="/tx/:hash" element={<TxScreen />} />
        <Route path="/token/:address" element={<TokenScreen />} />
      </Route>
      <Route path="*" element={<NotFound />} />
    </Routes>
  )
}

function NodeStarting() {
  return (
    <div className="screen" data-testid="node-starting" aria-busy="true">
      <div className="starting">
        <span className="spinner" aria-hidden="true" />
        <div>
          <p className="starting__title">Starting your node…</p>
          <p className="muted small">Opening this tab’s profile and loading the chain.</p>
        </div>
      </div>
      <div className="cards" aria-hidden="true">
        <div className="card skeleton" />
        <div className="card skeleton" />
        <div className="card skeleton" />
        <div className="card skeleton" />
      </div>
    </div>
  )
}

/** A start that has not ended: said, with what may hold it, while it goes on (it may yet finish). */
function NodeSlow({ waitedMs }: { readonly waitedMs: number }) {
  return (
    <div className="screen">
      <div className="panel panel--error" role="alert" data-testid="node-slow" aria-busy="true">
        <h1>The node has not started</h1>
        <p>
          It has been starting for over {Math.round(waitedMs / 1_000)} s, where it usually takes about a
          second. Another tab of this app may be holding its database (one updating it to a newer version:
          close the app’s other tabs), or the browser stopped it (out of memory).
        </p>
        <p className="muted">
          Your data on this device is untouched. This page goes on as soon as the node is up; reloading starts
          it again.
        </p>
        <ReloadButton />
      </div>
    </div>
  )
}

function ReloadButton() {
  return (
    <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
      Reload
    </button>
  )
}

function NodeFailed({ error, lost }: { readonly error: string; readonly lost: boolean }) {
  return (
    <div className="screen">
      <div className="panel panel--error" role="alert" data-testid="node-failed">
        <h1>{lost ? 'The node stopped' : 'The node could not start'}</h1>
        <p className="mono panel__message">{error}</p>
        <p className="muted">
          Your data on this device is untouched. Reloading usually helps; if this tab’s profile is busy, a new
          one is started.
        </p>
        <ReloadButton />
      </div>
    </div>
  )
}

function NotFound() {
  return (
    <div className="screen">
      <div className="placeholder">
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address.</p>
        <Link className="button" to="/">
          Back to overview
        </Link>
      </div>
    </div>
  )
}

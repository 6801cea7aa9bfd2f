import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { boot } from './boot'
import { registerPwa } from './pwa'
import { Root } from './ui/App'
import { useApp } from './ui/store'

const syncOnline = (): void => useApp.setState({ online: navigator.onLine })
window.addEventListener('online', syncOnline)
window.addEventListener('offline', syncOnline)
syncOnline()

registerPwa()

const el = document.getElementById('root')
if (el) {
  createRoot(el).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  )
}

boot().catch((err: unknown) => {
  console.error('Tabchain failed to start', err)
  useApp.setState({ node: { state: 'failed', error: err instanceof Error ? err.message : String(err) } })
})

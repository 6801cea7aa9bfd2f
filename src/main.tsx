import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { registerPwa } from './pwa'
import { Root } from './ui/App'
import { useApp } from './ui/store'

// Minimal bootstrap for the UI shell; the node worker and network host are wired in here later.
const syncOnline = () => useApp.setState({ online: navigator.onLine })
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

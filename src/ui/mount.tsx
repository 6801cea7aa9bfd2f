import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Root } from './App'

/** Renders the app into `#root`. */
export function mount(): void {
  const el = document.getElementById('root')
  if (el === null) return
  createRoot(el).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  )
}

import { StrictMode, startTransition } from 'react'
import { createRoot } from 'react-dom/client'
import { Root } from './App'

/**
 * Renders the app into `#root`. The first render is a transition, which React renders in slices of a
 * few ms, yielding to the page between them: the tab's network start-up (relay handshake, reservation,
 * WebRTC signalling) runs on the same main thread at the same time, and each of its steps waits for a
 * message that would otherwise queue behind one long render task.
 */
export function mount(): void {
  const el = document.getElementById('root')
  if (el === null) return
  const root = createRoot(el)
  startTransition(() =>
    root.render(
      <StrictMode>
        <Root />
      </StrictMode>,
    ),
  )
}

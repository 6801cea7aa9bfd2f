import { useEffect, useState } from 'react'

/** Copies `text` to the clipboard on `copy`; `copied` says so for a moment after. */
export function useCopy(text: string): { readonly copied: boolean; readonly copy: () => void } {
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    if (!copied) return
    const timer = setTimeout(() => setCopied(false), 1500)
    return () => clearTimeout(timer)
  }, [copied])
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setCopied(true),
      // Clipboard access can be refused (permissions, insecure context); the text stays on screen.
      () => setCopied(false),
    )
  }
  return { copied, copy }
}

/** A small button that copies `text`, named `label` for assistive technology. */
export function CopyButton({ text, label }: { readonly text: string; readonly label: string }) {
  const { copied, copy } = useCopy(text)
  return (
    <button type="button" className="button button--small copy-button" aria-label={label} onClick={copy}>
      <CopyIcon />
      <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
    </button>
  )
}

export function CopyIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <rect x="5" y="5" width="9" height="9" rx="2" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path
        d="M11 3.5V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
      />
    </svg>
  )
}

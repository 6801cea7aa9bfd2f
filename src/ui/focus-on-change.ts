import { useEffect, useRef } from 'react'

/** Whether the page's focus is on nothing (on the body, where it falls when its element went away). */
const focusLost = (): boolean => document.activeElement === null || document.activeElement === document.body

/** Focuses `heading`, made focusable by script only (not a stop of the Tab order) if it is not already. */
export function focusHeading(heading: HTMLElement): void {
  if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1
  heading.focus()
}

/**
 * When `key` changes (not on the first render), the focus goes to the heading `find` returns: a screen
 * reader says where the user now is, and Tab goes on from there. A heading not there yet (a page that
 * loads) takes it when it appears, unless the user moved the focus meanwhile. `onlyIfLost`: only when
 * the change left the focus on nothing (its control went away with what the change replaced), so a
 * change that happens by itself never takes the focus from where the user is.
 */
export function useFocusOnChange(key: string, find: () => HTMLElement | null, onlyIfLost = false): void {
  const seen = useRef(key)
  const findRef = useRef(find)
  findRef.current = find
  useEffect(() => {
    if (key === seen.current) return
    seen.current = key
    if (onlyIfLost && !focusLost()) return
    const from = document.activeElement
    const heading = findRef.current()
    if (heading !== null) return focusHeading(heading)
    const observer = new MutationObserver(() => {
      if (document.activeElement !== from && !focusLost()) return observer.disconnect()
      const shown = findRef.current()
      if (shown === null) return
      observer.disconnect()
      focusHeading(shown)
    })
    observer.observe(document.body, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [key, onlyIfLost])
}

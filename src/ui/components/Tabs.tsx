import type { KeyboardEvent, ReactNode } from 'react'

/** One tab: the value it selects, its text and, for tests, its test id. */
export interface Tab<T extends string> {
  readonly value: T
  readonly label: ReactNode
  readonly testId?: string
}

const tabId = (id: string, value: string): string => `${id}-tab-${value}`
const panelId = (id: string, value: string): string => `${id}-panel-${value}`

/** The tab a key moves to from tab `index` of `count`: arrows wrap around, Home and End go to the ends. */
function tabAfterKey(key: string, index: number, count: number): number | null {
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % count
    case 'ArrowLeft':
      return (index - 1 + count) % count
    case 'Home':
      return 0
    case 'End':
      return count - 1
    default:
      return null
  }
}

/**
 * A tablist as the WAI-ARIA tabs pattern has it (automatic activation): each tab controls the panel
 * `TabPanel` renders under the same `id`, only the selected tab is in the Tab order, and Left/Right,
 * Home and End select and focus another tab.
 */
export function TabList<T extends string>({
  id,
  label,
  tabs,
  selected,
  onSelect,
  className,
}: {
  /** Prefix of the tabs' and panels' element ids, unique on the page. */
  readonly id: string
  /** The tablist's accessible name. */
  readonly label: string
  readonly tabs: readonly Tab<T>[]
  readonly selected: T
  readonly onSelect: (value: T) => void
  readonly className?: string
}) {
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const index = tabs.findIndex((t) => t.value === selected)
    const next = tabAfterKey(e.key, index, tabs.length)
    const tab = next === null ? undefined : tabs[next]
    if (tab === undefined) return
    e.preventDefault()
    onSelect(tab.value)
    document.getElementById(tabId(id, tab.value))?.focus()
  }
  return (
    <div className={className} role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.value}
          type="button"
          role="tab"
          id={tabId(id, t.value)}
          aria-selected={t.value === selected}
          aria-controls={panelId(id, t.value)}
          tabIndex={t.value === selected ? 0 : -1}
          data-testid={t.testId}
          onClick={() => onSelect(t.value)}
        >
          {t.label}
        </button>
      ))}
    </div>
  )
}

/**
 * The panel of tab `value` of the `TabList` with the same `id`, labelled by its tab. Every panel is
 * rendered (so each tab's `aria-controls` names an element); those not selected are hidden.
 */
export function TabPanel({
  id,
  value,
  selected,
  children,
}: {
  readonly id: string
  readonly value: string
  readonly selected: boolean
  readonly children: ReactNode
}) {
  return (
    <div role="tabpanel" id={panelId(id, value)} aria-labelledby={tabId(id, value)} hidden={!selected}>
      {children}
    </div>
  )
}

import type { ReactNode } from 'react'

interface PlaceholderScreenProps {
  readonly title: string
  /** One sentence on what the screen is for. */
  readonly summary: string
  /** What the user will be able to do there. */
  readonly points: readonly string[]
  readonly icon: ReactNode
}

/** A section that is not available yet: says what it is for, calmly. */
export function PlaceholderScreen({ title, summary, points, icon }: PlaceholderScreenProps) {
  return (
    <div className="screen">
      <div className="placeholder">
        <div className="placeholder__icon">{icon}</div>
        <h1>{title}</h1>
        <p className="lead">{summary}</p>
        <ul className="placeholder__points">
          {points.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <span className="tag tag--accent">Available soon</span>
      </div>
    </div>
  )
}

const stroke = {
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.8,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
} as const

export function MarketScreen() {
  return (
    <PlaceholderScreen
      title="Market"
      summary="Post offers and trade tokens directly with other tabs."
      points={[
        'Signed offers shared peer to peer — posting and cancelling cost nothing',
        'Trades settle with atomic swaps: both sides get paid, or both get refunded',
      ]}
      icon={
        <svg width="32" height="32" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M4 8h14l-3-3M20 16H6l3 3" {...stroke} />
        </svg>
      }
    />
  )
}

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

import { useMemo } from 'react'
import { identicon } from '../identicon'

/** A small deterministic avatar for a peer id (decorative: the id itself is always shown next to it). */
export function Identicon({ id, size = 24 }: { readonly id: string; readonly size?: number }) {
  const { hue, cells } = useMemo(() => identicon(id), [id])
  return (
    <svg
      className="identicon"
      width={size}
      height={size}
      viewBox="-0.5 -0.5 6 6"
      shapeRendering="crispEdges"
      aria-hidden="true"
      focusable="false"
    >
      <rect x="-0.5" y="-0.5" width="6" height="6" fill={`hsl(${hue} 35% 18%)`} />
      {cells.map((on, i) =>
        on ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: cells are a fixed 5×5 grid; the index is the cell.
          <rect key={i} x={i % 5} y={Math.floor(i / 5)} width="1" height="1" fill={`hsl(${hue} 70% 66%)`} />
        ) : null,
      )}
    </svg>
  )
}

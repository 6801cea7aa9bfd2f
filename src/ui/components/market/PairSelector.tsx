import type { Address } from 'viem'
import { tokenOf } from '../../market/book-view'
import type { MarketPair, MarketToken } from '../../market/source'

interface PairSelectorProps {
  readonly tokens: readonly MarketToken[]
  readonly pair: MarketPair
  readonly onChange: (pair: MarketPair) => void
}

/** The market's pair: the token traded, the one it is priced in, and a button turning the pair around. */
export function PairSelector({ tokens, pair, onChange }: PairSelectorProps) {
  const options = tokens.map((t) => (
    <option key={t.address} value={t.address}>
      {t.symbol}
    </option>
  ))
  const select = (side: 'base' | 'quote', label: string) => (
    <select
      className="input"
      aria-label={label}
      value={pair[side]}
      onChange={(e) => onChange({ ...pair, [side]: e.currentTarget.value as Address })}
    >
      {options}
    </select>
  )
  return (
    <div className="pair" data-testid="pair">
      {select('base', 'Token traded')}
      <span className="muted">priced in</span>
      {select('quote', 'Token it is priced in')}
      {/* It only shows the book the other way round: named so it does not read as starting a swap. */}
      <button
        type="button"
        className="button button--small"
        data-testid="pair-flip"
        title={`Show ${tokenOf(tokens, pair.quote).symbol} priced in ${tokenOf(tokens, pair.base).symbol}`}
        onClick={() => onChange({ base: pair.quote, quote: pair.base })}
      >
        Flip pair
      </button>
    </div>
  )
}

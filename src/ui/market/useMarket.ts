import { useEffect, useState } from 'react'
import { create } from 'zustand'
import { marketErrorMessage } from './errors'
import type { MarketEvent, MarketSource } from './source'

/**
 * The market the screens trade through: set once by the bootstrap (an adapter over the node's API and
 * the wallet), null until then. Components read it; only the bootstrap writes it.
 */
export const useMarketSource = create<{ readonly source: MarketSource | null }>(() => ({ source: null }))

export function setMarketSource(source: MarketSource | null): void {
  useMarketSource.setState({ source })
}

export type MarketResult<T> = { readonly value: T } | { readonly error: string } | null

/**
 * Loads `load(source)`, then again on each market event whose kind is in `on` and when `deps` change:
 * the screens follow the node through its events, never by polling. Null while the first load runs.
 */
export function useMarketQuery<T>(
  source: MarketSource,
  load: (source: MarketSource) => Promise<T>,
  on: readonly MarketEvent['kind'][],
  deps: readonly unknown[],
): MarketResult<T> {
  const [result, setResult] = useState<MarketResult<T>>(null)
  const [version, setVersion] = useState(0)
  const kinds = on.join(',')
  useEffect(() => {
    const wanted = kinds.split(',')
    return source.subscribe((event) => {
      if (wanted.includes(event.kind)) setVersion((v) => v + 1)
    })
  }, [source, kinds])
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads on its declared inputs and on each wanted event.
  useEffect(() => {
    let live = true
    load(source).then(
      (value) => live && setResult({ value }),
      (err: unknown) => live && setResult({ error: marketErrorMessage(err) }),
    )
    return () => {
      live = false
    }
  }, [source, version, ...deps])
  return result
}

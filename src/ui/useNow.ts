import { useEffect, useState } from 'react'

/**
 * The current time (ms since epoch), refreshed every `intervalMs` while `active`. Components that show
 * countdowns or ages use it so the clock ticks only while something on screen depends on it.
 */
export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, active])
  return now
}

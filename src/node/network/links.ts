/** What the link policy needs of a libp2p connection. */
export interface Link {
  readonly direction: 'inbound' | 'outbound'
}

/**
 * A peer's open direct links in the order requests use them: the ones we dialed first. Both tabs dial
 * each other, so there may be two; and a WebRTC link opens on the answering side before the dialing
 * side has finished (the dialer may still give up on it, and then it dies unanswered). A link we
 * dialed and see open is open on both sides.
 */
export function requestOrder<L extends Link>(links: readonly L[]): L[] {
  return [
    ...links.filter((l) => l.direction === 'outbound'),
    ...links.filter((l) => l.direction !== 'outbound'),
  ]
}

/**
 * One request/response exchange with a peer over its links (`links()`, in `requestOrder`): on the
 * first; if that fails and `signal` has not aborted, once more on another link — read after `dialing()`
 * (our own dial to the peer, if one is running, which may bring it) has settled. Every protocol answers
 * a repeated request alike (a take repeated by its winner gets the same terms). Throws the last
 * failure; once `signal` aborts, its reason.
 */
export async function exchangeOnLinks<L, T>(
  links: () => readonly L[],
  exchange: (link: L) => Promise<T>,
  dialing: () => Promise<unknown> | undefined,
  signal: AbortSignal,
): Promise<T> {
  const first = links()[0]
  if (first === undefined) throw new Error('no link to the peer')
  try {
    return await exchange(first)
  } catch (err) {
    signal.throwIfAborted()
    await Promise.race([dialing(), aborted(signal)]).catch(() => {})
    signal.throwIfAborted()
    const other = links().find((l) => l !== first)
    if (other === undefined) throw err
    return exchange(other)
  }
}

/** Settles (rejecting) when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  )
}

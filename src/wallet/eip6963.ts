import type { TabchainProvider } from './provider'

/** EIP-6963 provider info. */
export interface ProviderInfo {
  readonly uuid: string
  readonly name: string
  /** A data: URI image (RFC 2397), at least 96×96 px. */
  readonly icon: string
  /** Reverse-DNS id of the wallet. */
  readonly rdns: string
}

const ICON =
  'data:image/svg+xml;base64,' +
  btoa(
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 24 24"><rect width="24" height="24" rx="6" fill="#4f46e5"/><path d="M6 8h12M12 8v10M8 14h8" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>',
  )

/** This wallet's EIP-6963 identity (the uuid is per page load, as the EIP asks). */
export function tabchainProviderInfo(uuid: string): ProviderInfo {
  return { uuid, name: 'Tabchain', icon: ICON, rdns: 'org.tabchain.wallet' }
}

/**
 * Announces `provider` the EIP-6963 way: dispatches `eip6963:announceProvider` now and again on every
 * `eip6963:requestProvider`. Returns a function that stops answering.
 */
export function announceProvider(
  target: EventTarget,
  info: ProviderInfo,
  provider: TabchainProvider,
): () => void {
  const detail = Object.freeze({ info: Object.freeze({ ...info }), provider })
  const announce = (): void => {
    target.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }))
  }
  announce()
  target.addEventListener('eip6963:requestProvider', announce)
  return () => target.removeEventListener('eip6963:requestProvider', announce)
}

/**
 * Names on the wire shared by the relay, the page's network host and the worker. Changing one is a
 * network-breaking change.
 */

/** Pubsub topic on which tabs announce their addresses (carried by the relay). */
export const DISCOVERY_TOPIC = 'tabchain/_peer-discovery/1'

/** Topic names of one chain: blocks, transactions and offers never mix between chains. */
export const chainTopic = (chainId: number, name: 'blocks' | 'txs' | 'offers' | 'status'): string =>
  `tabchain/${chainId}/${name}/1`

/** Request/response protocol ids (one stream per request) of one chain. */
export const chainProtocol = (chainId: number, name: string): string => `/tabchain/${chainId}/${name}/1.0.0`

/** Largest gossip message the host accepts or sends, in bytes; bigger ones are dropped before decoding. */
export const MAX_GOSSIP_BYTES = 1024 * 1024

/** Largest request or response body on a request/response stream, in bytes. */
export const MAX_EXCHANGE_BYTES = 4 * 1024 * 1024

import type { NetworkSink } from '../../../src/node/network/bridge'
import { decodeHeadersResponse, encodeHeadersResponse } from '../../../src/node/sync/messages'

/**
 * Wraps a node's sink so that its headers responses (on `headersProtocol`) claim `claimed` as its head's
 * total difficulty, whatever its headers add up to: a peer lying about its chain's work.
 */
export function claimingWork(headersProtocol: string, claimed: bigint): (sink: NetworkSink) => NetworkSink {
  return (sink) => ({
    ...sink,
    async request(protocol, data, from) {
      const answer = await sink.request(protocol, data, from)
      if (protocol !== headersProtocol) return answer
      const { headNumber, headers } = decodeHeadersResponse(answer)
      return encodeHeadersResponse({ headNumber, headTotalDifficulty: claimed, headers })
    },
  })
}

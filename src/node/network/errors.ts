import { NodeError } from '../rpc/errors'

export type NetErrorType =
  /** No direct (WebRTC) connection to the peer: chain traffic never rides the relay. */
  | { readonly code: 'NET_NO_DIRECT_LINK'; readonly peerId: string }
  | {
      readonly code: 'NET_TIMEOUT'
      readonly peerId: string
      readonly protocol: string
      readonly timeoutMs: number
    }
  | { readonly code: 'NET_MESSAGE_TOO_LARGE'; readonly size: number; readonly max: number }
  | {
      readonly code: 'NET_REQUEST_FAILED'
      readonly peerId: string
      readonly protocol: string
      readonly reason: string
    }
  | { readonly code: 'NET_NOT_STARTED' }
  /** A gossip message that must reach a peer (a light node's transaction) reached none. */
  | { readonly code: 'NET_NO_PEERS'; readonly topic: string }

export class NetError extends NodeError<NetErrorType> {
  override name = 'NetError'
}

/** `NET_MESSAGE_TOO_LARGE` for a message over `max` bytes. */
export function checkMessageSize(data: Uint8Array, max: number): void {
  if (data.byteLength > max) throw new NetError({ code: 'NET_MESSAGE_TOO_LARGE', size: data.byteLength, max })
}

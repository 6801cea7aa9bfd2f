import type { Address } from 'viem'
import { GenesisError, validateGenesis } from '../chain/genesis'
import type { Genesis } from '../chain/types'
import { type ModePin, parseModePin } from '../light/mode'
import { NodeError } from '../rpc/errors'

/**
 * The first message the page sends a new node worker: which profile to run, and the three ports —
 * the NodeApi (page calls node), the network calls (node calls page) and the network sink (page calls
 * node).
 */
export interface WorkerInit {
  readonly type: 'init'
  readonly profileId: string
  /** The chain to run: what the server hands the page (`/api/chain`), checked again here. */
  readonly genesis: Genesis
  /** Start mining at once (the devnet default; `?mine=0` or the home screen's switch, kept per profile, turns it off). */
  readonly mine: boolean
  /** Where mined blocks pay their reward: the account the page acts with (`NodeApi.setCoinbase` changes it). */
  readonly coinbase: Address
  /** The mode the user pinned (`?mode=` or the profile's setting). */
  readonly modePin: ModePin
  /**
   * A Web Lock name the worker takes before it reports ready and holds for its whole life. The page then
   * asks for it: the browser grants it the moment the worker ends, which is how the page learns of a
   * worker that crashed or was stopped (Chromium fires no `error` event for it and closes none of its ports).
   */
  readonly lifeLock: string
  readonly ports: { readonly api: MessagePort; readonly network: MessagePort; readonly sink: MessagePort }
}

export type WorkerErrorType = { readonly code: 'WORKER_BAD_INIT'; readonly reason: string }

/** Checks the init message; anything else gets a typed error and leaves the worker waiting. */
export function parseInit(data: unknown): WorkerInit {
  const fail = (reason: string): never => {
    throw new NodeError<WorkerErrorType>(
      { code: 'WORKER_BAD_INIT', reason },
      `the worker's start message is invalid: ${reason}`,
    )
  }
  if (typeof data !== 'object' || data === null) return fail('not an object')
  const msg = data as Record<string, unknown>
  if (msg.type !== 'init') return fail('type is not "init"')
  if (typeof msg.profileId !== 'string' || msg.profileId === '') return fail('profileId missing')
  let genesis: Genesis
  try {
    genesis = validateGenesis(msg.genesis)
  } catch (err) {
    // The field and its reason alone: the GenesisError's own message starts "invalid genesis", as `fail`'s does.
    if (!(err instanceof GenesisError)) throw err
    const { field, reason } = err.type
    return fail(`${field === 'genesis' ? 'genesis' : `genesis ${field}`} ${reason}`)
  }
  if (typeof msg.mine !== 'boolean') return fail('mine must be a boolean')
  if (typeof msg.coinbase !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(msg.coinbase))
    return fail('coinbase must be a 20-byte 0x-prefixed hex address')
  const modePin = parseModePin(typeof msg.modePin === 'string' ? msg.modePin : undefined)
  if (modePin === undefined) return fail('modePin must be auto, light or full')
  if (typeof msg.lifeLock !== 'string' || msg.lifeLock === '' || msg.lifeLock.startsWith('-'))
    return fail('lifeLock must be a Web Lock name (not empty, not starting with "-")')
  const ports = msg.ports as Record<string, unknown> | undefined
  if (typeof ports !== 'object' || ports === null) return fail('ports missing')
  const { api, network, sink } = ports
  if (!(api instanceof MessagePort && network instanceof MessagePort && sink instanceof MessagePort)) {
    return fail('ports must be three MessagePorts')
  }
  return {
    type: 'init',
    profileId: msg.profileId,
    genesis,
    mine: msg.mine,
    coinbase: msg.coinbase.toLowerCase() as Address,
    modePin,
    lifeLock: msg.lifeLock,
    ports: { api, network, sink },
  }
}

import type { Hex } from 'viem'
import { toHex } from '../codec/bytes'
import { encodeRevert, TRUE_WORD } from './abi'
import { HTLC_ADDRESS, TOKEN_FACTORY_ADDRESS } from './addresses'
import { erc20Method, isToken } from './erc20/erc20'
import { GAS } from './gas'
import { htlcMethod } from './htlc/htlc'
import { tokenFactoryMethod } from './token-factory/token-factory'
import { type CallFrame, type Method, Revert } from './types'

/** What a call did. `gas` is execution gas only (the intrinsic gas is the caller's business). */
export type CallOutcome =
  | { readonly ok: true; readonly returnData: Hex; readonly gas: bigint }
  | { readonly ok: false; readonly revertData: Hex; readonly gas: bigint }

/** True when `to` is one of the native contracts (system contract or a created token). */
export function isContract(frame: Pick<CallFrame, 'state' | 'to'>): boolean {
  return frame.to === TOKEN_FACTORY_ADDRESS || frame.to === HTLC_ADDRESS || isToken(frame.state, frame.to)
}

function selectMethod(frame: CallFrame): Method | undefined {
  if (frame.to === TOKEN_FACTORY_ADDRESS) return tokenFactoryMethod(frame.data)
  if (frame.to === HTLC_ADDRESS) return htlcMethod(frame.data)
  return erc20Method(frame.data)
}

// Most successful calls return `true` (transfer, approve, transferFrom): its hex is made once.
const TRUE_HEX: Hex = toHex(TRUE_WORD)

function revert(reason: string, gas: bigint): CallOutcome {
  return { ok: false, revertData: encodeRevert(reason), gas }
}

/**
 * Runs the call in `frame` with `gasAvailable` execution gas. The native value has already moved
 * to `frame.to`. An address that is not a native contract behaves like an Ethereum account with
 * no code: the call succeeds, moves only the value and ignores the calldata. On a failed outcome
 * the caller must undo the frame's writes (and the value move) and drop its logs.
 */
export function dispatchCall(frame: CallFrame, gasAvailable: bigint): CallOutcome {
  if (!isContract(frame)) return { ok: true, returnData: '0x', gas: 0n }
  const method = selectMethod(frame)
  if (method === undefined) {
    const selector = frame.data.length >= 4 ? toHex(frame.data.subarray(0, 4)) : '(none)'
    return revert(`unknown function selector ${selector}`, GAS.dispatchFailure)
  }
  if (frame.value > 0n && method.payable !== true)
    return revert('function is not payable', GAS.dispatchFailure)
  // Costs are fixed, so running out of gas is known before running: like Ethereum, all gas is used.
  if (method.gas > gasAvailable) return revert('out of gas', gasAvailable)
  try {
    const out = method.run(frame)
    return { ok: true, returnData: out === TRUE_WORD ? TRUE_HEX : toHex(out), gas: method.gas }
  } catch (err) {
    if (err instanceof Revert) return revert(err.reason, method.gas)
    throw err
  }
}

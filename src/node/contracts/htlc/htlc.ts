import { sha256 } from '@noble/hashes/sha2.js'
import { type Address, encodeAbiParameters, type Hex } from 'viem'
import { bigintToBytes, bytesEqual, bytesToBigint, fromHex, keccak, toHex } from '../../codec/bytes'
import { CodecError } from '../../codec/errors'
import { rlpDecodeBytesList, rlpEncode } from '../../codec/rlp'
import { htlcKey } from '../../state/keys'
import type { StateBuffer } from '../../state/state'
import {
  addressTopic,
  addressWord,
  argAddress,
  argBytes32,
  argUint,
  requireArgs,
  selectorOf,
  wordOf,
} from '../abi'
import { HTLC_ADDRESS, ZERO_ADDRESS } from '../addresses'
import { isToken, spendAllowance, tokenTransfer } from '../erc20/erc20'
import { GAS } from '../gas'
import { type CallFrame, type Method, require } from '../types'
import { LockState } from './abi'

/**
 * Hash-time-locked contract (BIP-199 rules). `lock` escrows native coin (token = zero address,
 * sent as the transaction value) or an ERC20 (pulled with `transferFrom` against the sender's
 * allowance to the HTLC). `redeem` pays the recipient when given the sha256 preimage of the
 * hashlock strictly before `timelockHeight`; `refund` pays the sender back from `timelockHeight`
 * on. Anyone may call redeem/refund (watchtowers); funds only ever go to recipient or sender.
 */

/** An HTLC record as stored (and returned by `getLock`). */
export interface HtlcLock {
  readonly sender: Address
  readonly recipient: Address
  readonly token: Address
  readonly amount: bigint
  readonly hashlock: Hex
  readonly timelockHeight: bigint
  readonly state: LockState
}

const encoder = new TextEncoder()
const topic = (sig: string): Hex => toHex(keccak(encoder.encode(sig)))
/** keccak256 of each event signature. */
export const LOCKED_TOPIC: Hex = topic('Locked(bytes32,address,address,address,uint256,bytes32,uint256)')
export const REDEEMED_TOPIC: Hex = topic('Redeemed(bytes32,bytes32)')
export const REFUNDED_TOPIC: Hex = topic('Refunded(bytes32)')

/** State value of a lock: RLP [sender, recipient, token, amount, hashlock, timelockHeight, state]. */
export function encodeLock(lock: HtlcLock): Uint8Array {
  return rlpEncode([
    fromHex(lock.sender),
    fromHex(lock.recipient),
    fromHex(lock.token),
    bigintToBytes(lock.amount),
    fromHex(lock.hashlock),
    bigintToBytes(lock.timelockHeight),
    bigintToBytes(BigInt(lock.state)),
  ])
}

function malformed(reason: string): never {
  throw new CodecError(
    { code: 'RLP_MALFORMED', reason: `HTLC lock: ${reason}` },
    `malformed HTLC lock: ${reason}`,
  )
}

function fixed(bytes: Uint8Array, width: number, field: string): Hex {
  if (bytes.length !== width) malformed(`${field} must be ${width} bytes`)
  return toHex(bytes)
}

/** A canonical unsigned integer of at most 32 bytes (uint256): no leading zero byte, zero is empty. */
function uint256(bytes: Uint8Array, field: string): bigint {
  if (bytes.length > 0 && bytes[0] === 0) malformed(`${field} has a leading zero`)
  if (bytes.length > 32) malformed(`${field} above 2^256 - 1`)
  return bytesToBigint(bytes)
}

const LOCK_STATES: readonly number[] = Object.values(LockState)

/**
 * Decodes `encodeLock` output, strictly: one encoding per value. Throws `CodecError` `RLP_MALFORMED`
 * on malformed RLP, an address other than 20 bytes, a hashlock other than 32 bytes, an amount or
 * timelock height with a leading zero byte or above 2^256 - 1, or a state outside `LockState`.
 */
export function decodeLock(value: Uint8Array): HtlcLock {
  const [sender, recipient, token, amount, hashlock, timelockHeight, state] = rlpDecodeBytesList(
    value,
    7,
  ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  const lockState = Number(uint256(state, 'state'))
  if (!LOCK_STATES.includes(lockState)) malformed(`state ${lockState} is not a lock state`)
  return {
    sender: fixed(sender, 20, 'sender') as Address,
    recipient: fixed(recipient, 20, 'recipient') as Address,
    token: fixed(token, 20, 'token') as Address,
    amount: uint256(amount, 'amount'),
    hashlock: fixed(hashlock, 32, 'hashlock'),
    timelockHeight: uint256(timelockHeight, 'timelock height'),
    state: lockState as LockState,
  }
}

/** The lock with id `id`, or undefined. */
export function readLock(state: StateBuffer, id: Hex): HtlcLock | undefined {
  const blob = state.getBlob(htlcKey(id))
  return blob === undefined ? undefined : decodeLock(blob)
}

/**
 * Id of the lock made by `sender` in its transaction with nonce `txNonce`:
 * keccak256(abi.encode(sender, txNonce, token, amount, recipient, hashlock, timelockHeight)).
 * Unique because (sender, nonce) never repeats and a transaction makes at most one lock.
 */
export function lockId(
  sender: Address,
  txNonce: bigint,
  token: Address,
  amount: bigint,
  recipient: Address,
  hashlock: Hex,
  timelockHeight: bigint,
): Hex {
  const enc = encodeAbiParameters(
    [
      { type: 'address' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'bytes32' },
      { type: 'uint256' },
    ],
    [sender, txNonce, token, amount, recipient, hashlock, timelockHeight],
  )
  return toHex(keccak(fromHex(enc)))
}

function payOut(f: CallFrame, lock: HtlcLock, to: Address): void {
  if (lock.token === ZERO_ADDRESS) {
    f.state.debit(HTLC_ADDRESS, lock.amount)
    f.state.credit(to, lock.amount)
  } else {
    tokenTransfer(f, lock.token, HTLC_ADDRESS, to, lock.amount)
  }
}

function activeLock(f: CallFrame, id: Hex): HtlcLock {
  const lock = readLock(f.state, id)
  require(lock !== undefined, 'HTLC: unknown lock')
  require(lock.state !== LockState.Redeemed, 'HTLC: already redeemed')
  require(lock.state !== LockState.Refunded, 'HTLC: already refunded')
  return lock
}

const lock: Method = {
  gas: GAS.htlcLock,
  payable: true,
  run: (f) => {
    requireArgs(f.data, 5)
    const token = argAddress(f.data, 0)
    const amount = argUint(f.data, 1)
    const recipient = argAddress(f.data, 2)
    const hashlock = argBytes32(f.data, 3)
    const timelockHeight = argUint(f.data, 4)
    require(amount > 0n, 'HTLC: amount is zero')
    require(recipient !== ZERO_ADDRESS, 'HTLC: recipient is the zero address')
    require(timelockHeight > f.blockNumber, 'HTLC: timelock height must be in the future')
    if (token === ZERO_ADDRESS) {
      // The transaction's value has already moved to the HTLC account.
      require(f.value === amount, 'HTLC: value must equal amount')
    } else {
      require(f.value === 0n, 'HTLC: native value sent with a token lock')
      require(isToken(f.state, token), 'HTLC: unknown token')
      spendAllowance(f, token, f.from, HTLC_ADDRESS, amount)
      tokenTransfer(f, token, f.from, HTLC_ADDRESS, amount)
    }
    const id = lockId(f.from, f.txNonce, token, amount, recipient, hashlock, timelockHeight)
    require(readLock(f.state, id) === undefined, 'HTLC: lock exists')
    f.state.setBlob(
      htlcKey(id),
      encodeLock({
        sender: f.from,
        recipient,
        token,
        amount,
        hashlock,
        timelockHeight,
        state: LockState.Locked,
      }),
    )
    f.logs.push({
      address: HTLC_ADDRESS,
      topics: [LOCKED_TOPIC, id, addressTopic(f.from), addressTopic(recipient)],
      data: encodeAbiParameters(
        [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }],
        [token, amount, hashlock, timelockHeight],
      ),
    })
    return fromHex(id)
  },
}

const redeem: Method = {
  gas: GAS.htlcRedeem,
  run: (f) => {
    requireArgs(f.data, 2)
    const id = argBytes32(f.data, 0)
    const preimage = f.data.subarray(36, 68)
    const l = activeLock(f, id)
    require(bytesEqual(sha256(preimage), fromHex(l.hashlock)), 'HTLC: wrong preimage')
    require(f.blockNumber < l.timelockHeight, 'HTLC: timelock expired')
    f.state.setBlob(htlcKey(id), encodeLock({ ...l, state: LockState.Redeemed }))
    payOut(f, l, l.recipient)
    f.logs.push({ address: HTLC_ADDRESS, topics: [REDEEMED_TOPIC, id], data: toHex(preimage) })
    return new Uint8Array(0)
  },
}

const refund: Method = {
  gas: GAS.htlcRefund,
  run: (f) => {
    requireArgs(f.data, 1)
    const id = argBytes32(f.data, 0)
    const l = activeLock(f, id)
    require(f.blockNumber >= l.timelockHeight, 'HTLC: timelock not reached')
    f.state.setBlob(htlcKey(id), encodeLock({ ...l, state: LockState.Refunded }))
    payOut(f, l, l.sender)
    f.logs.push({ address: HTLC_ADDRESS, topics: [REFUNDED_TOPIC, id], data: '0x' })
    return new Uint8Array(0)
  },
}

const getLock: Method = {
  gas: GAS.view,
  run: (f) => {
    requireArgs(f.data, 1)
    const l = readLock(f.state, argBytes32(f.data, 0))
    const out = new Uint8Array(7 * 32)
    if (l === undefined) return out
    out.set(addressWord(l.sender), 0)
    out.set(addressWord(l.recipient), 32)
    out.set(addressWord(l.token), 64)
    out.set(wordOf(l.amount), 96)
    out.set(fromHex(l.hashlock), 128)
    out.set(wordOf(l.timelockHeight), 160)
    out.set(wordOf(BigInt(l.state)), 192)
    return out
  },
}

const sel = (sig: string): number => Number.parseInt(topic(sig).slice(2, 10), 16)
const methods = new Map<number, Method>([
  [sel('lock(address,uint256,address,bytes32,uint256)'), lock],
  [sel('redeem(bytes32,bytes32)'), redeem],
  [sel('refund(bytes32)'), refund],
  [sel('getLock(bytes32)'), getLock],
])

/** The HTLC method selected by `data`, or undefined. */
export function htlcMethod(data: Uint8Array): Method | undefined {
  return methods.get(selectorOf(data))
}

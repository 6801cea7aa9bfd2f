import type { Address, Hex } from 'viem'
import { OfferError } from './errors'
import type { Pair, SignedCancel, SignedOffer, SignedTake } from './types'

/**
 * Shape checks for values that cross the worker boundary (structured clone from the page): each
 * returns a fresh object with addresses and hex in lower case, or throws `OfferError`
 * `OFFER_MALFORMED` naming the field. Meaning (signatures, amounts, rules) is checked in validate.ts.
 */

const malformed = (reason: string): never => {
  throw new OfferError({ code: 'OFFER_MALFORMED', reason })
}

const record = (v: unknown, name: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return malformed(`${name} must be an object`)
  return v as Record<string, unknown>
}

const hex = (v: unknown, name: string, bytes: number): Hex => {
  if (typeof v !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(v))
    return malformed(`${name} must be ${bytes} bytes of 0x-hex`)
  return v.toLowerCase() as Hex
}

const address = (v: unknown, name: string): Address => hex(v, name, 20) as Address

const str = (v: unknown, name: string): string => {
  if (typeof v !== 'string') return malformed(`${name} must be a string`)
  return v
}

const big = (v: unknown, name: string): bigint => {
  if (typeof v !== 'bigint') return malformed(`${name} must be a bigint`)
  return v
}

const int = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return malformed(`${name} must be an integer`)
  return v
}

export function parseSignedOffer(value: unknown): SignedOffer {
  const s = record(value, 'signed offer')
  const o = record(s.offer, 'offer')
  return {
    chainId: int(s.chainId, 'chainId'),
    offer: {
      maker: address(o.maker, 'maker'),
      makerPeer: str(o.makerPeer, 'makerPeer'),
      sellToken: address(o.sellToken, 'sellToken'),
      sellAmount: big(o.sellAmount, 'sellAmount'),
      buyToken: address(o.buyToken, 'buyToken'),
      buyAmount: big(o.buyAmount, 'buyAmount'),
      expiresAt: big(o.expiresAt, 'expiresAt'),
      makerTimelock: int(o.makerTimelock, 'makerTimelock'),
      takerTimelock: int(o.takerTimelock, 'takerTimelock'),
      salt: hex(o.salt, 'salt', 32),
    },
    signature: hex(s.signature, 'signature', 65),
  }
}

export function parseSignedCancel(value: unknown): SignedCancel {
  const c = record(value, 'signed cancel')
  return { offerId: hex(c.offerId, 'offerId', 32), signature: hex(c.signature, 'signature', 65) }
}

export function parseSignedTake(value: unknown): SignedTake {
  const s = record(value, 'signed take')
  const t = record(s.take, 'take')
  return {
    take: {
      offerId: hex(t.offerId, 'offerId', 32),
      taker: address(t.taker, 'taker'),
      takerPeer: str(t.takerPeer, 'takerPeer'),
    },
    signature: hex(s.signature, 'signature', 65),
  }
}

export function parsePair(value: unknown): Pair {
  const p = record(value, 'pair')
  return { base: address(p.base, 'base'), quote: address(p.quote, 'quote') }
}

/** A 32-byte hash, lower-cased (the maker's hashlock). */
export const parseHash = (value: unknown, name: string): Hex => hex(value, name, 32)

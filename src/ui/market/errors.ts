import { lockedMessage } from '../wallet-locked'

/**
 * Plain words for the failures the market shows: the node's typed offer errors (branching on
 * `err.type.code`, never on message text), the wallet's refusal (EIP-1193 code 4001) and its lock (4100),
 * anything else by its message.
 */
const MESSAGES: Readonly<Record<string, string>> = {
  OFFER_TAKEN: 'Someone else took this offer first.',
  OFFER_STALE: 'This offer expired before the maker answered.',
  OFFER_EXPIRED: 'This offer has expired.',
  OFFER_CANCELLED: 'The maker withdrew this offer.',
  OFFER_UNKNOWN: 'This offer is no longer open.',
  OFFER_MAKER_LACKS_BALANCE: 'The maker does not hold what the offer sells.',
  TAKER_LACKS_BALANCE: 'You do not hold what the offer asks for.',
  TAKE_SELF: 'This is your own offer.',
  OFFER_TIMELOCK_RULE: "The offer's timelocks break the swap safety rule.",
  OFFER_TIMELOCK_OUT_OF_RANGE: "The offer's timelocks are out of range.",
  OFFER_EXPIRY_TOO_FAR: 'The offer would stay open too long.',
  OFFER_BOOK_FULL: 'The order book is full: try again once some offers have expired.',
  OFFER_WRONG_PEER: 'The offer names another tab as its maker.',
  OFFER_WRONG_CHAIN: 'The offer was signed for another chain.',
  OFFER_BAD_SIGNATURE: "The offer's signature does not match its maker.",
  NO_ACCOUNT: 'Create or unlock a wallet to trade.',
  TERMS_MISMATCH: 'The maker answered with other terms than its offer: nothing was locked.',
  SWAP_UNKNOWN: 'This trade is no longer running in this tab: there is nothing to approve.',
  SWAP_NOT_YOURS:
    'This trade was not made by this wallet (another account, or another secret): it cannot be approved here.',
  // A take is the one request the market sends to another tab (its maker's): these network failures are its.
  NET_NO_DIRECT_LINK:
    "The maker's tab is not linked to this one (closed, or offline): nothing was taken. Try again once it is back, or take another offer.",
  NET_TIMEOUT:
    "The maker's tab did not answer in time (closed, hidden or busy): none of your tokens were locked. Try again in a moment, or take another offer.",
  LOCAL_RECORD_NOT_SAVED:
    'This browser did not save your approval of this trade (its storage is full or turned off), so nothing was sent. Free up space, or allow this site to store data, and try again.',
}

/** The code of a typed node error (`{ type: { code } }`), or null. */
function codeOf(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null
  const type = (err as { type: unknown }).type
  if (typeof type !== 'object' || type === null || !('code' in type)) return null
  const code = (type as { code: unknown }).code
  return typeof code === 'string' ? code : null
}

/** A failed take that carries no refusal of the maker's own (`remote`): the request itself broke. */
const DROPPED_TAKE =
  "The maker's tab dropped the take before answering (it closed, or lost its network): none of your tokens were locked. Try again once it is back, or take another offer."

/** A sentence for `err`, as the market screens show it. */
export function marketErrorMessage(err: unknown): string {
  const code = codeOf(err)
  if (code !== null && MESSAGES[code] !== undefined) return MESSAGES[code]
  if (code === 'NET_REQUEST_FAILED' && !('remote' in (err as { type: object }).type)) return DROPPED_TAKE
  const rpcCode = typeof err === 'object' && err !== null && 'code' in err ? err.code : null
  if (rpcCode === 4001) return 'You declined the signature in the wallet.'
  // The provider also shows its unlock prompt, which links to the Wallet screen.
  const locked = lockedMessage(err)
  if (locked !== null) return locked
  if (err instanceof Error) return err.message
  // An error that crossed a port as a plain object keeps its message.
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string')
    return err.message
  return typeof err === 'string' ? err : 'Something went wrong.'
}

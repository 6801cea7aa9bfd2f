import type { Address, Hex } from 'viem'
import { LOCK_WINDOW_BLOCKS, REDEEM_MARGIN_BLOCKS } from '../../trade/swap/terms'
import { formatAmount } from '../../wallet/amount'
import { formatDuration } from '../../wallet/duration'
import { tokenOf } from './book-view'
import { atStake } from './leave-guard'
import { blocksDuration } from './offer-form'
import { type Decimal, unitPrice } from './price'
import type { MarketLock, MarketParams, MarketSwap, MarketToken, SwapState } from './source'

/** A step of the trade as the step view draws it. */
export interface TradeStep {
  readonly label: string
  /** `done`; `current` (the swap is at it); `todo`; `skipped` (the swap ended before it). */
  readonly status: 'done' | 'current' | 'todo' | 'skipped'
}

/** What happens next, and whether it needs the person (the notification's wording). */
export interface TradeNext {
  /** True when nothing moves until the person acts (unlock the wallet). */
  readonly needsYou: boolean
  readonly text: string
}

/** One swap in "My trades", ready to show. */
export interface TradeView {
  readonly id: MarketSwap['id']
  readonly role: MarketSwap['role']
  /**
   * Our side of the trade in a user's words, the role term in brackets: `You posted this offer (maker)`
   * or `You took this offer (taker)`. The term stays on screen because the card's sentences name the
   * other party by it ("the taker can take back its …").
   */
  readonly roleText: string
  /**
   * `You sell 100 GLD for 50 SLV` (maker) or `You buy 100 GLD for 50 SLV` (taker); once completed, what
   * happened: `You sold …` / `You bought …`.
   */
  readonly title: string
  /**
   * The trade's price as the book says one: `0.5 SLV per GLD` (what the maker asks per whole unit of what
   * it sells), `≈` before a rounded figure; `inverse` the other way round, `2 GLD per SLV`.
   */
  readonly price: { readonly text: string; readonly inverse: string }
  /**
   * When a finished trade ended: `block #312, ~2m 04s ago` (the block of the chain event that ended it);
   * null while it runs, and when a decision of the node ended it (no block to name).
   */
  readonly ended: string | null
  readonly state: SwapState
  /** An end was reached: the trade belongs to the history. */
  readonly finished: boolean
  /** Four steps: locked → counter-locked → redeemed → done. */
  readonly steps: readonly TradeStep[]
  readonly next: TradeNext
  /**
   * While our own lock is live: the block its refund can be mined in (its timelock), with the estimated
   * time to it, as `deadline` counts (one story: a block, never a count beside it); null while `deadline`
   * already says when our lock comes back (a maker's own lock, or ours past its timelock).
   */
  readonly refund: { readonly block: bigint; readonly text: string } | null
  /**
   * While coins of ours are at stake (`atStake`): the block until which this tab must stay open (its
   * node alone redeems and refunds for us), with the estimated time and why; null otherwise.
   */
  readonly deadline: { readonly block: bigint; readonly text: string } | null
  /**
   * The node's last step failed: `Last step failed: …` (it retries on the next block); null otherwise,
   * while `next` asks to unlock the wallet (the step failed for that), and when `unchecked` says why.
   */
  readonly problem: string | null
  /**
   * The node could not check the swap on the chain yet (`MarketSwap.unverified`: no peer to prove it
   * against): `Not checked yet: …`, the swap shown as last seen. Not a failure: null otherwise.
   */
  readonly unchecked: string | null
  /**
   * This tab lost the user's approval of the running trade (`MarketSwap.approved` false: its saved copy
   * could not be read), so the wallet refuses its steps: why, and the terms the user checks before
   * approving it again — what it gives and gets, with whom, and each lock's timelock. Null otherwise.
   */
  readonly reapprove: Reapprove | null
}

/** A running trade to approve again, with its terms as the user checks them (`TradeView.reapprove`). */
export interface Reapprove {
  readonly text: string
  /** `10 APL`: what our side locks. */
  readonly give: string
  /** What our side receives. */
  readonly get: string
  /** The other party's account, and its role's name (`the taker`). */
  readonly counterparty: Address
  readonly counterpartyRole: string
  /** How long each lock runs before it can be refunded, ours first. */
  readonly timelocks: string
  /** What approving lets this tab do. */
  readonly note: string
}

const FINAL: readonly SwapState[] = ['Completed', 'Cancelled', 'Expired', 'Refunded']

/** How many of the four steps a state has completed (Open and Accepted: none yet). */
const PROGRESS: Readonly<Record<SwapState, number>> = {
  Open: 0,
  Accepted: 0,
  MakerLocked: 1,
  TakerLocked: 2,
  SecretRevealed: 3,
  Completed: 4,
  Cancelled: 0,
  Expired: 0,
  Refunded: 0,
}

/** Our lock came back to us after the secret came out (so the other lock was redeemed to us). */
const refundedAfterSecret = (swap: MarketSwap): boolean =>
  swap.state === 'Refunded' && swap.steps.some((s) => s.state === 'SecretRevealed')

/**
 * Our lock went to the other party after the secret came out, and theirs can no longer come to us (our
 * redeem did not land before its timelock).
 */
const expiredAfterSecret = (swap: MarketSwap): boolean =>
  swap.state === 'Expired' && swap.steps.some((s) => s.state === 'SecretRevealed')

/** Confirmations of a lock at `head` (1 in the block that mined it). */
export function confirmations(lock: MarketLock, head: bigint): bigint {
  return head >= lock.lockedAt ? head - lock.lockedAt + 1n : 0n
}

/** Blocks until `lock` can be refunded: a refund is valid in a block numbered ≥ `timelockHeight`. */
export function blocksUntilRefund(lock: MarketLock, head: bigint): bigint {
  const left = lock.timelockHeight - (head + 1n)
  return left > 0n ? left : 0n
}

/** `text` ended as a sentence: the node's error messages mostly come without a full stop. */
const asSentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`)

const plural = (n: bigint, word: string): string => `${n} ${word}${n === 1n ? '' : 's'}`

/**
 * `block #52 (~48s)`: a block with the estimated time to it at `head`, as every block these sentences
 * name is said; a block already mined (`block` ≤ `head`) has no time to it: `block #52`.
 */
export const blockAt = (block: bigint, head: bigint, params: MarketParams): string =>
  block > head ? `block #${block} (~${blocksDuration(block - head, params)})` : `block #${block}`

/**
 * The "My trades" view of one party's swap at `head`: the four steps, what comes next and whether it
 * needs the person (`walletUnlocked` false: the node cannot sign), until which block the tab must stay
 * open, and the block our own lock comes back at where that deadline does not say it already. Pure.
 */
export function tradeView(
  swap: MarketSwap,
  tokens: readonly MarketToken[],
  params: MarketParams,
  head: bigint,
  walletUnlocked: boolean,
): TradeView {
  const t = swap.terms
  const a = tokenOf(tokens, t.tokenA)
  const b = tokenOf(tokens, t.tokenB)
  const amountA = formatAmount(t.amountA, a.decimals, a.symbol)
  const amountB = formatAmount(t.amountB, b.decimals, b.symbol)
  const maker = swap.role === 'maker'
  const labels = maker
    ? [
        `You lock ${amountA}`,
        `They lock ${amountB}`,
        `You collect their ${amountB} — that lets them collect yours`,
        `They collect your ${amountA} — done`,
      ]
    : [
        `They lock ${amountA}`,
        `You lock ${amountB}`,
        `They collect your ${amountB} — that lets you collect theirs`,
        `You collect their ${amountA} — done`,
      ]
  const finished = tradeFinished(swap)
  // An end other than Completed stops where the last live state left it.
  const reached =
    swap.state === 'Completed' || !finished
      ? PROGRESS[swap.state]
      : Math.max(0, ...swap.steps.map((s) => (FINAL.includes(s.state) ? 0 : PROGRESS[s.state])))
  const status = (i: number): TradeStep['status'] => {
    // Our lock refunded after the secret came out: it came out on the other lock (ours never carried
    // it), redeemed to us; of the two redeem steps only the one that paid us happened.
    if (refundedAfterSecret(swap) && i >= 2) return i === (maker ? 2 : 3) ? 'done' : 'skipped'
    // Expired after the secret came out: the redeem that paid them happened, ours never did.
    if (expiredAfterSecret(swap) && i >= 2) return i === (maker ? 3 : 2) ? 'done' : 'skipped'
    if (i < reached) return 'done'
    return finished ? 'skipped' : i === reached ? 'current' : 'todo'
  }
  const steps = labels.map((label, i): TradeStep => ({ label, status: status(i) }))
  const own = maker ? swap.makerLock : swap.takerLock
  const deadline = stayOpen(swap, amountA, amountB, head, params)
  const refund =
    own !== null && own.state === 'locked' && !(deadline !== null && deadlineTellsRefund(swap, own, head))
      ? {
          block: own.timelockHeight,
          text:
            blocksUntilRefund(own, head) === 0n
              ? 'Your lock can be refunded now.'
              : `If the swap does not complete, your node takes your ${maker ? amountA : amountB} back at ${blockAt(own.timelockHeight, head, params)}.`,
        }
      : null
  const next = nextStep(swap, {
    amountA,
    amountB,
    own,
    head,
    walletUnlocked,
    approved: swap.approved,
    k: BigInt(params.confirmations),
    params,
  })
  return {
    id: swap.id,
    role: swap.role,
    roleText: maker ? 'You posted this offer (maker)' : 'You took this offer (taker)',
    title: `${swap.state === 'Completed' ? (maker ? 'You sold' : 'You bought') : maker ? 'You sell' : 'You buy'} ${amountA} for ${amountB}`,
    price: {
      text: perUnit(unitPrice(t.amountA, a.decimals, t.amountB, b.decimals), b.symbol, a.symbol),
      inverse: perUnit(unitPrice(t.amountB, b.decimals, t.amountA, a.decimals), a.symbol, b.symbol),
    },
    ended: finished ? endedAt(swap, head, params) : null,
    state: swap.state,
    finished,
    steps,
    next,
    refund,
    deadline,
    // A step that waits for the wallet to be unlocked, or for the trade to be approved again, failed for
    // that reason: `next` and `reapprove` already ask for it.
    problem:
      swap.error === null || finished || next.needsYou || swap.unverified || !swap.approved
        ? null
        : `Last step failed: ${asSentence(swap.error)} Your node tries again at the next block.`,
    unchecked:
      swap.error === null || finished || !swap.unverified
        ? null
        : `Not checked yet: ${swap.error} — shown as your node last saw it. Your node checks again once a peer can prove it.`,
    reapprove: swap.approved || finished ? null : reapproval(swap, amountA, amountB, params, walletUnlocked),
  }
}

/** `TradeView.reapprove` of a running `swap` this tab holds no approval of. */
function reapproval(
  swap: MarketSwap,
  amountA: string,
  amountB: string,
  params: MarketParams,
  walletUnlocked: boolean,
): Reapprove {
  const t = swap.terms
  const maker = swap.role === 'maker'
  const runs = (blocks: bigint): string => `${plural(blocks, 'block')} (~${blocksDuration(blocks, params)})`
  const [ours, theirs] = maker
    ? [t.makerTimelockBlocks, t.takerTimelockBlocks]
    : [t.takerTimelockBlocks, t.makerTimelockBlocks]
  const other = maker ? 'the taker' : 'the maker'
  return {
    text: `This tab lost your approval of this trade (its saved copy could not be read), so your node will not sign its steps. ${walletUnlocked ? 'Check the trade and approve it again to let it go on.' : 'Unlock your wallet, then check the trade and approve it again to let it go on.'}`,
    give: maker ? amountA : amountB,
    get: maker ? amountB : amountA,
    counterparty: maker ? t.taker : t.maker,
    counterpartyRole: other,
    timelocks: `your lock can be taken back ${runs(ours)} after it is mined; ${other}'s after ${runs(theirs)}`,
    note: `Approving lets this tab sign each step left of this trade for exactly these amounts without asking again (locking yours, collecting theirs, taking yours back if it stops half-way)${maker ? ', and use your secret to collect theirs' : ''}.`,
  }
}

/** `≈0.333333 SLV per GLD`: a price as the book writes one, `≈` when it is rounded. */
const perUnit = (price: Decimal, quote: string, base: string): string =>
  `${price.exact ? '' : '≈'}${price.text} ${quote} per ${base}`

/** The block of the chain event that ended `swap` and how long ago that was at `head`; null for a decision. */
function endedAt(swap: MarketSwap, head: bigint, params: MarketParams): string | null {
  const height = swap.steps[swap.steps.length - 1]?.height ?? null
  if (height === null) return null
  const ago = head > height ? head - height : 0n
  return `block #${height}, ~${blocksDuration(ago, params)} ago`
}

/**
 * The last block a maker's redeem of the taker's lock can be mined in, as its node sees it. A redeem
 * already sent (its secret out in the pools) is seen through until the taker's timelock; a first one is
 * made only while it lands `REDEEM_MARGIN_BLOCKS` before either timelock (the engine's margin), and past
 * that the node waits for its refund instead.
 */
function makerRedeemBy(swap: MarketSwap, makerLock: MarketLock, takerLock: MarketLock): bigint {
  if (swap.redeemsSent.includes(takerLock.id)) return takerLock.timelockHeight - 1n
  const first = takerLock.timelockHeight < makerLock.timelockHeight ? takerLock : makerLock
  return first.timelockHeight - REDEEM_MARGIN_BLOCKS - 1n
}

/** Our `amount` back by the refund of our live `lock`: `your 100 GLD comes back to you at block #52 (~48s)`. */
const comesBack = (amount: string, lock: MarketLock, head: bigint, params: MarketParams): string =>
  `your ${amount} comes back to you at ${blockAt(lock.timelockHeight, head, params)}`

/** Until block `block` is mined, with the estimated time to it at `head`. */
const untilBlock = (block: bigint, head: bigint, params: MarketParams): string =>
  `Keep this tab open until ${blockAt(block, head, params)}`

/** Our own lock past its timelock: the tab is needed until its node's refund lands. */
const refundDue = (lock: MarketLock, amount: string): NonNullable<TradeView['deadline']> => ({
  block: lock.timelockHeight,
  text: `Keep this tab open until your node has taken back your ${amount}: it can be refunded now.`,
})

/**
 * Whether `stayOpen`'s deadline (when there is one) already says when our live lock `own` comes back: a
 * maker's always does (until its timelock, or its redeem's last block with the timelock named), and so
 * does anyone's past its timelock; a taker's before it names the maker's lock only.
 */
const deadlineTellsRefund = (swap: MarketSwap, own: MarketLock, head: bigint): boolean =>
  swap.role === 'maker' || blocksUntilRefund(own, head) === 0n

/**
 * Until which block this tab must stay open while coins of ours are at stake, and why. A taker's node
 * must redeem the maker's lock with the secret in a block before the maker's timelock, or the maker can
 * refund it (after taking the taker's side); a maker's node must redeem the taker's lock in a block
 * before the taker's timelock, or the taker can refund it, and takes its own lock back at its timelock
 * if the taker never redeems it.
 */
function stayOpen(
  swap: MarketSwap,
  amountA: string,
  amountB: string,
  head: bigint,
  params: MarketParams,
): TradeView['deadline'] {
  if (!atStake({ role: swap.role, status: swap })) return null
  const { makerLock, takerLock } = swap
  if (swap.role === 'maker') {
    if (makerLock?.state !== 'locked') return null
    if (blocksUntilRefund(makerLock, head) === 0n) return refundDue(makerLock, amountA)
    // The taker locked: our redeem of its lock must be mined in a block before its timelock, or the
    // taker can take its lock back (ours then comes back at our timelock: the secret never came out).
    if (swap.state === 'TakerLocked' && takerLock !== null) {
      const last = makerRedeemBy(swap, makerLock, takerLock)
      const back = comesBack(amountA, makerLock, head, params)
      if (head >= last)
        return {
          block: last,
          text: swap.redeemsSent.includes(takerLock.id)
            ? `Block #${last} has passed: the taker can take back its ${amountB}, and ${back}.`
            : `Block #${last} has passed: ${tooLate(amountB)}; ${back}.`,
        }
      return {
        block: last,
        text: `${untilBlock(last, head, params)}: your node must collect the taker's ${amountB} by then, or the taker can take back its ${amountB} and ${back}.`,
      }
    }
    const block = makerLock.timelockHeight
    return {
      block,
      text: `${untilBlock(block, head, params)}, or until the taker collects your ${amountA} if that comes first: if the taker has not collected it by then, your node takes your ${amountA} back.`,
    }
  }
  // Past our lock's timelock the maker can no longer redeem it (so the secret never comes out): only
  // our refund is left.
  if (
    swap.state === 'TakerLocked' &&
    takerLock?.state === 'locked' &&
    blocksUntilRefund(takerLock, head) === 0n
  )
    return refundDue(takerLock, amountB)
  if (makerLock?.state !== 'locked') return null
  // The last block our redeem can be mined in: from the maker's timelock on, only a refund is valid.
  const block = makerLock.timelockHeight - 1n
  if (head >= block)
    return { block, text: `Block #${block} has passed: the maker can take back its ${amountA}.` }
  return {
    block,
    text:
      swap.state === 'SecretRevealed'
        ? `${untilBlock(block, head, params)}: your node must collect the maker's ${amountA} by then, or the maker can take back its ${amountA} and keep your ${amountB}.`
        : `${untilBlock(block, head, params)}: once the maker collects your ${amountB}, your node must collect its ${amountA} by then, or the maker can take back its ${amountA}.`,
  }
}

interface NextContext {
  readonly amountA: string
  readonly amountB: string
  readonly own: MarketLock | null
  readonly head: bigint
  readonly walletUnlocked: boolean
  /** This tab holds the user's approval of the swap (`MarketSwap.approved`). */
  readonly approved: boolean
  readonly k: bigint
  readonly params: MarketParams
}

const waiting = (text: string): TradeNext => ({ needsYou: false, text: `Nothing to do: ${text}` })

/** A maker past the margin of its first redeem (`makerRedeemBy`). */
const tooLate = (amountB: string): string =>
  `too late to collect the taker's ${amountB} safely, so your node will not collect it`

/**
 * What the node signs to collect the other party's locked `amount` (the HTLC redeem, said in a trader's
 * words): `the transaction that collects 50 SLV`.
 */
const collects = (amount: string): string => `the transaction that collects ${amount}`

/**
 * A step the node signs: it needs the person while the wallet is locked, and while this tab holds no
 * approval of the trade (the wallet refuses every step until it is approved again).
 */
const sign = (what: string, c: Pick<NextContext, 'walletUnlocked' | 'approved'>): TradeNext =>
  !c.walletUnlocked
    ? { needsYou: true, text: `Unlock your wallet to sign ${what}.` }
    : c.approved
      ? {
          needsYou: false,
          text: `Nothing to do: your node signs ${what} and sends it; the trade moves on once a block holds it.`,
        }
      : { needsYou: true, text: `Approve this trade again (below) to let your node sign ${what}.` }

/** Waits for a lock's k confirmations, then signs `then`. */
function afterConfirmations(lock: MarketLock | null, whose: string, then: string, c: NextContext): TradeNext {
  const have = lock === null ? 0n : confirmations(lock, c.head)
  if (have < c.k) return waiting(`waiting for ${plural(c.k - have, 'more confirmation')} of ${whose} lock.`)
  return sign(then, c)
}

/**
 * We wait on the other party's node (it locks next, or redeems next) while our `lock` is live and that
 * party's tab is not linked (`MarketSwap.counterpartyLinked` false): its step may never come, and what
 * is sure is our refund at our lock's timelock. Null while the tab is linked or not known.
 */
function counterpartyGone(
  swap: MarketSwap,
  lock: MarketLock,
  amount: string,
  c: NextContext,
): TradeNext | null {
  if (swap.counterpartyLinked !== false) return null
  return {
    needsYou: false,
    text: `Waiting for the ${swap.role === 'maker' ? 'taker' : 'maker'}'s tab, which is not linked now: if it does not come back, your ${amount} come back by refund at ${blockAt(lock.timelockHeight, c.head, c.params)}.`,
  }
}

/**
 * A taker waiting for the maker's lock: the swap engine waits for it up to block `acceptedHeight +
 * LOCK_WINDOW_BLOCKS` (a lock mined in that block still counts) and gives the trade up at that head
 * without it; nothing of the taker's is locked before then.
 */
function waitingForMakerLock(swap: MarketSwap, c: NextContext): TradeNext {
  const last = swap.terms.acceptedHeight + LOCK_WINDOW_BLOCKS
  return c.head >= last
    ? waiting(
        `the maker did not lock ${c.amountA} by block #${last}, so your node gives up the trade (none of your funds were locked).`,
      )
    : waiting(
        `waiting for the maker to lock ${c.amountA} by ${blockAt(last, c.head, c.params)}; if it has not by then, your node gives up the trade (none of your funds are locked).`,
      )
}

function nextStep(swap: MarketSwap, c: NextContext): TradeNext {
  // Our lock back once its timelock passed, whatever else happened (the engine's first rule).
  if (c.own !== null && c.own.state === 'locked' && blocksUntilRefund(c.own, c.head) === 0n)
    return sign('the refund of your lock', c)
  const maker = swap.role === 'maker'
  switch (swap.state) {
    case 'Open':
      return waiting('waiting for someone to take the offer.')
    case 'Accepted':
      return maker ? sign(`the lock of ${c.amountA}`, c) : waitingForMakerLock(swap, c)
    case 'MakerLocked':
      if (maker && c.own !== null && c.own.state === 'locked') {
        const gone = counterpartyGone(swap, c.own, c.amountA, c)
        if (gone !== null) return gone
      }
      return maker
        ? waiting(`waiting for the taker to lock ${c.amountB}.`)
        : afterConfirmations(swap.makerLock, "the maker's", `the lock of ${c.amountB}`, c)
    case 'TakerLocked':
      if (!maker) {
        const gone = c.own?.state === 'locked' ? counterpartyGone(swap, c.own, c.amountB, c) : null
        return gone ?? waiting(`waiting for the maker to collect your ${c.amountB}.`)
      }
      if (swap.takerLock !== null) {
        // (Our lock not read yet: no block to name.)
        const back =
          c.own === null
            ? `your ${c.amountA} comes back to you by refund`
            : comesBack(c.amountA, c.own, c.head, c.params)
        // The taker's lock refunded or past its timelock: no redeem is coming, only our refund.
        if (blocksUntilRefund(swap.takerLock, c.head) === 0n)
          return waiting(`the taker's ${c.amountB} can no longer be collected; ${back}.`)
        // Past the margin, with no redeem of ours out: the engine waits for its refund.
        if (c.own !== null && c.head >= makerRedeemBy(swap, c.own, swap.takerLock))
          return waiting(`${tooLate(c.amountB)}; ${back}.`)
      }
      return afterConfirmations(swap.takerLock, "the taker's", collects(c.amountB), c)
    case 'SecretRevealed':
      return maker
        ? waiting(`you have ${c.amountB}; waiting for the taker to collect your ${c.amountA}.`)
        : sign(collects(c.amountA), c)
    case 'Completed':
      return { needsYou: false, text: `Done: you received ${maker ? c.amountB : c.amountA}.` }
    case 'Refunded': {
      const back = maker ? c.amountA : c.amountB
      // The other party let its redeem window pass after the secret came out: we hold both sides.
      return refundedAfterSecret(swap)
        ? {
            needsYou: false,
            text: `Refunded: your ${back} came back to you, and you keep ${maker ? c.amountB : c.amountA}.`,
          }
        : { needsYou: false, text: `Refunded: your ${back} came back to you.` }
    }
    case 'Cancelled':
      return { needsYou: false, text: 'Cancelled: none of your funds were locked.' }
    case 'Expired':
      return expiredAfterSecret(swap)
        ? {
            needsYou: false,
            text: `Expired: your ${maker ? c.amountA : c.amountB} went to the ${maker ? 'taker' : 'maker'}, and your node did not collect their ${maker ? c.amountB : c.amountA} before their lock's deadline.`,
          }
        : { needsYou: false, text: 'Expired: none of your funds were locked.' }
  }
}

/**
 * Said above running trades while the chain stands still (`quietMs`: no block for that long, here or
 * from the peers — `quietForMs`): every step of a swap waits for a block, so a trade shows the same step
 * for as long as nobody mines. `canMine`: this tab could mine them itself (a full node, not mining).
 */
export function quietTradesNote(quietMs: number | null, canMine: boolean): string | null {
  if (quietMs === null) return null
  const stands = `No new block for ${formatDuration(quietMs)}, here or from the peers: your trades move on only as blocks are mined.`
  return canMine
    ? `${stands} Turn on Mining on the home screen to mine them here, or wait for a tab that mines.`
    : `${stands} They move on once a tab that mines is linked to this one.`
}

/** Whether `swap` ended (completed, cancelled, expired or refunded): My trades lists it under History. */
export function tradeFinished(swap: MarketSwap): boolean {
  return FINAL.includes(swap.state)
}

/**
 * What the Market says after this tab took the offer `offerId`: to follow its trade in My trades, before
 * the node lists the swap and while it runs; nothing once it finished (its History row says how). Pure.
 */
export function takenOfferNote(offerId: Hex, swaps: readonly MarketSwap[]): string | null {
  const trade = swaps.find((s) => s.id === offerId)
  return trade !== undefined && tradeFinished(trade)
    ? null
    : 'Offer taken: follow the swap in My trades below.'
}

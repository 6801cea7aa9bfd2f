import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { type Address, getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { offerId, takeTypedData } from '../../src/trade/offers/typed-data'
import { ApprovalContent } from '../../src/ui/components/ApprovalDialog'
import { describeMessage, describeTypedData, type OfferTerms } from '../../src/wallet/describe'
import { friendsOffer } from '../wallet/friends-offer'

const ME = getAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
const TOKEN: Address = getAddress('0x00000000000000000000000000000000000000e1')

/** The dialog's markup for `request`, its Sign enabled. */
const render = (request: Parameters<typeof ApprovalContent>[0]['request']) =>
  renderToStaticMarkup(createElement(ApprovalContent, { request, armed: true, id: 1 }))

describe('approval dialog', () => {
  test('a take reads as the trade: what goes out and comes in first, the message as signed folded, Sign outside the scrolling body', () => {
    const offer = friendsOffer(TOKEN)
    const id = offerId(31_415, offer)
    const terms: OfferTerms = {
      sell: '10 GLD',
      buy: '2.5 TAB',
      expiresAt: offer.expiresAt,
      makerTimelock: 207n,
      takerTimelock: 70n,
      blockMs: 2000,
    }
    // As a dApp sends it: JSON.
    const typed = JSON.parse(
      JSON.stringify(takeTypedData(31_415, { offerId: id, taker: ME, takerPeer: '12D3KooWme' })),
    )
    const html = render(describeTypedData(ME, typed, 'Account 1', terms))
    const body = html.slice(
      html.indexOf('class="approval__body"'),
      html.indexOf('class="row row--end approval__actions"'),
    )
    const folded = body.slice(body.indexOf('<details'))
    // Before the fold: the account, what is paid and received, and the offer; none of the raw take.
    const first = body.slice(0, body.indexOf('<details'))
    for (const text of [`Account 1 (${ME})`, '>You pay<', '2.5 TAB', '>You receive<', '10 GLD', '>Offer<'])
      expect(first).toContain(text)
    // The offer's id shortened as the app shows a hash, kept on one line (a break at its "…" reads as
    // two figures); the whole id is in the message as signed.
    expect(first).toContain(`(id <span class="short-hex">${id.slice(0, 10)}…${id.slice(-6)}</span>)`)
    for (const text of [id, '12D3KooWme', '>Chain ID<', '>Domain<']) {
      expect(first).not.toContain(text)
      expect(folded).toContain(text)
    }
    expect(folded).toMatch(/^<details[^>]*><summary>Message as signed<\/summary>/)
    expect(folded).not.toMatch(/<details[^>]* open/)
    // The buttons come after the body that scrolls, not at the end of it.
    const actions = html.slice(html.indexOf('approval__actions'))
    expect(actions).toContain('data-testid="approval-cancel"')
    expect(actions).toMatch(/data-testid="approval-confirm"[^>]*>Sign<\/button>/)
    expect(body).not.toContain('approval-confirm')
  })

  test('a personal message has nothing folded: its text is what is signed', () => {
    const html = render(describeMessage(ME, '0x68656c6c6f'))
    expect(html).not.toContain('<details')
    expect(html).toContain('>hello<')
  })
})

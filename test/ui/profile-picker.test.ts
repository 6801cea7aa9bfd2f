import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { ProfileRows } from '../../src/ui/components/ProfilePicker'

const profile = (n: number, inUse: boolean) => ({
  id: `p${n}`,
  name: `Profile ${n}`,
  createdAt: n,
  peerId: `12D3KooWProfile${n}`,
  inUse,
})

/** The names of the remove buttons the menu's list offers. */
const removeButtons = (html: string) =>
  [...html.matchAll(/<button[^>]*data-testid="profile-remove"[^>]*>/g)].map(
    ([b]) => /aria-label="([^"]*)"/.exec(b)?.[1],
  )

describe("the profile menu's list", () => {
  test("offers no Remove for this tab's own profile (it holds it while it runs); others can be asked", () => {
    const own = profile(1, true)
    const html = renderToStaticMarkup(
      createElement(ProfileRows, {
        profile: own,
        profiles: [own, profile(2, true), profile(3, false)],
        onRemove: () => undefined,
      }),
    )
    // Another tab's profile is offered: its dialog says to close that tab first (it can be, from here).
    expect(removeButtons(html)).toEqual(['Remove Profile 2', 'Remove Profile 3'])
    expect(html).toContain('>this tab</span>')
  })
})

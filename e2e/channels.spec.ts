import { type Browser, expect, type Page, test } from '@playwright/test'
import { maxLinkChannels } from '../src/node/network/libp2p-options'
import { startWiring } from '../src/node/worker/wiring'
import { beaconArrives, connectionsTo, keptOutThroughRedials, openNode, waitDirect } from './helpers'

/**
 * A direct link's streams are WebRTC data channels, which no libp2p option bounds in total (a browser
 * lets one end open 32,767 on a link): the host counts those the peer opens and cuts a link past
 * `maxLinkChannels`. Each page here counts, on its own, the data channels the remote opens on each of
 * its RTCPeerConnections (`channelLinks`: open now, and the most open at once).
 */

/** The page's count of the data channels opened by the remote, per RTCPeerConnection. */
interface ChannelLink {
  readonly pc: RTCPeerConnection
  open: number
  peak: number
}

/** Counts the data channels each RTCPeerConnection's remote opens (an init script: before the app loads). */
function countChannels(): void {
  const Native = RTCPeerConnection
  const links: ChannelLink[] = []
  ;(window as unknown as { channelLinks: ChannelLink[] }).channelLinks = links
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration)
      const link: ChannelLink = { pc: this, open: 0, peak: 0 }
      links.push(link)
      this.addEventListener('datachannel', ({ channel }) => {
        link.open++
        link.peak = Math.max(link.peak, link.open)
        channel.addEventListener('close', () => {
          link.open--
        })
      })
    }
  }
}

/** The most data channels the remote of any of `page`'s live or past links held open at once. */
const peakChannels = (page: Page): Promise<number> =>
  page.evaluate(() =>
    Math.max(0, ...(window as unknown as { channelLinks: ChannelLink[] }).channelLinks.map((l) => l.peak)),
  )

/** A page of its own browser context, counting channels (`countChannels`), running a node at `path`. */
async function countingNode(browser: Browser, path: string): Promise<{ page: Page; id: string }> {
  const context = await browser.newContext()
  await context.addInitScript(countChannels)
  const page = await context.newPage()
  return { page, id: await openNode(page, path) }
}

/** The cap on a full node's links: the host serves the exchange protocols a full node's start asks for. */
const CAP = maxLinkChannels(startWiring(31415, 'auto').protocols.length)

test('a peer that opens thousands of data channels on a direct link is cut off past the cap, and kept out', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const victim = await countingNode(browser, '/?mine=0')
  const flooder = await countingNode(browser, '/?mine=0')
  try {
    await waitDirect(victim.page, flooder.id, 30_000)
    await waitDirect(flooder.page, victim.id, 30_000)
    const floodedAt = await flooder.page.evaluate(() => Date.now())
    // Channels that never agree a protocol: libp2p's negotiation timeout would close each after 10 s.
    const opened = await flooder.page.evaluate(() => {
      const links = (window as unknown as { channelLinks: ChannelLink[] }).channelLinks
      let n = 0
      for (const { pc } of links)
        if (pc.connectionState === 'connected')
          for (let i = 0; i < 2_000; i++) {
            pc.createDataChannel('')
            n++
          }
      return n
    })
    expect(opened).toBeGreaterThanOrEqual(2_000)
    await expect
      .poll(async () => (await connectionsTo(victim.page, flooder.id)).filter((c) => c.direct).length, {
        timeout: 10_000,
      })
      .toBe(0)
    // The link was cut as its count passed the cap, before the rest of the flood came in.
    const peak = await peakChannels(victim.page)
    expect(peak).toBeGreaterThan(CAP)
    expect(peak).toBeLessThanOrEqual(CAP + 1)
    // Kept out: the flooder's announcements and dials bring no link back.
    await keptOutThroughRedials(flooder.page, victim.id, floodedAt, async () => {
      expect(await connectionsTo(victim.page, flooder.id)).toEqual([])
    })
  } finally {
    await victim.page.context().close()
    await flooder.page.context().close()
  }
})

test('an honest link syncing blocks, gossiping and answering requests stays well under the cap', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  // The miner runs alone first: the follower then syncs its blocks over the link, as well as gossip.
  const miner = await countingNode(browser, '/')
  try {
    await expect
      .poll(async () => Number((await miner.page.evaluate(() => window.tabchain?.node.api.head()))?.number), {
        timeout: 120_000,
      })
      .toBeGreaterThanOrEqual(5)
    const follower = await countingNode(browser, '/?mine=0')
    try {
      await waitDirect(follower.page, miner.id, 30_000)
      const linkedAt = await follower.page.evaluate(() => Date.now())
      const head = await miner.page.evaluate(async () =>
        Number((await window.tabchain?.node.api.head())?.number),
      )
      await expect
        .poll(
          async () => Number((await follower.page.evaluate(() => window.tabchain?.node.api.head()))?.number),
          { timeout: 60_000 },
        )
        .toBeGreaterThanOrEqual(head)
      await beaconArrives(miner.page, follower.page)
      await beaconArrives(follower.page, miner.page)
      for (const [from, to] of [
        [follower, miner],
        [miner, follower],
      ] as const)
        for (let i = 0; i < 5; i++)
          await from.page.evaluate((id) => window.tabchain?.node.api.queryPeer(id), to.id)
      const peaks = [await peakChannels(miner.page), await peakChannels(follower.page)]
      console.log(`data channels held open at once by an honest peer: ${peaks.join(', ')} (cap ${CAP})`)
      for (const peak of peaks) expect(peak).toBeLessThanOrEqual(CAP / 4)
      // The link the follower made stayed up throughout.
      const links = await connectionsTo(follower.page, miner.id)
      expect(links.some((c) => c.direct && !c.limited && c.opened <= linkedAt)).toBe(true)
    } finally {
      await follower.page.context().close()
    }
  } finally {
    await miner.page.context().close()
  }
})

import { encodeBlock } from '../chain/block'
import { encodeHeader } from '../chain/header'
import type { Block } from '../chain/types'
import { chainTopic, MAX_GOSSIP_BYTES } from '../network/protocol'

/** A gossip message: its topic and bytes. */
export interface GossipMessage {
  readonly topic: string
  readonly data: Uint8Array
}

/**
 * How a block travels by gossip. A block may take up to `MAX_BLOCK_BYTES` (2 MiB) but a gossip message
 * at most `MAX_GOSSIP_BYTES` (1 MiB). A block whose encoding fits goes whole on the `blocks` topic, as
 * ever; a bigger one goes as its header on the `big-blocks` topic (an announcement of a few hundred
 * bytes), and a peer that takes it fetches the block by hash over `sync-blocks` from the peer the header
 * came from (`Syncer.fetchAnnounced`), with the same checks, limits and penalties as sync. That peer
 * holds it: a node passes an announcement on (gossipsub forwards what it accepts) only once it has
 * fetched and imported the block.
 *
 * Gossipsub identifies a message by its data, so the first copy of a header is the only one a node is
 * asked about: a peer that relays an honest header ahead of the others and then serves nothing (or a
 * forged body) would leave the block to a later sync. So when the announcer fails, a few other peers
 * likely to hold it (`Syncer.holders`, at most 3, one after another: the next once the last one asked
 * failed or has not served it within 2 s) are asked too, with the same checks and penalties (an empty
 * answer from a peer that did not announce it is no fault); the announcer is penalised as ever, and the
 * announcement gets the block's verdict (accepted: it goes on, for the node now serves the block). A
 * block that arrives by sync instead is not announced again, as a small one is not gossiped again: its
 * peers then learn of it by sync too.
 */
export function blockGossip(block: Block, chainId: number): GossipMessage {
  const whole = encodeBlock(block)
  return whole.byteLength <= MAX_GOSSIP_BYTES
    ? { topic: chainTopic(chainId, 'blocks'), data: whole }
    : { topic: chainTopic(chainId, 'big-blocks'), data: encodeHeader(block.header) }
}

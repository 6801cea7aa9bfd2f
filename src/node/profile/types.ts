/** A node profile: one node identity (libp2p key) and, later, one chain database. */
export interface ProfileInfo {
  /** Stable id, used in the profile's database name and Web Lock name. */
  readonly id: string
  /** Human label shown in the picker ("Profile 1", renamed by the user later). */
  readonly name: string
  /** ms since epoch. */
  readonly createdAt: number
  /** base58 libp2p peer id of this profile's identity. */
  readonly peerId: string
}

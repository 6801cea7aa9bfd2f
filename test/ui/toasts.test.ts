import { describe, expect, test } from 'vitest'
import { updatePromptText } from '../../src/ui/components/Toasts'

describe('the update prompt', () => {
  test('says what a reload keeps and what it asks after it: the wallet locks, a running swap waits for it', () => {
    // Kept in the profile's storage: the wallet (locked on every load), hosted offers, swaps (stepped
    // again on start, from the chain); a swap's next signature waits for the unlock (e2e/trade.spec.ts).
    const after =
      'Reloading keeps your wallet, offers and trades: your wallet locks, and a running swap carries on once you unlock it.'
    expect(updatePromptText('waiting')).toBe(`A new version of Tabchain is ready. ${after}`)
    expect(updatePromptText('elsewhere')).toBe(
      `A new version is running in another tab. Reload to use it. ${after}`,
    )
  })
})

import { GroupedAmount } from './GroupedAmount'

/** A short hex form as `short` and `shortAddress` write it: `0x12345678…abcdef`, `0x3C…BC`. */
const SHORT_HEX = /0x[0-9a-fA-F]+…[0-9a-fA-F]+/g

/**
 * `text` cut into its plain runs and the short hex forms in it (`hex: true`), in order; what they join to
 * is `text`. Pure.
 */
export function shortHexParts(text: string): { readonly text: string; readonly hex: boolean }[] {
  const parts: { text: string; hex: boolean }[] = []
  let from = 0
  for (const match of text.matchAll(SHORT_HEX)) {
    if (match.index > from) parts.push({ text: text.slice(from, match.index), hex: false })
    parts.push({ text: match[0], hex: true })
    from = match.index + match[0].length
  }
  if (from < text.length) parts.push({ text: text.slice(from), hex: false })
  return parts
}

/**
 * A sentence written as a string (an approval's title, an activity row's) with each short address or hash
 * in it kept on one line (`.short-hex`): a line may break at the "…" of `0x20F22364…2EfF51`, which reads
 * as two figures. An amount in it breaks only after a digit-group comma (`GroupedAmount`): a narrow cell
 * wrapping anywhere read "Create GLD (123,456,789,012,3 / 45 GLD)". The text itself is unchanged.
 */
export function ShortHexText({ text }: { readonly text: string }) {
  return shortHexParts(text).map((part, i) =>
    part.hex ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in their order.
      <span key={i} className="short-hex">
        {part.text}
      </span>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in their order.
      <GroupedAmount key={i} text={part.text} />
    ),
  )
}

import { Fragment } from 'react'

/**
 * A formatted amount (`123,456,789 GLD`), or a sentence holding some, that a narrow cell breaks only
 * after a digit-group comma (a `<wbr>` after each comma between two digits), never inside a group: table
 * cells wrap anywhere (`overflow-wrap: anywhere`, for 78-digit balances), and on a phone
 * "123,456,789,012,34 / 5 LONGSYM" read as another figure. Its text (copied, read aloud) is unchanged.
 */
export function GroupedAmount({ text }: { readonly text: string }) {
  const groups = text.split(/(?<=\d),(?=\d)/)
  return groups.map((group, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the groups of one fixed string, in order.
    <Fragment key={i}>
      {group}
      {i < groups.length - 1 ? (
        <>
          ,<wbr />
        </>
      ) : null}
    </Fragment>
  ))
}

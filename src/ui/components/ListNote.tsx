/**
 * What a screen says of a list above it: one short `line`, and what else is worth knowing of the list
 * (`about`, or null for nothing more) folded away under "About this list", out of the way of the rows.
 */
export interface ListNoteText {
  readonly line: string
  readonly about: string | null
}

/** A list's note (`ListNoteText`): its line, then its `about` in a closed `<details>`. */
export function ListNote({ note, testId }: { readonly note: ListNoteText; readonly testId: string }) {
  return (
    <div className="muted small" data-testid={testId}>
      <p>{note.line}</p>
      {note.about === null ? null : (
        <details>
          <summary>About this list</summary>
          <p>{note.about}</p>
        </details>
      )}
    </div>
  )
}

/** Rows under a header, each column padded to its widest cell; the last column is not padded. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    widths.map((width, column) => {
      const cell = cells[column] ?? ""
      return column === widths.length - 1 ? cell : cell.padEnd(width)
    }).join("  ").trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

/** One record as `label  value` lines, labels aligned. */
export const fields = (pairs: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(0, ...pairs.map(([label]) => label.length))
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join("\n")
}

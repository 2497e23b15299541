/** Shortens a cell for terminal display, marking the cut and showing line breaks as ⏎. */
export function truncateCell(text: string, width: number): string {
  const flat = text.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, '→');
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** Renders rows as left-aligned columns separated by two spaces, with a header rule. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

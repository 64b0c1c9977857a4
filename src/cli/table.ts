// Plain-text tables for humans: a header row and aligned columns, two spaces apart, no trailing
// spaces. Scripts use `--json` instead, so this format may change.

export type Align = 'left' | 'right';
export type Column = { header: string; align?: Align };

/** Formats `rows` under `columns`; each row must have one cell per column. */
export function formatTable(columns: readonly (Column | string)[], rows: readonly (readonly string[])[]): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const widths = cols.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cols
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat(widths[i]! - width(cell));
        return c.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...rows.map(line)].join('\n') + '\n';
}

/** Display width: code points, with control characters shown as nothing. */
function width(text: string): number {
  let n = 0;
  for (const ch of text) if (ch >= ' ') n++;
  return n;
}

/** Cells never contain newlines or tabs, which would break the alignment. */
export function cell(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '-';
  return String(value).replace(/[\t\r\n]+/g, ' ');
}

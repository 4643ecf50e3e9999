// Docker's `--format` for list commands: `table` (the command's own table), `json` (one object per
// line), `table TEMPLATE` (a header row, then one row per item, columns aligned on the tabs) or a
// bare TEMPLATE (one line per item, as written). `\t` and `\n` typed in the format are a tab and
// a newline, as Docker reads them.
import { parseTemplate } from './go-template.js';

export type FormatChoice = { kind: 'table' } | { kind: 'json' } | { kind: 'template'; table: boolean; source: string };

export function chooseFormat(format: string | undefined): FormatChoice {
  if (format === undefined || format === 'table') return { kind: 'table' };
  if (format === 'json') return { kind: 'json' };
  const table = format.startsWith('table ') || format.startsWith('table\t');
  const body = (table ? format.slice('table'.length) : format).trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return { kind: 'template', table, source: body };
}

/**
 * Renders items with a template. `headers` names each field's column (what `table` prints above
 * it); with `table`, cells are aligned as Go's tabwriter does with Docker's settings (minimum width
 * 10, padding 3).
 */
export function renderTemplate(choice: { table: boolean; source: string }, items: readonly unknown[], headers: Record<string, unknown>): string {
  const template = parseTemplate(choice.source); // parse errors before any output
  const lines = items.map((item) => template.execute(item));
  if (!choice.table) return lines.map((l) => `${l}\n`).join('');
  return alignColumns([template.execute(headers), ...lines]);
}

/** Go's text/tabwriter over whole lines: every tab-terminated cell padded to its column's width. */
export function alignColumns(lines: readonly string[], minWidth = 10, padding = 3): string {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? minWidth, cell.length + padding);
    });
  }
  return rows.map((cells) => cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('')).join('\n') + '\n';
}

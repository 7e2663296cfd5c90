/** Human-readable tables by default, JSON with `--json` (for scripts). */
export interface Output {
  json: boolean;
  write(text: string): void;
}

export function stdoutOutput(json: boolean): Output {
  return { json, write: (text) => process.stdout.write(text) };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    // Objects in a list (channels, builds) by their id when they have one, never `[object Object]`.
    return value
      .map((item) =>
        item !== null && typeof item === 'object'
          ? String((item as { id?: unknown }).id ?? JSON.stringify(item))
          : String(item),
      )
      .join(',');
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n')}\n`;
}

export function printResult(output: Output, value: unknown, human: () => string): void {
  output.write(output.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

export function formatRecord(record: Record<string, unknown>, fields: string[]): string {
  const width = Math.max(...fields.map((f) => f.length));
  return `${fields.map((field) => `${field.padEnd(width)}  ${cell(record[field])}`).join('\n')}\n`;
}

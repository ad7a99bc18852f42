/**
 * One CSV field: quoted when it holds a separator, quote or line break, and a
 * leading =, +, - or @ neutralised, so a spreadsheet never runs a value as a formula.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** What a spreadsheet may run as a formula when a cell starts with it. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** The same after any character a spreadsheet may split cells on (comma, semicolon, tab, pipe). */
const FORMULA_AFTER_SEPARATOR = /([,;\t|])([=+\-@])/g;

/**
 * One CSV text field, always quoted, so a spreadsheet that splits on semicolons
 * (the default in many locales) or tabs still reads it as one cell. A formula
 * prefix is neutralised with a leading apostrophe at the start of the value and
 * after every separator character inside it, so even a reader that ignores the
 * quotes never runs a value as a formula.
 */
export function csvField(value: string): string {
  const safe = (FORMULA_START.test(value) ? `'${value}` : value).replace(FORMULA_AFTER_SEPARATOR, "$1'$2");
  return `"${safe.replace(/"/g, '""')}"`;
}

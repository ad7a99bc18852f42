import { DomainError } from '../domain/errors';

/**
 * Key safety. Every key a client hands back is checked here before it reaches
 * a driver or a path; which keys recordings get is the layout's business
 * (src/domain/layout.ts).
 */
const KEY_PATTERN = /^[a-zA-Z0-9_-][a-zA-Z0-9_.\-/]{0,1023}$/;

export function isSafeKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export function assertSafeKey(key: string): string {
  if (!isSafeKey(key)) throw new UnsafeKeyError(key);
  return key;
}

/** A refusal (`invalid`) at the storage boundary: no driver ever sees such a key. */
export class UnsafeKeyError extends DomainError {
  constructor(key: string) {
    super('invalid', `not a valid object key: ${JSON.stringify(key.slice(0, 100))}`);
    this.name = 'UnsafeKeyError';
  }
}

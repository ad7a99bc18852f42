// @ts-check
/**
 * Credentials and REST. The credential (a dashboard token or the admin key)
 * lives in sessionStorage only: it is gone when the tab closes, and never
 * touches localStorage or a cookie.
 */

/** @typedef {{ kind: 'token', token: string } | { kind: 'apiKey', apiKey: string }} Credential */

const CREDENTIAL_KEY = 'capture-dashboard.credential';
const MINTED_KEY = 'capture-dashboard.minted-token';

/**
 * A refused or failed call. `code` is the server's error code (src/domain/errors.ts): branch on it,
 * never on the message. Undefined when the answer was not the server's JSON (a proxy's error page).
 */
export class ApiError extends Error {
  /** @param {number} status @param {string} message @param {string} [code] */
  constructor(status, message, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The codes that mean the credential itself was refused: sign in again. */
const CREDENTIAL_REFUSALS = ['unauthenticated', 'token_expired'];

/** Whether an error is the server refusing the credential (not a missing record, a busy store...). @param {unknown} err */
export function isCredentialRefused(err) {
  return err instanceof ApiError && err.code !== undefined && CREDENTIAL_REFUSALS.includes(err.code);
}

/** A JWT is three base64url parts; anything else is taken for the admin key. @param {string} text @returns {Credential} */
export function credentialFrom(text) {
  const value = text.trim();
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value) ? { kind: 'token', token: value } : { kind: 'apiKey', apiKey: value };
}

/** @returns {Credential | undefined} */
export function loadCredential() {
  const stored = sessionStorage.getItem(CREDENTIAL_KEY);
  if (!stored) return undefined;
  try {
    const parsed = JSON.parse(stored);
    if (parsed?.kind === 'token' && typeof parsed.token === 'string') return { kind: 'token', token: parsed.token };
    if (parsed?.kind === 'apiKey' && typeof parsed.apiKey === 'string') return { kind: 'apiKey', apiKey: parsed.apiKey };
  } catch {
    // Unreadable: sign in again.
  }
  return undefined;
}

/** @param {Credential} credential */
export function saveCredential(credential) {
  sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify(credential));
}

export function clearCredential() {
  sessionStorage.removeItem(CREDENTIAL_KEY);
  sessionStorage.removeItem(MINTED_KEY);
}

/** @param {Credential} credential @returns {Record<string, string>} */
function authHeaders(credential) {
  return credential.kind === 'apiKey' ? { 'x-api-key': credential.apiKey } : { authorization: `Bearer ${credential.token}` };
}

/**
 * @param {string} path
 * @param {Credential} credential
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, credential, options = {}) {
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers: { ...authHeaders(credential), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  /** @type {any} */
  let body = {};
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (!res.ok) {
    const reason = typeof body?.error === 'string' ? body.error : res.statusText;
    throw new ApiError(res.status, `${res.status} ${reason}`, typeof body?.code === 'string' ? body.code : undefined);
  }
  return body;
}

/** Seconds until a JWT expires (from its unverified payload; the server decides validity). @param {string} token */
function secondsLeft(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp - Date.now() / 1000 : Infinity;
  } catch {
    return 0;
  }
}

/**
 * The token for the Socket.IO connection. A dashboard token is used as is; with
 * the admin key the page mints itself a dashboard token (POST /auth/device-token)
 * and keeps it for this tab until it nears expiry.
 * @param {Credential} credential
 * @param {{ fresh?: boolean }} [options] fresh: mint a new one (the last was refused)
 * @returns {Promise<string>}
 */
export async function socketToken(credential, options = {}) {
  if (credential.kind === 'token') return credential.token;
  if (!options.fresh) {
    const kept = sessionStorage.getItem(MINTED_KEY);
    if (kept && secondsLeft(kept) > 300) return kept;
  }
  const deviceId = `DASHBOARD_${Math.random().toString(36).slice(2, 10)}`;
  const answer = await api('/auth/device-token', credential, { method: 'POST', body: { deviceId, deviceType: 'dashboard' } });
  sessionStorage.setItem(MINTED_KEY, answer.token);
  return answer.token;
}

/**
 * Downloads what an authenticated GET answers (an export) as a file: fetched with the credential, which a
 * plain link could not carry, then saved through a short-lived Blob URL.
 * @param {string} path @param {Credential} credential @param {string} filename
 */
export async function download(path, credential, filename) {
  const res = await fetch(path, { headers: authHeaders(credential), cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

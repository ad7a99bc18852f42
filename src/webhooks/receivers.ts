import { createHash } from 'node:crypto';

/**
 * One configured receiver. Its `id` names its queue in the store (a hash, so
 * nothing of the URL is written there); its `label` is all that logs, errors
 * and GET /api/webhooks/deliveries ever show of it: the host, never the path,
 * the query or credentials, which may carry the receiver's secret.
 */
export interface Receiver {
  id: string;
  label: string;
  url: string;
}

export const receiverId = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 16);

/** The host of a URL as shown to operators ('invalid URL' if it is none). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || 'invalid URL';
  } catch {
    return 'invalid URL';
  }
}

/** The receivers of WEBHOOK_URLS, each once; two on one host are told apart by their place (`host#2`). */
export function receiversOf(urls: readonly string[]): Receiver[] {
  const unique = [...new Set(urls)];
  const hosts = unique.map(hostOf);
  return unique.map((url, i) => {
    const host = hosts[i]!;
    const sameHost = hosts.filter((h) => h === host).length;
    const place = hosts.slice(0, i + 1).filter((h) => h === host).length;
    return { id: receiverId(url), label: sameHost > 1 ? `${host}#${place}` : host, url };
  });
}

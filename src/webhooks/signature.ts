import { createHmac } from 'node:crypto';

/** The signature header's value: HMAC-SHA256 of the exact body bytes with WEBHOOK_SECRET, in hex. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

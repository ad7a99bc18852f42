import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';

/**
 * A `fetch` over node:http(s), for clients that run in Node and send large bodies:
 * `new CaptureHttp({ baseUrl, credential, fetch: nodeHttpFetch() })`. Node 20's
 * built-in fetch (undici) took about ten times the wall time and CPU of node:http
 * for the same 10 MiB part PUTs over loopback (bench:upload; docs/PERFORMANCE.md),
 * enough to make the sender, not the server, the limit of an upload.
 *
 * Node only (not exported from the browser-safe `client` index). It covers what
 * the typed client sends: a method, headers, a body of bytes, a string, a Blob,
 * a web stream or an async iterable (with its Content-Length given), a signal.
 */
export function nodeHttpFetch(options: { maxSockets?: number } = {}): typeof fetch {
  const agents: Record<string, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 }),
  };
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const agent = agents[url.protocol];
    if (!agent) return Promise.reject(new TypeError(`nodeHttpFetch: unsupported protocol ${url.protocol}`));
    const headers = Object.fromEntries(new Headers(init.headers));
    const body = init.body ?? undefined;
    if ((typeof body === 'string' || body instanceof Uint8Array) && headers['content-length'] === undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (body instanceof Blob && headers['content-length'] === undefined) headers['content-length'] = String(body.size);
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason as Error);
      const request = (url.protocol === 'https:' ? https : http).request(url, { method: init.method ?? 'GET', headers, agent });
      const abort = () => request.destroy(signal!.reason as Error);
      signal?.addEventListener('abort', abort, { once: true });
      const settle = () => signal?.removeEventListener('abort', abort);
      request.on('error', (err) => {
        settle();
        reject(new TypeError('fetch failed', { cause: err }));
      });
      request.on('response', (res) => {
        res.on('close', settle);
        const answerHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answerHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 0;
        // These statuses have no body, and Response refuses one for them.
        const bodyless = status === 204 || status === 205 || status === 304;
        if (bodyless) res.resume();
        resolve(
          new Response(bodyless ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage ?? '',
            headers: answerHeaders,
          }),
        );
      });
      sendBody(request, body).catch((err: unknown) => request.destroy(err as Error));
    });
  };
}

/** Writes the body and ends the request; a stream's failure destroys the request, which rejects the fetch. */
async function sendBody(request: http.ClientRequest, body: RequestInit['body'] | undefined): Promise<void> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    request.end(body);
    return;
  }
  let source: AsyncIterable<Uint8Array>;
  if (body instanceof Blob) source = Readable.fromWeb(body.stream() as NodeWebStream<Uint8Array>);
  else if (body instanceof ReadableStream) source = Readable.fromWeb(body as NodeWebStream<Uint8Array>);
  else if (Symbol.asyncIterator in Object(body)) source = body as unknown as AsyncIterable<Uint8Array>;
  else throw new TypeError('nodeHttpFetch: unsupported body type');
  for await (const chunk of source) {
    if (request.destroyed) return;
    // 'close' too: a request that fails while full never drains.
    if (!request.write(chunk)) await new Promise<void>((resolve) => request.once('drain', resolve).once('close', resolve));
  }
  request.end();
}

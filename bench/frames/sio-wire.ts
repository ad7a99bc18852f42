/**
 * Just enough of the Socket.IO v4 wire protocol (engine.io v4 over a bare
 * WebSocket) for the benchmark's simulated clients: connect with a token, emit
 * events (text or with one binary attachment), ask with an ack, and receive
 * binary frame events. The load generator uses the same `ws` client against
 * both relays, so client-side cost does not differ between the two measurements.
 *
 * Packets: engine.io "0" open, "2" ping (answered "3"), "4" message; inside a
 * message Socket.IO "0" connect, "2" event, "3" ack, "4" connect error,
 * "5" binary event ("51-[...]" followed by one binary WebSocket message). An event
 * the server asks an answer to carries its ack id after the type ("421[...]"), and the
 * answer goes back as "431[...]".
 */
import WebSocket from 'ws';

type Listener = (args: unknown[], attachment?: Buffer) => void;
type Answerer = (args: unknown[]) => unknown;

export class WireClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, (args: unknown[]) => void>();
  private readonly listeners = new Map<string, Listener>();
  private readonly answerers = new Map<string, Answerer>();
  /** A binary event whose attachment is the next binary message. */
  private awaiting?: unknown[];

  private constructor(private readonly ws: WebSocket) {
    // A reset while the benchmark tears down is expected; unhandled, the 'error' event would end the process.
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary) => (isBinary ? this.onBinary(data) : this.onText(data.toString())));
  }

  static connect(baseUrl: string, token: string): Promise<WireClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const client = new WireClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed while connecting')));
      const onText = (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const text = data.toString();
        if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
        else if (text.startsWith('40')) {
          ws.off('message', onText);
          ws.removeAllListeners('close');
          resolve(client);
        } else if (text.startsWith('44')) reject(new Error(`refused: ${text.slice(2)}`));
      };
      ws.on('message', onText);
    });
  }

  on(event: string, listener: Listener): void {
    this.listeners.set(event, listener);
  }

  /** Answers an event the server sends with an acknowledgement (a headset answers on-time-sync). */
  answer(event: string, answerer: Answerer): void {
    this.answerers.set(event, answerer);
  }

  emit(event: string, ...args: unknown[]): void {
    this.ws.send(`42${JSON.stringify([event, ...args])}`);
  }

  /** An event whose one argument is binary (how Socket.IO sends a Buffer). */
  emitBinary(event: string, attachment: Buffer): void {
    this.ws.send(`451-${JSON.stringify([event, { _placeholder: true, num: 0 }])}`);
    this.ws.send(attachment);
  }

  ask(event: string, ...args: unknown[]): Promise<unknown> {
    const id = this.nextAckId++;
    this.ws.send(`42${id}${JSON.stringify([event, ...args])}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 30_000);
      this.acks.set(id, ([answer]) => {
        clearTimeout(timer);
        this.acks.delete(id);
        resolve(answer);
      });
    });
  }

  /** Bytes accepted by send() but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  close(): void {
    this.ws.terminate();
  }

  private onText(text: string): void {
    if (text === '2') return this.ws.send('3');
    if (!text.startsWith('4')) return;
    const type = text[1];
    if (type === '2') {
      const asked = /^42(\d+)/.exec(text);
      const [event, ...args] = JSON.parse(text.slice(2 + (asked?.[1]!.length ?? 0))) as [string, ...unknown[]];
      if (asked) {
        const answerer = this.answerers.get(event);
        if (answerer) this.ws.send(`43${asked[1]}${JSON.stringify([answerer(args)])}`);
        return;
      }
      this.listeners.get(event)?.(args);
    } else if (type === '3') {
      const match = /^43(\d+)(.*)$/s.exec(text);
      if (match) this.acks.get(Number(match[1]))?.(JSON.parse(match[2]!) as unknown[]);
    } else if (type === '5') {
      const json = text.slice(text.indexOf('-') + 1);
      this.awaiting = JSON.parse(json) as unknown[];
    }
  }

  private onBinary(data: Buffer): void {
    const pending = this.awaiting;
    this.awaiting = undefined;
    if (!pending) return;
    const [event, ...args] = pending as [string, ...unknown[]];
    this.listeners.get(event)?.(args, data);
  }
}

// A tus server (@tus/server + @tus/file-store), the comparison bench:upload runs against:
// node bench/tus-server.mjs PORT DIR. Plain ESM, no TypeScript loader, so its CPU is its own.
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) });
server.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));

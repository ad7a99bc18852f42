// A tus server (@tus/server + @tus/file-store), the comparison bench:upload runs against:
// node bench/tus-server.mjs PORT DIR. Plain ESM, no TypeScript loader, so its CPU is its own.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
const server = new Server({
  path: '/files',
  datastore: new FileStore({ directory }),
  // The file is fsynced before the last PATCH is answered, in this process, as the capture
  // server fsyncs on complete: both sides pay for making the upload durable, in their own CPU.
  onUploadFinish: async (_req, upload) => {
    const file = await open(path.join(directory, upload.id), 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    return {};
  },
});
server.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));

// The Socket.IO client script served by the server at /socket.io/socket.io.min.js defines `io`.
import type { io as ioFunction } from 'socket.io-client';

declare global {
  const io: typeof ioFunction;
}

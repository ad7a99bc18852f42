import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../protocol';

export type CaptureIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type CaptureSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

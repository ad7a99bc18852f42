// The benchmark's baseline: a bare WebSocket relay with the same fan-out as the
// capture server's frame relay, and nothing else (no auth, no throttle, no queue,
// no protocol). Plain JavaScript run by plain node, so its memory is the relay's own.
//   node bench/frames/bare-relay.mjs <port>
// A headset connects to /?headset=ID and sends binary frames; a viewer connects
// to /?watch=ID1,ID2 and receives every frame of those headsets as it arrives.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const viewers = new Map(); // headset ID -> Set of viewer sockets
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });

wss.on('connection', (ws, req) => {
  const query = new URL(req.url, 'http://relay').searchParams;
  const headset = query.get('headset');
  if (headset) {
    ws.on('message', (frame, isBinary) => {
      for (const viewer of viewers.get(headset) ?? []) viewer.send(frame, { binary: isBinary });
    });
    return;
  }
  const watched = (query.get('watch') ?? '').split(',').filter(Boolean);
  for (const id of watched) {
    if (!viewers.has(id)) viewers.set(id, new Set());
    viewers.get(id).add(ws);
  }
  ws.on('close', () => {
    for (const id of watched) viewers.get(id)?.delete(ws);
  });
});
wss.on('listening', () => console.log('listening'));

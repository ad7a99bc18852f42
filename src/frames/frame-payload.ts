/**
 * The size in bytes of a frame as it travels, or undefined when the payload is
 * not a frame. A frame is a base64 JPEG string or binary (Socket.IO hands the
 * server binary attachments as Buffers; the other forms come from in-process
 * callers). Only the form and the size are checked: the relay never decodes a
 * frame, so per-frame cost stays flat.
 */
export function frameBytes(payload: unknown): number | undefined {
  if (typeof payload === 'string') return Buffer.byteLength(payload, 'utf8');
  if (payload instanceof ArrayBuffer) return payload.byteLength;
  if (ArrayBuffer.isView(payload)) return payload.byteLength;
  return undefined;
}

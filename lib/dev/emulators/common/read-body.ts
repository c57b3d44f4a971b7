import type { IncomingMessage } from 'node:http';

/** Largest request body an emulator reads (1 MiB, more than any platform request needs). */
export const MAX_BODY_BYTES = 1_048_576;

/** Reads a request body into a Buffer, rejecting bodies over {@link MAX_BODY_BYTES}. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

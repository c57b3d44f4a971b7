import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook as the receiver saw it. */
export interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A loopback HTTP endpoint that records raw webhook deliveries and answers with a configurable status. */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  status: { value: number };
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const status = { value: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status.value).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/shopify`;
  return {
    url,
    received,
    status,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A one-shot fault applied to the next GraphQL request. */
export type GraphqlFault =
  | { status: 429; retryAfter?: string }
  | { status: 401 | 402 | 403 | 404 | 423 | 500 | 502 | 503 | 504 }
  | { throttled: true }
  | { delayMs: number }
  /** Drops the connection before answering (a connection reset). */
  | { reset: true }
  /** Answers 200 with a body cut off mid-JSON (`truncated`) or with bytes that are not JSON at all (`garbage`). */
  | { malformed: 'truncated' | 'garbage' };

/** Bodies of the `malformed` faults: a GraphQL answer cut off mid-object, and an HTML error page with binary noise. */
export const MALFORMED_BODIES: Record<'truncated' | 'garbage', Buffer> = {
  truncated: Buffer.from('{"data":{"shop":{"id":"gid://shopify/Shop/1","name":"Tru', 'utf8'),
  garbage: Buffer.concat([
    Buffer.from('<html><body>502 Bad Gateway</body></html>', 'utf8'),
    Buffer.from([0x00, 0xff, 0xfe, 0x7b]),
  ]),
};

/** Bodies Shopify sends with these statuses. */
export const FAULT_BODIES: Record<number, unknown> = {
  401: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
  402: { errors: 'Unavailable Shop' },
  403: {
    errors: 'This action requires merchant approval for the requested scope, or the IP address is not allowlisted.',
  },
  404: { errors: 'Not Found' },
  423: { errors: 'This shop is unavailable' },
  429: { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' },
  500: { errors: 'Internal Server Error' },
  502: { errors: 'Bad Gateway' },
  503: { errors: 'Service Unavailable' },
  504: { errors: 'Gateway Timeout' },
};

/** FIFO of injected faults; each entry is consumed by exactly one request. */
export class FaultQueue {
  private readonly queue: GraphqlFault[] = [];

  /** Appends the faults, repeated `count` times (default once). */
  push(faults: readonly GraphqlFault[], count = 1): void {
    for (let i = 0; i < count; i++) this.queue.push(...faults);
  }

  /** Takes the next fault, if any. */
  next(): GraphqlFault | undefined {
    return this.queue.shift();
  }

  /** Faults not consumed yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Drops every queued fault. */
  clear(): void {
    this.queue.length = 0;
  }
}

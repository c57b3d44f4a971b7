import { toErrorResponse } from '../errors';
import type { Logger } from '../log';

/**
 * Runs a handler body and renders anything it throws through `toErrorResponse`, so every Facebook
 * handler resolves to a `Response` (callable in-process, e.g. by the callback's webhook self-test).
 */
export async function respond(log: Logger, body: () => Promise<Response>): Promise<Response> {
  try {
    return await body();
  } catch (err) {
    return toErrorResponse(err, (message) => log.error(message));
  }
}

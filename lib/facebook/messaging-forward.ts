import type { FacebookDeps } from './deps';
import { failureMessage } from './page-sync';
import { SIGNATURE_HEADER } from './webhook-signature';

const FORWARD_TIMEOUT_MS = 4_000;

/**
 * Forwards a delivery with Messenger entries to FACEBOOK_MESSAGING_FORWARD_URL: the raw bytes and
 * Meta's signature headers unchanged, so the bot verifies them itself. Without a URL it only logs.
 */
export async function forwardMessaging(raw: Uint8Array, headers: Headers, count: number, deps: FacebookDeps): Promise<'forwarded' | 'acknowledged' | 'forward_failed'> {
  const url = deps.config.FACEBOOK_MESSAGING_FORWARD_URL;
  if (!url) {
    deps.log.info(`Acknowledged ${count} Messenger entr${count === 1 ? 'y' : 'ies'}: FACEBOOK_MESSAGING_FORWARD_URL is not set`);
    return 'acknowledged';
  }
  const out = new Headers({ 'content-type': headers.get('content-type') ?? 'application/json' });
  for (const name of [SIGNATURE_HEADER, 'x-hub-signature']) {
    const value = headers.get(name);
    if (value) out.set(name, value);
  }
  try {
    const res = await deps.fetch(url, { method: 'POST', headers: out, body: new Uint8Array(raw), signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await res.body?.cancel();
    if (!res.ok) {
      deps.log.error(`Forwarding Messenger entries failed: ${new URL(url).origin} answered ${res.status}`);
      return 'forward_failed';
    }
    deps.log.info(`Forwarded ${count} Messenger entr${count === 1 ? 'y' : 'ies'} to ${new URL(url).origin}`);
    return 'forwarded';
  } catch (err) {
    deps.log.error(`Forwarding Messenger entries failed: ${failureMessage(err)}`);
    return 'forward_failed';
  }
}

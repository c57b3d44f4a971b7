import { createHmac } from 'node:crypto';
import { sendHttp } from './http';
import type { EmulatorState } from './state';

/** Options of `emulator.signedRequest`. */
export interface SignedRequestOptions {
  userId: string;
  /** Default `HMAC-SHA256`; other values let tests check that receivers pin the algorithm. */
  algorithm?: string;
  /** Unix seconds; default now. */
  issuedAt?: number;
  /** Unix seconds; data-deletion requests carry one, deauthorize requests do not. */
  expires?: number;
  /** Signs with this secret instead of the app secret. */
  secret?: string;
}

/** Builds `<b64url signature>.<b64url payload>` without padding, the signature being HMAC-SHA256 over the still-encoded payload (contract §9). */
export function makeSignedRequest(secret: string, payload: Record<string, unknown>): string {
  const encodedPayload = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  const signature = createHmac('sha256', secret).update(encodedPayload).digest('base64url');
  return `${signature}.${encodedPayload}`;
}

/** The signed_request Meta would send for a user of this app. */
export function signedRequestFor(state: EmulatorState, options: SignedRequestOptions): string {
  const payload: Record<string, unknown> = { algorithm: options.algorithm ?? 'HMAC-SHA256' };
  if (options.expires !== undefined) payload.expires = options.expires;
  payload.issued_at = options.issuedAt ?? state.nowSeconds();
  payload.user_id = options.userId;
  return makeSignedRequest(options.secret ?? state.options.appSecret, payload);
}

/** POSTs `signed_request` form-encoded, as the data-deletion and deauthorize callbacks receive it. */
export async function postSignedRequest(
  state: EmulatorState,
  url: string,
  signedRequest: string,
): Promise<{ status: number; body: string }> {
  state.stats.deliveries++;
  const body = Buffer.from(new URLSearchParams({ signed_request: signedRequest }).toString(), 'utf8');
  const res = await sendHttp({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    signal: state.lifetime.signal,
  });
  return { status: res.status, body: res.body };
}

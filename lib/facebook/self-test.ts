import { pyRepr } from '../log';
import type { FacebookDeps } from './deps';
import { failureMessage, type StepStatus } from './page-sync';
import { signFacebookBody } from './webhook-signature';

const SELF_TEST_TIMEOUT_MS = 3_000;
/** A Page id no Page can have (ids are digits), so the test delivery never changes stored data. */
export const TEST_PAGE_ID = 'test_page_id';

/** The public webhook URL Meta is configured to call. */
export const facebookWebhookUrl = (appUrl: string) => `${appUrl}/facebook/webhook`;

/**
 * Sends the seed's test notification to our own public webhook URL twice: correctly signed (must
 * get 200) and signed with a wrong secret (must get 401 or 403). Logs and returns the result.
 */
export async function webhookSelfTest(deps: FacebookDeps): Promise<StepStatus> {
  const url = facebookWebhookUrl(deps.config.APP_URL);
  const body = JSON.stringify({
    object: 'page',
    entry: [{ id: TEST_PAGE_ID, time: Math.floor(deps.clock.now() / 1000), changes: [{ field: 'name', value: 'Test Page' }] }],
  });
  const send = async (signature: string) => {
    const res = await deps.fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      signal: AbortSignal.timeout(SELF_TEST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status;
  };
  let result: StepStatus;
  try {
    const good = await send(signFacebookBody(body, deps.config.FACEBOOK_APP_SECRET));
    const forged = good === 200 ? await send(signFacebookBody(body, `not-${deps.config.FACEBOOK_APP_SECRET}`)) : undefined;
    if (good !== 200) {
      result = { status: 'failed', message: `${url} answered ${good} to a correctly signed delivery: check FACEBOOK_APP_SECRET and APP_URL.` };
    } else if (forged !== 401 && forged !== 403) {
      result = { status: 'failed', message: `${url} answered ${forged} to a wrongly signed delivery instead of 401: it does not verify signatures.` };
    } else {
      result = { status: 'success' };
    }
  } catch (err) {
    result = { status: 'failed', message: `${url} is not reachable (${failureMessage(err)}): check APP_URL.` };
  }
  deps.log.info(`Webhook test result: ${pyRepr(result)}`);
  return result;
}

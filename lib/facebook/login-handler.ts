import { requireSession } from '../crypto/session';
import { MethodNotAllowedError } from '../errors';
import { redirect } from '../http/responses';
import type { Logger } from '../log';
import { beginFacebookOAuth, type FacebookOAuthConfig } from './oauth-state';

/**
 * The `facebook/login` handler (web: true): requires the Shopify session cookie (401 naming the fix
 * when missing, expired or tampered), then redirects to Facebook's login dialog with a signed
 * state cookie bound to the session's UUID.
 */
export async function handleFacebookLogin(
  request: Request,
  deps: { config: FacebookOAuthConfig; clock: { now(): number }; log: Logger },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method, ['GET']);
  const now = deps.clock.now();
  const session = await requireSession(request, { secret: deps.config.SESSION_SECRET, now });
  const { location, cookie } = await beginFacebookOAuth(session.sub, deps.config, now);
  return redirect(location, [cookie]);
}

import { toErrorResponse } from '../../../lib/errors';
import { handleFacebookCallback as callback } from '../../../lib/facebook/callback-handler';
import {
  handleFacebookDataDeletion as dataDeletion,
  handleFacebookDeauthorize as deauthorize,
  handleFacebookDeletionStatus as deletionStatus,
} from '../../../lib/facebook/deletion-callbacks';
import { handleFacebookLogin as login } from '../../../lib/facebook/login-handler';
import { handleFacebookWebhook as webhook } from '../../../lib/facebook/webhook-handler';
import type { Logger } from '../../../lib/log';

/**
 * Handlers throw; in a deployed function `webMain` renders what they throw through `toErrorResponse`. Tests that
 * call a handler in-process render the same way, so they see the Response a caller would.
 */
function rendered<D extends object>(handler: (request: Request, deps: D) => Promise<Response>) {
  return (request: Request, deps: D): Promise<Response> =>
    handler(request, deps).catch((err: unknown) => {
      const log = (deps as { log?: Logger }).log;
      return toErrorResponse(err, log ? (message) => log.error(message) : undefined);
    });
}

export const handleFacebookCallback = rendered(callback);
export const handleFacebookDataDeletion = rendered(dataDeletion);
export const handleFacebookDeauthorize = rendered(deauthorize);
export const handleFacebookDeletionStatus = rendered(deletionStatus);
export const handleFacebookLogin = rendered(login);
export const handleFacebookWebhook = rendered(webhook);

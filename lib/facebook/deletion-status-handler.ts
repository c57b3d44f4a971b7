import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors';
import { json } from '../http/responses';
import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';
import { respond } from './respond';
import { DeletionStatusSchema } from './schemas';

const CODE_RE = /^[A-Za-z0-9]{1,64}$/;

/**
 * The `facebook/deletion-status` handler (web: true): `?id=<confirmation code>` → the stored
 * `{confirmation_code, status, requested_at, completed_at, pages_deleted}`. A malformed id is a 400,
 * an unknown one a 404; the record holds no personal data, so the code alone may read it.
 */
export function handleFacebookDeletionStatus(request: Request, deps: { store: ObjectStore; log: Logger }): Promise<Response> {
  return respond(deps.log, async () => {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method, ['GET']);
    const id = new URL(request.url).searchParams.get('id') ?? '';
    if (!CODE_RE.test(id)) {
      throw new BadRequestError('id must be the alphanumeric confirmation_code the data deletion request returned.', { code: 'invalid_confirmation_code' });
    }
    const stored = DeletionStatusSchema.safeParse((await deps.store.getJson<unknown>(keys.deletion(id)))?.value);
    if (!stored.success) {
      throw new NotFoundError(`No data deletion request has confirmation code ${id}.`, { code: 'unknown_confirmation_code' });
    }
    return json(stored.data);
  });
}

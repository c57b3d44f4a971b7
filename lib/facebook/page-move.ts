import { recordSyncOutcome } from '../account/status';
import type { Clock } from '../http/clock';
import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';

/** The message the previous owner's status shows for a Page that moved; it never names the new owner. */
export const movedMessage = (pageId: string, at: string) =>
  `Page ${pageId} was connected by another account on ${at}; its data is no longer kept for this account. ` +
  'Connect it again at /facebook/login to take it back.';

/**
 * A Page changes owner: the previous owner's `page_data.json` for it is deleted and their status shows the Page as
 * `moved` (with when). Called before the registry record names the new owner, so a failure here leaves the record
 * with the previous owner and a retried login does the move again; both steps are idempotent.
 */
export async function releasePageFromPreviousOwner(
  deps: { store: ObjectStore; clock: Clock; log: Logger },
  pageId: string,
  previousUuid: string,
): Promise<void> {
  const { store, clock, log } = deps;
  const at = new Date(clock.now()).toISOString();
  await store.delete(keys.pageSnapshot(previousUuid, pageId));
  await recordSyncOutcome(
    store,
    previousUuid,
    {
      kind: 'page',
      value: {
        pageId,
        state: 'moved',
        movedAt: at,
        lastSyncAt: at,
        lastResult: 'skipped',
        message: movedMessage(pageId, at),
      },
    },
    clock,
  );
  log.warn(
    `Page ${pageId} moved to another account: deleted the previous owner's page_data.json and marked it moved there`,
  );
}

import { UNCHANGED, updateWithRetry, type ObjectStore } from './store';

/** What the registry records of shops and Pages share: where the connection stands, why, and since when. */
export interface MarkableRecord<S extends string> {
  state: S;
  reason?: string;
  updatedAt: string;
}

/**
 * Sets a registry record's state and reason (keeping the rest), by compare-and-swap so that no concurrent change to
 * the record is lost; a record that does not exist stays absent. With `seen` (the record the caller acted on) the mark
 * applies only while the record is still that version: a new login in between stored a new token, which a mark made
 * because the old token failed must not condemn.
 */
export async function markRecord<S extends string, R extends MarkableRecord<S>>(
  store: ObjectStore,
  key: string,
  mark: { state: S; reason: string; now: number; seen?: R; what: string },
): Promise<void> {
  const { state, reason, now, seen, what } = mark;
  await updateWithRetry<R>(
    store,
    key,
    (existing) => {
      if (!existing || (seen && existing.value.updatedAt !== seen.updatedAt)) return UNCHANGED;
      return { ...existing.value, state, reason, updatedAt: new Date(now).toISOString() };
    },
    { attempts: 5, conflict: `Could not mark ${what} ${state}: too much concurrent activity. Try again.` },
  );
}

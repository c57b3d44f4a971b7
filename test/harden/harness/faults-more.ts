import type { Harness } from './context';
import { armFaults, normalized, type FaultIntensity } from './fault-plan';
import type { FaultRun } from './faults';
import { Browser, connectFacebook, connectShopify } from './flows';
import { listObjects, readObject } from './objects';

/** A 12 MB object (three 5 MB parts) filled with a pattern, so the two versions differ everywhere. */
const bigObject = (fill: number) => Buffer.alloc(12 * 1024 * 1024, fill);

/**
 * Multipart uploads (lib-storage through the store) under Spaces faults, with a failed part forced in
 * every run: each must either store the new bytes exactly, or fail with a message while the previous
 * object stays intact, and leave no multipart upload open.
 */
export async function multipartUnderFaults(h: Harness, intensity: FaultIntensity, runs: number): Promise<FaultRun[]> {
  const { store } = h.stack;
  const key = `users/00000000-0000-4000-8000-00000000f417/shopify/multipart-probe.json`;
  await store.putStream(key, bigObject(0x41));
  const out: FaultRun[] = [];
  for (let run = 0; run < runs; run++) {
    const previous = await readObject(h.s3, h.bucket, key);
    const next = bigObject(0x42 + run);
    const disarm = armFaults(h, { ...intensity, seed: intensity.seed * 100 + run }, { spaces: true });
    h.stack.spaces!.injectFault('multipart-part-500');
    let message: string | undefined;
    try {
      await store.putStream(key, next);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    const faults = disarm();
    const after = await readObject(h.s3, h.bucket, key);
    const open = h.stack.spaces!.stats().openMultipartUploads;
    let verdict: Pick<FaultRun, 'outcome' | 'detail'>;
    if (open > 0) verdict = { outcome: 'violation', detail: `${open} multipart upload(s) left open` };
    else if (message === undefined)
      verdict = after?.equals(next)
        ? { outcome: 'converged' }
        : { outcome: 'violation', detail: 'upload succeeded but the bytes differ' };
    else
      verdict = after?.equals(previous!)
        ? { outcome: 'failed-cleanly', detail: message }
        : { outcome: 'violation', detail: `upload failed (${message}) and the previous object changed` };
    out.push({ scenario: 'multipart upload', run, faults, ...verdict });
  }
  await store.delete(key);
  return out;
}

/** `facebook/sync` runs under Graph throttling codes, 5xx, resets, malformed JSON and Spaces faults, compared with a fault-free sync. */
export async function facebookSyncUnderFaults(
  h: Harness,
  intensity: FaultIntensity,
  runs: number,
): Promise<FaultRun[]> {
  const browser = new Browser(h);
  const { body } = await connectShopify(h, `fault-fb-${intensity.seed}`, browser);
  const uuid: string = body.user_uuid;
  await connectFacebook(h, browser);
  const prefix = `users/${uuid}/facebook_messenger/`;
  const snapshot = async () => {
    const texts: string[] = [];
    for (const key of [...(await listObjects(h.s3, h.bucket, prefix)).keys()].sort())
      texts.push(`${key}\n${normalized(await readObject(h.s3, h.bucket, key))}`);
    return texts.join('\n');
  };
  await h.stack.host.invoke('facebook/sync', { uuid });
  const reference = await snapshot();
  const out: FaultRun[] = [];
  for (let run = 0; run < runs; run++) {
    const disarm = armFaults(h, { ...intensity, seed: intensity.seed * 100 + run }, { facebook: 30, spaces: true });
    const record = await h.stack.host.invoke('facebook/sync', { uuid });
    const faults = disarm();
    const result = record.response?.result as
      | {
          status?: string;
          pages?: Array<{ status: string; message?: string; result?: { message?: string } }>;
          error?: { message?: string };
        }
      | undefined;
    const after = await snapshot();
    let verdict: Pick<FaultRun, 'outcome' | 'detail'>;
    const failedPages = (result?.pages ?? []).filter((p) => p.status !== 'success');
    if (record.response?.status === 'action developer error')
      verdict = { outcome: 'violation', detail: `activation crashed: ${String((result as any)?.error)}` };
    else if (after !== reference)
      verdict = { outcome: 'violation', detail: 'a page object differs from the fault-free one' };
    else if (result?.status === 'success') verdict = { outcome: 'converged' };
    else if (failedPages.every((p) => p.message || p.result?.message) || result?.error?.message)
      verdict = { outcome: 'failed-cleanly', detail: failedPages[0]?.message ?? result?.error?.message };
    else verdict = { outcome: 'violation', detail: 'failed without a message' };
    out.push({ scenario: 'facebook/sync', run, faults, ...verdict });
  }
  return out;
}

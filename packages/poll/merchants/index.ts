import { jobMain } from '../../../lib/http/do-adapter';

/** `poll/merchants` (web: false): syncs one batch `{shops, pages}` and returns per-merchant results. Modules load on the first invocation. */
export const main = jobMain(async (env) => {
  const [{ activationDeadline, createPollDeps }, { runMerchantBatch }] = await Promise.all([
    import('../../../lib/poll/deps'),
    import('../../../lib/poll/worker'),
  ]);
  const deps = await createPollDeps(env);
  return async (params) => ({ ...(await runMerchantBatch(params, deps, activationDeadline())) });
});

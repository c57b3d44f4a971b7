import { jobMain } from '../../../lib/http/do-adapter';

/** `poll/dispatch` (web: false, daily trigger): fans the registry out to `poll/merchants` in paced batches. Modules load on the first invocation. */
export const main = jobMain(async (env) => {
  const [{ activationDeadline, createPollDeps }, { dispatchPoll }] = await Promise.all([
    import('../../../lib/poll/deps'),
    import('../../../lib/poll/dispatcher'),
  ]);
  const deps = await createPollDeps(env);
  return async () => ({ ...(await dispatchPoll(deps, { deadline: activationDeadline() })) });
});

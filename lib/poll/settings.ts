import { loadConfig, type Config } from '../config';

/** The validated poll settings (the `poll` area of lib/config.ts). */
export type PollSettings = Config<'poll'>;

/** Validates the poll settings; throws one `ConfigError` naming every invalid variable. */
export function loadPollSettings(env: Record<string, string | undefined>): PollSettings {
  return loadConfig(env, ['poll']);
}

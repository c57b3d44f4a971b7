/** What both platform emulators are told of the app registered with them, apart from its id and secret. */
export interface AppRegistration {
  /** The app's name, shown on the consent page (and by Meta in `subscribed_apps` and `debug_token`). */
  appName?: string;
  /** The registered redirect URIs; empty or absent allows any http(s) URI. */
  allowedRedirectUris?: string[];
  /** The consent page waits for an Approve or Deny click instead of deciding at once. */
  demo?: boolean;
  /** Clock in epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

/** The registration with its defaults filled in; `appName` names the app when the options do not. */
export function resolveRegistration(options: AppRegistration, appName: string): Required<AppRegistration> {
  return {
    appName: options.appName ?? appName,
    allowedRedirectUris: options.allowedRedirectUris ?? [],
    demo: options.demo ?? false,
    now: options.now ?? Date.now,
  };
}

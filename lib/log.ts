/** A logger whose lines read like the seed's (`Uploaded data to Spaces for acme.myshopify.com`). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** A log level name. */
export type LogLevel = keyof typeof LEVELS;

/**
 * Creates a logger that writes plain lines (warnings and errors prefixed) and replaces every known
 * secret value, and anything shaped like a platform token, with `[redacted]` before writing.
 */
export function createLogger(
  options: { level?: LogLevel; secrets?: readonly string[]; sink?: (line: string, level: LogLevel) => void } = {},
): Logger & { addSecret(value: string): void } {
  const min = LEVELS[options.level ?? 'info'];
  const secrets = new Set((options.secrets ?? []).filter((s) => s.length >= 6));
  const sink =
    options.sink ??
    ((line: string, level: LogLevel) =>
      level === 'error' || level === 'warn' ? console.error(line) : console.log(line));
  const write = (level: LogLevel, message: string) => {
    if (LEVELS[level] < min) return;
    sink(redact(message, secrets), level);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', `WARNING: ${m}`),
    error: (m) => write('error', `ERROR: ${m}`),
    addSecret: (value) => {
      if (value.length >= 6) secrets.add(value);
    },
  };
}

// Shopify tokens (shpat_, shpua_, shprt_, shpca_) and long opaque Graph tokens (EAA…).
const TOKEN_PATTERNS = [/\bshp(?:at|ua|rt|ca|ss)_[A-Za-z0-9]+/g, /\bEAA[A-Za-z0-9]{20,}/g];

/** Replaces secret values and token-shaped strings in a message. */
export function redact(message: string, secrets: Iterable<string>): string {
  let out = message;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join('[redacted]');
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

/** Formats a small object the way the seed's Python logs print dicts: `{'status': 'success'}`. */
export function pyRepr(value: unknown): string {
  return JSON.stringify(value).replace(/"/g, "'").replace(/':/g, "': ").replace(/,'/g, ", '");
}

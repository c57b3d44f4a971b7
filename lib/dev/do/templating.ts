import { existsSync, readFileSync } from 'node:fs';

/** Variables available to `${VAR}` substitution, as plain strings. */
export type TemplateVars = Readonly<Record<string, string | undefined>>;

/** Outcome of substituting `${VAR}` references in a project.yml text. */
export interface SubstitutionResult {
  text: string;
  unresolvedVariables: string[];
}

/** Parses dotenv text (`KEY=value`, `export KEY=value`, quotes, `#` comments) into a dictionary. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1] as string;
    let value = (match[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      // Only double quotes interpret escapes, as in the dotenv package.
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    out[key] = value;
  }
  return out;
}

/** Reads an env file (JSON object or dotenv); a missing file yields an empty dictionary. */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    const out: Record<string, string> = {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return out;
  }
  return parseDotenv(text);
}

/**
 * Replaces `${VAR}` (newlines escaped as `\n`) and `${|VAR}` (verbatim) from `env`, else `fileVars`; unresolved names become
 * the literal `<VAR>` and are reported, as the deployer does.
 */
export function substituteVariables(text: string, env: TemplateVars, fileVars: TemplateVars): SubstitutionResult {
  const unresolved = new Set<string>();
  const out = text.replace(/\$\{(\|?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g, (_all, bar: string, name: string) => {
    const value = env[name] ?? fileVars[name];
    if (value === undefined) {
      unresolved.add(name);
      return `<${name}>`;
    }
    return bar === '|' ? value : value.replace(/\r?\n/g, '\\n');
  });
  return { text: out, unresolvedVariables: [...unresolved] };
}

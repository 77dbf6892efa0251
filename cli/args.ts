/**
 * The command line, read once into plain options (node:util parseArgs). Anything a person got
 * wrong is a UsageError: the CLI prints it with the command's help and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_WAIT_MS = 60_000;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** `500ms`, `5s`, `2m`, or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const unit = match[2] ?? 'ms';
  return Math.round(Number(match[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

export interface Connection {
  readonly url: string;
  readonly token: string | undefined;
  readonly json: boolean;
}

export interface UploadOptions extends Connection {
  readonly files: string[];
  /** Each entry one chain as the server takes it (`grayscale,blur`, or `none`); empty = server default. */
  readonly effects: string[];
  readonly sigma: number | undefined;
  /** Milliseconds to wait for the derivatives; undefined = do not wait. */
  readonly waitMs: number | undefined;
  readonly concurrency: number;
  /** true/false forces the direct-upload or the POST /files path; undefined = by size. */
  readonly direct: boolean | undefined;
}

export interface StatusOptions extends Connection {
  readonly id: string;
}

export type Command =
  | { readonly name: 'help'; readonly topic: 'main' | 'upload' | 'status' }
  | { readonly name: 'upload'; readonly options: UploadOptions }
  | { readonly name: 'status'; readonly options: StatusOptions };

const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

function connection(values: { url?: string | undefined; token?: string | undefined; json?: boolean | undefined }, env: NodeJS.ProcessEnv): Connection {
  const url = values.url ?? (env['PIPELINE_URL'] || DEFAULT_URL);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`Expected an http(s) URL for --url but received "${url}"`);
  }
  return { url, token: values.token ?? (env['PIPELINE_TOKEN'] || undefined), json: values.json ?? false };
}

/** parseArgs has no optional values: `--wait` alone means the default, `--wait 30s` takes the duration. */
function normaliseWait(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--wait') out.push(args[i]!);
    else if (args[i + 1] !== undefined && DURATION.test(args[i + 1]!)) out.push(`--wait=${args[++i]}`);
    else out.push('--wait=');
  }
  return out;
}

function positiveInt(text: string, name: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`Expected an integer from 1 to ${max} for ${name} but received "${text}"`);
  return value;
}

/** Effect names are the server's to judge (an unknown one is its 400, per file); only blanks are refused here. */
function checkChain(chain: string): string {
  const trimmed = chain.trim().toLowerCase();
  if (trimmed === '' || trimmed.split(',').some((name) => name.trim() === '')) throw new UsageError(`Expected a chain such as grayscale,blur for --effects but received "${chain}"`);
  return trimmed;
}

function parseUpload(args: string[], env: NodeJS.ProcessEnv): Command {
  const { values, positionals } = parse(normaliseWait(args), {
    ...connectionOptions,
    effects: { type: 'string', multiple: true },
    sigma: { type: 'string' },
    wait: { type: 'string' },
    concurrency: { type: 'string' },
    direct: { type: 'boolean' },
    'no-direct': { type: 'boolean' },
  });
  if (values.help) return { name: 'help', topic: 'upload' };
  if (positionals.length === 0) throw new UsageError('No files to upload: give one or more paths, e.g. upload ./photos/*.jpg');
  if (values.direct && values['no-direct']) throw new UsageError('--direct and --no-direct contradict each other: give one');
  let waitMs: number | undefined;
  if (values.wait !== undefined) {
    waitMs = values.wait === '' ? DEFAULT_WAIT_MS : parseDuration(values.wait);
    if (waitMs === undefined) throw new UsageError(`Expected a duration such as 30s or 2m for --wait but received "${values.wait}"`);
  }
  let sigma: number | undefined;
  if (values.sigma !== undefined) {
    sigma = Number(values.sigma);
    if (values.sigma.trim() === '' || !Number.isFinite(sigma) || sigma <= 0) throw new UsageError(`Expected a positive number for --sigma but received "${values.sigma}"`);
  }
  return {
    name: 'upload',
    options: {
      ...connection(values, env),
      files: positionals,
      effects: (values.effects ?? []).map(checkChain),
      sigma,
      waitMs,
      concurrency: values.concurrency === undefined ? 4 : positiveInt(values.concurrency, '--concurrency', 64),
      direct: values.direct ? true : values['no-direct'] ? false : undefined,
    },
  };
}

function parseStatus(args: string[], env: NodeJS.ProcessEnv): Command {
  const { values, positionals } = parse(args, connectionOptions);
  if (values.help) return { name: 'help', topic: 'status' };
  if (positionals.length !== 1) throw new UsageError(`status takes exactly one file id, got ${positionals.length}`);
  return { name: 'status', options: { ...connection(values, env), id: positionals[0]! } };
}

/** `argv` without node and the script: `['upload', 'a.jpg', '--wait']`. */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    return { name: 'help', topic: rest[0] === 'upload' || rest[0] === 'status' ? rest[0] : 'main' };
  }
  if (name === 'upload') return parseUpload(rest, env);
  if (name === 'status') return parseStatus(rest, env);
  throw new UsageError(`Unknown command "${name}"; commands: upload, status`);
}

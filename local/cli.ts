#!/usr/bin/env node
/**
 * `npm start` / `npm run pipeline -- <command>`:
 *   start [--real] [--port 8080] [--idle 60s]   run the pipeline (embedded by default);
 *         [--namespace ns] [--bucket b]         isolate it (topics, consumer groups, bucket)
 *         [--data-dir dir]                      its data folder (default .data); API_TOKEN in the
 *                                               env protects writes and the kube API view
 *   status                                       services, instances, triggers
 *   events                                       follow every delivery as it happens
 *   dead-letters [list|replay] [id...]           what the dead-letter sink holds; send it again
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../functions/lib/config.js';
import { projectRoot } from './project.js';
import { createLocalPipeline, type Mode } from './runtime.js';
import { formatInstanceLine } from './log-format.js';

const endpointFile = (dataDir = join(projectRoot(), '.data')) => join(dataDir, 'runtime', 'endpoint.json');

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      real: { type: 'boolean', default: false },
      port: { type: 'string', default: process.env['PORT'] ?? '8080' },
      idle: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      namespace: { type: 'string' },
      bucket: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const dataDir = resolve(projectRoot(), values['data-dir'] ?? '.data');
  const apiToken = process.env['API_TOKEN'] || undefined;
  if (apiToken !== undefined && apiToken.length < 16) throw new Error('API_TOKEN: must be at least 16 characters');
  const mode: Mode = values.real || process.env['PIPELINE_MODE'] === 'real' ? 'real' : 'embedded';
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number, got "${values.port}"`);
  const idleMs = values.idle === undefined ? undefined : parseDuration(values.idle);
  if (values.idle !== undefined && idleMs === undefined) throw new Error(`--idle: expected a duration such as 30s, got "${values.idle}"`);
  const started = Date.now();
  console.log(`Starting the pipeline (${mode} mode)…`);
  const pipeline = await createLocalPipeline({
    mode,
    port,
    dataDir,
    ...(idleMs !== undefined ? { idleMs } : {}),
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(values.bucket !== undefined ? { bucket: values.bucket } : {}),
    ...(apiToken ? { apiToken } : {}),
    log: (line) => console.log(line),
    instanceLog: (line, instance) => {
      const formatted = formatInstanceLine(line, instance, values.verbose);
      if (formatted) console.log(formatted);
    },
  });
  await mkdir(join(dataDir, 'runtime'), { recursive: true });
  await writeFile(endpointFile(dataDir), JSON.stringify({ admin: pipeline.urls.ingress, upload: pipeline.urls.upload, services: pipeline.urls.services, pid: process.pid }));
  console.log(`
Pipeline ready in ${Date.now() - started} ms (${mode} mode, namespace ${pipeline.namespace}).
  Upload page and API  ${pipeline.urls.upload}
  Broker ingress       ${pipeline.urls.broker}
${Object.entries(pipeline.urls.services).filter(([name]) => name !== 'upload').map(([name, url]) => `  ${name.padEnd(20)} ${url}`).join('\n')}
  Stats                ${pipeline.urls.upload}/stats${pipeline.urls.minioConsole ? `\n  MinIO console        ${pipeline.urls.minioConsole} (bucket ${process.env['S3_BUCKET'] ?? 'files'}; user and password from MINIO_ROOT_USER / MINIO_ROOT_PASSWORD, default minioadmin)` : ''}
Functions start on the first request and scale to zero when idle. Ctrl-C stops everything.
`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await pipeline.stop();
    await rm(endpointFile(dataDir), { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function admin(path: string, init?: RequestInit): Promise<Response> {
  let endpoint: { admin: string };
  try {
    endpoint = JSON.parse(await readFile(endpointFile(), 'utf8')) as { admin: string };
  } catch {
    throw new Error('the pipeline is not running here (start it with `npm start`)');
  }
  try {
    const token = process.env['API_TOKEN'];
    const headers = { ...(init?.headers as Record<string, string> | undefined), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const response = await fetch(`${endpoint.admin}${path}`, { ...init, headers });
    if (response.status === 401) throw new Error('the pipeline needs its API token: set API_TOKEN');
    return response;
  } catch (error) {
    if ((error as Error).message.includes('API_TOKEN')) throw error;
    throw new Error(`the pipeline does not answer at ${endpoint.admin} (is it still running?)`);
  }
}

async function status(): Promise<void> {
  const body = (await (await admin('/-/status')).json()) as {
    mode: string;
    urls: { upload: string };
    services: { name: string; revision: string; url: string; ready: number; active: number; queued: number; coldStarts: number }[];
    triggers: { name: string; subscriber: string }[];
  };
  console.log(`mode ${body.mode}, upload at ${body.urls.upload}\n`);
  console.log('SERVICE     REVISION          URL                       READY  ACTIVE  QUEUED  COLD STARTS');
  for (const s of body.services) {
    console.log(`${s.name.padEnd(12)}${s.revision.padEnd(18)}${s.url.padEnd(26)}${String(s.ready).padEnd(7)}${String(s.active).padEnd(8)}${String(s.queued).padEnd(8)}${s.coldStarts}`);
  }
  console.log('\nTRIGGER     SUBSCRIBER');
  for (const t of body.triggers) console.log(`${t.name.padEnd(12)}${t.subscriber}`);
}

async function events(): Promise<void> {
  const response = await admin('/-/events');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const r = JSON.parse(data.slice(6)) as { trigger: string; outcome: string; attempts: number; ms: number; reply?: string; reason?: string; event: { type: string; id: string } };
      console.log(`${new Date().toISOString()} ${r.trigger.padEnd(10)} ${r.outcome.padEnd(13)} ${r.event.type} ${r.event.id} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${r.ms} ms)${r.reply ? ` → ${r.reply}` : ''}${r.reason ? ` — ${r.reason}` : ''}`);
    }
  }
}

async function deadLetters(args: string[]): Promise<void> {
  const [action = 'list', ...ids] = args;
  if (action === 'replay') {
    const body = (await (await admin('/-/dead-letters/replay', { method: 'POST', body: JSON.stringify(ids.length ? { ids } : {}) })).json()) as { replayed: number };
    console.log(`replayed ${body.replayed} event(s) into the broker`);
    return;
  }
  if (action !== 'list') throw new Error(`dead-letters: unknown action "${action}" (list or replay)`);
  const letters = (await (await admin('/-/dead-letters')).json()) as Record<string, string>[];
  if (letters.length === 0) return console.log('no dead letters');
  for (const letter of letters) {
    const data = letter['knativeerrordata'] ? Buffer.from(letter['knativeerrordata'], 'base64').toString('utf8').slice(0, 200) : '';
    console.log(`${letter['id']}  ${letter['type']}  code=${letter['knativeerrorcode'] ?? '-'}  dest=${letter['knativeerrordest']}\n    ${data}`);
  }
}

const [command = 'start', ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { start, status, events, 'dead-letters': deadLetters };
const run = commands[command];
if (!run) {
  console.error(`unknown command "${command}"; use one of: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
run(rest).catch((error: Error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * npm run infra:up | infra:down | infra:status
 * Real Kafka and MinIO on loopback, installed into the cache dir on first use.
 */
import { type Infra, type InfraStatus, ensureInfra, infraStatus, stopInfra } from './index.js';

type Command = 'up' | 'down' | 'status';
const COMMANDS: readonly Command[] = ['up', 'down', 'status'];

// `infra:status | head` closes stdout early; that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

async function up(): Promise<void> {
  const started = performance.now();
  const infra = await ensureInfra({ log: (line) => print(`  ${line}`) });
  printTimings(infra);
  print(`infra up in ${seconds(performance.now() - started)}`);
  printEndpoints(await infraStatus());
}

function printTimings({ processes }: Infra): void {
  for (const [service, run] of Object.entries(processes)) {
    if (!run) continue;
    if (run.alreadyRunning) print(`${service}: already running (pid ${run.pid})`);
    for (const { step, ms } of run.timings) print(`${service}: ${step} took ${seconds(ms)}`);
  }
}

async function down(): Promise<void> {
  const stopped = await stopInfra();
  for (const [service, { pid, outcome }] of Object.entries(stopped)) {
    print(`${service}: ${outcome}${pid === undefined ? '' : ` (pid ${pid})`}`);
  }
}

async function status(): Promise<void> {
  const current = await infraStatus();
  printEndpoints(current);
  if (!current.kafka.ready || !current.minio.ready) process.exitCode = 3;
}

function describe(state: { running: boolean; ready: boolean; pid?: number; rssKiB?: number }): string {
  if (!state.running) return 'stopped';
  const memory = state.rssKiB === undefined ? '' : `, RSS ${Math.round(state.rssKiB / 1024)} MiB`;
  return `${state.ready ? 'ready' : 'running, not answering'} (pid ${state.pid}${memory})`;
}

function printEndpoints({ kafka, minio }: InfraStatus): void {
  print(`Kafka   ${describe(kafka)}`);
  print(`  bootstrap  ${kafka.brokers.join(',')}`);
  print(`MinIO   ${describe(minio)}`);
  print(`  endpoint   http://${minio.endPoint}:${minio.port}`);
  print(`  console    ${minio.consoleUrl}`);
  print(`  user       ${minio.accessKey}`);
  print(`  password   ${minio.secretKey}`);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] as Command | undefined;
  if (!command || !COMMANDS.includes(command)) {
    throw new Error(`usage: cli.js ${COMMANDS.join(' | ')}`);
  }
  await { up, down, status }[command]();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  process.stderr.write(`infra ${process.argv[2] ?? ''}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
});

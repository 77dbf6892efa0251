#!/usr/bin/env node
/**
 * `npm run bench [-- --embedded]`: throughput, latency, cold start, scale-out and memory of the
 * pipeline, each beside a baseline measured in the same run. Writes bench/results/<mode>.json,
 * a latency chart (SVG) and prints a table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CloudEvent, HTTP } from 'cloudevents';
import { createLocalPipeline, type LocalPipeline } from '../local/runtime.js';
import { projectRoot } from '../local/project.js';
import { events } from '../functions/lib/events.js';
import { bareFunctionsFrameworkStart, timeProcess } from './baselines.js';
import { cpuByProcessDuring } from './cpu.js';
import { latencyChart } from './chart.js';
import { Harness, pool } from './harness.js';
import { largeFiles } from './large-files.js';
import { peakRssDuring, warmRss } from './memory.js';
import { benchPhotos } from './photos.js';
import { scaleOut } from './scale-out.js';
import { median, percentile, round, rssMiB, table, type Row } from './stats.js';

const { values } = parseArgs({ options: { embedded: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });
const mode = values.embedded ? 'embedded' : 'real';
const quick = values.quick;
const log = (line: string) => console.error(`bench: ${line}`);

const IDLE_MS = 2500;
const THROUGHPUT_FILES = quick ? 16 : 48;
const LATENCY_SAMPLES = quick ? 8 : 20;
const CONCURRENCY = 4;

async function main(): Promise<void> {
  log(`mode ${mode}, ${cpus().length} cores, node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`);
  const photos = await benchPhotos();
  const small = photos.small.map((p) => p.bytes);
  log(`photos: 4 × 2 MP (${Math.round(small[0]!.length / 1024)} KiB), 1 × 24 MP (${Math.round(photos.large.bytes.length / 1024)} KiB)`);

  const dataDir = join(projectRoot(), '.data', 'bench');
  const name = `bench-${Date.now().toString(36)}`;
  const pipeline = await createLocalPipeline({ mode, port: 0, namespace: name, bucket: name, dataDir, idleMs: IDLE_MS, kubeApi: false, log: () => undefined, instanceLog: () => undefined });
  const harness = new Harness(pipeline);
  const result: Record<string, unknown> = {
    machine: { cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30), node: process.version, sharp: sharp.versions.sharp, libvips: sharp.versions.vips, mode },
  };
  try {
    // Warm every service once, and wait for all of the file's work: a classify still loading its
    // models when the measured files arrive would see a queue and start a second instance.
    const warmUp = await harness.upload(small[0]!, 'warm.jpg');
    await harness.settled(warmUp, ['blur', 'grayscale']);

    log('throughput');
    const files = Array.from({ length: THROUGHPUT_FILES }, (_, i) => small[i % small.length]!);
    let pipelineFps = 0;
    const cpu = await cpuByProcessDuring(pipeline, await infraPids(), async () => {
      const startedAt = performance.now();
      // Four files in flight, each counting as done when its last piece of work (stats counting
      // its classification and both derivatives) is: the whole pipeline's work, as the bound does it all.
      await pool(files, CONCURRENCY, async (bytes, i) => {
        const upload = await harness.upload(bytes, `t-${i}.jpg`);
        await harness.settled(upload, ['blur', 'grayscale']);
        return upload;
      });
      pipelineFps = files.length / ((performance.now() - startedAt) / 1000);
    });
    const cpuMsPerFile = Object.fromEntries(Object.entries(cpu).sort(([, a], [, b]) => b - a).map(([name, ms]) => [name, round(ms / files.length)]));
    result['throughput'] = { filesPerSecond: round(pipelineFps, 2), cpuMsPerFile, cpuMsPerFileTotal: round(Object.values(cpu).reduce((a, b) => a + b, 0) / files.length) };

    log('latency at idle and under load');
    const latency: Record<string, { p50: number; p95: number; p99: number }> = {};

    for (const background of [0, 2, 4]) {
      let stop = false;
      const load = Array.from({ length: background }, async (_, n) => {
        for (let i = 0; !stop; i++) await harness.uploadAndWait(small[(n + i) % small.length]!, `load-${n}-${i}.jpg`);
      });
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) samples.push(await harness.uploadAndWait(small[i % small.length]!, `lat-${background}-${i}.jpg`));
      stop = true;
      await Promise.all(load);

      latency[background === 0 ? 'idle' : `load ${background}`] = { p50: round(median(samples)), p95: round(percentile(samples, 95)), p99: round(percentile(samples, 99)) };
    }
    result['latency'] = latency;

    log('memory of warm instances');
    const warm = await warmRss(pipeline);

    log('classify at idle');
    harness.classifyMs.length = 0;
    for (let i = 0; i < LATENCY_SAMPLES; i++) await harness.uploadAndClassify(small[i % small.length]!, `cls-${i}.jpg`);
    const idleClassifyMs = [...harness.classifyMs];

    log('24 MP photo: peak RSS');
    let largeMs = 0;
    const peak = await peakRssDuring(pipeline, async () => {
      largeMs = await harness.uploadAndWait(photos.large.bytes, '24mp.jpg');
    });
    log('four 24 MP photos at once: peak RSS');
    const peakBatch = await peakRssDuring(pipeline, async () => {
      await Promise.all([0, 1, 2, 3].map((i) => harness.uploadAndWait(photos.large.bytes, `24mp-batch-${i}.jpg`)));
    });

    result['largeFiles'] = await largeFiles(pipeline, mode === 'real' ? plainPutToMinio(pipeline) : undefined, log, quick ? 0.25 : 1);

    log('cold start');
    const cold = await coldStarts(pipeline, quick ? 2 : 3);
    const bareNode = median(await sequential(3, () => timeProcess(['-e', '0'])));
    const bareFf = median(await sequential(3, () => bareFunctionsFrameworkStart(false)));
    const bareFfSharp = median(await sequential(3, () => bareFunctionsFrameworkStart(true)));
    result['coldStart'] = { blurRequestAtZeroMs: round(cold), bareNodeMs: round(bareNode), bareFunctionsFrameworkMs: round(bareFf), bareFunctionsFrameworkWithSharpMs: round(bareFfSharp), ratioToBareFfSharp: round(cold / bareFfSharp, 2) };

    await waitScaledToZero(pipeline);
    const runtimeRss = (await rssMiB(process.pid)) ?? 0;
    result['memory'] = { warmInstanceMiB: warm, peakFor24MpMiB: peak, peakFor4Concurrent24MpMiB: peakBatch, largePhotoMs: round(largeMs), scaledToZeroTotalMiB: round(runtimeRss), runtimeIncludesBench: true };
    result['classify'] = { p50Ms: round(median(idleClassifyMs)), p95Ms: round(percentile(idleClassifyMs, 95)), samples: idleClassifyMs.length, measured: 'at idle, delivery to reply' };
  } finally {
    await pipeline.stop();
  }

  // The bound last, in a child process: classify's models keep threads in the process that loaded
  // them, which would otherwise compete with the pipeline for the two cores in every later phase.
  log('throughput bound (the same work in one process)');
  const bound = await boundInChild(THROUGHPUT_FILES, CONCURRENCY);
  const throughput = result['throughput'] as { filesPerSecond: number };
  result['throughput'] = {
    ...throughput,
    inProcessSharpBound: round(bound.filesPerSecond, 2),
    ratio: round(throughput.filesPerSecond / bound.filesPerSecond, 2),
    boundCpuMsPerFile: round(bound.cpuMsPerFile),
  };

  log('scale-out (20 × 2 s requests, containerConcurrency 1)');
  const one = await scaleOut(1, quick ? 8 : 20);
  const four = await scaleOut(4, quick ? 8 : 20);
  result['scaleOut'] = { maxScale1Ms: round(one), maxScale4Ms: round(four), speedUp: round(one / four, 2) };

  await report(result);
}

/** Kafka's and MinIO's pids in the real mode, for the CPU split (the embedded mode has neither). */
async function infraPids(): Promise<Record<string, number>> {
  if (mode !== 'real') return {};
  const { ensureInfra } = await import('../local/infra/index.js');
  const { processes } = await ensureInfra();
  return Object.fromEntries(Object.entries(processes).flatMap(([name, p]) => (p ? [[name === 'kafka' ? 'Kafka' : 'MinIO', p.pid]] : [])));
}

/** The baseline for a direct upload: the same file as one PUT to MinIO with its own SDK. */
function plainPutToMinio(pipeline: LocalPipeline) {
  return async (path: string, size: number) => {
    const { Client } = await import('minio');
    const { ensureInfra } = await import('../local/infra/index.js');
    const { minio } = await ensureInfra();
    const client = new Client({ endPoint: minio.endPoint, port: minio.port, useSSL: minio.useSSL, accessKey: minio.accessKey, secretKey: minio.secretKey, region: 'us-east-1' });
    await client.fPutObject(pipeline.namespace, 'bench/plain-put.bin', path, { 'Content-Length': String(size) });
    await client.removeObject(pipeline.namespace, 'bench/plain-put.bin');
  };
}

/** bench/bound.ts in its own process; resolves with the files/s and CPU per file it prints. */
async function boundInChild(files: number, concurrency: number): Promise<{ filesPerSecond: number; cpuMsPerFile: number }> {
  const { execFile } = await import('node:child_process');
  const script = join(projectRoot(), 'dist', 'bench', 'bound.js');
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [script, String(files), String(concurrency)], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { filesPerSecond: number; cpuMsPerFile: number });
    }),
  );
}

async function sequential(times: number, task: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await task());
  return out;
}

async function waitScaledToZero(pipeline: LocalPipeline): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ([...pipeline.services.values()].every((s) => { const st = s.status(); return st.ready === 0 && st.starting === 0 && st.terminating === 0; })) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('services did not scale to zero');
}

/** Request at zero instances → 2xx of a real blur, through blur's activator. */
async function coldStarts(pipeline: LocalPipeline, samples: number): Promise<number> {
  const harness = new Harness(pipeline);
  const { id } = await harness.upload(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } }).jpeg().toBuffer(), 'cold.jpg');
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    await waitScaledToZero(pipeline);
    const event = events.effectRequested({ id, sourceKey: `originals/${id}`, chain: ['blur'], step: 0, options: {} }, { source: '/bench', traceparent: '' });
    const message = HTTP.binary(new CloudEvent({ ...event.toJSON(), id: `${event.id}:cold-${i}` } as never));
    const started = performance.now();
    const response = await fetch(pipeline.urls.services['blur']!, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`cold blur answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function report(result: Record<string, any>): Promise<void> {
  const t = result['throughput'];
  const l = result['latency'];
  const c = result['coldStart'];
  const s = result['scaleOut'];
  const m = result['memory'];
  const k = result['classify'];
  const lf = result['largeFiles'];
  const g = { gib: quick ? 0.25 : 1 };
  const rows: Row[] = [
    { metric: 'throughput (files/s, 2 MP, blur+grayscale+classify+stats)', value: String(t.filesPerSecond), baseline: `${t.inProcessSharpBound} (sharp + classify's models in one process)`, ratio: String(t.ratio), goal: '≥ 0.70' },
    {
      metric: 'CPU per file during the throughput run (ms)',
      value: `${t.cpuMsPerFileTotal}: ${Object.entries(t.cpuMsPerFile as Record<string, number>).map(([n, v]) => `${n} ${v}`).join(', ')}`,
      baseline: `${t.boundCpuMsPerFile} (the bound's process)`,
      ratio: String(round(t.cpuMsPerFileTotal / t.boundCpuMsPerFile, 2)),
      goal: '',
    },
    ...Object.entries(l as Record<string, { p50: number; p95: number; p99: number }>).map(([load, v]) => ({ metric: `latency upload→derivatives, ${load} (p50/p95/p99 ms)`, value: `${v.p50} / ${v.p95} / ${v.p99}`, baseline: '', ratio: '', goal: load === 'idle' ? 'p50 ≤ 200, p99 ≤ 600' : '' })),
    { metric: 'cold start: blur request at zero → 2xx (ms)', value: String(c.blurRequestAtZeroMs), baseline: `${c.bareFunctionsFrameworkWithSharpMs} (bare FF + sharp); ${c.bareFunctionsFrameworkMs} (bare FF); ${c.bareNodeMs} (node -e 0)`, ratio: String(c.ratioToBareFfSharp), goal: '≤ 1.10 and ≤ 300 ms' },
    { metric: 'scale-out: 20 × 2 s requests (ms)', value: `${s.maxScale4Ms} (max-scale 4)`, baseline: `${s.maxScale1Ms} (max-scale 1)`, ratio: `${s.speedUp}× speed-up`, goal: '≥ 3.5×' },
    { metric: 'classify per 2 MP photo at idle, p50 (ms)', value: String(k.p50Ms), baseline: '', ratio: '', goal: '≤ 120' },
    { metric: 'RSS per warm instance (MiB)', value: Object.entries(m.warmInstanceMiB).map(([n, v]) => `${n} ${v}`).join(', '), baseline: '', ratio: '', goal: '≤ 120 (effects)' },
    { metric: 'peak RSS for a 24 MP JPEG (MiB)', value: Object.entries(m.peakFor24MpMiB).map(([n, v]) => `${n} ${v}`).join(', '), baseline: '', ratio: '', goal: '< 400' },
    { metric: 'peak RSS per instance, four 24 MP JPEGs at once (MiB)', value: Object.entries(m.peakFor4Concurrent24MpMiB).map(([n, v]) => `${n} ${v}`).join(', '), baseline: '', ratio: '', goal: '' },
    {
      metric: `${g.gib ?? 1} GiB non-image, direct upload (s; upload RSS before → peak MiB)`,
      value: `${lf.gibDirect.seconds} s (${lf.gibDirect.mibPerSecond} MiB/s); ${lf.gibDirect.uploadRssBeforeMiB} → ${lf.gibDirect.uploadRssPeakMiB} MiB`,
      baseline: lf.gibDirect.baselinePlainPutSeconds === undefined ? '' : `${lf.gibDirect.baselinePlainPutSeconds} s (one plain PUT to MinIO)`,
      ratio: lf.gibDirect.ratioToPlainPut === undefined ? '' : String(lf.gibDirect.ratioToPlainPut),
      goal: 'upload RSS flat',
    },
    { metric: '40 MP JPEG through the pipeline (s; peak RSS MiB)', value: `${lf.photo40Mp.seconds} s; ${Object.entries(lf.photo40Mp.peakRssMiB).map(([n, v]) => `${n} ${v}`).join(', ')}`, baseline: '', ratio: '', goal: '< 400' },
    { metric: 'RSS with everything scaled to zero (MiB)', value: `${m.scaledToZeroTotalMiB} (runtime + bench process)`, baseline: '', ratio: '', goal: '' },
  ];
  const dir = join(projectRoot(), 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${mode}.json`), JSON.stringify(result, null, 2));
  const loads = Object.keys(l);
  const chart = latencyChart(`upload → derivatives latency (${mode}, 2 MP JPEG)`, [
    { name: 'p50', color: '#1b7', points: loads.map((x) => ({ x, y: l[x].p50 })) },
    { name: 'p95', color: '#e80', points: loads.map((x) => ({ x, y: l[x].p95 })) },
    { name: 'p99', color: '#c22', points: loads.map((x) => ({ x, y: l[x].p99 })) },
  ]);
  await writeFile(join(dir, `${mode}-latency.svg`), chart);
  const machine = result['machine'];
  console.log(`\n${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, sharp ${machine.sharp} / libvips ${machine.libvips}, ${mode} mode\n`);
  console.log(table(rows));
  console.log(`\nwrote bench/results/${mode}.json and bench/results/${mode}-latency.svg`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);

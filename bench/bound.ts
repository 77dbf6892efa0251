#!/usr/bin/env node
/**
 * The throughput bound in a process of its own (`node dist/bench/bound.js <files> <concurrency>`):
 * the bench's 2 MP photos through blur, grayscale, metadata and classify's models, with the models
 * loaded before the clock starts. Prints `{"filesPerSecond": …, "cpuMsPerFile": …}` on its last line.
 */
import { createModelLabeler } from '../functions/classify/model-labeler.js';
import { ensureModels } from '../local/infra/models.js';
import { inProcessThroughput } from './baselines.js';
import { benchPhotos } from './photos.js';

const [filesArg = '48', concurrencyArg = '4'] = process.argv.slice(2);
const photos = await benchPhotos();
const labeler = createModelLabeler({ modelDir: await ensureModels() });
await labeler.ready();
const files = Array.from({ length: Number(filesArg) }, (_, i) => photos.small[i % photos.small.length]!.bytes);
const cpuBefore = process.cpuUsage();
const filesPerSecond = await inProcessThroughput(files, Number(concurrencyArg), labeler);
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ filesPerSecond, cpuMsPerFile: (cpu.user + cpu.system) / 1000 / files.length }));
process.exit(0);

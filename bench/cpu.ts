/**
 * Where a phase's CPU went: user + system time of every process of the pipeline (the runtime
 * with the load generator, each function instance, Kafka, MinIO), read from /proc (Linux) every
 * 200 ms so that instances which start or stop during the phase are counted too.
 */
import { readFile } from 'node:fs/promises';
import type { LocalPipeline } from '../local/runtime.js';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream build. */
const MS_PER_TICK = 10;

export async function cpuTimeMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

export async function cpuByProcessDuring(
  pipeline: LocalPipeline,
  others: Readonly<Record<string, number>>,
  task: () => Promise<void>,
): Promise<Record<string, number>> {
  const owners = () => {
    const list: [number, string][] = [[process.pid, 'runtime + load generator'], ...Object.entries(others).map(([name, pid]): [number, string] => [pid, name])];
    for (const [name, runner] of pipeline.services) for (const instance of runner.status().instances) if (instance.pid) list.push([instance.pid, name]);
    return list;
  };
  const first = new Map<number, { owner: string; at: number }>();
  const last = new Map<number, number>();
  const sample = async (starting: boolean) => {
    for (const [pid, owner] of owners()) {
      const ms = await cpuTimeMs(pid);
      if (ms === undefined) continue;
      // A process first seen after the start was born during the phase: all its CPU counts.
      if (!first.has(pid)) first.set(pid, { owner, at: starting ? ms : 0 });
      last.set(pid, ms);
    }
  };
  await sample(true);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sample(false);
    }
  })();
  try {
    await task();
  } finally {
    sampling = false;
    await sampler;
  }
  await sample(false);
  const byOwner: Record<string, number> = {};
  for (const [pid, { owner, at }] of first) byOwner[owner] = (byOwner[owner] ?? 0) + (last.get(pid)! - at);
  return byOwner;
}

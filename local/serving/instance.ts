/**
 * One running instance ("pod") of a revision: a functions-framework process on its own port
 * with Knative's container contract (PORT, K_SERVICE, K_CONFIGURATION, K_REVISION; HOSTNAME as a
 * pod name). Ready once its readiness probe answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { freePort } from '../net.js';

export interface InstanceSpec {
  readonly service: string;
  readonly revision: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly readinessPath: string;
  readonly readinessPeriodMs: number;
  /** Give up on an instance that is not ready by then (Knative: progress deadline). */
  readonly startTimeoutMs: number;
}

export type InstanceLog = (line: string, instance: string) => void;

export class Instance {
  readonly name: string;
  readonly port: number;
  active = 0;
  /** Requests forwarded to it whose response has not started: work it is still doing. */
  working = 0;
  lastActive = Date.now();
  ready = false;
  exited = false;
  /** Set when the autoscaler stops it, so its exit is not taken for a crash. */
  retired = false;
  private readonly child: ChildProcess;
  private readonly exitPromise: Promise<number | null>;

  private constructor(spec: InstanceSpec, port: number, log: InstanceLog) {
    this.name = `${spec.revision}-deployment-${randomBytes(3).toString('hex')}`;
    this.port = port;
    this.child = spawn(spec.command[0]!, spec.command.slice(1), {
      env: { ...spec.env, PORT: String(port), HOSTNAME: this.name, K_SERVICE: spec.service, K_REVISION: spec.revision, K_CONFIGURATION: spec.service },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => log(line, this.name));
    }
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exited = true;
        this.ready = false;
        resolve(code);
      });
    });
  }

  static async start(spec: InstanceSpec, log: InstanceLog): Promise<Instance> {
    const instance = new Instance(spec, await freePort(), log);
    await instance.waitReady(spec);
    return instance;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with the exit code when the process ends, however it ends. */
  exited$(): Promise<number | null> {
    return this.exitPromise;
  }

  private async waitReady(spec: InstanceSpec): Promise<void> {
    const deadline = Date.now() + spec.startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`instance ${this.name} exited before it was ready`);
      try {
        const response = await fetch(`${this.url}${spec.readinessPath}`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) {
          this.ready = true;
          return;
        }
      } catch {
        // not listening yet
      }
      // Knative probes aggressively while a revision starts; a coarse period would add to every cold start.
      await Promise.race([new Promise((resolve) => setTimeout(resolve, Math.min(spec.readinessPeriodMs, 10))), this.exitPromise]);
    }
    this.kill('SIGKILL');
    throw new Error(`instance ${this.name} was not ready within ${spec.startTimeoutMs} ms`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exited) this.child.kill(signal);
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

/**
 * One Knative Service on one machine: a stable URL in front (the activator and queue-proxy's
 * job), instances behind it, scaled on concurrency between min-scale and max-scale and to zero
 * after the idle window. A request that arrives at zero waits while an instance starts; one
 * that finds every slot taken queues (up to 10 × containerConcurrency per instance, then 503);
 * one that runs past timeoutSeconds gets 504 (knative-semantics.md §10, §7).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Instance, type InstanceLog, type InstanceSpec } from './instance.js';

export interface ServiceSettings {
  readonly name: string;
  readonly revision: string;
  readonly minScale: number;
  readonly maxScale: number;
  /** 0 = unlimited, as in Knative. */
  readonly containerConcurrency: number;
  readonly timeoutMs: number;
  readonly idleMs: number;
  /**
   * Requests the activator buffers beyond what the instances take and queue
   * (`autoscaling.knative.dev/target-burst-capacity`, Knative's default 200).
   */
  readonly burstCapacity: number;
  readonly instance: InstanceSpec;
}

interface Waiter {
  readonly resolve: (instance: Instance) => void;
  readonly reject: (error: ServingError) => void;
}

export class ServingError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Concurrency one instance takes before another is started when containerConcurrency is 0. */
const UNLIMITED_TARGET = 100;
const REAP_INTERVAL_MS = 500;

export class ServiceRunner {
  private readonly instances: Instance[] = [];
  private starting = 0;
  /** Scaled down, still shutting down: not ready, but their processes still exist. */
  private readonly terminating = new Set<Instance>();
  private readonly waiters: Waiter[] = [];
  private server: Server | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private stopped = false;
  private coldStarts = 0;
  private crashes = 0;

  constructor(readonly settings: ServiceSettings, private readonly log: InstanceLog, private readonly onEvent: (message: string) => void = () => undefined) {}

  url = '';

  async start(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.reaper = setInterval(() => this.reapIdle(), REAP_INTERVAL_MS);
    this.reaper.unref();
    await Promise.all(Array.from({ length: this.settings.minScale }, () => this.startInstance()));
  }

  status() {
    return {
      name: this.settings.name,
      revision: this.settings.revision,
      url: this.url,
      ready: this.instances.filter((i) => i.ready).length,
      starting: this.starting,
      terminating: this.terminating.size,
      active: this.instances.reduce((sum, i) => sum + i.active, 0),
      queued: this.waiters.length,
      instances: this.instances.map((i) => ({ name: i.name, pid: i.pid, port: i.port, active: i.active, working: i.working })),
      coldStarts: this.coldStarts,
      crashes: this.crashes,
    };
  }

  private get perInstance(): number {
    return this.settings.containerConcurrency || Number.POSITIVE_INFINITY;
  }

  /**
   * In flight plus queued: each instance takes cc and its queue-proxy queues 10 × cc more; the
   * activator buffers the burst capacity on top. Past that: 503.
   */
  private get capacity(): number {
    const cc = this.settings.containerConcurrency;
    return cc > 0 ? 11 * cc * Math.max(1, this.settings.maxScale) + this.settings.burstCapacity : 10_000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deadline = Date.now() + this.settings.timeoutMs;
    let instance: Instance;
    try {
      instance = await this.acquire(deadline);
    } catch (error) {
      const status = error instanceof ServingError ? error.status : 503;
      req.resume();
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
      return;
    }
    try {
      await this.proxy(req, res, instance, deadline);
    } finally {
      this.release(instance);
    }
  }

  private acquire(deadline: number): Promise<Instance> {
    const free = this.pickFree();
    if (free) {
      free.active++;
      return Promise.resolve(free);
    }
    const outstanding = this.waiters.length + this.instances.reduce((sum, i) => sum + i.active, 0);
    if (outstanding >= this.capacity) {
      return Promise.reject(new ServingError(503, `${this.settings.name}: overloaded (${outstanding} requests in flight or queued)`));
    }
    return new Promise<Instance>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new ServingError(504, `${this.settings.name}: no instance became available within the request timeout`));
      }, Math.max(0, deadline - Date.now()));
      const waiter: Waiter = {
        resolve: (instance) => {
          clearTimeout(timer);
          resolve(instance);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      this.scale();
    });
  }

  private pickFree(): Instance | undefined {
    let best: Instance | undefined;
    for (const instance of this.instances) {
      if (!instance.ready || instance.active >= this.perInstance) continue;
      if (!best || instance.active < best.active) best = instance;
    }
    return best;
  }

  private release(instance: Instance): void {
    instance.active--;
    instance.lastActive = Date.now();
    this.dispatchWaiters();
  }

  private dispatchWaiters(): void {
    while (this.waiters.length > 0) {
      const free = this.pickFree();
      if (!free) break;
      free.active++;
      this.waiters.shift()!.resolve(free);
    }
  }

  /** Enough instances for what is in flight and queued, within min/max scale. */
  private scale(): void {
    if (this.stopped) return;
    const demand = this.instances.reduce((sum, i) => sum + i.active, 0) + this.waiters.length;
    const target = this.settings.containerConcurrency || UNLIMITED_TARGET;
    const desired = Math.min(this.settings.maxScale, Math.max(this.settings.minScale, Math.ceil(demand / target)));
    for (let have = this.instances.length + this.starting; have < desired; have++) void this.startInstance();
  }

  private async startInstance(): Promise<void> {
    this.starting++;
    const cold = this.instances.length === 0;
    const started = Date.now();
    try {
      const instance = await Instance.start(this.settings.instance, this.log);
      if (this.stopped) {
        await instance.stop();
        return;
      }
      this.instances.push(instance);
      if (cold) this.coldStarts++;
      this.onEvent(`${instance.name} ready in ${Date.now() - started} ms${cold ? ' (cold start)' : ''}`);
      void instance.exited$().then((code) => this.onExit(instance, code));
    } catch (error) {
      this.onEvent(`instance of ${this.settings.revision} failed to start: ${(error as Error).message}`);
      if (this.instances.length === 0 && this.starting === 1) {
        for (const waiter of this.waiters.splice(0)) waiter.reject(new ServingError(503, `${this.settings.name}: instance failed to start`));
      }
    } finally {
      this.starting--;
    }
    this.dispatchWaiters();
  }

  private onExit(instance: Instance, code: number | null): void {
    const index = this.instances.indexOf(instance);
    if (index >= 0) this.instances.splice(index, 1);
    if (this.stopped || instance.retired) return;
    this.crashes++;
    this.onEvent(`${instance.name} exited unexpectedly (code ${code}); replacing it`);
    this.scale();
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const instance of [...this.instances]) {
      if (this.instances.length <= this.settings.minScale) break;
      if (instance.active === 0 && now - instance.lastActive >= this.settings.idleMs) {
        instance.retired = true;
        this.instances.splice(this.instances.indexOf(instance), 1);
        this.onEvent(`${instance.name} scaled down after ${this.settings.idleMs} ms idle`);
        this.terminating.add(instance);
        void instance.stop().finally(() => this.terminating.delete(instance));
      }
    }
  }

  private proxy(req: IncomingMessage, res: ServerResponse, instance: Instance, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      instance.working++;
      let answered = false;
      const answer = () => {
        if (!answered) {
          answered = true;
          instance.working--;
        }
      };
      const upstream = httpRequest(
        { host: '127.0.0.1', port: instance.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
        (upstreamRes) => {
          answer();
          // Answered before the body was all sent (e.g. an early 413): the client must not reuse
          // this connection, whose request stream is in an unknown state.
          const headers = req.complete ? upstreamRes.headers : { ...upstreamRes.headers, connection: 'close' };
          res.writeHead(upstreamRes.statusCode ?? 502, headers);
          upstreamRes.pipe(res);
          upstreamRes.on('end', finish);
          upstreamRes.on('error', () => (res.destroy(), finish()));
        },
      );
      const timer = setTimeout(() => {
        upstream.destroy();
        if (!res.headersSent) res.writeHead(504, { 'Content-Type': 'text/plain' }).end(`${this.settings.name}: request exceeded timeoutSeconds\n`);
        else res.destroy();
        finish();
      }, Math.max(0, deadline - Date.now()));
      let done = false;
      function finish() {
        answer();
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      }
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`${instance.name}: ${error.message}\n`);
        else res.destroy();
        finish();
      });
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
        finish();
      });
      req.pipe(upstream);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reaper) clearInterval(this.reaper);
    for (const waiter of this.waiters.splice(0)) waiter.reject(new ServingError(503, `${this.settings.name}: shutting down`));
    await Promise.all(this.instances.splice(0).map((instance) => instance.stop()));
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await closed;
  }

  /** For fault tests: kill one instance the hard way, the busiest one (most requests in flight). */
  killInstance(signal: NodeJS.Signals = 'SIGKILL'): string | undefined {
    const load = (instance: Instance) => instance.working * 1000 + instance.active;
    const victim = this.instances.reduce<Instance | undefined>((busiest, instance) => (!busiest || load(instance) > load(busiest) ? instance : busiest), undefined);
    victim?.kill(signal);
    return victim?.name;
  }
}

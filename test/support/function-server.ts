/** Serves a registered function through functions-framework's own test server on a free loopback port. */
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

export interface ServedFunction {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveFunction(name: string): Promise<ServedFunction> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

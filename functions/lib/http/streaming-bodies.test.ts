import './streaming-bodies.js';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

functions.http('body-probe', (req, res) => {
  res.json({ buffered: Buffer.isBuffer(req.body) && req.body.length > 0, readable: req.readable });
});

describe('streaming bodies under functions-framework', () => {
  it('should hand multipart requests over unread, and still parse other bodies', async () => {
    const server = getTestServer('body-probe');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const body = new FormData();
      body.append('file', new Blob(['hello']), 'a.txt');
      const multipart = await (await fetch(base, { method: 'POST', body })).json();
      expect(multipart).toEqual({ buffered: false, readable: true });
      const octets = await (await fetch(base, { method: 'POST', body: 'abc', headers: { 'content-type': 'application/octet-stream' } })).json();
      expect(octets).toEqual({ buffered: true, readable: false });
    } finally {
      server.close();
    }
  });
});

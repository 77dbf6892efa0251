/**
 * The acceptance scenarios, driven over HTTP against a running local runtime. Run once per mode
 * (embedded: memory broker + fs store; real: Kafka + MinIO).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { highFrequencyEnergy, isGray, makeImage, makePdf, channelSpread } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';
import type { LocalPipelineOptions } from '../../local/runtime.js';

export function pipelineSuite(mode: 'embedded' | 'real', extra: () => Partial<LocalPipelineOptions> = () => ({})) {
  describe(`the pipeline end to end (${mode})`, () => {
    let pipeline: TestPipeline;
    const expected = { image: 0, document: 0, other: 0, bytes: 0, derivatives: 0, failures: 0, classifications: 0 };
    const stats = () => pipeline.json(`${pipeline.urls.services['stats']}/stats`);

    beforeAll(async () => {
      pipeline = await startTestPipeline({ mode, ...extra() });
    }, 600_000);
    afterAll(async () => {
      await pipeline?.dispose();
    });

    it('should gray and blur a JPEG through the chain grayscale,blur and say who did each step', async () => {
      const jpeg = await makeImage({ width: 480, height: 320 });
      const { status, body } = await pipeline.upload(jpeg, 'holiday.jpg', '?effects=grayscale,blur&wait=30s');
      expect(status).toBe(201);
      expect(body).toMatchObject({ kind: 'image', status: 'complete', applied_effects: ['grayscale+blur'] });
      expect(body['processed_by'].map((p: { function: string; revision: string }) => [p.function, p.revision])).toEqual([
        ['grayscale', 'grayscale-00001'],
        ['blur', 'blur-00001'],
      ]);
      expect(body['processed_by'][0].instance).toMatch(/^grayscale-00001-deployment-[0-9a-f]{6}$/);
      const final = body['derivatives'].find((d: { step: number }) => d.step === 1);
      const derived = Buffer.from(await (await fetch(pipeline.urls.upload + final.url)).arrayBuffer());
      expect(await isGray(derived)).toBe(true);
      expect(await channelSpread(jpeg)).toBeGreaterThan(20);
      expect(await highFrequencyEnergy(derived)).toBeLessThan((await highFrequencyEnergy(jpeg)) * 0.6);
      expect(body['classification']).toMatchObject({ kind: 'image', format: 'jpeg', width: 480, height: 320 });
      Object.assign(expected, { image: expected.image + 1, bytes: expected.bytes + jpeg.length, derivatives: expected.derivatives + 1, classifications: expected.classifications + 1 });
    });

    it('should make the default blurred and grayscale derivatives of the original', async () => {
      const png = await makeImage({ format: 'png' });
      const { body } = await pipeline.upload(png, 'diagram.png', '?wait=30s');
      expect(body['status']).toBe('complete');
      expect([...body['applied_effects']].sort()).toEqual(['blur', 'grayscale']);
      Object.assign(expected, { image: expected.image + 1, bytes: expected.bytes + png.length, derivatives: expected.derivatives + 2, classifications: expected.classifications + 1 });
    });

    it('should classify a PDF as a document and a text file as other', async () => {
      const pdf = makePdf(2);
      const text = Buffer.from('plain words, nothing more\n');
      const document = await pipeline.upload(pdf, 'report.pdf', '?wait=30s');
      const other = await pipeline.upload(text, 'notes.txt', '?wait=30s');
      expect(document.body['classification']).toMatchObject({ kind: 'document', format: 'pdf', pages: 2 });
      expect(other.body['classification']).toMatchObject({ kind: 'other', format: 'text' });
      expect(document.body['effects']).toEqual([]);
      Object.assign(expected, {
        document: expected.document + 1,
        other: expected.other + 1,
        bytes: expected.bytes + pdf.length + text.length,
        classifications: expected.classifications + 2,
      });
    });

    it('should record the effects of a truncated JPEG as failures the user can read', async () => {
      const jpeg = await makeImage();
      const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
      const { status, body } = await pipeline.upload(truncated, 'broken.jpg', '?effects=blur&wait=30s');
      expect(status).toBe(201);
      expect(body['status']).toBe('complete');
      expect(body['failures']).toEqual([{ chain: 'blur', step: 0, effect: 'blur', reason: expect.stringMatching(/truncated or corrupt/) }]);
      Object.assign(expected, { image: expected.image + 1, bytes: expected.bytes + truncated.length, failures: expected.failures + 1, classifications: expected.classifications + 1 });
    });

    it('should refuse bad uploads with a 4xx that says what was wrong', async () => {
      const image = await makeImage();
      expect((await pipeline.upload(image, 'a.jpg', '?effects=sepia')).body).toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringContaining('Unknown effect "sepia"') });
      expect((await pipeline.upload(Buffer.alloc(0), 'empty.bin')).status).toBe(400);
      const none = await fetch(`${pipeline.urls.upload}/files`, { method: 'POST', body: new FormData() });
      expect(none.status).toBe(400);
    });

    it('should count everything exactly in GET /stats', async () => {
      await waitFor(async () => (await stats()).classifications === expected.classifications && (await stats()).derivatives === expected.derivatives, 30_000, 'stats to catch up');
      expect(await stats()).toEqual({
        files: { total: expected.image + expected.document + expected.other, image: expected.image, document: expected.document, other: expected.other },
        bytes: expected.bytes,
        derivatives: expected.derivatives,
        classifications: expected.classifications,
        failures: expected.failures,
        deleted: 0,
      });
    });

    it('should delete a file with its derivatives and metadata, and stats follow', async () => {
      const jpeg = await makeImage({ width: 100, height: 80 });
      const { body } = await pipeline.upload(jpeg, 'gone.jpg', '?wait=30s');
      await waitFor(async () => (await stats()).files.total === expected.image + expected.document + expected.other + 1 && (await stats()).derivatives === expected.derivatives + 2, 30_000, 'stats to count the new file');
      const response = await fetch(`${pipeline.urls.upload}/files/${body['id']}`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      const deleted = (await response.json()) as { deleted: string[] };
      expect(deleted.deleted).toEqual(expect.arrayContaining([`originals/${body['id']}`, `meta/${body['id']}/classification.json`]));
      expect(deleted.deleted.filter((key) => key.startsWith('derived/'))).toHaveLength(2);
      expect((await fetch(`${pipeline.urls.upload}/files/${body['id']}`)).status).toBe(404);
      await waitFor(async () => (await stats()).deleted === 1, 30_000, 'stats to forget the deleted file');
      const after = await stats();
      expect(after.files.total).toBe(expected.image + expected.document + expected.other);
      expect(after.derivatives).toBe(expected.derivatives);
      expect(after.bytes).toBe(expected.bytes);
    });

    it('should answer 400 to an invalid CloudEvent posted to a function, and the broker should not retry it', async () => {
      const blur = pipeline.urls.services['blur']!;
      const notAnEvent = await fetch(blur, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
      expect(notAnEvent.status).toBe(400);
      const poison = new CloudEvent({ type: 'pipeline.effect.requested', source: '/attacker', id: `poison-${Date.now()}`, effect: 'blur', data: { id: 'not-a-uuid', chain: ['blur'], step: 0 } });
      const message = HTTP.binary(poison);
      const ingress = await fetch(pipeline.urls.broker, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
      expect(ingress.status).toBe(202);
      await waitFor(async () => (await pipeline.deadLetters()).some((e) => e.id === poison.id), 30_000, 'the poison event in the dead-letter sink');
      const letter = (await pipeline.deadLetters()).find((e) => e.id === poison.id) as Record<string, unknown>;
      expect(letter['knativeerrorcode']).toBe('400');
      expect(letter['knativeerrordest']).toBe(blur);
      expect(Buffer.from(String(letter['knativeerrordata']), 'base64').toString()).toContain('E_INVALID_EVENT');
      const blurDeliveries = pipeline.logs.filter((line) => line.includes(poison.id) && line.includes('event failed'));
      expect(blurDeliveries).toHaveLength(1);
    });

    it('should show its services, dead letters and deliveries through the admin API the CLI uses', async () => {
      const status = await pipeline.json(`${pipeline.urls.ingress}/-/status`);
      expect(status.services.map((s: { name: string }) => s.name).sort()).toEqual(['blur', 'classify', 'grayscale', 'stats', 'upload']);
      expect(status.triggers.map((t: { name: string }) => t.name).sort()).toEqual(['blur', 'classify', 'grayscale', 'stats']);
      const letters = await pipeline.json(`${pipeline.urls.ingress}/-/dead-letters`);
      expect(letters.length).toBeGreaterThanOrEqual(1);

      const controller = new AbortController();
      const stream = await fetch(`${pipeline.urls.ingress}/-/events`, { signal: controller.signal });
      const reader = stream.body!.getReader();
      const { body } = await pipeline.upload(Buffer.from('watch me\n'), 'watched.txt');
      let text = '';
      while (!text.includes(`${body['id']}:classified`)) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      expect(text).toMatch(new RegExp(`"trigger":"classify","event":\\{[^}]*"id":"${body['id']}:uploaded"`));
      Object.assign(expected, { other: expected.other + 1, bytes: expected.bytes + 9, classifications: expected.classifications + 1 });

      const replay = await fetch(`${pipeline.urls.ingress}/-/dead-letters/replay`, { method: 'POST', body: JSON.stringify({ ids: [letters[0].id] }) });
      expect(await replay.json()).toEqual({ replayed: 1 });
      await waitFor(async () => (await pipeline.deadLetters()).filter((e) => e.id === letters[0].id).length === 2, 30_000, 'the replayed poison event to be dead-lettered again');
    });

    it('should answer broker ingress requests as Knative does', async () => {
      expect((await fetch(pipeline.urls.broker, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(400);
      expect((await fetch(`${pipeline.urls.ingress}/${pipeline.namespace}/nope`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(pipeline.urls.broker)).status).toBe(405);
      const big = new CloudEvent({ type: 't', source: '/s', id: 'big', data: 'x'.repeat(1024 * 1024 + 10) });
      const message = HTTP.binary(big);
      expect((await fetch(pipeline.urls.broker, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string })).status).toBe(413);
    });
  });
}

/**
 * Exactly-once effects over at-least-once delivery: the same uploads through a pipeline that
 * delivers every event twice at once give the same objects (byte for byte) and the same stats
 * as one that delivers each event once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage, makePdf } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

describe('every event delivered twice (embedded)', () => {
  let once: TestPipeline;
  let twice: TestPipeline;

  beforeAll(async () => {
    [once, twice] = await Promise.all([startTestPipeline(), startTestPipeline({ duplicateDeliveries: true })]);
  });
  afterAll(async () => {
    await Promise.all([once?.dispose(), twice?.dispose()]);
  });

  async function run(pipeline: TestPipeline) {
    const photo = await makeImage({ width: 300, height: 200 });
    const chained = await pipeline.upload(photo, 'p.jpg', '?effects=grayscale,blur&wait=30s');
    const defaults = await pipeline.upload(photo, 'q.jpg', '?wait=30s');
    const broken = await pipeline.upload(photo.subarray(0, 900), 'broken.jpg', '?effects=blur&wait=30s');
    const pdf = await pipeline.upload(makePdf(3), 'r.pdf', '?wait=30s');
    const deleted = await pipeline.upload(photo, 'gone.jpg', '?wait=30s');
    await fetch(`${pipeline.urls.upload}/files/${deleted.body['id']}`, { method: 'DELETE' });
    const stats = `${pipeline.urls.services['stats']}/stats`;
    await waitFor(async () => (await pipeline.json(stats)).deleted === 1 && (await pipeline.json(stats)).files.total === 4, 30_000, 'stats to settle');
    const views = await Promise.all([chained, defaults, broken, pdf].map((u) => pipeline.json(`${pipeline.urls.upload}/files/${u.body['id']}`)));
    const etags = await Promise.all(
      views.flatMap((view) => view.derivatives.map(async (d: { url: string; chain: string; step: number }) => [`${view.name} ${d.chain}/${d.step}`, (await fetch(pipeline.urls.upload + d.url)).headers.get('etag')])),
    );
    return { stats: await pipeline.json(stats), views, etags: Object.fromEntries(etags) };
  }

  it('should give the same objects and exact stats', async () => {
    const [single, doubled] = [await run(once), await run(twice)];
    expect(doubled.stats).toEqual(single.stats);
    expect(doubled.stats).toMatchObject({ files: { total: 4, image: 3, document: 1, other: 0 }, derivatives: 3, failures: 1, classifications: 4, deleted: 1 });
    expect(doubled.etags).toEqual(single.etags);
    expect(Object.keys(doubled.etags)).toHaveLength(4);
    expect(doubled.views.map((v) => v.failures.length)).toEqual([0, 0, 1, 0]);
    expect(twice.logs.filter((line) => line.includes('"outcome":"replied"')).length).toBeGreaterThan(once.logs.filter((line) => line.includes('"outcome":"replied"')).length);
  });
});

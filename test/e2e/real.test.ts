import { pipelineSuite } from './pipeline-suite.js';

// The same acceptance scenarios on real Kafka and MinIO, started by the infra scripts if needed.
pipelineSuite('real');

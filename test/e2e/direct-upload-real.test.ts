import { directUploadSuite } from './direct-upload-suite.js';

// MinIO's own presigned URLs: the bytes never pass through the upload service.
directUploadSuite('real');

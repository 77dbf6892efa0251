import { directUploadSuite } from './direct-upload-suite.js';

directUploadSuite('embedded');

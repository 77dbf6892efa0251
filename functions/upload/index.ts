// Must load before functions-framework builds its server: uploads are streamed, not buffered.
import '../lib/http/streaming-bodies.js';
import * as functions from '@google-cloud/functions-framework';
import { contextLoader } from '../lib/context.js';
import { functionApp } from '../lib/http/function-app.js';
import { uploadRoutes } from './handler.js';

functions.http('upload', functionApp({ name: 'upload', context: contextLoader('upload'), routes: uploadRoutes }));

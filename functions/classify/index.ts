import * as functions from '@google-cloud/functions-framework';
import { contextLoader } from '../lib/context.js';
import { functionApp } from '../lib/http/function-app.js';
import { handleClassify } from './handler.js';

functions.http('classify', functionApp({ name: 'classify', context: contextLoader('classify', undefined, { eager: true }), onEvent: handleClassify }));

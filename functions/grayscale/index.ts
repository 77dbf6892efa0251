import * as functions from '@google-cloud/functions-framework';
import { contextLoader } from '../lib/context.js';
import { functionApp } from '../lib/http/function-app.js';
import { handleGrayscale } from './handler.js';

functions.http('grayscale', functionApp({ name: 'grayscale', context: contextLoader('grayscale', undefined, { eager: true }), onEvent: handleGrayscale }));

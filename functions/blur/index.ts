import * as functions from '@google-cloud/functions-framework';
import { contextLoader } from '../lib/context.js';
import { functionApp } from '../lib/http/function-app.js';
import { handleBlur } from './handler.js';

functions.http('blur', functionApp({ name: 'blur', context: contextLoader('blur', undefined, { eager: true }), onEvent: handleBlur }));

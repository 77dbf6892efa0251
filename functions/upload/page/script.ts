/**
 * The page's script: plain browser JavaScript (a classic deferred script, no framework, no build
 * step), kept as a string because tsc copies only TypeScript to dist/. It may not contain a
 * backtick or a dollar-brace, being inside a template literal; user data goes in with
 * textContent only.
 *
 * Live state: the stats dashboard follows `/stats/stream` (server-sent events, proxied by
 * upload). Each file's progress through the pipeline is read from `GET /files/:id` — the same
 * view `?wait=` answers from, built from the bucket — polled while the file is `processing` with
 * a back-off (400 ms growing to 5 s) and stopped once it is `complete`. Every stats frame is also
 * a hint that something moved, so it re-polls the files in flight at once and refreshes the list.
 */
export const script = String.raw`(function () {
'use strict';

var body = document.body;
var MAX_BYTES = Number(body.dataset.maxBytes) || 0;
var SIGMA_MIN = Number(body.dataset.sigmaMin) || 0.3;
var SIGMA_MAX = Number(body.dataset.sigmaMax) || 50;
var SIGMA_DEFAULT = Number(body.dataset.sigmaDefault) || 4;
var MAX_CHAIN = 8;
var UPLOAD_CONCURRENCY = 3;
var POLL_FIRST_MS = 400;
var POLL_MAX_MS = 5000;
/** A file still processing after this long is probably stuck (its events dead-lettered): look less often. */
var POLL_SLOW_AFTER_MS = 120000;
var POLL_SLOW_MS = 30000;
var EFFECT_LABELS = { grayscale: 'Grayscale', blur: 'Blur' };

function $(id) { return document.getElementById(id); }

/* ---------------- small helpers ---------------- */

function h(tag, props) {
  var el = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'on') Object.keys(value).forEach(function (type) { el.addEventListener(type, value[type]); });
      else if (key === 'dataset') Object.keys(value).forEach(function (k) { el.dataset[k] = value[k]; });
      else if (key in el && typeof value !== 'string') el[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    });
  }
  for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
  return el;
}
function append(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); return; }
  el.append(child instanceof Node ? child : document.createTextNode(String(child)));
}

function formatBytes(n) {
  if (!isFinite(n)) return '–';
  if (n < 1000) return n + ' B';
  var units = ['KB', 'MB', 'GB', 'TB'];
  var value = n, unit = -1;
  do { value /= 1000; unit++; } while (value >= 1000 && unit < units.length - 1);
  return (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + ' ' + units[unit];
}
function formatDuration(ms) {
  if (!isFinite(ms)) return '–';
  if (ms < 0) ms = 0;
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
}
function formatTime(iso) {
  var date = new Date(iso);
  if (isNaN(date.getTime())) return '';
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}
function formatDate(iso) {
  var date = new Date(iso);
  if (isNaN(date.getTime())) return '';
  var today = new Date();
  var sameDay = date.toDateString() === today.toDateString();
  return sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}
function capitalize(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : text; }
function effectLabel(effect) { return EFFECT_LABELS[effect] || capitalize(effect); }
function chainLabel(chain) { return chain.map(effectLabel).join(' → '); }
function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
/** The label on a file's icon: BIN and TXT for what has no format of its own. */
function iconLabel(view) { var format = String(view.format || ''); return format === 'binary' ? 'BIN' : format === 'text' ? 'TXT' : shortFormat(view).slice(0, 5) || 'FILE'; }
function shortFormat(view) { return String(view.format || '').toUpperCase() || (view.contentType || '').split('/').pop().toUpperCase(); }
function isImageType(type) { return /^image[/](jpeg|png|gif|webp|avif)$/.test(type || ''); }

var announcer = $('announcer');
function announce(text) {
  announcer.textContent = '';
  setTimeout(function () { announcer.textContent = text; }, 50);
}

function HttpError(status, message) { this.status = status; this.message = message; }
HttpError.prototype = Object.create(Error.prototype);

function messageOf(status, text) {
  try {
    var parsed = JSON.parse(text);
    if (parsed && parsed.message) return parsed.message;
  } catch (e) { /* not JSON */ }
  if (status === 413) return 'The file is larger than the upload limit.';
  if (status === 0) return 'The server could not be reached.';
  return 'The server answered HTTP ' + status + (text ? ': ' + text.slice(0, 200) : '');
}

function getJson(url, options) {
  return fetch(url, Object.assign({ headers: { accept: 'application/json' }, cache: 'no-store' }, options || {})).then(function (response) {
    return response.text().then(function (text) {
      if (!response.ok) throw new HttpError(response.status, messageOf(response.status, text));
      return text ? JSON.parse(text) : null;
    });
  }, function () {
    throw new HttpError(0, 'The server could not be reached.');
  });
}

/* ---------------- API token (API_TOKEN) ---------------- */

/*
 * Writes may need the pipeline's API token. On a 401 the page asks for it once in an inline
 * form (never prompt()), keeps it in sessionStorage (this tab only) and retries the request.
 */
var TOKEN_KEY = 'file-pipeline.apiToken';
var tokenForm = $('token-form');
var tokenInput = $('token-input');
var tokenMessage = $('token-message');
var tokenAsk = null;

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
}

function authHeaders(headers) {
  var token = storedToken();
  if (token) headers.authorization = 'Bearer ' + token;
  return headers;
}

/** Resolves true once a token is entered, false if the person cancels. Concurrent 401s share one question. */
function askForToken(message) {
  if (tokenAsk) return tokenAsk.promise;
  var settle;
  var promise = new Promise(function (resolve) { settle = resolve; });
  tokenAsk = { promise: promise, settle: settle, returnFocus: document.activeElement };
  tokenMessage.textContent = message || '';
  tokenMessage.classList.toggle('is-error', !!message);
  tokenInput.value = '';
  tokenForm.hidden = false;
  tokenInput.focus();
  return promise;
}

function finishAsking(answer) {
  var ask = tokenAsk;
  tokenAsk = null;
  tokenForm.hidden = true;
  tokenMessage.textContent = '';
  if (ask && ask.returnFocus && ask.returnFocus.focus && document.contains(ask.returnFocus)) ask.returnFocus.focus();
  if (ask) ask.settle(answer);
}

tokenForm.addEventListener('submit', function (event) {
  event.preventDefault();
  var token = tokenInput.value.trim();
  if (!token) {
    tokenMessage.textContent = 'Enter the API token.';
    tokenMessage.classList.add('is-error');
    tokenInput.focus();
    return;
  }
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* storage blocked: the retry still fails with 401 */ }
  tokenInput.value = '';
  finishAsking(true);
});
$('token-cancel').addEventListener('click', function () { finishAsking(false); });

/** Runs attempt(); on a 401 forgets the stored token, asks for one once, and runs it again. */
function withToken(attempt, statusOf) {
  return attempt().then(function (result) {
    if (statusOf(result) !== 401) return result;
    var hadToken = !!storedToken();
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
    return askForToken(hadToken ? 'That token was not accepted. Enter the API token again.' : '').then(function (entered) {
      return entered ? attempt() : result;
    });
  });
}

/* ---------------- state ---------------- */

var state = {
  staged: [],
  chain: [],
  mode: 'default',
  filter: 'all',
  views: new Map(),
  selected: new Map(),
  jobs: [],
  loaded: false
};
var nextJobId = 1;

/* ---------------- effects ---------------- */

var chainEl = $('chain');
var modeHint = $('mode-hint');
var sigmaInput = $('sigma');
var sigmaOut = $('sigma-out');
var sigmaRow = $('sigma-row');
var LOG_RANGE = Math.log(SIGMA_MAX / SIGMA_MIN);

function sigmaFromSlider() {
  var t = Number(sigmaInput.value) / 1000;
  var sigma = SIGMA_MIN * Math.exp(LOG_RANGE * t);
  sigma = sigma < 10 ? Math.round(sigma * 10) / 10 : Math.round(sigma);
  return Math.min(SIGMA_MAX, Math.max(SIGMA_MIN, sigma));
}
function setSigma(sigma) {
  sigmaInput.value = String(Math.round(1000 * Math.log(sigma / SIGMA_MIN) / LOG_RANGE));
  renderSigma();
}
function renderSigma() {
  var sigma = sigmaFromSlider();
  var text = sigma < 10 ? sigma.toFixed(1) : String(sigma);
  sigmaOut.textContent = 'σ ' + text;
  sigmaInput.setAttribute('aria-valuetext', 'sigma ' + text);
  var usesBlur = state.mode === 'default' || (state.mode === 'chain' && state.chain.indexOf('blur') >= 0);
  sigmaInput.disabled = !usesBlur;
  sigmaRow.classList.toggle('is-disabled', !usesBlur);
}

var MODE_HINTS = {
  default: 'A blurred copy and a grayscale copy, each made from the original.',
  none: 'Photos are stored and classified, with no derived copies.'
};
function renderEffects() {
  chainEl.hidden = state.mode !== 'chain';
  if (state.mode === 'chain') {
    modeHint.textContent = state.chain.length
      ? 'One copy: ' + chainLabel(state.chain) + ', each step working on the one before.'
      : 'Add the effects in the order they should run.';
  } else {
    modeHint.textContent = MODE_HINTS[state.mode];
  }
  var focusedIndex = chainEl.contains(document.activeElement) ? Number(document.activeElement.dataset.index) : -1;
  chainEl.replaceChildren.apply(chainEl, state.chain.map(function (effect, index) {
    return h('li', null,
      h('span', { class: 'effect-chip' },
        h('span', { class: 'step-no', 'aria-hidden': 'true', text: String(index + 1) }),
        h('span', { text: effectLabel(effect) }),
        h('button', {
          type: 'button', class: 'remove', 'aria-label': 'Remove step ' + (index + 1) + ', ' + effectLabel(effect).toLowerCase(),
          dataset: { index: String(index) }, text: '✕',
          on: { click: function () { removeStep(index); } }
        })));
  }));
  if (focusedIndex >= 0) {
    var buttons = chainEl.querySelectorAll('button');
    var target = buttons[Math.min(focusedIndex, buttons.length - 1)];
    (target || document.querySelector('[data-add]')).focus();
  }
  document.querySelectorAll('[data-add]').forEach(function (button) { button.disabled = state.chain.length >= MAX_CHAIN; });
  renderSigma();
}
function setMode(mode) {
  state.mode = mode;
  var radio = $('mode-' + mode);
  if (radio && !radio.checked) radio.checked = true;
  renderEffects();
}
function removeStep(index) {
  state.chain.splice(index, 1);
  renderEffects();
  announce('Removed step ' + (index + 1) + '. Effects: ' + (state.chain.length ? chainLabel(state.chain) : 'none yet'));
}
document.querySelectorAll('input[name="mode"]').forEach(function (radio) {
  radio.addEventListener('change', function () {
    if (radio.checked) setMode(radio.value);
  });
});
document.querySelectorAll('[data-add]').forEach(function (button) {
  button.addEventListener('click', function () {
    if (state.mode !== 'chain') setMode('chain');
    if (state.chain.length >= MAX_CHAIN) return;
    state.chain.push(button.dataset.add);
    renderEffects();
    announce('Effects: ' + chainLabel(state.chain));
  });
});
sigmaInput.addEventListener('input', renderSigma);

function effectsFields() {
  var fields = [];
  if (state.mode === 'none') fields.push(['effects', 'none']);
  else if (state.mode === 'chain') fields.push(['effects', state.chain.join(',')]);
  if (!sigmaInput.disabled) fields.push(['sigma', String(sigmaFromSlider())]);
  return fields;
}

/* ---------------- staging ---------------- */

var fileInput = $('file-input');
var stagedEl = $('staged');
var uploadButton = $('upload-button');
var uploadButtonText = $('upload-button-text');
var formMessage = $('form-message');

function setFormMessage(text, isError) {
  formMessage.textContent = text;
  formMessage.classList.toggle('is-error', !!isError);
}

function stage(files) {
  var added = 0;
  Array.prototype.forEach.call(files, function (file) {
    var duplicate = state.staged.some(function (s) { return s.file.name === file.name && s.file.size === file.size && s.file.lastModified === file.lastModified; });
    if (duplicate) return;
    state.staged.push({ file: file, preview: isImageType(file.type) ? URL.createObjectURL(file) : null });
    added++;
  });
  if (added) {
    setFormMessage('');
    announce(plural(state.staged.length, 'file', 'files') + ' ready to upload.');
  }
  renderStaged();
}
function unstage(index) {
  var removed = state.staged.splice(index, 1)[0];
  if (removed && removed.preview) URL.revokeObjectURL(removed.preview);
  renderStaged();
  var buttons = stagedEl.querySelectorAll('button');
  if (buttons.length) buttons[Math.min(index, buttons.length - 1)].focus();
  else fileInput.focus();
}
function thumbFor(file, preview) {
  if (preview) return h('img', { class: 'thumb', src: preview, alt: '' });
  var ext = (file.name.split('.').pop() || '').slice(0, 4).toUpperCase();
  return h('span', { class: 'thumb', 'aria-hidden': 'true', text: ext || 'FILE' });
}
function renderStaged() {
  stagedEl.hidden = state.staged.length === 0;
  stagedEl.replaceChildren.apply(stagedEl, state.staged.map(function (item, index) {
    return h('li', null,
      thumbFor(item.file, item.preview),
      h('span', { class: 'name', title: item.file.name, text: item.file.name }),
      h('span', { class: 'size', text: formatBytes(item.file.size) }),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Remove ' + item.file.name, text: '✕', on: { click: function () { unstage(index); } } }));
  }));
  var n = state.staged.length;
  uploadButton.disabled = n === 0;
  uploadButtonText.textContent = n > 1 ? 'Upload ' + n + ' files' : 'Upload';
}

fileInput.addEventListener('change', function () {
  stage(fileInput.files);
  fileInput.value = '';
});

var dropzone = $('dropzone');
var dragDepth = 0;
function hasFiles(event) { return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, 'Files') >= 0; }
document.addEventListener('dragenter', function (event) {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth++;
  dropzone.classList.add('is-dragover');
});
document.addEventListener('dragover', function (event) {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('dragleave', function () {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropzone.classList.remove('is-dragover');
});
document.addEventListener('drop', function (event) {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  dropzone.classList.remove('is-dragover');
  stage(event.dataTransfer.files);
});

/* ---------------- uploading ---------------- */

var activityEl = $('activity');
var activityEmpty = $('activity-empty');
var clearActivity = $('clear-activity');
var running = 0;
var queue = [];

$('upload-form').addEventListener('submit', function (event) {
  event.preventDefault();
  if (!state.staged.length) { setFormMessage('Choose or drop at least one file first.', true); fileInput.focus(); return; }
  if (state.mode === 'chain' && !state.chain.length) {
    setFormMessage('Add at least one effect step, or choose Default or None.', true);
    document.querySelector('[data-add]').focus();
    return;
  }
  var fields = effectsFields();
  var count = state.staged.length;
  state.staged.splice(0).forEach(function (item) {
    var job = { id: nextJobId++, file: item.file, preview: item.preview, fields: fields, phase: 'queued', progress: 0, fileId: null, error: null, el: null };
    state.jobs.unshift(job);
    queue.push(job);
    renderJob(job);
  });
  renderStaged();
  setFormMessage('Uploading ' + plural(count, 'file', 'files') + '…');
  pump();
});

function pump() {
  while (running < UPLOAD_CONCURRENCY && queue.length) {
    running++;
    start(queue.shift()).then(function () { running--; pump(); });
  }
  if (!running && !queue.length) {
    var failed = state.jobs.filter(function (j) { return j.phase === 'error' && !j.cancelled; }).length;
    var paused = state.jobs.filter(function (j) { return j.phase === 'interrupted'; }).length;
    if (failed) setFormMessage(plural(failed, 'upload', 'uploads') + ' failed; see Activity.', true);
    else if (paused) setFormMessage(plural(paused, 'upload was', 'uploads were') + ' interrupted; resume in Activity.', true);
    else setFormMessage('All uploads sent.');
  }
}

function fail(job, message) {
  job.phase = 'error';
  job.error = message;
  renderJob(job);
  announce(job.file.name + ': ' + message);
}

/** Large files (over the server's threshold) go straight to storage; the rest through POST /files. */
function start(job) {
  return directLimits().then(function () {
    var viaStorage = goesDirect(job.file);
    var limit = viaStorage ? direct.directMaxBytes : MAX_BYTES;
    if (limit && job.file.size > limit) {
      fail(job, 'The file is ' + formatBytes(job.file.size) + ', over the upload limit of ' + formatBytes(limit) + '.');
      return;
    }
    return viaStorage ? sendDirect(job) : send(job);
  });
}

function sendOnce(job) {
  return new Promise(function (resolve) {
    var form = new FormData();
    job.fields.forEach(function (field) { form.append(field[0], field[1]); });
    form.append('file', job.file, job.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/files');
    var headers = authHeaders({ accept: 'application/json' });
    Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
    job.phase = 'uploading';
    job.progress = 0;
    renderJob(job);
    xhr.upload.addEventListener('progress', function (event) {
      if (!event.lengthComputable) return;
      job.progress = event.loaded / event.total;
      renderJob(job);
    });
    xhr.addEventListener('load', function () { resolve({ status: xhr.status, text: xhr.responseText }); });
    xhr.addEventListener('error', function () { resolve({ status: 0, error: 'The upload did not reach the server (network error).' }); });
    xhr.addEventListener('abort', function () { resolve({ status: 0, error: 'The upload was cancelled.' }); });
    xhr.send(form);
  });
}

function send(job) {
  return withToken(function () { return sendOnce(job); }, function (answer) { return answer.status; }).then(function (answer) {
    if (answer.error) { fail(job, answer.error); return; }
    if (answer.status >= 200 && answer.status < 300) {
      uploaded(job, JSON.parse(answer.text));
    } else {
      fail(job, messageOf(answer.status, answer.text));
    }
  });
}

/** The file is stored and announced (POST /files or a completed direct upload): follow it through the pipeline. */
function uploaded(job, created) {
  job.progress = 1;
  job.phase = 'processing';
  job.fileId = created.id;
  job.error = null;
  renderJob(job);
  announce(job.file.name + ' uploaded; processing.');
  addCreated(created);
}

/* ---------------- direct uploads: large files straight to storage ---------------- */

/*
 * A file over the server's threshold (GET /uploads) is not posted to /files: POST /uploads
 * answers with signed URLs (MinIO's own, on another origin, or upload's, on this one), the bytes
 * go to them with XHR (a single PUT, or parts of partSize bytes, a few at a time, each retried),
 * and POST /uploads/:id/complete announces the file as POST /files would. Unfinished uploads are
 * remembered in localStorage ({id, name, size, lastModified}); after a reload or a network failure
 * the row offers Resume, which asks for the same file again and sends only the parts that the
 * server says are missing (GET /uploads/:id).
 */
var DIRECT_KEY = 'file-pipeline.directUploads';
var PART_CONCURRENCY = 3;
var PART_ATTEMPTS = 3;
var RETRY_DELAY_MS = 500;
var direct = null;
/** The server's direct-upload limits; asked again before an upload while the last ask failed. */
function loadDirectLimits() { return getJson('/uploads').then(function (info) { direct = info; }, function () { direct = null; }); }
var directReady = loadDirectLimits();
function directLimits() {
  if (!direct) directReady = directReady.then(loadDirectLimits);
  return directReady;
}

function goesDirect(file) { return !!direct && file.size > direct.directThreshold; }

function savedUploads() {
  try {
    var list = JSON.parse(localStorage.getItem(DIRECT_KEY) || '[]');
    return Array.isArray(list) ? list.filter(function (u) { return u && typeof u.id === 'string'; }) : [];
  } catch (e) { return []; }
}
function saveUploads(list) {
  try { localStorage.setItem(DIRECT_KEY, JSON.stringify(list)); } catch (e) { /* storage blocked: no resume after a reload */ }
}
function rememberUpload(job) {
  var entry = { id: job.uploadId, name: job.file.name, size: job.file.size, lastModified: job.file.lastModified };
  saveUploads(savedUploads().filter(function (u) { return u.id !== entry.id; }).concat([entry]));
}
function forgetUpload(id) { saveUploads(savedUploads().filter(function (u) { return u.id !== id; })); }

/** A write to the API with a JSON body, with the API token as POST /files sends it; resolves the parsed answer. */
function writeJson(method, url, body) {
  return withToken(function () {
    var headers = authHeaders({ accept: 'application/json' });
    var init = { method: method, headers: headers, cache: 'no-store' };
    if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) { return { status: response.status, text: text }; });
    }, function () { return { status: 0, text: '' }; });
  }, function (answer) { return answer.status; }).then(function (answer) {
    if (answer.status >= 200 && answer.status < 300) return answer.text ? JSON.parse(answer.text) : null;
    throw new HttpError(answer.status, messageOf(answer.status, answer.text));
  });
}

/** S3 answers errors in XML: its Message says why. */
function storageMessage(status, text) {
  var match = /<Message>([^<]*)<[/]Message>/.exec(text || '');
  if (match) return 'Storage refused a part (HTTP ' + status + '): ' + match[1];
  return messageOf(status, text);
}

/** One PUT of exactly the signed bytes with exactly the signed headers; reports bytes sent so far. */
function putBytes(job, target, blob, onProgress) {
  return new Promise(function (resolve, reject) {
    var xhr = new XMLHttpRequest();
    var transfer = job.transfer;
    xhr.open(target.method || 'PUT', target.url);
    var headers = target.headers || {};
    // The browser sets Content-Length (and Host) itself, from the blob.
    Object.keys(headers).forEach(function (name) { if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, headers[name]); });
    xhr.upload.addEventListener('progress', function (event) { onProgress(event.loaded); });
    function done() { transfer.xhrs = transfer.xhrs.filter(function (x) { return x !== xhr; }); }
    xhr.addEventListener('load', function () {
      done();
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new HttpError(xhr.status, storageMessage(xhr.status, xhr.responseText)));
    });
    xhr.addEventListener('error', function () { done(); reject(new HttpError(0, 'The connection to storage failed (network error).')); });
    xhr.addEventListener('abort', function () { done(); reject(new HttpError(-1, 'The upload was cancelled.')); });
    transfer.xhrs.push(xhr);
    xhr.send(blob);
  });
}

function retriable(error) { return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500; }
function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

/** Sends the pieces in plan ({upload} or {parts}); alreadySent bytes count as done for the bar. */
function transfer(job, plan, alreadySent) {
  var t = job.transfer = { xhrs: [], sent: alreadySent, inFlight: {}, stop: false, error: null, lastRender: 0 };
  var size = job.file.size;
  function progress(key, loaded) {
    t.inFlight[key] = loaded;
    var flying = Object.keys(t.inFlight).reduce(function (sum, k) { return sum + t.inFlight[k]; }, 0);
    job.progress = size ? Math.min(1, (t.sent + flying) / size) : 1;
    var now = Date.now();
    if (now - t.lastRender > 100) { t.lastRender = now; renderJob(job); }
  }
  function sendPiece(key, target, from, to) {
    var attempt = 0;
    function once() {
      attempt++;
      return putBytes(job, target, job.file.slice(from, to), function (loaded) { progress(key, Math.min(loaded, to - from)); }).then(function () {
        delete t.inFlight[key];
        t.sent += to - from;
        progress(key, 0);
        delete t.inFlight[key];
      }, function (error) {
        delete t.inFlight[key];
        if (job.cancelled || t.stop || !retriable(error) || attempt >= PART_ATTEMPTS) throw error;
        return wait(RETRY_DELAY_MS * attempt).then(once);
      });
    }
    return once();
  }
  job.phase = 'uploading';
  renderJob(job);
  if (plan.upload) return sendPiece('single', plan.upload, 0, size);
  var queue = plan.parts.slice().sort(function (a, b) { return a.partNumber - b.partNumber; });
  var partSize = plan.partSize;
  function worker() {
    if (t.stop || job.cancelled || !queue.length) return Promise.resolve();
    var part = queue.shift();
    var from = (part.partNumber - 1) * partSize;
    return sendPiece('part' + part.partNumber, part, from, from + part.size).then(worker, function (error) {
      t.stop = true;
      if (!t.error) t.error = error;
    });
  }
  var workers = [];
  for (var i = 0; i < Math.min(PART_CONCURRENCY, queue.length); i++) workers.push(worker());
  return Promise.all(workers).then(function () { if (t.error) throw t.error; });
}

function sentBytes(info) {
  if (info.state === 'uploaded' || info.state === 'complete') return info.size;
  return (info.uploadedParts || []).reduce(function (sum, part) { return sum + part.size; }, 0);
}

/** Completes the upload; a 409 (parts missing) sends what is missing once more, then completes again. */
function complete(job, retried) {
  job.phase = 'completing';
  job.progress = 1;
  renderJob(job);
  return writeJson('POST', '/uploads/' + job.uploadId + '/complete').then(function (created) {
    forgetUpload(job.uploadId);
    uploaded(job, created);
  }, function (error) {
    if (error.status !== 409 || retried || !isBlob(job.file)) throw error;
    return getJson('/uploads/' + job.uploadId).then(function (info) { return continueWith(job, info, true); });
  });
}

function isBlob(file) { return typeof Blob !== 'undefined' && file instanceof Blob; }

/** Goes on from what GET /uploads/:id says. */
function continueWith(job, info, retried) {
  if (info.state === 'complete') {
    forgetUpload(job.uploadId);
    return getJson('/files/' + job.uploadId).then(function (view) { uploaded(job, view); });
  }
  if (info.state === 'aborted') {
    forgetUpload(job.uploadId);
    fail(job, 'This upload was cancelled on the server, or has expired. Upload the file again.');
    return Promise.resolve();
  }
  if (info.state === 'uploaded') return complete(job, retried);
  var plan = info.upload ? { upload: info.upload } : { parts: info.parts || [], partSize: info.partSize };
  return transfer(job, plan, sentBytes(info)).then(function () { return complete(job, retried); });
}

function sendDirect(job) {
  job.direct = true;
  job.phase = 'uploading';
  job.progress = 0;
  job.transfer = { xhrs: [] };
  renderJob(job);
  var body = { name: job.file.name, size: job.file.size };
  job.fields.forEach(function (field) { body[field[0]] = field[1]; });
  return writeJson('POST', '/uploads', body).then(function (created) {
    job.uploadId = created.id;
    if (job.cancelled) return discard(job);
    job.parts = created.parts ? created.parts.length : 1;
    rememberUpload(job);
    var plan = created.upload ? { upload: created.upload } : { parts: created.parts, partSize: created.partSize };
    return transfer(job, plan, 0).then(function () { return complete(job, false); });
  }).catch(function (error) { directFailed(job, error); });
}

function directFailed(job, error) {
  if (job.cancelled) return;
  if (!job.uploadId || error.status === 404 || error.status === 400) {
    if (job.uploadId) forgetUpload(job.uploadId);
    fail(job, error.message);
    return;
  }
  job.phase = 'interrupted';
  job.error = error.message + ' What was sent is kept: Resume sends only the missing parts.';
  renderJob(job);
  announce(job.file.name + ': upload interrupted. ' + job.error);
  pumpMessage();
}

function pumpMessage() { if (!running && !queue.length) pump(); }

/** Resume: the file this page still has, or the same file picked again (name, size and date must match). */
function resume(job, file) {
  if (file) {
    if (file.name !== job.file.name || file.size !== job.file.size || file.lastModified !== job.file.lastModified) {
      job.error = 'That is not the same file. Choose ' + job.file.name + ' (' + formatBytes(job.file.size) + ', changed ' + new Date(job.file.lastModified).toLocaleString() + ') to resume.';
      renderJob(job);
      announce(job.error);
      return;
    }
    job.file = file;
    if (isImageType(file.type) && !job.preview) job.preview = URL.createObjectURL(file);
  }
  job.phase = 'checking';
  job.error = null;
  job.transfer = { xhrs: [] };
  renderJob(job);
  announce('Resuming ' + job.file.name + '.');
  getJson('/uploads/' + job.uploadId).then(function (info) {
    if (info.state === 'pending' && !isBlob(job.file)) throw new HttpError(0, 'Choose the file again to resume.');
    return continueWith(job, info, false);
  }).then(pumpMessage, function (error) { directFailed(job, error); });
}

/** Cancel (while sending) or Discard (an interrupted upload): stop, and have the server drop what it has. */
function discard(job) {
  job.cancelled = true;
  if (job.transfer) job.transfer.xhrs.slice().forEach(function (xhr) { xhr.abort(); });
  job.phase = 'error';
  job.error = 'Cancelled.';
  renderJob(job);
  if (!job.uploadId) return Promise.resolve();
  return writeJson('DELETE', '/uploads/' + job.uploadId).then(function () {
    forgetUpload(job.uploadId);
    job.error = 'Cancelled; the server discarded what was sent.';
    renderJob(job);
    announce(job.file.name + ': upload cancelled.');
  }, function (error) {
    if (error.status === 404) forgetUpload(job.uploadId);
    job.error = 'Cancelled here, but the server could not discard it: ' + error.message;
    renderJob(job);
    announce(job.file.name + ': ' + job.error);
  });
}

function directActions(job) {
  if (!job.direct) return null;
  if (job.phase === 'uploading') {
    return h('div', { class: 'job-actions' },
      h('button', { type: 'button', class: 'button button-small', dataset: { focusKey: 'cancel' }, on: { click: function () { discard(job); } } },
        'Cancel', h('span', { class: 'visually-hidden', text: ' upload of ' + job.file.name })));
  }
  if (job.phase !== 'interrupted') return null;
  var needsFile = !isBlob(job.file);
  var picker = needsFile ? h('input', {
    type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true',
    on: { change: function (event) { var f = event.target.files[0]; if (f) resume(job, f); } }
  }) : null;
  return h('div', { class: 'job-actions' },
    h('button', {
      type: 'button', class: 'button button-small button-primary', dataset: { focusKey: 'resume' },
      'aria-describedby': 'job-note-' + job.id,
      on: { click: function () { if (picker) picker.click(); else resume(job); } }
    }, 'Resume', h('span', { class: 'visually-hidden', text: ' upload of ' + job.file.name })),
    h('button', { type: 'button', class: 'button button-small button-quiet', dataset: { focusKey: 'discard' }, on: { click: function () { discard(job); } } },
      'Discard', h('span', { class: 'visually-hidden', text: ' upload of ' + job.file.name })),
    picker);
}

function jobHint(job) {
  if (!job.direct) return formatBytes(job.file.size);
  var sent = Math.round(job.progress * job.file.size);
  var parts = job.parts > 1 ? ' in ' + job.parts + ' parts' : '';
  if (job.phase === 'interrupted' || job.phase === 'uploading') return formatBytes(sent) + ' of ' + formatBytes(job.file.size) + ' · straight to storage' + parts;
  return formatBytes(job.file.size) + ' · straight to storage' + parts;
}

/** Unfinished direct uploads of an earlier visit: ask the server how far each got. */
function restoreUploads() {
  savedUploads().forEach(function (saved) {
    var job = {
      id: nextJobId++, file: { name: String(saved.name), size: Number(saved.size), lastModified: Number(saved.lastModified), type: '' },
      preview: null, fields: [], phase: 'checking', progress: 0, fileId: null, error: null, el: null, direct: true, uploadId: saved.id
    };
    state.jobs.unshift(job);
    renderJob(job);
    getJson('/uploads/' + saved.id).then(function (info) {
      job.parts = info.mode === 'multipart' ? Math.max(1, Math.ceil(info.size / info.partSize)) : 1;
      if (info.state === 'complete' || info.state === 'aborted') return continueWith(job, info, false);
      job.progress = info.size ? sentBytes(info) / info.size : 0;
      job.phase = 'interrupted';
      job.error = info.state === 'uploaded'
        ? 'Everything was sent, but the upload was not finished. Resume finishes it.'
        : 'This upload was interrupted. Resume asks for the same file again and sends only the missing parts.';
      renderJob(job);
    }).catch(function (error) {
      if (error.status === 404) {
        forgetUpload(saved.id);
        fail(job, 'The server no longer has this upload (it expired or was removed). Upload the file again.');
        return;
      }
      job.phase = 'interrupted';
      job.error = 'Could not check this unfinished upload: ' + error.message;
      renderJob(job);
    });
  });
}

function jobView(job) { return job.fileId ? state.views.get(job.fileId) : undefined; }

function renderJob(job) {
  var view = jobView(job);
  var stateText, stateClass = '';
  if (job.phase === 'queued') stateText = 'Waiting…';
  else if (job.phase === 'checking') stateText = 'Checking…';
  else if (job.phase === 'uploading') stateText = 'Uploading ' + Math.floor(job.progress * 100) + '%';
  else if (job.phase === 'completing') stateText = 'Finishing…';
  else if (job.phase === 'interrupted') { stateText = 'Interrupted'; stateClass = 'is-paused'; }
  else if (job.phase === 'error') { stateText = job.cancelled ? 'Cancelled' : 'Failed'; stateClass = job.cancelled ? '' : 'is-error'; }
  else if (job.deleted) { stateText = 'Deleted'; job.phase = 'complete'; }
  else if (view && view.status === 'complete') {
    if (view.failures.length) { stateText = 'Done, ' + plural(view.failures.length, 'step', 'steps') + ' failed'; stateClass = 'is-error'; }
    else { stateText = 'Done'; stateClass = 'is-done'; }
    job.phase = 'complete';
  } else stateText = 'Processing…';

  var progress = h('progress', { class: 'bar' + (job.progress >= 1 ? ' is-done' : '') + (job.phase === 'interrupted' ? ' is-paused' : ''), max: '100', value: String(Math.floor(job.progress * 100)), 'aria-label': 'Upload of ' + job.file.name });
  var li = h('li', { class: 'job' + (job.phase === 'error' && !job.cancelled ? ' is-error' : '') + (job.phase === 'interrupted' ? ' is-interrupted' : ''), dataset: { job: String(job.id), phase: job.phase } },
    thumbFor(job.file, job.preview),
    h('div', { class: 'job-title' },
      h('span', { class: 'job-name', title: job.file.name, text: job.file.name }),
      h('span', { class: 'job-state ' + stateClass, text: stateText })),
    job.phase === 'error' ? h('p', { class: job.cancelled ? 'job-note' : 'job-error', text: job.error }) : progress,
    job.phase === 'error' ? null : h('div', null,
      view ? stepsList(view) : h('span', { class: 'hint', text: jobHint(job) }),
      job.phase === 'interrupted' && job.error ? h('p', { class: 'job-note', id: 'job-note-' + job.id, text: job.error }) : null,
      directActions(job),
      view ? failureReasons(view) : null,
      job.fileId && state.views.has(job.fileId) ? h('a', { href: '#file-' + job.fileId, on: { click: function (e) { e.preventDefault(); focusCard(job.fileId); } } }, 'Show in gallery') : null));
  // The row is rebuilt on every progress event: keep the focus on the same action.
  var focused = job.el && job.el.contains(document.activeElement) && document.activeElement.dataset ? document.activeElement.dataset.focusKey : null;
  if (job.el && job.el.parentNode) job.el.replaceWith(li);
  else activityEl.prepend(li);
  job.el = li;
  if (focused) {
    var again = li.querySelector('[data-focus-key="' + focused + '"]');
    if (again) again.focus();
    else { li.tabIndex = -1; li.focus(); }
  }
  renderActivityChrome();
}
function renderActivityChrome() {
  activityEmpty.hidden = state.jobs.length > 0;
  clearActivity.hidden = !state.jobs.some(function (j) { return j.phase === 'complete' || j.phase === 'error'; });
}
clearActivity.addEventListener('click', function () {
  state.jobs = state.jobs.filter(function (job) {
    var finished = job.phase === 'complete' || job.phase === 'error';
    if (finished && job.el) job.el.remove();
    return !finished;
  });
  renderActivityChrome();
  $('activity-heading').focus();
});

/* ---------------- pipeline status ---------------- */

function pipelineSteps(view) {
  var steps = [{ label: 'Uploaded', state: 'done' }];
  var chains = view.kind === 'image' ? view.chains || [] : [];
  chains.forEach(function (chain) {
    var key = chain.join('+');
    var failure = view.failures.find(function (f) { return f.chain === key; });
    chain.forEach(function (effect, index) {
      var done = view.derivatives.some(function (d) { return d.chain === key && d.step === index; });
      var previousDone = index === 0 || view.derivatives.some(function (d) { return d.chain === key && d.step === index - 1; });
      var stepState = done ? 'done'
        : failure && failure.step === index ? 'failed'
        : failure && failure.step < index ? 'skipped'
        : previousDone ? 'running' : 'pending';
      steps.push({ label: effectLabel(effect) + (chains.length > 1 && chain.length > 1 ? ' (' + key + ')' : ''), state: stepState });
    });
  });
  steps.push({ label: 'Classified', state: view.classification ? 'done' : 'running' });
  return steps;
}
var STEP_WORDS = { done: 'done', running: 'in progress', pending: 'waiting', failed: 'failed', skipped: 'skipped' };
var STEP_GLYPHS = { done: '✓', failed: '✕', skipped: '–' };
function stepsList(view) {
  return h('ol', { class: 'steps', 'aria-label': 'Pipeline status' }, pipelineSteps(view).map(function (step) {
    return h('li', { class: 'step is-' + step.state, dataset: { state: step.state } },
      h('span', { class: 'step-icon', 'aria-hidden': 'true', text: STEP_GLYPHS[step.state] || '' }),
      h('span', { text: step.label }),
      h('span', { class: 'visually-hidden', text: ': ' + STEP_WORDS[step.state] }));
  }));
}
function failureReasons(view) {
  if (!view.failures.length) return null;
  return view.failures.map(function (f) {
    return h('p', { class: 'failure-reason' }, effectLabel(f.effect) + ' failed: ' + f.reason);
  });
}

/* ---------------- gallery ---------------- */

var galleryEl = $('gallery');
var galleryEmpty = $('gallery-empty');
var galleryEmptyText = $('gallery-empty-text');
var galleryCount = $('gallery-count');
var galleryError = $('gallery-error');
var cards = new Map();

function showGalleryError(message) {
  galleryError.hidden = !message;
  galleryError.textContent = message || '';
}

function addCreated(created) {
  if (!state.views.has(created.id)) {
    state.views.set(created.id, Object.assign({}, created, {
      chains: created.effects || [], status: 'processing', derivatives: [], failures: [], classification: null,
      uploadedAt: new Date().toISOString(), format: (created.contentType || '').split('/').pop()
    }));
  }
  renderGallery();
  track(created.id);
}

var refreshTimer = 0;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadGallery, 250);
}
function loadGallery() {
  return getJson('/files?limit=100').then(function (list) {
    showGalleryError('');
    var ids = new Set(list.files.map(function (f) { return f.id; }));
    state.views.forEach(function (view, id) {
      // Gone from the bucket (deleted elsewhere); a file this page just created may not be listed yet.
      if (!ids.has(id) && view.listed) forget(id);
    });
    list.files.forEach(function (record) {
      var known = state.views.get(record.id);
      if (!known) {
        state.views.set(record.id, Object.assign({ status: 'processing', derivatives: [], failures: [], classification: null, partial: true, listed: true }, record));
        track(record.id);
      } else {
        known.listed = true;
      }
    });
    state.loaded = true;
    renderGallery();
  }, function (error) {
    showGalleryError('Could not load the files: ' + error.message);
  });
}

function forget(id) {
  state.views.delete(id);
  state.selected.delete(id);
  var poll = polls.get(id);
  if (poll) { clearTimeout(poll.timer); polls.delete(id); }
  var card = cards.get(id);
  if (card) { card.el.remove(); cards.delete(id); }
  state.jobs.forEach(function (job) {
    if (job.fileId === id) { job.deleted = true; renderJob(job); }
  });
}

function setView(view) {
  var known = state.views.get(view.id);
  view.listed = known ? known.listed : false;
  state.views.set(view.id, view);
  renderGallery();
  state.jobs.forEach(function (job) { if (job.fileId === view.id) renderJob(job); });
  if (timeline.id === view.id && timelineDialog.open) renderTimeline(view);
}

function variantsOf(view) {
  var variants = [{ key: 'original', label: 'Original', url: view.links.content, description: 'original' }];
  var chains = view.chains || [];
  view.derivatives.forEach(function (d) {
    var chain = chains.find(function (c) { return c.join('+') === d.chain; }) || d.chain.split('+');
    var last = d.step === chain.length - 1;
    var steps = chain.slice(0, d.step + 1);
    variants.push({
      key: d.chain + '/' + d.step,
      label: steps.map(effectLabel).join(' + '),
      url: d.url,
      description: last ? steps.map(function (e) { return e; }).join(' then ') : 'step ' + (d.step + 1) + ' of ' + chain.join(' then ')
    });
  });
  return variants;
}
function defaultVariant(view, variants) {
  var chains = view.chains || [];
  for (var i = 0; i < chains.length; i++) {
    var key = chains[i].join('+') + '/' + (chains[i].length - 1);
    if (variants.some(function (v) { return v.key === key; })) return key;
  }
  return variants.length > 1 ? variants[variants.length - 1].key : 'original';
}

var TRASH = '<path d="M4 7h16"/><path d="M10 11v6M14 11v6"/><path d="M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12"/><path d="M9 7V4h6v3"/>';
/** An icon from a constant path string of this script (never user data). */
function icon(paths) {
  var span = h('span', { 'aria-hidden': 'true' });
  span.innerHTML = '<svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" focusable="false">' + paths + '</svg>';
  return span;
}

var FILE_LINES = [0, 1, 2, 3];
function fileIcon(view) {
  return h('div', { class: 'file-icon is-' + view.kind, 'aria-hidden': 'true' },
    h('div', { class: 'sheet' },
      h('div', { class: 'lines' }, FILE_LINES.map(function () { return h('span'); })),
      h('span', { class: 'format', text: iconLabel(view) })));
}

function labelsOf(view) {
  var c = view.classification;
  if (!c) return h('div', { class: 'labels' }, h('span', { class: 'none', text: 'Classifying…' }));
  var all = Array.isArray(c.labels) ? c.labels.slice().sort(function (a, b) { return b.score - a.score; }) : [];
  // The likeliest label always; the rest only when they reach 1%.
  var labels = all.filter(function (l, i) { return i === 0 || Number(l.score) >= 0.01; });
  var row = h('div', { class: 'labels', role: 'list', 'aria-label': 'Labels' },
    labels.length
      ? labels.slice(0, 8).map(function (l) {
          return h('span', { class: 'label', role: 'listitem' }, String(l.label), h('span', { class: 'score', text: Math.round(Number(l.score) * 100) + '%' }));
        })
      : h('span', { class: 'none', role: 'listitem', text: 'No labels' }));
  var safe = safeSearchText(c);
  return [row, safe ? h('p', { class: 'safe-search', title: safe.all }, 'Safe search: ' + safe.top) : null];
}
/** The most likely safe-search category for the card; every score for its tooltip and the timeline. */
function safeSearchText(c) {
  var scores = c && c.safeSearch && typeof c.safeSearch === 'object' ? c.safeSearch : null;
  if (!scores) return null;
  var keys = Object.keys(scores).filter(function (k) { return typeof scores[k] === 'number'; });
  if (!keys.length) return null;
  keys.sort(function (a, b) { return scores[b] - scores[a]; });
  var text = function (k) { return k + ' ' + Math.round(scores[k] * 100) + '%'; };
  return { top: text(keys[0]), all: keys.map(text).join(' · ') };
}

function metaLine(view) {
  var parts = [];
  var c = view.classification || {};
  if (view.kind === 'image') {
    var w = c.width, ht = c.height;
    if (w && ht) parts.push(w + ' × ' + ht);
    if (c.frames > 1) parts.push(c.frames + ' frames');
  } else {
    parts.push(capitalize(view.kind));
    if (c.pages) parts.push(plural(c.pages, 'page', 'pages'));
  }
  parts.push(formatBytes(view.size));
  if (view.uploadedAt) parts.push(formatDate(view.uploadedAt));
  return parts.join(' · ');
}

function buildCard(view) {
  var id = view.id;
  var titleId = 'title-' + id;
  var media;
  var variants = null;
  if (view.kind === 'image') {
    variants = variantsOf(view);
    var chosenKey = state.selected.get(id);
    if (!variants.some(function (v) { return v.key === chosenKey; })) chosenKey = defaultVariant(view, variants);
    var chosen = variants.find(function (v) { return v.key === chosenKey; });
    media = h('div', { class: 'media' },
      h('img', { class: 'main', src: chosen.url, alt: view.name + ', ' + chosen.description, loading: 'lazy', decoding: 'async' }),
      h('span', { class: 'badge', text: 'Image · ' + shortFormat(view) }),
      statusBadge(view));
    variants = variants.length > 1 ? h('div', { class: 'variants', role: 'group', 'aria-label': 'Versions of ' + view.name },
      variants.map(function (v) {
        return h('button', {
          type: 'button', class: 'variant', 'aria-pressed': v.key === chosenKey ? 'true' : 'false', title: v.label,
          dataset: { focusKey: 'variant:' + v.key },
          on: { click: function () { state.selected.set(id, v.key); renderCard(state.views.get(id), true); } }
        }, h('img', { src: v.url, alt: '', loading: 'lazy' }), h('span', { text: v.label }));
      })) : null;
  } else {
    media = h('div', { class: 'media' }, fileIcon(view), h('span', { class: 'badge', text: capitalize(view.kind) + ' · ' + shortFormat(view) }), statusBadge(view));
  }
  var isDocument = !isImageType(view.contentType);
  return h('article', { class: 'card', id: 'file-' + id, 'aria-labelledby': titleId, tabindex: '-1', dataset: { kind: view.kind, status: view.status } },
    media,
    variants,
    h('div', { class: 'card-body' },
      h('h3', { class: 'card-title', id: titleId, title: view.name, text: view.name }),
      h('p', { class: 'card-meta', text: metaLine(view) }),
      stepsList(view),
      failureReasons(view),
      view.kind === 'image' ? labelsOf(view) : null,
      h('div', { class: 'card-actions' },
        h('button', { type: 'button', class: 'button button-small', dataset: { focusKey: 'timeline' }, on: { click: function () { openTimeline(id); } } },
          'Timeline', h('span', { class: 'visually-hidden', text: ' of ' + view.name })),
        h('a', { class: 'button button-small', href: view.links.content, target: isDocument ? null : '_blank', rel: 'noopener', download: isDocument ? view.name : null, dataset: { focusKey: 'open' } },
          isDocument ? 'Download' : 'Open', h('span', { class: 'visually-hidden', text: ' ' + view.name })),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'button button-small is-danger delete', title: 'Delete', dataset: { focusKey: 'delete' }, on: { click: function () { openDelete(id); } } },
          icon(TRASH), h('span', { class: 'visually-hidden', text: 'Delete ' + view.name })))));
}
function statusBadge(view) {
  if (view.status !== 'complete') return h('span', { class: 'badge status-badge is-processing', text: 'Processing' });
  if (view.failures.length) return h('span', { class: 'badge status-badge is-failed', text: plural(view.failures.length, 'failure', 'failures') });
  return null;
}

function renderCard(view, force) {
  var signature = JSON.stringify(view) + '|' + (state.selected.get(view.id) || '');
  var existing = cards.get(view.id);
  if (existing && existing.signature === signature && !force) return existing.el;
  var el = buildCard(view);
  if (existing) {
    var active = document.activeElement;
    var focusKey = existing.el.contains(active) && active.dataset ? active.dataset.focusKey : null;
    existing.el.replaceWith(el);
    if (focusKey) {
      var again = el.querySelector('[data-focus-key="' + focusKey + '"]');
      if (again) again.focus();
    }
  }
  cards.set(view.id, { el: el, signature: signature });
  return el;
}

function renderGallery() {
  var ids = Array.from(state.views.keys()).sort().reverse();
  var shown = ids.filter(function (id) { return state.filter === 'all' || state.views.get(id).kind === state.filter; });
  var wanted = shown.map(function (id) { return renderCard(state.views.get(id)); });
  cards.forEach(function (card, id) { if (shown.indexOf(id) < 0 && card.el.parentNode) card.el.remove(); });
  wanted.forEach(function (el, index) {
    if (galleryEl.children[index] !== el) galleryEl.insertBefore(el, galleryEl.children[index] || null);
  });
  galleryEl.setAttribute('aria-busy', state.loaded ? 'false' : 'true');
  galleryCount.textContent = ids.length ? '(' + ids.length + ')' : '';
  galleryEmpty.hidden = !state.loaded || shown.length > 0;
  galleryEmptyText.textContent = ids.length ? 'Nothing of this kind yet.' : 'No files yet. Drop a photo above to start.';
}

function focusCard(id) {
  if (state.filter !== 'all' && state.views.get(id) && state.views.get(id).kind !== state.filter) setFilter('all');
  var card = cards.get(id);
  if (!card) return;
  card.el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  card.el.focus({ preventScroll: true });
}

function setFilter(filter) {
  state.filter = filter;
  document.querySelectorAll('[data-filter]').forEach(function (button) {
    button.setAttribute('aria-pressed', button.dataset.filter === filter ? 'true' : 'false');
  });
  renderGallery();
}
document.querySelectorAll('[data-filter]').forEach(function (button) {
  button.addEventListener('click', function () { setFilter(button.dataset.filter); });
});

/* ---------------- live status of files in flight ---------------- */

var polls = new Map();
function track(id) {
  if (polls.has(id)) return;
  polls.set(id, { delay: POLL_FIRST_MS, timer: 0, busy: false, again: false, started: Date.now() });
  pollNow(id);
}
function pollNow(id) {
  var poll = polls.get(id);
  if (!poll) return;
  clearTimeout(poll.timer);
  if (poll.busy) { poll.again = true; return; }
  poll.busy = true;
  getJson('/files/' + id).then(function (view) {
    var wasKnown = state.views.get(id);
    setView(view);
    if (view.status === 'complete') {
      polls.delete(id);
      if (wasKnown && wasKnown.status !== 'complete' && !wasKnown.partial) announceComplete(view);
      return false;
    }
    return true;
  }, function (error) {
    if (error.status === 404) { forget(id); return false; }
    return true;
  }).then(function (again) {
    poll.busy = false;
    if (!again || polls.get(id) !== poll) return;
    var delay = poll.again ? 0 : poll.delay;
    poll.again = false;
    poll.delay = Math.min(Date.now() - poll.started > POLL_SLOW_AFTER_MS ? POLL_SLOW_MS : POLL_MAX_MS, Math.round(poll.delay * 1.6));
    poll.timer = setTimeout(function () { pollNow(id); }, delay);
  });
}
/** Something changed in the pipeline: look at the files in flight now instead of after their back-off. */
function nudge() {
  polls.forEach(function (poll, id) { poll.delay = POLL_FIRST_MS; pollNow(id); });
}
function announceComplete(view) {
  if (view.failures.length) {
    announce(view.name + ': finished with ' + plural(view.failures.length, 'failure', 'failures') + '. ' + view.failures.map(function (f) { return f.effect + ': ' + f.reason; }).join('; '));
  } else {
    announce(view.name + ': done' + (view.appliedEffects && view.appliedEffects.length ? ', ' + view.appliedEffects.join(' and ') + ' applied' : '') + ', classified as ' + (view.classification ? view.classification.kind : view.kind) + '.');
  }
}

/* ---------------- timeline ---------------- */

var timelineDialog = $('timeline-dialog');
var timelineBody = $('timeline-body');
var timelineTitle = $('timeline-title');
var timelineSubtitle = $('timeline-subtitle');
var timeline = { id: null };

function timelineEntries(view) {
  var entries = [{
    kind: 'upload', title: 'Uploaded', at: view.uploadedAt, from: null, by: view.uploadedBy, trace: view.traceId,
    detail: view.name + ' · ' + view.contentType + ' · ' + formatBytes(view.size)
  }];
  var chains = view.kind === 'image' ? view.chains || [] : [];
  var lineage = view.failureLineage || [];
  chains.forEach(function (chain) {
    var key = chain.join('+');
    var previousAt = view.uploadedAt;
    var broken = false;
    chain.forEach(function (effect, index) {
      var where = chain.length > 1 ? ' — step ' + (index + 1) + ' of ' + chain.length + ' in ' + chainLabel(chain) : chains.length > 1 ? ' — of the original' : '';
      var d = view.derivatives.find(function (x) { return x.chain === key && x.step === index; });
      var f = view.failures.find(function (x) { return x.chain === key && x.step === index; });
      if (d) {
        entries.push({
          kind: 'effect', title: effectLabel(effect) + where, at: d.createdAt, from: previousAt, by: d.processedBy, trace: d.traceId,
          detail: (d.width && d.height ? d.width + ' × ' + d.height + ' · ' : '') + d.contentType + ' · ' + formatBytes(d.size)
        });
        previousAt = d.createdAt;
      } else if (f) {
        var l = lineage.find(function (x) { return x.chain === key && x.step === index; });
        entries.push({ kind: 'failed', title: effectLabel(effect) + ' failed' + where, reason: f.reason, at: l ? l.at : null, from: previousAt, by: l ? l.processedBy : null, trace: l ? l.traceId : null });
        broken = true;
      } else if (!broken) {
        entries.push({ kind: 'pending', title: effectLabel(effect) + where, detail: 'Waiting…' });
        broken = true;
      }
    });
  });
  var c = view.classification;
  if (c) {
    var by = view.classifiedBy;
    var labels = Array.isArray(c.labels) ? c.labels : [];
    entries.push({
      kind: 'classify', title: 'Classified', at: c.classifiedAt || (by && by.at), from: view.uploadedAt, by: by ? by.processedBy : null, trace: by ? by.traceId : null,
      detail: capitalize(String(c.kind)) + ' · ' + String(c.format || '').toUpperCase() + ' · '
        + (labels.length ? labels.map(function (l) { return l.label + ' ' + Math.round(Number(l.score) * 100) + '%'; }).join(', ') : 'no labels')
        + (safeSearchText(c) ? ' · safe search: ' + safeSearchText(c).all : '')
        + (c.classifier ? ' · classifier ' + c.classifier : '')
    });
  } else {
    entries.push({ kind: 'pending', title: 'Classify', detail: 'Waiting…' });
  }
  var done = entries.filter(function (e) { return e.at; }).sort(function (a, b) { return new Date(a.at) - new Date(b.at); });
  return done.concat(entries.filter(function (e) { return !e.at; }));
}

function renderTimeline(view) {
  timelineTitle.textContent = 'Timeline of ' + view.name;
  timelineSubtitle.textContent = capitalize(view.kind) + ' · ' + (view.status === 'complete' ? 'complete' : 'processing…');
  var entries = timelineEntries(view);
  var finished = entries.filter(function (e) { return e.at; });
  var last = finished.length ? finished[finished.length - 1].at : view.uploadedAt;
  var summary = h('div', { class: 'tl-summary' },
    h('span', null, 'Trace ', h('strong', { class: 'trace', text: view.traceId || '–' })),
    h('span', null, 'Total ', h('strong', { text: formatDuration(new Date(last) - new Date(view.uploadedAt)) })),
    h('span', null, 'Steps ', h('strong', { text: String(finished.length) })));
  var list = h('ol', { class: 'timeline', 'aria-label': 'Pipeline steps in time order' }, entries.map(function (e) {
    var facts = [];
    if (e.by) {
      facts.push(['Function', e.by.function], ['Revision', e.by.revision], ['Instance', e.by.instance]);
    }
    if (e.at && e.from) facts.push(['Duration', formatDuration(new Date(e.at) - new Date(e.from)) + (e.kind === 'classify' ? ' after upload' : ' after its input was stored')]);
    if (e.trace) facts.push(['Trace id', e.trace]);
    return h('li', { class: 'tl-item is-' + e.kind },
      h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
      h('div', { class: 'tl-head' },
        h('span', { class: 'tl-title', text: e.title }),
        e.at ? h('time', { class: 'tl-time', datetime: e.at, text: formatTime(e.at) }) : null),
      e.reason ? h('p', { class: 'tl-reason', text: e.reason }) : null,
      e.detail ? h('p', { class: 'hint', text: e.detail }) : null,
      facts.length ? h('dl', { class: 'tl-facts' }, facts.map(function (f) { return [h('dt', { text: f[0] }), h('dd', { text: f[1] })]; })) : null);
  }));
  timelineBody.replaceChildren(summary, list,
    h('p', { class: 'hint' }, 'Each step records the function, Knative revision and instance that did it in the object’s metadata; every step shares the upload’s trace id.'));
}

function openTimeline(id) {
  timeline.id = id;
  var view = state.views.get(id);
  if (view) renderTimeline(view);
  if (!timelineDialog.open) timelineDialog.showModal();
  getJson('/files/' + id).then(function (fresh) { if (timeline.id === id) setView(fresh); renderTimeline(fresh); }, function (error) {
    timelineBody.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert', text: 'Could not load the timeline: ' + error.message }));
  });
}
$('timeline-close').addEventListener('click', function () { timelineDialog.close(); });
timelineDialog.addEventListener('click', function (event) { if (event.target === timelineDialog) timelineDialog.close(); });
timelineDialog.addEventListener('close', function () { timeline.id = null; });

/* ---------------- delete ---------------- */

var deleteDialog = $('delete-dialog');
var deleteDescription = $('delete-description');
var deleting = null;

function openDelete(id) {
  var view = state.views.get(id);
  if (!view) return;
  deleting = id;
  $('delete-title').textContent = 'Delete ' + view.name + '?';
  var extras = view.derivatives.length ? ', its ' + plural(view.derivatives.length, 'derived image', 'derived images') : '';
  deleteDescription.textContent = 'The original' + extras + ' and its metadata will be removed for good, and the stats will follow. This cannot be undone.';
  deleteDialog.returnValue = '';
  deleteDialog.showModal();
}
deleteDialog.addEventListener('close', function () {
  var id = deleting;
  deleting = null;
  if (deleteDialog.returnValue !== 'delete' || !id) return;
  var view = state.views.get(id);
  var card = cards.get(id);
  if (card) card.el.classList.add('is-removing');
  withToken(function () {
    return getJson('/files/' + id, { method: 'DELETE', headers: authHeaders({ accept: 'application/json' }) }).then(
      function (body) { return { status: 200, body: body }; },
      function (error) { if (error.status === 401) return { status: 401, error: error }; throw error; }
    );
  }, function (answer) { return answer.status; }).then(function (answer) {
    if (answer.status === 401) throw answer.error;
    forget(id);
    renderGallery();
    announce('Deleted ' + (view ? view.name : 'the file') + '.');
    $('gallery-heading').focus();
  }, function (error) {
    if (card) card.el.classList.remove('is-removing');
    if (error.status === 404) { forget(id); renderGallery(); return; }
    showGalleryError('Could not delete ' + (view ? view.name : 'the file') + ': ' + error.message);
  });
});

/* ---------------- stats (server-sent events) ---------------- */

var liveBadge = $('live-badge');
var liveText = $('live-text');
var statsError = $('stats-error');
var STATS = {
  image: function (s) { return s.files.image; },
  document: function (s) { return s.files.document; },
  other: function (s) { return s.files.other; },
  total: function (s) { return s.files.total; },
  bytes: function (s) { return s.bytes; },
  derivatives: function (s) { return s.derivatives; },
  failures: function (s) { return s.failures; }
};
var lastStats = '';

function setLive(stateName, text) {
  liveBadge.dataset.state = stateName;
  liveText.textContent = text;
}
function showStats(stats) {
  statsError.hidden = true;
  var snapshot = JSON.stringify(stats);
  var changed = snapshot !== lastStats;
  lastStats = snapshot;
  Object.keys(STATS).forEach(function (key) {
    var dd = document.querySelector('[data-stat="' + key + '"]');
    var value = Number(STATS[key](stats));
    var text = key === 'bytes' ? formatBytes(value) : value.toLocaleString();
    if (key === 'bytes') dd.title = value.toLocaleString() + ' bytes';
    if (key === 'failures') dd.dataset.nonzero = String(value > 0);
    if (dd.textContent !== text) {
      var first = dd.textContent === '–';
      dd.textContent = text;
      dd.dataset.value = String(value);
      if (!first) {
        dd.classList.remove('bump');
        void dd.offsetWidth;
        dd.classList.add('bump');
      }
    }
  });
  return changed;
}
function showStatsError(message) {
  statsError.hidden = false;
  statsError.textContent = 'Live stats are unavailable: ' + message;
  setLive('error', 'Stats offline');
}

var source = null;
var retryMs = 2000;
var reconnecting = 0;
function connectStats() {
  if (source) source.close();
  source = new EventSource('/stats/stream');
  source.addEventListener('open', function () { clearTimeout(reconnecting); retryMs = 2000; setLive('live', 'Live'); });
  source.addEventListener('stats', function (event) {
    clearTimeout(reconnecting);
    setLive('live', 'Live');
    var changed = showStats(JSON.parse(event.data));
    if (changed) { nudge(); scheduleRefresh(); }
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) {
      // Not an event stream (503 from the proxy): say why, and try again later.
      clearTimeout(reconnecting);
      getJson('/stats').then(showStats, function (error) { showStatsError(error.message); });
      setTimeout(connectStats, retryMs);
      retryMs = Math.min(30000, retryMs * 2);
    } else {
      // The proxy ends each stream after a while and EventSource reconnects within a second:
      // only a reconnection that takes longer is worth showing.
      clearTimeout(reconnecting);
      reconnecting = setTimeout(function () { setLive('connecting', 'Reconnecting…'); }, 3000);
    }
  });
}

/* ---------------- start ---------------- */

setSigma(SIGMA_DEFAULT);
renderEffects();
renderStaged();
renderActivityChrome();
loadGallery();
restoreUploads();
connectStats();
document.addEventListener('visibilitychange', function () { if (!document.hidden) { nudge(); scheduleRefresh(); } });
})();
`;

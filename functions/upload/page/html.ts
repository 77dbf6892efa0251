/**
 * The page's markup. Static: everything the user supplied (file names, labels) is inserted later
 * by the script with textContent, never as HTML.
 */

export interface PageAssets {
  readonly css: string;
  readonly js: string;
  readonly icon: string;
}

/** Effect names as the API spells them, in the order the page offers them. */
const EFFECT_BUTTONS = [
  { effect: 'grayscale', label: 'Grayscale', icon: '<circle cx="12" cy="12" r="8"/><path d="M12 4v16" /><path d="M12 4a8 8 0 0 1 0 16z" fill="currentColor"/>' },
  { effect: 'blur', label: 'Blur', icon: '<circle cx="12" cy="12" r="3"/><circle cx="12" cy="12" r="6.5" stroke-dasharray="2 2.5"/><circle cx="12" cy="12" r="9.5" stroke-dasharray="1.5 3"/>' },
];

function svg(paths: string, size = 20): string {
  return `<svg aria-hidden="true" focusable="false" width="${size}" height="${size}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${paths}</svg>`;
}

const STATS = [
  { key: 'image', label: 'Images' },
  { key: 'document', label: 'Documents' },
  { key: 'other', label: 'Others' },
  { key: 'total', label: 'Total files' },
  { key: 'bytes', label: 'Stored' },
  { key: 'derivatives', label: 'Derivatives' },
  { key: 'failures', label: 'Failures' },
];

export function pageHtml(assets: PageAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="description" content="Upload photos and documents; blur, grayscale, classify and count them on a serverless pipeline.">
<title>File pipeline</title>
<link rel="icon" type="image/svg+xml" href="${assets.icon}">
<link rel="stylesheet" href="${assets.css}">
<script src="${assets.js}" defer></script>
</head>
<body>
<a class="skip-link" href="#gallery-heading">Skip to the gallery</a>
<header class="topbar">
  <div class="brand">
    <img src="${assets.icon}" alt="" width="36" height="36">
    <div>
      <h1>File pipeline</h1>
      <p class="tagline">Drop a photo or a document: upload, effects, classification and stats, live.</p>
    </div>
  </div>
  <p class="live-badge" id="live-badge" data-state="connecting"><span class="live-dot" aria-hidden="true"></span><span id="live-text">Connecting…</span></p>
</header>

<main id="main">
  <section class="stats-panel" aria-labelledby="stats-heading">
    <h2 id="stats-heading" class="visually-hidden">Pipeline statistics</h2>
    <dl class="stats" id="stats">
${STATS.map((s) => `      <div class="stat stat-${s.key}"><dt>${s.label}</dt><dd data-stat="${s.key}">–</dd></div>`).join('\n')}
    </dl>
    <p class="notice notice-error" id="stats-error" role="alert" hidden></p>
  </section>

  <div class="workbench">
    <section class="panel upload-panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload</h2>
      <form id="upload-form" novalidate>
        <div class="dropzone" id="dropzone">
          <input type="file" id="file-input" name="file" multiple class="visually-hidden" aria-describedby="drop-hint">
          <label for="file-input" class="dropzone-label">
            <span class="dropzone-icon">${svg('<path d="M12 16V4"/><path d="m7 9 5-5 5 5"/><path d="M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>', 28)}</span>
            <span class="dropzone-title">Drop files here or <span class="fake-link">choose files</span></span>
            <span class="dropzone-hint" id="drop-hint">Several at once. Photos get effects; PDFs and any other file are stored and classified.</span>
          </label>
        </div>
        <ul class="staged" id="staged" aria-label="Files ready to upload" hidden></ul>

        <fieldset class="effects">
          <legend>Effects for photos</legend>
          <div class="segmented">
            <input type="radio" name="mode" id="mode-default" value="default" checked><label for="mode-default">Default</label>
            <input type="radio" name="mode" id="mode-chain" value="chain"><label for="mode-chain">In order…</label>
            <input type="radio" name="mode" id="mode-none" value="none"><label for="mode-none">None</label>
          </div>
          <p class="hint" id="mode-hint" aria-live="polite">A blurred copy and a grayscale copy, each made from the original.</p>
          <div class="chain-builder">
            <ol class="chain" id="chain" aria-label="Effects, applied in this order" hidden></ol>
            <div class="add-effects" role="group" aria-labelledby="add-label">
              <span class="add-label" id="add-label">Add a step</span>
${EFFECT_BUTTONS.map((b) => `              <button type="button" class="chip-button" data-add="${b.effect}" aria-label="Add ${b.label.toLowerCase()}">${svg(b.icon, 18)}<span>${b.label}</span></button>`).join('\n')}
            </div>
          </div>
          <div class="sigma" id="sigma-row">
            <label for="sigma">Blur strength</label>
            <input type="range" id="sigma" min="0" max="1000" step="1" value="0" aria-describedby="sigma-help">
            <output id="sigma-out" for="sigma">σ 4</output>
            <span class="hint" id="sigma-help">Gaussian sigma from 0.3 (a touch) to 50 (very strong).</span>
          </div>
        </fieldset>

        <div class="form-actions">
          <button type="submit" class="button button-primary" id="upload-button" disabled>${svg('<path d="M12 16V4"/><path d="m7 9 5-5 5 5"/><path d="M4 20h16"/>', 18)}<span id="upload-button-text">Upload</span></button>
          <p class="form-message" id="form-message" role="status"></p>
        </div>
      </form>
      <form class="token-form" id="token-form" aria-labelledby="token-heading" novalidate hidden>
        <h3 id="token-heading">API token needed</h3>
        <p class="hint" id="token-help">This pipeline accepts uploads and deletes only with its API token. It is kept for this browser tab only.</p>
        <label for="token-input">API token</label>
        <input type="password" id="token-input" name="token" autocomplete="off" spellcheck="false" required aria-describedby="token-help token-message">
        <div class="form-actions">
          <button type="submit" class="button button-primary" id="token-submit">Use token</button>
          <button type="button" class="button button-quiet" id="token-cancel">Cancel</button>
          <p class="form-message" id="token-message" role="alert"></p>
        </div>
      </form>
    </section>

    <section class="panel activity-panel" aria-labelledby="activity-heading">
      <div class="panel-head">
        <h2 id="activity-heading">Activity</h2>
        <button type="button" class="button button-quiet" id="clear-activity" hidden>Clear finished</button>
      </div>
      <ol class="activity" id="activity" aria-label="Uploads and their progress through the pipeline"></ol>
      <div class="empty" id="activity-empty">
        ${svg('<path d="M3 12h4l3 8 4-16 3 8h4"/>', 28)}
        <p>Uploads appear here with their progress through the pipeline: uploaded, each effect, classified.</p>
      </div>
    </section>
  </div>

  <section class="gallery" aria-labelledby="gallery-heading">
    <div class="gallery-head">
      <h2 id="gallery-heading" tabindex="-1">Gallery <span class="count" id="gallery-count"></span></h2>
      <div class="filters" role="group" aria-label="Show">
        <button type="button" class="filter" data-filter="all" aria-pressed="true">All</button>
        <button type="button" class="filter" data-filter="image" aria-pressed="false">Images</button>
        <button type="button" class="filter" data-filter="document" aria-pressed="false">Documents</button>
        <button type="button" class="filter" data-filter="other" aria-pressed="false">Others</button>
      </div>
    </div>
    <p class="notice notice-error" id="gallery-error" role="alert" hidden></p>
    <div class="grid" id="gallery" aria-busy="true"></div>
    <div class="empty empty-large" id="gallery-empty" hidden>
      ${svg('<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="m21 16-5-5-9 9"/>', 36)}
      <p id="gallery-empty-text">No files yet. Drop a photo above to start.</p>
    </div>
  </section>
</main>

<footer class="footer">
  <p>upload · blur · grayscale · classify · stats — five Knative functions on a Kafka broker, files in S3.</p>
</footer>

<div class="visually-hidden" id="announcer" aria-live="polite" aria-atomic="true"></div>

<dialog class="dialog dialog-wide" id="timeline-dialog" aria-labelledby="timeline-title">
  <div class="dialog-head">
    <div>
      <h2 id="timeline-title">Timeline</h2>
      <p class="hint" id="timeline-subtitle"></p>
    </div>
    <button type="button" class="icon-button" id="timeline-close" aria-label="Close timeline">${svg('<path d="M6 6l12 12M18 6 6 18"/>', 20)}</button>
  </div>
  <div class="dialog-body" id="timeline-body"></div>
</dialog>

<dialog class="dialog" id="delete-dialog" aria-labelledby="delete-title" aria-describedby="delete-description">
  <form method="dialog">
    <h2 id="delete-title">Delete this file?</h2>
    <p id="delete-description"></p>
    <div class="dialog-actions">
      <button type="submit" class="button" value="cancel" autofocus>Cancel</button>
      <button type="submit" class="button button-danger" value="delete" id="delete-confirm">Delete</button>
    </div>
  </form>
</dialog>
</body>
</html>`;
}

/** The page's stylesheet: system fonts, light and dark, no external resources. */
export const styles = `
:root {
  color-scheme: light dark;
  --bg: #f4f5f8;
  --surface: #ffffff;
  --surface-2: #f0f2f6;
  --surface-3: #e6e9ef;
  --border: #dde1e8;
  --border-strong: #c5cbd6;
  --text: #181b21;
  --muted: #555e6c;
  --accent: #4338ca;
  --accent-bg: #4f46e5;
  --accent-hover: #4338ca;
  --on-accent: #ffffff;
  --accent-soft: #eceafe;
  --ok: #126b34;
  --ok-soft: #e3f3e8;
  --err: #b3261e;
  --err-soft: #fdeceb;
  --err-bg: #c6281f;
  --warn: #7a4b00;
  --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 4px 16px rgba(16, 24, 40, .06);
  --shadow-lg: 0 12px 40px rgba(16, 24, 40, .22);
  --radius: 16px;
  --radius-sm: 10px;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1116;
    --surface: #161a21;
    --surface-2: #1d222b;
    --surface-3: #262c37;
    --border: #2b313c;
    --border-strong: #3a4250;
    --text: #e8ebf1;
    --muted: #a4acba;
    --accent: #a5a1ff;
    --accent-bg: #5b54e8;
    --accent-hover: #6a64f0;
    --accent-soft: #25234a;
    --ok: #7fd69b;
    --ok-soft: #15301f;
    --err: #ff9b93;
    --err-soft: #3a1715;
    --err-bg: #c6281f;
    --warn: #f2c46b;
    --shadow: 0 1px 2px rgba(0, 0, 0, .4);
    --shadow-lg: 0 12px 40px rgba(0, 0, 0, .6);
  }
}

*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
  color: var(--text);
  background: var(--bg);
}
h1, h2, h3 { line-height: 1.2; margin: 0; }
h2 { font-size: 1.1rem; font-weight: 650; }
p { margin: 0; }
button, input, select { font: inherit; color: inherit; }
img { max-width: 100%; }
a { color: var(--accent); }

:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; border-radius: 6px; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.skip-link { position: absolute; left: 1rem; top: -3rem; background: var(--accent-bg); color: var(--on-accent); padding: .5rem 1rem; border-radius: var(--radius-sm); z-index: 10; }
.skip-link:focus { top: 1rem; }

/* ---------- top bar ---------- */
.topbar {
  max-width: 1240px; margin: 0 auto; padding: 1.5rem 1.25rem .75rem;
  display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap;
}
.brand { display: flex; align-items: center; gap: .85rem; }
.brand img { display: block; }
.brand h1 { font-size: 1.45rem; font-weight: 700; letter-spacing: -.01em; }
.tagline { color: var(--muted); font-size: .92rem; }
.live-badge {
  display: inline-flex; align-items: center; gap: .5rem; padding: .35rem .8rem; border-radius: 999px;
  background: var(--surface); border: 1px solid var(--border); font-size: .85rem; font-weight: 550; color: var(--muted);
}
.live-dot { width: .6rem; height: .6rem; border-radius: 50%; background: var(--border-strong); }
.live-badge[data-state="live"] { color: var(--ok); }
.live-badge[data-state="live"] .live-dot { background: var(--ok); box-shadow: 0 0 0 0 currentColor; animation: pulse 2s infinite; }
.live-badge[data-state="error"] { color: var(--err); }
.live-badge[data-state="error"] .live-dot { background: var(--err); }

main { max-width: 1240px; margin: 0 auto; padding: 0 1.25rem 2rem; display: grid; gap: 1.25rem; }

/* ---------- stats ---------- */
.stats {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(8.25rem, 1fr)); gap: .75rem; margin: 0;
}
.stat {
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  padding: .8rem 1rem .85rem; box-shadow: var(--shadow); position: relative; overflow: hidden;
}
.stat::before { content: ""; position: absolute; inset: 0 auto 0 0; width: 4px; background: var(--tile, var(--border-strong)); }
.stat-image { --tile: #6366f1; }
.stat-document { --tile: #0ea5e9; }
.stat-other { --tile: #a855f7; }
.stat-total { --tile: #14b8a6; }
.stat-bytes { --tile: #f59e0b; }
.stat-derivatives { --tile: #22c55e; }
.stat-failures { --tile: #ef4444; }
.stat dt { font-size: .78rem; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
.stat dd { margin: .15rem 0 0; font-size: 1.75rem; font-weight: 700; font-variant-numeric: tabular-nums; letter-spacing: -.02em; }
.stat dd.bump { animation: bump .6s ease-out; }
.stat-failures dd[data-nonzero="true"] { color: var(--err); }

.notice { padding: .7rem 1rem; border-radius: var(--radius-sm); font-size: .92rem; }
.notice-error { background: var(--err-soft); color: var(--err); border: 1px solid color-mix(in srgb, var(--err) 35%, transparent); }
.notice[hidden] { display: none; }

/* ---------- panels ---------- */
.workbench { display: grid; gap: 1.25rem; grid-template-columns: 1fr; align-items: start; }
@media (min-width: 960px) { .workbench { grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); } }
.panel { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1.25rem; box-shadow: var(--shadow); }
.panel > h2, .panel-head { margin-bottom: 1rem; }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: .5rem; }

/* ---------- drop zone ---------- */
.dropzone { position: relative; }
.dropzone-label {
  display: flex; flex-direction: column; align-items: center; justify-content: center; gap: .35rem; text-align: center;
  min-height: 9.5rem; padding: 1.5rem 1rem; cursor: pointer;
  border: 2px dashed var(--border-strong); border-radius: var(--radius); background: var(--surface-2);
  transition: border-color .15s, background-color .15s;
}
.dropzone-label:hover, .dropzone.is-dragover .dropzone-label { border-color: var(--accent); background: var(--accent-soft); }
.dropzone:focus-within .dropzone-label { outline: 3px solid var(--accent); outline-offset: 2px; }
.dropzone-icon { display: grid; place-items: center; width: 3.25rem; height: 3.25rem; border-radius: 50%; background: var(--surface); color: var(--accent); box-shadow: var(--shadow); }
.dropzone-title { font-weight: 600; font-size: 1.02rem; }
.fake-link { color: var(--accent); text-decoration: underline; text-underline-offset: 3px; }
.dropzone-hint { color: var(--muted); font-size: .88rem; max-width: 30rem; }

.staged { list-style: none; margin: .85rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
.staged[hidden] { display: none; }
.staged li {
  display: flex; align-items: center; gap: .5rem; padding: .3rem .35rem .3rem .3rem; max-width: 100%;
  border: 1px solid var(--border); border-radius: 12px; background: var(--surface); font-size: .88rem;
}
.staged .thumb { width: 2.25rem; height: 2.25rem; border-radius: 8px; object-fit: cover; flex: none; background: var(--surface-3); display: grid; place-items: center; color: var(--muted); font-size: .62rem; font-weight: 700; }
.staged .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 13rem; font-weight: 550; }
.staged .size { color: var(--muted); white-space: nowrap; }

/* ---------- effects ---------- */
.effects { border: 0; padding: 0; margin: 1.1rem 0 0; min-width: 0; }
.effects legend { font-weight: 650; padding: 0; margin-bottom: .5rem; }
.segmented { position: relative; display: inline-flex; padding: 3px; border-radius: 12px; background: var(--surface-2); border: 1px solid var(--border); flex-wrap: wrap; }
.segmented input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; left: 50%; top: 50%; pointer-events: none; }
.segmented label { padding: .38rem .95rem; border-radius: 9px; cursor: pointer; font-weight: 550; font-size: .92rem; color: var(--muted); }
.segmented input:checked + label { background: var(--surface); color: var(--text); box-shadow: var(--shadow); }
.segmented input:focus-visible + label { outline: 3px solid var(--accent); outline-offset: 1px; }
.hint { color: var(--muted); font-size: .86rem; }
#mode-hint { margin: .5rem 0 .25rem; }

.chain-builder { display: grid; gap: .6rem; margin-top: .6rem; }
.chain { list-style: none; margin: 0; padding: .55rem; min-height: 3rem; display: flex; flex-wrap: wrap; align-items: center; gap: .35rem; border-radius: 12px; border: 1px dashed var(--border-strong); }
.chain:empty::before { content: "Add steps below — they run in the order you add them."; color: var(--muted); font-size: .86rem; padding: 0 .35rem; }
.chain li { display: inline-flex; align-items: center; gap: .35rem; }
.chain li + li::before { content: "→"; color: var(--muted); font-weight: 700; margin-right: .1rem; }
.chain .effect-chip { display: inline-flex; align-items: center; gap: .4rem; padding: .25rem .3rem .25rem .55rem; border-radius: 999px; background: var(--accent-soft); color: var(--accent); font-weight: 600; font-size: .9rem; }
.chain .step-no { display: inline-grid; place-items: center; width: 1.3rem; height: 1.3rem; border-radius: 50%; background: var(--accent-bg); color: var(--on-accent); font-size: .72rem; }
.chain .remove { border: 0; background: transparent; color: inherit; width: 1.6rem; height: 1.6rem; border-radius: 50%; cursor: pointer; display: grid; place-items: center; }
.chain .remove:hover { background: color-mix(in srgb, var(--accent) 18%, transparent); }
.add-effects { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.add-label { font-size: .86rem; font-weight: 600; color: var(--muted); margin-right: .15rem; }
.chip-button {
  display: inline-flex; align-items: center; gap: .4rem; padding: .4rem .85rem .4rem .6rem; border-radius: 999px; cursor: pointer;
  border: 1px solid var(--border-strong); background: var(--surface); font-weight: 600; font-size: .9rem;
}
.chip-button:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
.chip-button:disabled { opacity: .55; cursor: not-allowed; }
.chip-button svg { color: var(--accent); }

.sigma { display: grid; grid-template-columns: auto 1fr auto; align-items: center; gap: .35rem .85rem; margin-top: 1rem; }
.sigma label { font-weight: 600; font-size: .92rem; }
.sigma input { width: 100%; accent-color: var(--accent-bg); margin: 0; }
.sigma output { font-variant-numeric: tabular-nums; font-weight: 650; min-width: 3.5rem; text-align: right; }
.sigma .hint { grid-column: 1 / -1; }
.sigma.is-disabled { opacity: .5; }

.form-actions { display: flex; align-items: center; gap: 1rem; margin-top: 1.25rem; flex-wrap: wrap; }
.form-message { font-size: .9rem; color: var(--muted); }
.form-message.is-error { color: var(--err); font-weight: 550; }
.token-form { margin-top: 1.25rem; padding-top: 1rem; border-top: 1px solid var(--line, #ddd); display: grid; gap: .5rem; }
.token-form[hidden] { display: none; }
.token-form h3 { margin: 0; font-size: 1rem; }
.token-form input { font: inherit; padding: .5rem .6rem; border-radius: var(--radius-sm); border: 1px solid var(--muted); }

/* ---------- buttons ---------- */
.button {
  display: inline-flex; align-items: center; justify-content: center; gap: .45rem; padding: .55rem 1.05rem; min-height: 2.5rem;
  border-radius: var(--radius-sm); border: 1px solid var(--border-strong); background: var(--surface); cursor: pointer; font-weight: 600; text-decoration: none; color: var(--text);
}
.button:hover:not(:disabled) { background: var(--surface-2); }
.button:disabled { opacity: .5; cursor: not-allowed; }
.button-primary { background: var(--accent-bg); border-color: var(--accent-bg); color: var(--on-accent); padding-inline: 1.35rem; }
.button-primary:hover:not(:disabled) { background: var(--accent-hover); }
.button-danger { background: var(--err-bg); border-color: var(--err-bg); color: #fff; }
.button-danger:hover:not(:disabled) { background: #a51f18; }
.button-quiet { border-color: transparent; background: transparent; color: var(--muted); min-height: 2rem; padding: .3rem .6rem; font-size: .88rem; }
.button-small { min-height: 2.1rem; padding: .3rem .7rem; font-size: .86rem; border-radius: 9px; }
.button-small.is-danger { color: var(--err); }
.button-small.is-danger:hover { background: var(--err-soft); border-color: color-mix(in srgb, var(--err) 45%, transparent); }
.icon-button { border: 0; background: transparent; width: 2.25rem; height: 2.25rem; border-radius: 50%; display: grid; place-items: center; cursor: pointer; color: var(--muted); }
.icon-button:hover { background: var(--surface-2); color: var(--text); }

/* ---------- activity ---------- */
.activity { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; max-height: 34rem; overflow: auto; }
.job { display: grid; grid-template-columns: 3rem minmax(0, 1fr); gap: .25rem .8rem; padding: .7rem; border: 1px solid var(--border); border-radius: 12px; background: var(--surface); }
.job.is-error { border-color: color-mix(in srgb, var(--err) 45%, transparent); background: var(--err-soft); }
.job .thumb { grid-row: span 3; width: 3rem; height: 3rem; border-radius: 9px; object-fit: cover; background: var(--surface-3); display: grid; place-items: center; color: var(--muted); font-size: .66rem; font-weight: 750; }
.job-title { display: flex; justify-content: space-between; gap: .5rem; align-items: baseline; min-width: 0; }
.job-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.job-state { font-size: .82rem; color: var(--muted); white-space: nowrap; font-weight: 550; }
.job-state.is-done { color: var(--ok); }
.job-state.is-error { color: var(--err); }
.job-error { color: var(--err); font-size: .88rem; font-weight: 550; }
.job a { font-size: .85rem; }
progress.bar { -webkit-appearance: none; appearance: none; width: 100%; height: .5rem; border: 0; border-radius: 999px; background: var(--surface-3); overflow: hidden; }
progress.bar::-webkit-progress-bar { background: var(--surface-3); border-radius: 999px; }
progress.bar::-webkit-progress-value { background: var(--accent-bg); border-radius: 999px; transition: width .2s; }
progress.bar::-moz-progress-bar { background: var(--accent-bg); border-radius: 999px; }
progress.bar.is-done::-webkit-progress-value { background: #16a34a; }
progress.bar.is-done::-moz-progress-bar { background: #16a34a; }
progress.bar.is-paused::-webkit-progress-value { background: var(--warn); }
progress.bar.is-paused::-moz-progress-bar { background: var(--warn); }
.job.is-interrupted { border-color: color-mix(in srgb, var(--warn) 45%, transparent); }
.job-state.is-paused { color: var(--warn); }
.job-note { color: var(--muted); font-size: .86rem; margin: .3rem 0 0; }
.job-actions { display: flex; flex-wrap: wrap; gap: .4rem; margin-top: .45rem; }

.empty { display: grid; justify-items: center; gap: .5rem; text-align: center; color: var(--muted); padding: 1.5rem 1rem; font-size: .9rem; }
.empty[hidden] { display: none; }
.empty svg { color: var(--border-strong); }
.empty-large { padding: 3rem 1rem; background: var(--surface); border: 1px dashed var(--border-strong); border-radius: var(--radius); }

/* ---------- pipeline steps ---------- */
.steps { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; }
.step { display: inline-flex; align-items: center; gap: .3rem; padding: .12rem .55rem .12rem .4rem; border-radius: 999px; font-size: .78rem; font-weight: 600; background: var(--surface-2); color: var(--muted); border: 1px solid transparent; }
.step .step-icon { width: 1rem; height: 1rem; display: grid; place-items: center; }
.step.is-done { background: var(--ok-soft); color: var(--ok); }
.step.is-running { background: var(--accent-soft); color: var(--accent); }
.step.is-running .step-icon::before { content: ""; width: .7rem; height: .7rem; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent; animation: spin .8s linear infinite; }
.step.is-pending .step-icon::before { content: ""; width: .55rem; height: .55rem; border-radius: 50%; border: 2px solid currentColor; }
.step.is-failed { background: var(--err-soft); color: var(--err); border-color: color-mix(in srgb, var(--err) 40%, transparent); }
.step.is-skipped { text-decoration: line-through; opacity: .75; }
.failure-reason { color: var(--err); font-size: .84rem; font-weight: 550; }

/* ---------- gallery ---------- */
.gallery { display: grid; gap: 1rem; margin-top: .5rem; }
.gallery-head { display: flex; align-items: center; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.gallery-head h2 { font-size: 1.3rem; }
.gallery-head h2:focus { outline: none; }
.count { color: var(--muted); font-weight: 500; font-size: 1rem; }
.filters { display: inline-flex; gap: .35rem; flex-wrap: wrap; }
.filter { border: 1px solid var(--border); background: var(--surface); border-radius: 999px; padding: .3rem .85rem; cursor: pointer; font-weight: 550; font-size: .88rem; color: var(--muted); }
.filter[aria-pressed="true"] { background: var(--text); border-color: var(--text); color: var(--surface); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(16.5rem, 1fr)); gap: 1.1rem; }

.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); overflow: hidden; box-shadow: var(--shadow); display: flex; flex-direction: column; min-width: 0; }
.card.is-removing { opacity: .45; pointer-events: none; }
.media { position: relative; aspect-ratio: 4 / 3; background: var(--surface-2); display: grid; place-items: center; overflow: hidden; }
.media img.main { width: 100%; height: 100%; object-fit: cover; display: block; }
.media .badge { position: absolute; top: .6rem; left: .6rem; }
.media .status-badge { position: absolute; top: .6rem; right: .6rem; left: auto; }
.badge { display: inline-flex; align-items: center; gap: .3rem; padding: .18rem .55rem; border-radius: 999px; font-size: .74rem; font-weight: 650; background: rgba(15, 18, 25, .72); color: #fff; backdrop-filter: blur(4px); }
.badge.is-processing::before { content: ""; width: .6rem; height: .6rem; border-radius: 50%; border: 2px solid #fff; border-right-color: transparent; animation: spin .8s linear infinite; }
.badge.is-failed { background: var(--err-bg); }
.file-icon { display: grid; justify-items: center; gap: .4rem; color: var(--muted); }
.file-icon .sheet { position: relative; width: 4.6rem; height: 5.8rem; border-radius: 8px 22px 8px 8px; background: var(--surface); border: 2px solid var(--border-strong); display: grid; place-items: end center; padding-bottom: .8rem; box-shadow: var(--shadow); }
.file-icon .format { padding: .12rem .45rem; border-radius: 6px; font-weight: 800; font-size: .78rem; letter-spacing: .04em; color: #fff; background: #64748b; }
.file-icon.is-document .format { background: #c2410c; }
.file-icon .lines { position: absolute; top: 1rem; left: .7rem; right: .9rem; display: grid; gap: .3rem; }
.file-icon .lines span { height: .22rem; border-radius: 2px; background: var(--surface-3); }

.variants { display: flex; gap: .4rem; padding: .6rem .75rem 0; overflow-x: auto; }
.variant { flex: none; border: 2px solid transparent; padding: 0; border-radius: 10px; background: none; cursor: pointer; display: grid; gap: .1rem; justify-items: center; }
.variant img { width: 3rem; height: 3rem; border-radius: 8px; object-fit: cover; display: block; background: var(--surface-3); }
.variant span { font-size: .68rem; color: var(--muted); max-width: 7.5rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 .15rem .1rem; }
.variant[aria-pressed="true"] { border-color: var(--accent); }
.variant[aria-pressed="true"] span { color: var(--accent); font-weight: 650; }

.card-body { padding: .75rem .9rem .9rem; display: grid; gap: .55rem; flex: 1; align-content: start; }
.card-title { font-size: 1rem; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.card-meta { color: var(--muted); font-size: .84rem; }
.labels { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; font-size: .8rem; }
.labels .label { padding: .1rem .5rem; border-radius: 6px; background: var(--surface-2); border: 1px solid var(--border); font-weight: 550; }
.labels .label .score { color: var(--muted); font-weight: 500; margin-left: .25rem; font-variant-numeric: tabular-nums; }
.labels .none { color: var(--muted); font-style: italic; }
.safe-search { font-size: .78rem; color: var(--muted); }
.card-actions { display: flex; gap: .4rem; flex-wrap: wrap; margin-top: auto; padding-top: .25rem; }
.card-actions .spacer { flex: 1; }
.card-actions .delete { padding-inline: .55rem; }
.card-actions .delete svg { display: block; }

/* ---------- dialogs ---------- */
.dialog { border: 1px solid var(--border); border-radius: var(--radius); padding: 1.4rem; width: min(28rem, calc(100vw - 2rem)); background: var(--surface); color: var(--text); box-shadow: var(--shadow-lg); }
.dialog::backdrop { background: rgba(10, 13, 20, .55); backdrop-filter: blur(2px); }
.dialog h2 { font-size: 1.2rem; margin-bottom: .5rem; }
.dialog p { color: var(--muted); }
.dialog-actions { display: flex; justify-content: flex-end; gap: .6rem; margin-top: 1.4rem; }
.dialog-wide { width: min(46rem, calc(100vw - 2rem)); max-height: calc(100vh - 3rem); padding: 0; }
.dialog-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; padding: 1.2rem 1.4rem .9rem; border-bottom: 1px solid var(--border); position: sticky; top: 0; background: var(--surface); }
.dialog-head h2 { margin-bottom: .2rem; }
.dialog-body { padding: 1.1rem 1.4rem 1.4rem; }
.trace { font-family: var(--mono); font-size: .82rem; word-break: break-all; }

.timeline { list-style: none; margin: 0; padding: 0; position: relative; }
.timeline::before { content: ""; position: absolute; left: .55rem; top: .4rem; bottom: .4rem; width: 2px; background: var(--border); }
.tl-item { position: relative; padding: 0 0 1.1rem 2.1rem; }
.tl-item:last-child { padding-bottom: 0; }
.tl-dot { position: absolute; left: 0; top: .15rem; width: 1.15rem; height: 1.15rem; border-radius: 50%; background: var(--surface); border: 3px solid var(--accent-bg); }
.tl-item.is-upload .tl-dot { border-color: #0ea5e9; }
.tl-item.is-classify .tl-dot { border-color: #a855f7; }
.tl-item.is-failed .tl-dot { border-color: var(--err-bg); background: var(--err-bg); }
.tl-item.is-pending .tl-dot { border-style: dashed; border-color: var(--border-strong); }
.tl-head { display: flex; justify-content: space-between; gap: .75rem; flex-wrap: wrap; align-items: baseline; }
.tl-title { font-weight: 650; }
.tl-time { color: var(--muted); font-size: .82rem; font-variant-numeric: tabular-nums; }
.tl-item.is-failed .tl-title, .dialog .tl-reason { color: var(--err); }
.tl-reason { font-weight: 550; font-size: .9rem; margin-top: .15rem; }
.tl-facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .9rem; margin: .4rem 0 0; font-size: .84rem; background: var(--surface-2); border-radius: 10px; padding: .55rem .75rem; }
.tl-facts dt { color: var(--muted); }
.tl-facts dd { margin: 0; font-family: var(--mono); font-size: .8rem; word-break: break-all; }
.tl-summary { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; margin-bottom: 1.1rem; font-size: .88rem; }
.tl-summary strong { font-variant-numeric: tabular-nums; }

.footer { max-width: 1240px; margin: 0 auto; padding: 1rem 1.25rem 2rem; color: var(--muted); font-size: .82rem; text-align: center; }

@keyframes spin { to { transform: rotate(360deg); } }
@keyframes bump { 0% { color: var(--accent); transform: translateY(-2px); } 100% { transform: none; } }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 color-mix(in srgb, currentColor 55%, transparent); } 70% { box-shadow: 0 0 0 .45rem transparent; } 100% { box-shadow: 0 0 0 0 transparent; } }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation-duration: 0s !important; animation-iteration-count: 1 !important; transition: none !important; }
}
@media (max-width: 520px) {
  body { font-size: 14.5px; }
  .topbar { padding-top: 1rem; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .stat-total { order: -1; grid-column: 1 / -1; }
  .stat dd { font-size: 1.45rem; }
  .panel { padding: 1rem; }
  .sigma { grid-template-columns: 1fr auto; }
  .sigma input { grid-column: 1 / -1; grid-row: 2; }
}
`;

/** The upload page, served at `/`: plain HTML and a small script, no build step. */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>File pipeline</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  form { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; padding: 1rem; border: 2px dashed #aaa; border-radius: 8px; }
  ul { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; }
  li { border: 1px solid #ddd; border-radius: 8px; padding: .5rem; }
  li img { width: 100%; height: 8rem; object-fit: cover; border-radius: 4px; }
  .error { color: #b00020; }
  .muted { color: #666; font-size: .85rem; }
</style>
</head>
<body>
<h1>File pipeline</h1>
<form id="upload">
  <input type="file" name="file" id="file" multiple required>
  <label>Effects <input name="effects" id="effects" placeholder="grayscale,blur (empty: blur and grayscale)"></label>
  <button type="submit">Upload</button>
  <span id="message" role="status"></span>
</form>
<ul id="files"></ul>
<script type="module">
const list = document.getElementById('files');
const message = document.getElementById('message');
async function refresh() {
  const response = await fetch('/files?limit=60');
  const { files } = await response.json();
  list.replaceChildren(...await Promise.all(files.map(async (file) => {
    const view = await (await fetch(file.links.self)).json();
    const item = document.createElement('li');
    const thumb = view.derivatives.at(-1)?.url ?? (view.kind === 'image' ? view.links.content : null);
    if (thumb) { const img = document.createElement('img'); img.src = thumb; img.alt = view.name; item.append(img); }
    const title = document.createElement('div'); title.textContent = view.name; item.append(title);
    const meta = document.createElement('div'); meta.className = 'muted';
    meta.textContent = view.kind + ' · ' + view.status + (view.failures.length ? ' · ' + view.failures.map((f) => f.reason).join('; ') : '');
    item.append(meta);
    return item;
  })));
}
document.getElementById('upload').addEventListener('submit', async (event) => {
  event.preventDefault();
  const files = [...document.getElementById('file').files];
  const effects = document.getElementById('effects').value.trim();
  for (const file of files) {
    const form = new FormData();
    if (effects) form.append('effects', effects);
    form.append('file', file);
    message.textContent = 'Uploading ' + file.name + '…';
    const response = await fetch('/files', { method: 'POST', body: form });
    const body = await response.json();
    message.textContent = response.ok ? 'Uploaded ' + file.name : file.name + ': ' + body.message;
    message.className = response.ok ? '' : 'error';
  }
  await refresh();
});
refresh();
setInterval(refresh, 3000);
</script>
</body>
</html>`;
}

/**
 * `npm run render`: the demo's PR comment and job summary (and the docs example) rendered as GitHub
 * renders them (GFM by `marked`, GitHub's stylesheet `github-markdown-css`), as PNG screenshots at 850 px
 * (the PR column) and 400 px (a phone) by headless Chromium, into .tmp/render/. Also prints how wide each
 * page and table is, so sideways scrolling shows as a number. Without Chromium it says so and exits 0.
 * Chromium: Debian's `chromium` package, or CHROMIUM=/path/to/chrome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { ROOT } from '../__tests__/e2e/harness.ts';
import { demoRendered, exampleRendered, manyRendered } from '../__tests__/render/demo.ts';

const OUT = path.join(ROOT, '.tmp/render');
const WIDTHS = [850, 400];
const CANDIDATES = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const chromium = CANDIDATES.find((p) => existsSync(p));
await mkdir(OUT, { recursive: true });
const css = await readFile(createRequire(import.meta.url).resolve('github-markdown-css/github-markdown-light.css'), 'utf8');

/** A page like GitHub's: the markdown body in a column of `width` px with GitHub's padding. */
function page(markdown: string, title: string): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${css}
  html, body { margin: 0; background: #fff; }
  .markdown-body { box-sizing: border-box; padding: 16px; font-size: 14px; }
  </style></head><body><article class="markdown-body">${body}</article></body></html>`;
}

const pages: Array<{ name: string; html: string }> = [];
// Many findings (the example's, 12 times over): each entry folded.
for (const r of [await demoRendered(), exampleRendered(), manyRendered(12)]) {
  pages.push({ name: `${r.name}-comment`, html: page(r.comment, `${r.name} comment`) });
  pages.push({ name: `${r.name}-summary`, html: page(r.summary, `${r.name} summary`) });
}
// The example once more with every <details> open: the Terraform fixes and the notices in view.
pages.push({ name: 'example-comment-open', html: pages.find((p) => p.name === 'example-comment')!.html.replace(/<details>/g, '<details open>') });
for (const p of pages) await writeFile(path.join(OUT, `${p.name}.html`), p.html);

if (!chromium) {
  console.log(`No Chromium found (tried ${CANDIDATES.join(', ')}): wrote the HTML pages to ${path.relative(ROOT, OUT)}/ but no screenshots.`);
  console.log('Install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chrome.');
  process.exit(0);
}

const profile = await mkdtemp(path.join(os.tmpdir(), 'gg-render-'));
const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
try {
  const cdp = await connect(browser);
  for (const p of pages) {
    for (const width of WIDTHS) {
      const { targetId } = (await cdp.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      const send = (method: string, params: object = {}) => cdp.send(method, params, sessionId);
      await send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: width < 500 });
      await send('Page.enable');
      const loaded = cdp.once('Page.loadEventFired', sessionId);
      await send('Page.navigate', { url: `file://${path.join(OUT, `${p.name}.html`)}` });
      await loaded;
      const measure = (await send('Runtime.evaluate', {
        returnByValue: true,
        expression: `JSON.stringify({ height: document.documentElement.scrollHeight, page: document.documentElement.scrollWidth,
          tables: [...document.querySelectorAll('table')].map((t) => [t.scrollWidth, t.clientWidth]),
          pre: [...document.querySelectorAll('pre')].map((t) => [t.scrollWidth, t.clientWidth]) })`,
      })) as { result: { value: string } };
      const m = JSON.parse(measure.result.value) as { height: number; page: number; tables: number[][]; pre: number[][] };
      const shot = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height: m.height, scale: 1 } })) as { data: string };
      const file = path.join(OUT, `${p.name}-${width}.png`);
      await writeFile(file, Buffer.from(shot.data, 'base64'));
      const scrolling = (pairs: number[][]) => pairs.filter(([scroll = 0, client = 0]) => scroll > client + 1).length;
      console.log(
        `${path.relative(ROOT, file)}: ${width}×${m.height} px; page ${m.page} px wide${m.page > width ? ' (SIDEWAYS SCROLL)' : ''}; ` +
          `tables ${m.tables.map(([s]) => s).join('/') || '—'} px (${scrolling(m.tables)} scroll); code blocks scrolling: ${scrolling(m.pre)} of ${m.pre.length}`,
      );
      await cdp.send('Target.closeTarget', { targetId });
    }
  }
  cdp.close();
} finally {
  const exited = new Promise((resolve) => browser.once('exit', resolve));
  browser.kill();
  await exited;
  await rm(profile, { recursive: true, force: true, maxRetries: 5 });
}

/** A minimal Chrome DevTools Protocol client over the browser's WebSocket. */
async function connect(child: ChildProcess) {
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${text.slice(0, 500)}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`Chromium exited (${code}): ${text.slice(0, 500)}`)));
  });
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const waiters: Array<{ method: string; sessionId?: string; resolve: () => void }> = [];
  ws.onmessage = (event: MessageEvent) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; sessionId?: string };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.method) {
      const i = waiters.findIndex((w) => w.method === msg.method && w.sessionId === msg.sessionId);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  return {
    send(method: string, params: object = {}, sessionId?: string): Promise<unknown> {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    once(method: string, sessionId?: string): Promise<void> {
      return new Promise((resolve) => waiters.push({ method, ...(sessionId ? { sessionId } : {}), resolve }));
    },
    close: () => ws.close(),
  };
}

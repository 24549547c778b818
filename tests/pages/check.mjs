// Checks pages as a person would see them; driven by tests/it/support/pages.rs.
//
//   node tests/pages/check.mjs <screenshot-dir> < pages.json
//
// pages.json is a list of {"name": "home", "url": "http://127.0.0.1:8080/"} (or a
// file:// URL). For each page, in Debian's Chromium (never a downloaded browser):
//   - axe-core's WCAG 2 A/AA rules (wcag2a, wcag2aa, wcag21a, wcag21aa), in the light
//     and the dark colour scheme: every violation;
//   - the Nu Html Checker (vnu.jar, on the bytes the browser received): every error;
//   - at a 375 px wide viewport: the document's scroll width, and every element whose
//     box reaches past the right edge;
//   - screenshots, whole page, at 375 and 1000 px: <screenshot-dir>/<name>-375.png, …
// Prints one JSON report on stdout: [{name, url, status, axe, vnu, overflow,
// screenshots}]. Exits 0 when it could check, whatever it found; 2 when it could not.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const VNU = require('vnu-jar');
const CHROMIUM = process.env.HERALD_CHROMIUM || '/usr/bin/chromium';
const NARROW = 375;
const WIDE = 1000;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const shots = process.argv[2];
if (!shots) {
  console.error('usage: node check.mjs <screenshot-dir> < pages.json');
  process.exit(2);
}
const pages = JSON.parse(readFileSync(0, 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'herald-pages-'));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const reports = [];
try {
  for (const [index, page] of pages.entries()) {
    reports.push(await check(page, join(scratch, `${index}.html`)));
  }
} finally {
  await browser.close();
}
validate(reports);
rmSync(scratch, { recursive: true, force: true });
process.stdout.write(JSON.stringify(reports, null, 2) + '\n');

/** Everything but the validator's verdict, which runs once for all pages. */
async function check({ name, url }, source) {
  const report = { name, url, axe: [], vnu: [], overflow: null, screenshots: [], source };
  // bypassCSP lets axe's script into pages whose policy forbids scripts (all of ours).
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({
      viewport: { width: WIDE, height: 800 }, bypassCSP: true, colorScheme,
    });
    const tab = await context.newPage();
    const response = await tab.goto(url, { waitUntil: 'load' });
    if (colorScheme === 'light') {
      report.status = response ? response.status() : null;
      report.contentType = response ? response.headers()['content-type'] ?? null : null;
      // A file:// page has no response: the validator reads the file itself.
      const body = url.startsWith('file:') ? readFileSync(fileURLToPath(url)) : await response.body();
      writeFileSync(source, body);
    }
    await tab.addScriptTag({ content: AXE });
    const result = await tab.evaluate(
      (tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
    for (const v of result.violations) {
      report.axe.push({
        scheme: colorScheme, id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      });
    }
    if (colorScheme === 'light') {
      report.screenshots.push(await shoot(tab, name, WIDE));
      await tab.setViewportSize({ width: NARROW, height: 800 });
      report.overflow = await tab.evaluate(overflow, NARROW);
      report.screenshots.push(await shoot(tab, name, NARROW));
    }
    await context.close();
  }
  return report;
}

async function shoot(tab, name, width) {
  const path = join(shots, `${name}-${width}.png`);
  await tab.screenshot({ path, fullPage: true });
  return path;
}

/** Runs in the page: what reaches past the right edge of a `width` px viewport. */
function overflow(width) {
  const offenders = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      const id = element.id ? `#${element.id}` : '';
      const cls = element.className && typeof element.className === 'string'
        ? `.${element.className.trim().split(/\s+/).join('.')}` : '';
      offenders.push({ element: `${element.tagName.toLowerCase()}${id}${cls}`, right: box.right });
    }
  }
  return { scrollWidth: document.scrollingElement.scrollWidth, offenders };
}

/** The Nu Html Checker on every page's bytes at once (one JVM start). */
function validate(reports) {
  const files = reports.map((r) => r.source);
  const run = spawnSync('java', ['-jar', VNU, '--format', 'json', '--stdout', ...files], {
    encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (run.error || (run.status !== 0 && run.status !== 1)) {
    console.error(`vnu.jar could not run: ${run.error ?? run.stderr}`);
    process.exit(2);
  }
  const { messages } = JSON.parse(run.stdout);
  for (const report of reports) {
    const mine = messages.filter((m) => m.url && m.url.endsWith(report.source));
    report.vnu = mine
      .filter((m) => m.type === 'error' || m.subType === 'fatal')
      .map((m) => ({ line: m.lastLine, message: m.message, extract: m.extract }));
    delete report.source;
  }
}

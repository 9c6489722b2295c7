// Minify the SDK and stamp the source hash into the banner, so a test can tell a stale build.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const dir = new URL('../chalicelib/static/', import.meta.url);
const source = readFileSync(new URL('bilten.js', dir), 'utf8');
const hash = createHash('sha256').update(source).digest('hex');
const out = await minify(source, {
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false, preamble: `/*! Bilten Analytics SDK | sha256:${hash} */` },
});
writeFileSync(new URL('bilten.min.js', dir), out.code + '\n');
const bytes = Buffer.byteLength(out.code);
console.log(`bilten.min.js: ${bytes} B minified, ${gzipSync(out.code, { level: 9 }).length} B gzipped`);

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = new URL('.', import.meta.url).pathname;
// CONSOLE_OUT_DIR builds elsewhere (a developer's private build, served with CONSOLE_DIR).
const outDir = process.env.CONSOLE_OUT_DIR ?? join(root, 'dist');

/** Writes .br and .gz twins of the built text files, which `agentry serve` sends to clients that accept them. */
function precompress(): Plugin {
  return {
    name: 'agentry-precompress',
    apply: 'build',
    async closeBundle() {
      for (const entry of await readdir(outDir, { recursive: true })) {
        if (!/\.(js|css|html|svg|json)$/.test(entry)) continue;
        const path = join(outDir, entry);
        const content = await readFile(path);
        await writeFile(`${path}.gz`, gzipSync(content, { level: 9 }));
        await writeFile(
          `${path}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default defineConfig({
  root,
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    // No inline scripts or styles (the Content-Security-Policy allows none): every asset is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    // `npm run console:dev`: the API of an `agentry serve` on port 8000 behind Vite's dev server.
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/v1': 'http://127.0.0.1:8000',
    },
  },
});

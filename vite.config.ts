import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is served by `lakebench serve` (browser mode) and loaded from disk by Electron, so every URL in
// the built files is relative (base './') and nothing is fetched from a remote host.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
  },
  worker: { format: 'es' },
});

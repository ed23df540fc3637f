import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The typed client is a linked local package (file:../clients/typescript): resolving through
// the link keeps its imports (openapi-fetch, amazon-chime-sdk-js) on this app's one copy.
export default defineConfig({
  plugins: [react()],
  resolve: { preserveSymlinks: true, dedupe: ['amazon-chime-sdk-js', 'react', 'react-dom', 'styled-components'] },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 4000 },
});

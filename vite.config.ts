import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type ProxyOptions } from 'vite';

/**
 * The dev server injects inline scripts (React Refresh preamble, HMR client) that the production
 * Content-Security-Policy forbids; drop the CSP meta only when serving, never in a build.
 */
function devCspRelax(): Plugin {
  return {
    name: 'loadstone-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>\s*/i, ''),
  };
}

/**
 * Forwards /api to a running browser host. The host refuses foreign Host and Origin headers (DNS
 * rebinding), so both are rewritten to the host's own origin: to the host, the dev server is the page.
 */
function apiProxy(target: string): ProxyOptions {
  const origin = new URL(target).origin;
  return {
    target: origin,
    changeOrigin: true,
    configure: (proxy) => {
      proxy.on('proxyReq', (req) => req.setHeader('origin', origin));
    },
  };
}

export default defineConfig({
  root: 'renderer',
  // Relative asset URLs: the same build loads from Electron's app:// scheme, file:// and the browser host.
  base: './',
  plugins: [react(), devCspRelax()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    // The renderer imports the contract from core/common (outside the Vite root).
    fs: { allow: ['..'] },
    // Browser development: `npm run serve -- --port 4780`, then open this dev server with the token the
    // host printed (`http://127.0.0.1:5173/#token=…`). API calls go through to the host as if same-origin.
    proxy: { '/api': apiProxy(process.env.LOADSTONE_API ?? 'http://127.0.0.1:4780') },
  },
});

/**
 * Vite builds the web UI into dist/, which the server serves at `/` (apps/server/src/http/web-assets.handler.ts).
 * `npm run dev -w apps/web` serves the sources with hot reload and forwards API calls to a Ballast
 * server on BALLAST_DEV_SERVER (default http://localhost:8080), so the session cookie stays same-origin.
 */
import { defineConfig } from "vite";

const target = process.env.BALLAST_DEV_SERVER ?? "http://localhost:8080";

export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under assets/ are what lets the server cache them as immutable.
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    proxy: { "/api": target, "/graphql": target },
  },
});

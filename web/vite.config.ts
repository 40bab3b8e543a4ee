// One Vite project, one entry per front end (console, app, …): shared code (sign-in, the API client, formatting)
// is built once into chunks both load; each front end's pages are chunks loaded when their route is opened.
import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver, VantResolver } from "unplugin-vue-components/resolvers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/",
  plugins: [
    vue(),
    // components (and their styles) imported where a page uses them, so each chunk carries only what it shows
    Components({ resolvers: [ElementPlusResolver({ importStyle: "css" }), VantResolver()], dts: false }),
  ],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL("./console/index.html", import.meta.url)),
        app: fileURLToPath(new URL("./app/index.html", import.meta.url)),
        unit: fileURLToPath(new URL("./unit/index.html", import.meta.url)),
        ops: fileURLToPath(new URL("./ops/index.html", import.meta.url)),
        hall: fileURLToPath(new URL("./hall/index.html", import.meta.url)),
        developer: fileURLToPath(new URL("./developer/index.html", import.meta.url)),
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    server: { deps: { inline: ["element-plus"] } }, // its modules import their CSS: let Vite handle them
  },
});

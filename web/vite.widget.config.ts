import { defineConfig } from "vite";

// The embeddable widget (GET /widget.js): one self-contained IIFE built from the app's own
// sources (the Markdown renderer, the stream reader), added to dist/ after the app's build.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: false,
    copyPublicDir: false,
    lib: {
      entry: "src/widget/main.ts",
      formats: ["iife"],
      name: "AskwellWidget",
      fileName: () => "widget.js",
    },
  },
});

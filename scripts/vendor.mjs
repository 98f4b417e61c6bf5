// Copies the built front-end files from node_modules into static/vendor/ (committed, so the site
// runs without npm). Versions are pinned in package.json; re-run after changing them.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const files = {
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "htmx.org/LICENSE": "htmx/LICENSE",
  "@picocss/pico/css/pico.min.css": "pico/pico.min.css",
  "@picocss/pico/LICENSE.md": "pico/LICENSE.md",
  "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
  "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
  "leaflet/dist/images": "leaflet/images",
  "leaflet/LICENSE": "leaflet/LICENSE",
};

rmSync("static/vendor", { recursive: true, force: true });
for (const [from, to] of Object.entries(files)) {
  const target = `static/vendor/${to}`;
  mkdirSync(target.split("/").slice(0, -1).join("/"), { recursive: true });
  cpSync(`node_modules/${from}`, target, { recursive: true });
}
console.log(`Vendored ${Object.keys(files).length} files into static/vendor/`);

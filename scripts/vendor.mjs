// Copies the built front-end files from node_modules into static/vendor/ (committed, so the site
// runs without npm), and builds Pico from its Sass sources with only the modules the site uses
// (scripts/site-pico.scss), prefixed for the browsers Pico itself targets ("defaults") as its own build is.
// Versions are pinned in package.json; re-run after changing them.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import autoprefixer from "autoprefixer";
import postcss from "postcss";
import * as sass from "sass";

const files = {
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "htmx.org/LICENSE": "htmx/LICENSE",
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

const compiled = sass.compile("scripts/site-pico.scss", {
  style: "compressed",
  loadPaths: ["node_modules/@picocss/pico/scss"],
});
const prefixed = await postcss([autoprefixer({ overrideBrowserslist: ["defaults"] })]).process(compiled.css, { from: undefined });
writeFileSync("static/vendor/pico/pico.min.css", prefixed.css + "\n");
console.log(`Vendored ${Object.keys(files).length} files and Pico (scripts/site-pico.scss) into static/vendor/`);

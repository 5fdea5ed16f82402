// Builds api/static from the pinned npm packages: `npm ci && npm run build`.
// Output is committed, so the planner itself never needs Node at run time.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
const stat = `${here}../static`;
mkdirSync(stat, { recursive: true });
execFileSync(
  `${here}node_modules/.bin/sass`,
  ["--pkg-importer=node", "--style=compressed", "--no-source-map", "--quiet",
   `${here}app.scss`, `${stat}/app.css`],
  { stdio: "inherit" },
);
copyFileSync(`${here}node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js`,
             `${stat}/govuk-frontend.min.js`);
// axe-core for the accessibility checks in tests/web (injected by Playwright, never served).
mkdirSync(`${here}../../tests/web/vendor`, { recursive: true });
copyFileSync(`${here}node_modules/axe-core/axe.min.js`, `${here}../../tests/web/vendor/axe.min.js`);

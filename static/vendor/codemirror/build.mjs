// Builds codemirror.min.js (one minified IIFE) from src/editor.mjs and writes LICENSES.txt with
// the licence text of every package that ended up in the bundle (read from esbuild's metafile,
// so a new dependency cannot slip in without its licence).
import { build } from "esbuild";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

const result = await build({
  entryPoints: [join(here, "src/editor.mjs")],
  outfile: join(here, "codemirror.min.js"),
  bundle: true,
  format: "iife",
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  banner: { js: "/* CodeMirror 6 bundle for Interview Prep; licences in LICENSES.txt */" },
});

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.set(match[1], join(here, "node_modules", match[1]));
}

const sections = [...packages.keys()].sort().map((name) => {
  const dir = packages.get(name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((entry) => /^licen[cs]e(\.(md|txt))?$/i.test(entry));
  if (!file || !existsSync(join(dir, file))) {
    throw new Error(`${name} has no licence file: add its text by hand before committing`);
  }
  const text = readFileSync(join(dir, file), "utf8").trim();
  return `${name}@${meta.version} (${meta.license})\n${"-".repeat(72)}\n${text}\n`;
});

writeFileSync(
  join(here, "LICENSES.txt"),
  `Packages bundled in codemirror.min.js, with their licences.\n\n${sections.join("\n\n")}`,
);
console.log(`codemirror.min.js: ${packages.size} packages bundled`);

// A library's sources at a pinned commit, for the checks that run other
// projects' code (scripts/library-suites.mjs, bench/library-overhead.mjs):
// `<cache>/<name>-<commit>`, cloned from GitHub once (network) and kept.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * A local mirror of `owner/name` to clone from instead of GitHub (machines
 * without network): `$COLORLESS_GIT_MIRRORS/<owner>+<name>/repo`, a bare or
 * normal git directory, when that variable is set and the mirror exists.
 */
function mirrorOf(repo) {
  const root = process.env.COLORLESS_GIT_MIRRORS;
  if (root === undefined || root === "") return undefined;
  const dir = join(root, repo.replace("/", "+"), "repo");
  return existsSync(dir) ? dir : undefined;
}

/**
 * The directory holding `lib.repo` at `lib.commit` without its `.git`;
 * cloned into `<dir>.clone` first, so an interrupted clone never looks
 * complete. `marker`: a path inside that must exist for the cache to count.
 *
 * @example
 * const dir = pinnedSource({ name: "ufo", repo: "unjs/ufo", commit: "…" }, "/tmp/cache");
 */
export function pinnedSource(lib, cache, marker = ".") {
  const dir = join(cache, `${lib.name}-${lib.commit}`);
  if (existsSync(join(dir, marker))) return dir;
  mkdirSync(cache, { recursive: true });
  const tmp = `${dir}.clone`;
  const git = (argv) => execFileSync("git", argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  rmSync(tmp, { recursive: true, force: true });
  git(["clone", "--quiet", mirrorOf(lib.repo) ?? `https://github.com/${lib.repo}.git`, tmp]);
  git(["-C", tmp, "checkout", "--quiet", lib.commit]);
  rmSync(join(tmp, ".git"), { recursive: true, force: true });
  cpSync(tmp, dir, { recursive: true });
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

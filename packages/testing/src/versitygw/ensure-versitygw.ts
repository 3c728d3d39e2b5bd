// versitygw (the Versity S3 Gateway, Apache-2.0) is a real S3 server: its posix backend keeps each
// bucket as a folder and each object as a file. No prebuilt binary can be fetched here, so it is
// built from source with Go, once, into the project's .tools/ (Go keeps its module and build caches
// in the user's home, so another clone on the same machine only links it again).
import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export const VERSITYGW_VERSION = "v1.8.0";
const MODULE = "github.com/versity/versitygw/cmd/versitygw";
/** The oldest Go that builds this version (its go.mod); Go 1.21+ fetches a newer one itself. */
const GO_NEEDED = "1.25";

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Where the binary lives in a checkout at `root`. */
export function versitygwPath(root: string): string {
  return join(root, ".tools", "versitygw", VERSITYGW_VERSION, "versitygw");
}

/** Go on PATH or where its official archive installs (/usr/local/go). */
function findGo(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/local/go/bin"];
  return dirs.map((d) => join(d, "go")).find((p) => p !== "go" && executable(p));
}

/** The binary, built first when it is not there yet (a few minutes on a cold machine). */
export function ensureVersityGw(root = process.env.ATENDO_ROOT ?? process.cwd()): string {
  const target = versitygwPath(root);
  if (executable(target)) return target;
  const go = findGo();
  if (go === undefined) {
    throw new Error(
      `versitygw, the local S3 server of the media tests, is built with Go ${GO_NEEDED} or newer, which is ` +
        "not on PATH nor in /usr/local/go/bin: install Go (https://go.dev/dl/) and run the tests again.",
    );
  }
  // Built beside its final place, then moved: a run stopped halfway leaves no broken binary.
  const staging = join(root, ".tools", "versitygw", `.build-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  console.error(`atendo: building versitygw ${VERSITYGW_VERSION} with ${go} into .tools/ (once)`);
  try {
    execFileSync(go, ["install", `${MODULE}@${VERSITYGW_VERSION}`], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, GOBIN: staging, GOFLAGS: "-buildvcs=false" },
    });
    mkdirSync(join(target, ".."), { recursive: true });
    renameSync(join(staging, "versitygw"), target);
  } catch (err) {
    throw new Error(
      `could not build versitygw ${VERSITYGW_VERSION} with ${go} (Go ${GO_NEEDED} or newer is needed): ${(err as Error).message}`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

#!/usr/bin/env node
// `npx testrail-sync …`: runs the prebuilt binary from the platform package (for example
// @testrail-sync/linux-x64) that npm installed beside this one as an optional dependency,
// chosen by its `os`/`cpu` fields. Nothing is downloaded at install time or run time.
"use strict";

const { spawnSync } = require("child_process");

const PACKAGES = {
  "linux x64": "@testrail-sync/linux-x64",
  "linux arm64": "@testrail-sync/linux-arm64",
  "darwin x64": "@testrail-sync/darwin-x64",
  "darwin arm64": "@testrail-sync/darwin-arm64",
  "win32 x64": "@testrail-sync/win32-x64",
};

const OTHER_WAYS =
  "Install it another way: `pip install testrail-sync`, scripts/install.sh from the releases, " +
  "or `cargo install testrail-sync-cli`.";

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

// The Linux builds need glibc 2.17 or newer; on musl (Alpine) say so instead of a cryptic
// "not found" from the loader.
function isMusl() {
  if (process.platform !== "linux" || !process.report) return false;
  const header = process.report.getReport().header;
  return !header.glibcVersionRuntime;
}

function binaryPath() {
  const key = `${process.platform} ${process.arch}`;
  const pkg = PACKAGES[key];
  if (!pkg) fail(`there is no prebuilt testrail-sync for ${key}. ${OTHER_WAYS}`);
  if (isMusl()) fail(`the prebuilt Linux binary needs glibc; this system uses musl. ${OTHER_WAYS}`);
  const exe = process.platform === "win32" ? "testrail-sync.exe" : "testrail-sync";
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    return fail(
      `${pkg} is not installed. npm installs it as an optional dependency of testrail-sync: ` +
        "reinstall without --omit=optional / --no-optional, on the platform that runs it."
    );
  }
}

const result = spawnSync(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
if (result.error) fail(`cannot start testrail-sync: ${result.error.message}`);
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status === null ? 1 : result.status);

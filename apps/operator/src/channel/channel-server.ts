/**
 * `ballast channel serve --dir D`: a release channel served from a directory, for air-gapped
 * installs and tests. It answers what the operator asks W&B's deployer
 * (reference/deployment-spec.md §1.5):
 *
 *   GET /api/v1/operator/channel               the newest release in D/releases/*.json
 *   GET /api/v1/operator/channel/release/{id}  the release whose metadata.releaseId is {id}
 *   GET /charts/…                              files under D/charts (a Helm repository:
 *                                              index.yaml and chart .tgz files)
 *
 * A release file is `{metadata: {releaseId, releaseName, releaseCreatedAt, …}, chart, values}`.
 * "Newest" is the largest releaseCreatedAt (then file name). The directory is read on every
 * request, so dropping a file in publishes a release. With a license file, requests must carry it as
 * HTTP basic auth (user `license`), as the operator sends it.
 */

import { timingSafeEqual } from "node:crypto";
import { createReadStream, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, normalize, sep } from "node:path";
import type { Json } from "@ballast/deploy";
import { specFromChannelDocument } from "./channel-client.ts";

export interface ChannelServerOptions {
  readonly dir: string;
  readonly license?: string | undefined;
}

interface Release {
  readonly file: string;
  readonly doc: { [key: string]: Json };
  readonly id: string;
  readonly createdAt: string;
}

function loadReleases(dir: string): { releases: Release[]; problems: string[] } {
  const releasesDir = join(dir, "releases");
  const releases: Release[] = [];
  const problems: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(releasesDir)
      .filter((f) => f.endsWith(".json"))
      .sort();
  } catch {
    problems.push(`${releasesDir} does not exist`);
  }
  for (const file of files) {
    try {
      const doc = JSON.parse(readFileSync(join(releasesDir, file), "utf8")) as Json;
      specFromChannelDocument(doc);
      const meta = (doc as { metadata?: Record<string, unknown> }).metadata ?? {};
      releases.push({
        file,
        doc: doc as { [key: string]: Json },
        id: String(meta.releaseId ?? file.replace(/\.json$/, "")),
        createdAt: String(meta.releaseCreatedAt ?? ""),
      });
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  releases.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.file.localeCompare(b.file));
  return { releases, problems };
}

export function createChannelServer(options: ChannelServerOptions): Server {
  const expected = options.license ? Buffer.from(`license:${options.license}`) : undefined;
  return createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? "/", "http://channel").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "GET only" });
    if (path === "/healthz") return send(200, { ok: true });

    if (path.startsWith("/charts/")) {
      const root = join(options.dir, "charts");
      const file = normalize(join(root, decodeURIComponent(path.slice("/charts/".length))));
      if (!file.startsWith(root + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
        return send(404, { error: "no such chart file" });
      }
      res.writeHead(200, {
        "content-type": file.endsWith(".yaml") ? "application/yaml" : "application/gzip",
      });
      createReadStream(file).pipe(res);
      return;
    }

    if (expected) {
      const header = req.headers.authorization ?? "";
      const given = Buffer.from(header.startsWith("Basic ") ? header.slice(6) : "", "base64");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return send(401, { error: 'license required (HTTP basic auth, user "license")' });
      }
    }
    const { releases, problems } = loadReleases(options.dir);
    if (path === "/api/v1/operator/channel") {
      const newest = releases.at(-1);
      if (!newest) return send(503, { error: "no release published", problems });
      return send(200, newest.doc);
    }
    const pinned = /^\/api\/v1\/operator\/channel\/release\/([^/]+)$/.exec(path);
    if (pinned) {
      const id = decodeURIComponent(pinned[1] ?? "");
      const release = releases.find((r) => r.id === id);
      return release ? send(200, release.doc) : send(404, { error: `no release ${id}` });
    }
    send(404, { error: "not found" });
  });
}

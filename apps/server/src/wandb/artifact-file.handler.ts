import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import { requireUser } from "../http/auth.ts";
import { sendObject } from "../http/storage.handler.ts";

/**
 * The authenticated artifact-file downloads the Python client falls back to when it has no signed
 * `directUrl` for an entry (`artifact.get_entry(path).download()`, or after a failed directUrl GET):
 * `GET /artifactsV2/{region}/{entity}/{project}/{collection}/[{artifactId}/]{birthArtifactId}/{md5 hex}/{name}`
 * and the V1 layout `GET /artifacts/{entity}/{md5 hex}`
 * (wandb/sdk/artifacts/storage_policies/wandb_storage_policy.py: _file_url).
 */
export function artifactFileHandler(services: Services, layout: "V1" | "V2") {
  return async (req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>) => {
    const user = await requireUser(req, services);
    const segments = (params.rest ?? "").split("/").map((segment) => decodeURIComponent(segment));
    let entity: string | undefined;
    let md5Hex: string | undefined;
    if (layout === "V1") {
      [entity, md5Hex] = segments;
      if (segments.length !== 2) entity = undefined;
    } else if (segments.length === 7 || segments.length === 8) {
      entity = segments[1];
      md5Hex = segments[segments.length - 2];
    }
    if (!entity || !md5Hex) throw new AppError("NOT_FOUND", "Not an artifact file path.");
    const key = await services.artifacts.contentKey(user, entity, md5Hex);
    await sendObject(services, key, req, res);
  };
}

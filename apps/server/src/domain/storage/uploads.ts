import type { StoredObject } from "../../stores/objects/object-store.ts";
import type { Services } from "../services.ts";

/**
 * What an object key means once its bytes are stored: the object-created notice of DESIGN.md. The
 * local store calls this before answering the PUT, so a 2xx means the upload is recorded.
 */
export async function objectStored(services: Services, key: string, stored: StoredObject): Promise<void> {
  const runFile = /^runs\/(\d+)\/files\/(.+)$/.exec(key);
  if (runFile) {
    await services.runs.fileStored(Number(runFile[1]), runFile[2] ?? "", key, stored);
    return;
  }
  await services.artifacts.objectStored(key, stored);
}

/** The MD5 a PUT to this key must carry, for content-addressed keys. */
export function expectedMd5(services: Services, key: string): string | undefined {
  return services.artifacts.expectedMd5(key);
}

import { type ReadinessCheck, readinessFailure } from "../readiness.ts";
import type { S3ObjectStore } from "./s3.store.ts";

/**
 * The bucket answers: a HeadBucket with the server's credentials. Nothing is written, so the check
 * leaves no trace; a missing bucket, refused credentials or an unreachable endpoint all show.
 */
export function s3Readiness(store: S3ObjectStore): ReadinessCheck {
  return {
    name: "objects",
    async check(signal) {
      try {
        await store.checkBucket(signal);
      } catch (error) {
        throw readinessFailure("objects: the S3 bucket did not answer", error);
      }
    },
  };
}

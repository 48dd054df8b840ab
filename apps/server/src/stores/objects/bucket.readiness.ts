import { type ReadinessCheck, readinessFailure } from "../readiness.ts";
import type { BucketStore } from "./object-store.ts";

/**
 * The bucket answers: a HeadBucket (S3) or a container look-up (Azure) with the server's
 * credentials. Nothing is written, so the check leaves no trace; a missing bucket, refused
 * credentials or an unreachable endpoint all show.
 */
export function bucketReadiness(store: BucketStore): ReadinessCheck {
  return {
    name: "objects",
    async check(signal) {
      try {
        await store.checkBucket(signal);
      } catch (error) {
        throw readinessFailure(`objects: ${store.description} did not answer`, error);
      }
    },
  };
}

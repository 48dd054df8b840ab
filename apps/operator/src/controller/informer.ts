/**
 * List-then-watch of one resource type, resumed from the last resourceVersion when the API server
 * ends a watch and re-listed when that version has expired (410 Gone) — what client-go's reflector
 * does, for the two kinds the operator watches.
 */
import {
  type KubeClient,
  KubeError,
  type KubeObject,
  type ResourceType,
  type WatchEvent,
} from "@ballast/deploy";

export interface InformerOptions<T extends KubeObject> {
  readonly kube: KubeClient;
  readonly type: ResourceType;
  /** undefined: all namespaces. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string;
  /** Called for every object at each (re)list, then for every watch event. */
  readonly onEvent: (event: WatchEvent<T>) => void;
  readonly onError: (error: unknown) => void;
  /** Called after each complete list, once its objects have gone to onEvent. */
  readonly onListed?: () => void;
}

export function runInformer<T extends KubeObject>(
  options: InformerOptions<T>,
  signal: AbortSignal,
): Promise<void> {
  const { kube, type, namespace, labelSelector, onEvent, onError, onListed } = options;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  return (async () => {
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await kube.list<T>(type, namespace, labelSelector);
          for (const item of list.items) onEvent({ type: "ADDED", object: item });
          resourceVersion = list.metadata.resourceVersion ?? "0";
          onListed?.();
        }
        resourceVersion = await kube.watch<T>(
          type,
          namespace,
          resourceVersion,
          onEvent,
          signal,
          labelSelector,
        );
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof KubeError && error.status === 410) {
          resourceVersion = undefined;
          continue;
        }
        onError(error);
        failures++;
        resourceVersion = undefined;
        await pause(Math.min(500 * 2 ** failures, 30_000));
      }
    }
  })();
}

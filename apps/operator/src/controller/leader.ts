/**
 * Leader election on a coordination.k8s.io Lease, so only one of several operator replicas
 * reconciles (W&B's lease: `3009dfa6.apps.wandb.com`). The holder renews every `renewMs`; another
 * replica takes the lease once it has not been renewed for `leaseMs`. Writes carry the
 * resourceVersion read, so two candidates cannot both win.
 */
import { hostname } from "node:os";
import { isConflict, isNotFound, type KubeClient, type KubeObject, LEASES } from "@ballast/deploy";

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderOptions {
  readonly kube: KubeClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity?: string;
  readonly leaseMs?: number;
  readonly renewMs?: number;
  readonly onChange: (leading: boolean) => void;
  readonly onError: (error: unknown) => void;
}

const microTime = (ms: number): string => new Date(ms).toISOString().replace("Z", "000Z");

export function runLeaderElection(options: LeaderOptions, signal: AbortSignal): Promise<void> {
  const { kube, namespace, name } = options;
  const identity =
    options.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = options.leaseMs ?? 15_000;
  const renewMs = options.renewMs ?? 5_000;
  let leading = false;
  const setLeading = (value: boolean): void => {
    if (value !== leading) {
      leading = value;
      options.onChange(value);
    }
  };

  const attempt = async (): Promise<void> => {
    const now = Date.now();
    let lease: Lease | undefined;
    try {
      lease = await kube.get<Lease>(LEASES, namespace, name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseMs / 1000),
      renewTime: microTime(now),
    };
    if (!lease) {
      await kube.create<Lease>(LEASES, namespace, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      });
      setLeading(true);
      return;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = Date.parse(lease.spec?.renewTime ?? "") || 0;
    const expired = now - renewed > (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    if (holder && holder !== identity && !expired) {
      setLeading(false);
      return;
    }
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    await kube.replace<Lease>(LEASES, namespace, {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        ...(holder === identity ? {} : { acquireTime: microTime(now) }),
        leaseTransitions: transitions,
      },
    });
    setLeading(true);
  };

  return (async () => {
    while (!signal.aborted) {
      try {
        await attempt();
      } catch (error) {
        if (!isConflict(error)) options.onError(error);
        // Someone else wrote first, or the API is unreachable: stop leading until renewed.
        setLeading(false);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, renewMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    // Step down: let the next replica take over at once instead of after the lease expires.
    if (leading) {
      try {
        const lease = await kube.get<Lease>(LEASES, namespace, name);
        if (lease.spec?.holderIdentity === identity) {
          await kube.replace<Lease>(LEASES, namespace, {
            ...lease,
            spec: { ...lease.spec, holderIdentity: "", renewTime: microTime(0) },
          });
        }
      } catch {
        // Best effort: the lease expires by itself.
      }
      setLeading(false);
    }
  })();
}

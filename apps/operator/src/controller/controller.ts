/**
 * The controller: watches `WeightsAndBiases` resources and the console's user-input Secrets, and
 * feeds the work queue that runs the reconciler — only while this replica holds the leader lease.
 * Triggers (reference/deployment-spec.md §1.10): a resource created, deleted, or with a new
 * generation (a spec edit, not a status or label change); a user-input Secret changed; and a
 * periodic pass per resource (`reconcileFrequency`, default 1 h) that picks up new channel releases.
 */
import {
  type KubeClient,
  type KubeObject,
  SECRETS,
  WEIGHTS_AND_BIASES,
  type WeightsAndBiases,
} from "@ballast/deploy";
import { runInformer } from "./informer.ts";
import { runLeaderElection } from "./leader.ts";
import type { Outcome, Reconciler } from "./reconciler.ts";
import { WorkQueue } from "./work-queue.ts";

export interface ControllerOptions {
  readonly kube: KubeClient;
  readonly reconciler: Reconciler;
  /** Namespaces to watch; empty = the whole cluster. */
  readonly namespaces: readonly string[];
  /** Leader election (namespace of the operator), or undefined to run alone. */
  readonly leaderElection?: { readonly namespace: string; readonly name: string } | undefined;
  readonly metrics: ControllerMetrics;
  readonly log: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

export class ControllerMetrics {
  readonly reconciles = new Map<string, number>();
  reconcileSeconds = 0;
  reconcileCount = 0;
  leader = 0;
  watchErrors = 0;
  queueDepth: () => number = () => 0;

  record(outcome: Outcome["result"] | "error", seconds: number): void {
    this.reconciles.set(outcome, (this.reconciles.get(outcome) ?? 0) + 1);
    this.reconcileSeconds += seconds;
    this.reconcileCount++;
  }

  exposition(): string {
    const lines = [
      "# HELP ballast_operator_reconciles_total Reconciles of WeightsAndBiases resources by result.",
      "# TYPE ballast_operator_reconciles_total counter",
      ...[...this.reconciles].map(
        ([result, n]) => `ballast_operator_reconciles_total{result="${result}"} ${n}`,
      ),
      "# HELP ballast_operator_reconcile_seconds Time spent reconciling.",
      "# TYPE ballast_operator_reconcile_seconds summary",
      `ballast_operator_reconcile_seconds_sum ${this.reconcileSeconds}`,
      `ballast_operator_reconcile_seconds_count ${this.reconcileCount}`,
      "# HELP ballast_operator_leader Whether this replica holds the leader lease.",
      "# TYPE ballast_operator_leader gauge",
      `ballast_operator_leader ${this.leader}`,
      "# HELP ballast_operator_queue_depth Resources waiting for or in a reconcile.",
      "# TYPE ballast_operator_queue_depth gauge",
      `ballast_operator_queue_depth ${this.queueDepth()}`,
      "# HELP ballast_operator_watch_errors_total Watches that failed and were restarted.",
      "# TYPE ballast_operator_watch_errors_total counter",
      `ballast_operator_watch_errors_total ${this.watchErrors}`,
    ];
    return `${lines.join("\n")}\n`;
  }
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export class Controller {
  private readonly o: ControllerOptions;
  private readonly queue: WorkQueue;
  private readonly generations = new Map<string, number>();
  private leading = false;
  private watching: AbortController | undefined;
  /** Namespaces (or "" for all) whose WeightsAndBiases resources have been listed this term. */
  private readonly listed = new Set<string>();

  constructor(options: ControllerOptions) {
    this.o = options;
    this.queue = new WorkQueue((key) => this.process(key));
    options.metrics.queueDepth = () => this.queue.depth;
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { leaderElection } = this.o;
    if (!leaderElection) {
      this.startWatching(signal);
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
    } else {
      await runLeaderElection(
        {
          kube: this.o.kube,
          namespace: leaderElection.namespace,
          name: leaderElection.name,
          onChange: (leading) => {
            this.o.metrics.leader = leading ? 1 : 0;
            this.o.log("info", leading ? "became leader" : "lost leadership");
            if (leading) this.startWatching(signal);
            else this.stopWatching();
          },
          onError: (error) => this.o.log("warn", "leader election", { error: String(error) }),
        },
        signal,
      );
    }
    this.stopWatching();
    this.queue.stop();
  }

  /**
   * For /readyz: a leader is ready once it has listed the resources it watches; a standby replica,
   * which holds no work, is ready as it is (it takes over through the Lease).
   */
  ready(): boolean {
    const namespaces = this.o.namespaces.length > 0 ? this.o.namespaces : [""];
    return !this.leading || namespaces.every((namespace) => this.listed.has(namespace));
  }

  private startWatching(outer: AbortSignal): void {
    this.stopWatching();
    this.leading = true;
    this.listed.clear();
    // A new leader reconciles every resource once: forget what an earlier term saw.
    this.generations.clear();
    const inner = new AbortController();
    outer.addEventListener("abort", () => inner.abort());
    this.watching = inner;
    const namespaces = this.o.namespaces.length > 0 ? this.o.namespaces : [undefined];
    for (const namespace of namespaces) {
      void runInformer<WeightsAndBiases & KubeObject>(
        {
          kube: this.o.kube,
          type: WEIGHTS_AND_BIASES,
          namespace,
          onEvent: (event) => {
            const {
              namespace: ns = "",
              name = "",
              generation = 0,
              deletionTimestamp,
            } = event.object.metadata;
            const key = `${ns}/${name}`;
            if (event.type === "DELETED") {
              this.generations.delete(key);
              return;
            }
            const seen = this.generations.get(key);
            this.generations.set(key, generation);
            // Spec edits bump the generation; status, label and finalizer edits do not.
            if (seen !== generation || deletionTimestamp !== undefined) this.queue.add(key);
          },
          onError: (error) => {
            this.o.metrics.watchErrors++;
            this.o.log("warn", "watch of WeightsAndBiases failed; retrying", { error: String(error) });
          },
          onListed: () => {
            if (!inner.signal.aborted) this.listed.add(namespace ?? "");
          },
        },
        inner.signal,
      );
      void runInformer<Secret>(
        {
          kube: this.o.kube,
          type: SECRETS,
          namespace,
          labelSelector: "apps.wandb.com/weightsandbiases",
          onEvent: (event) => {
            const { namespace: ns = "", name = "", labels = {} } = event.object.metadata;
            const owner = labels["apps.wandb.com/weightsandbiases"];
            // The console's edits of the user input apply at once; a deleted state Secret is rebuilt.
            if (!owner || event.type === "ADDED") return;
            if (name.endsWith("-spec-user") || event.type === "DELETED") this.queue.add(`${ns}/${owner}`);
          },
          onError: (error) => {
            this.o.metrics.watchErrors++;
            this.o.log("warn", "watch of state Secrets failed; retrying", { error: String(error) });
          },
        },
        inner.signal,
      );
    }
  }

  private stopWatching(): void {
    this.leading = false;
    this.watching?.abort();
    this.watching = undefined;
  }

  private async process(key: string): Promise<number | undefined> {
    if (!this.leading) return undefined;
    const [namespace = "", name = ""] = key.split("/");
    const started = performance.now();
    try {
      const outcome = await this.o.reconciler.reconcile(namespace, name);
      this.o.metrics.record(outcome.result, (performance.now() - started) / 1000);
      this.o.log("info", "reconciled", { resource: key, result: outcome.result });
      return "requeueMs" in outcome ? outcome.requeueMs : undefined;
    } catch (error) {
      this.o.metrics.record("error", (performance.now() - started) / 1000);
      this.o.log("error", "reconcile failed; retrying with backoff", { resource: key, error: String(error) });
      throw error;
    }
  }
}

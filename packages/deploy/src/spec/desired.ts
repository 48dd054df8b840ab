/**
 * The desired spec of one resource: the release channel's spec, under the console's user input,
 * under the resource's own spec (reference/deployment-spec.md §1.3 step 9, §1.6), over the
 * operator's own defaults. Pure: everything it needs is passed in.
 */
import { type ChartSource, decodeChart } from "./chart-source.ts";
import type { Spec } from "./spec.ts";
import { type Layer, mergeLayers, provenance, type Values } from "./values.ts";

export interface DesiredInput {
  readonly resource: { readonly chart: unknown; readonly values: Values };
  readonly user: Spec;
  /** The channel's (or its cached) spec; null when air-gapped or never reached. */
  readonly channel: Spec | null;
  readonly operatorNamespace: string;
  /**
   * The chart when no layer names one: the app chart shipped in the operator's image at the same
   * version (`--default-chart`), so a resource installs without a channel or a chart repository.
   */
  readonly defaultChart?: string | undefined;
}

export interface Desired {
  readonly spec: Spec;
  readonly chart: ChartSource | undefined;
  /** Which layer each merged leaf came from (`global.host` → "resource"). */
  readonly origins: Record<string, string>;
}

export const LAYER_DEFAULTS = "operator defaults";
export const LAYER_CHANNEL = "release channel";
export const LAYER_USER = "console";
export const LAYER_RESOURCE = "resource";

/** Throws MergeError (values) or Error (chart) with a message fit for status. */
export function desiredSpec(input: DesiredInput): Desired {
  const layers: Layer[] = [
    {
      name: LAYER_DEFAULTS,
      values: {
        global: { operator: { apiVersion: "apps.wandb.com/v1", namespace: input.operatorNamespace } },
      },
    },
    ...(input.channel ? [{ name: LAYER_CHANNEL, values: input.channel.values }] : []),
    { name: LAYER_USER, values: input.user.values },
    { name: LAYER_RESOURCE, values: input.resource.values },
  ];
  const values = mergeLayers(layers);

  // The chart is taken whole from the highest layer that names one (no field-level merge).
  const candidates: [string, unknown][] = [
    [LAYER_RESOURCE, input.resource.chart],
    [LAYER_USER, input.user.chart],
    [LAYER_CHANNEL, input.channel?.chart ?? null],
    [LAYER_DEFAULTS, input.defaultChart ? { path: input.defaultChart } : null],
  ];
  let chartJson: unknown = null;
  let chart: ChartSource | undefined;
  for (const [layer, raw] of candidates) {
    const decoded = decodeChart(raw as never);
    if (!decoded) continue;
    if ("problem" in decoded) throw new Error(`${layer}: ${decoded.problem}`);
    chart = decoded.chart;
    chartJson = raw;
    break;
  }
  return {
    spec: { chart: (chartJson ?? null) as Spec["chart"], values, metadata: input.channel?.metadata ?? null },
    chart,
    origins: provenance(layers),
  };
}

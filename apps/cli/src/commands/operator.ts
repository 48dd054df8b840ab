import { OperatorUsageError, operatorSettings, runOperator } from "@ballast/operator";
import { UsageError } from "./usage.ts";

/** `ballast operator [flags]`: the Kubernetes operator for WeightsAndBiases resources. */
export async function operatorCommand(args: string[]): Promise<number> {
  let settings: ReturnType<typeof operatorSettings>;
  try {
    settings = operatorSettings(args, process.env);
  } catch (error) {
    if (error instanceof OperatorUsageError) throw new UsageError(error.message);
    throw error;
  }
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await runOperator(settings, process.env, stop.signal);
  return 0;
}

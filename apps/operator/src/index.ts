/** The operator's entry points for the `ballast` CLI (`ballast operator`, `ballast channel serve`). */
export { createChannelServer } from "./channel/channel-server.ts";
export { OperatorUsageError, operatorSettings, runOperator } from "./operator.ts";
